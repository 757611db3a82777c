// A session's results: onboarding status, score, finish-status and face log-in checks, before and after completeOnboarding.
import t from 'tap'
import { adminToken, assertIncodeError, call, getWithToken, postJson, startAnswer, startFake, startSession, statusOf } from './support/raw-http.js'
import type { Headers } from './support/raw-http.js'

function scoreOf (status: string, value: string, reasonMsg: string) {
  const overall = { value, status }
  return { overall, reasonMsg, idValidation: { overall }, liveness: { overall }, faceRecognition: { overall } }
}

t.test('GET /omni/get/onboarding/status: UNKNOWN until completeOnboarding sets it', async (t) => {
  const fake = await startFake(t)
  const admin = await adminToken(fake)
  const { interviewId } = await startAnswer(fake)
  const status = async () => {
    const { statusCode, headers, body } = await getWithToken(fake, `/omni/get/onboarding/status?id=${interviewId}`, admin)
    t.equal(statusCode, 200)
    t.match(headers['processing-time'], /^\d+$/)
    return await body.json()
  }
  t.same(await status(), { onboardingStatus: 'UNKNOWN' })
  t.same(await fake.completeOnboarding(interviewId), [], 'no webhook, no delivery')
  t.same(await status(), { onboardingStatus: 'ONBOARDING_FINISHED' })
  await fake.completeOnboarding(interviewId, { status: 'MANUAL_REVIEW_APPROVED' })
  t.same(await status(), { onboardingStatus: 'MANUAL_REVIEW_APPROVED' })
  t.equal(fake.sessions.get(interviewId)?.onboardingStatus, 'MANUAL_REVIEW_APPROVED')
})

t.test('GET /omni/get/onboarding/status refuses what Incode refuses', async (t) => {
  const fake = await startFake(t)
  const admin = await adminToken(fake)
  const { token, interviewId } = await startAnswer(fake)
  const cases: Array<{ name: string, status: number, message: string, query?: string, headers?: Headers }> = [
    { name: 'wrong api key', status: 403, message: 'Invalid or missing API key', headers: { 'x-api-key': 'nope' } },
    { name: 'no api key', status: 403, message: 'Invalid or missing API key', headers: { 'x-api-key': undefined } },
    { name: 'no token', status: 401, message: 'Invalid, expired or missing admin token', headers: { 'x-incode-hardware-id': undefined } },
    { name: 'unknown token', status: 401, message: 'Invalid, expired or missing admin token', headers: { 'x-incode-hardware-id': 'e30.e30.e30' } },
    { name: 'a session token', status: 401, message: 'Invalid, expired or missing admin token', headers: { 'x-incode-hardware-id': token } },
    { name: 'no id', status: 400, message: 'id is required', query: '' },
    { name: 'empty id', status: 400, message: 'id is required', query: '?id=' },
    { name: 'unknown id', status: 400, message: 'Unknown interview id', query: '?id=000000000000000000000000' },
    { name: 'no api-version', status: 400, message: 'Missing or unsupported api-version header', headers: { 'api-version': undefined } }
  ]
  for (const { name, status, message, query, headers } of cases) {
    const answer = await getWithToken(fake, `/omni/get/onboarding/status${query ?? `?id=${interviewId}`}`, admin, headers)
    await assertIncodeError(t, answer, { status, message, path: '/omni/get/onboarding/status' }, name)
  }
})

t.test('GET /omni/get/score: Incode\'s score object, with an admin token or the session\'s own', async (t) => {
  const fake = await startFake(t)
  const admin = await adminToken(fake)
  const { token, interviewId } = await startAnswer(fake)
  const score = async (hardwareId: string) => {
    const { statusCode, body } = await getWithToken(fake, `/omni/get/score?id=${interviewId}`, hardwareId)
    t.equal(statusCode, 200)
    return await body.json()
  }
  const unknown = scoreOf('UNKNOWN', '0.0', 'The onboarding is not finished')
  t.same(await score(admin), unknown, 'before the onboarding is finished')
  t.same(await score(token), unknown, 'the session\'s own token works too')
  await fake.completeOnboarding(interviewId)
  t.same(await score(admin), scoreOf('OK', '95.0', 'Overall status OK'))
  t.same(fake.sessions.get(interviewId)?.score, { status: 'OK', value: '95.0' })
  await fake.completeOnboarding(interviewId, { score: { status: 'WARN', value: '61.5' } })
  t.same(await score(token), scoreOf('WARN', '61.5', 'Overall status WARN'))
})

t.test('GET /omni/get/score refuses what Incode refuses', async (t) => {
  const fake = await startFake(t)
  const admin = await adminToken(fake)
  const { interviewId } = await startAnswer(fake)
  const other = await startAnswer(fake)
  const tokenMessage = 'Invalid, expired or missing admin or session token'
  const cases: Array<{ name: string, status: number, message: string, query?: string, token?: string }> = [
    { name: 'another session\'s token', status: 401, message: tokenMessage, token: other.token },
    { name: 'unknown token', status: 401, message: tokenMessage, token: 'e30.e30.e30' },
    { name: 'no id, session token', status: 401, message: tokenMessage, token: other.token, query: '' },
    { name: 'no id, admin token', status: 400, message: 'id is required', query: '' },
    { name: 'unknown id', status: 400, message: 'Unknown interview id', query: '?id=000000000000000000000000' }
  ]
  for (const { name, status, message, query, token } of cases) {
    const answer = await getWithToken(fake, `/omni/get/score${query ?? `?id=${interviewId}`}`, token ?? admin)
    await assertIncodeError(t, answer, { status, message, path: '/omni/get/score' }, name)
  }
  const noKey = await getWithToken(fake, `/omni/get/score?id=${interviewId}`, admin, { 'x-api-key': undefined })
  await assertIncodeError(t, noKey, { status: 403, message: 'Invalid or missing API key', path: '/omni/get/score' }, 'no api key')
})

t.test('GET /0/omni/get/score: the score of the token\'s own session, no API key needed', async (t) => {
  const fake = await startFake(t)
  const { token, interviewId } = await startAnswer(fake)
  const own = () => getWithToken(fake, '/0/omni/get/score', token, { 'x-api-key': undefined })
  t.same(await (await own()).body.json(), scoreOf('UNKNOWN', '0.0', 'The onboarding is not finished'))
  await fake.completeOnboarding(interviewId, { score: { status: 'FAIL' } })
  t.same(await (await own()).body.json(), scoreOf('FAIL', '30.0', 'Overall status FAIL'))

  const unknown = await getWithToken(fake, '/0/omni/get/score', 'e30.e30.e30')
  await assertIncodeError(t, unknown, { status: 401, message: 'Invalid or missing session token', path: '/0/omni/get/score' }, 'unknown token')
})

t.test('completeOnboarding: the default score value follows the status', async (t) => {
  const fake = await startFake(t)
  const { interviewId } = await startAnswer(fake)
  const values: Record<string, string> = { OK: '95.0', WARN: '75.0', FAIL: '30.0', MANUAL: '0.0', MANUAL_OK: '0.0', UNKNOWN: '0.0' }
  for (const [status, value] of Object.entries(values)) {
    await fake.completeOnboarding(interviewId, { score: { status } })
    t.same(fake.sessions.get(interviewId)?.score, { status, value }, status)
  }
})

t.test('completeOnboarding: an unknown interviewId is a RangeError, and changes nothing', async (t) => {
  const fake = await startFake(t, { maxRecorded: 1 })
  const { interviewId } = await startAnswer(fake)
  await t.rejects(fake.completeOnboarding('000000000000000000000000'), {
    name: 'RangeError',
    message: 'completeOnboarding: no session with interviewId 000000000000000000000000'
  })
  await startAnswer(fake)
  await t.rejects(fake.completeOnboarding(interviewId), RangeError, 'a session dropped by maxRecorded is unknown')
  t.equal(fake.sessions.size, 1)
  t.equal([...fake.sessions.values()][0]?.onboardingStatus, 'UNKNOWN')
})

t.test('GET /omni/finish-status: the redirection URL, the action, and the user marked as finished', async (t) => {
  const fake = await startFake(t)
  const withUrl = await (await startSession(fake, { configurationId: 'flow-1', redirectionUrl: 'https://host.example/done' })).body.json() as { token: string, interviewId: string }
  const without = await startAnswer(fake)
  const finish = async (token: string) => {
    const { statusCode, body } = await getWithToken(fake, '/omni/finish-status', token)
    t.equal(statusCode, 200)
    return await body.json()
  }
  t.equal(fake.sessions.get(withUrl.interviewId)?.finishedByUserAt, undefined, 'not finished before')
  const before = new Date()
  t.same(await finish(withUrl.token), { redirectionUrl: 'https://host.example/done', action: 'none' }, 'not complete yet')
  const finishedAt = fake.sessions.get(withUrl.interviewId)?.finishedByUserAt
  t.ok(finishedAt instanceof Date && finishedAt >= before, 'the user finished')
  await fake.completeOnboarding(withUrl.interviewId)
  t.same(await finish(withUrl.token), { redirectionUrl: 'https://host.example/done', action: 'approved' })
  t.equal(fake.sessions.get(withUrl.interviewId)?.finishedByUserAt, finishedAt, 'the first finish is the one kept')

  await fake.completeOnboarding(without.interviewId, { score: { status: 'FAIL' } })
  t.same(await finish(without.token), { redirectionUrl: null, action: 'none' }, 'no redirection URL, a failed score')

  const unknown = await getWithToken(fake, '/omni/finish-status', 'e30.e30.e30')
  await assertIncodeError(t, unknown, { status: 401, message: 'Invalid or missing session token', path: '/omni/finish-status' }, 'unknown token')
  const keyless = await getWithToken(fake, '/omni/finish-status', withUrl.token, { 'x-api-key': undefined })
  t.equal(keyless.statusCode, 403, 'off the /0/ family: the API key is required too')
  await keyless.body.dump()
})

t.test('POST /omni/authentication/verify: verified for the token of a session scored OK', async (t) => {
  const fake = await startFake(t)
  const admin = await adminToken(fake)
  const passed = await startAnswer(fake)
  const failed = await startAnswer(fake)
  const pending = await startAnswer(fake)
  await fake.completeOnboarding(passed.interviewId)
  await fake.completeOnboarding(failed.interviewId, { score: { status: 'FAIL' } })
  const verify = async (token: string) => {
    const { statusCode, body } = await postJson(fake, '/omni/authentication/verify',
      { transactionId: 'tx-1', token, interviewToken: 'it-1' }, { 'x-incode-hardware-id': admin })
    t.equal(statusCode, 200)
    return await body.json()
  }
  t.same(await verify(passed.token), { verified: true })
  t.same(await verify(failed.token), { verified: false }, 'score FAIL')
  t.same(await verify(pending.token), { verified: false }, 'not complete')
  t.same(await verify('e30.e30.e30'), { verified: false }, 'not a session token')
})

t.test('POST /omni/authentication/verify refuses what Incode refuses', async (t) => {
  const fake = await startFake(t)
  const admin = await adminToken(fake)
  const { token } = await startAnswer(fake)
  const right = { transactionId: 'tx-1', token, interviewToken: 'it-1' }
  const cases: Array<{ name: string, status: number, message: string, body?: unknown, headers?: Headers }> = [
    { name: 'wrong api key', status: 403, message: 'Invalid or missing API key', headers: { 'x-api-key': 'nope' } },
    { name: 'no admin token', status: 401, message: 'Invalid, expired or missing admin token', headers: { 'x-incode-hardware-id': undefined } },
    { name: 'a session token', status: 401, message: 'Invalid, expired or missing admin token', headers: { 'x-incode-hardware-id': token } },
    { name: 'text/plain', status: 400, message: 'Content-Type must be application/json', headers: { 'content-type': 'text/plain' } },
    { name: 'null', status: 400, message: 'The body must be a JSON object', body: null },
    { name: 'no transactionId', status: 400, message: 'transactionId is required', body: { token, interviewToken: 'it-1' } },
    { name: 'numeric token', status: 400, message: 'token is required', body: { ...right, token: 7 } },
    { name: 'empty interviewToken', status: 400, message: 'interviewToken is required', body: { ...right, interviewToken: '' } }
  ]
  for (const { name, status, message, body, headers } of cases) {
    const answer = await postJson(fake, '/omni/authentication/verify', body === undefined ? right : body, { 'x-incode-hardware-id': admin, ...headers })
    await assertIncodeError(t, answer, { status, message, path: '/omni/authentication/verify' }, name)
  }
})

t.test('the new paths answer 405 to a wrong method', async (t) => {
  const fake = await startFake(t)
  const cases = [
    ['/executive/log-in', 'GET', 'POST'],
    ['/omni/get/onboarding/status', 'POST', 'GET'],
    ['/omni/get/score', 'POST', 'GET'],
    ['/0/omni/get/score', 'DELETE', 'GET'],
    ['/omni/finish-status', 'POST', 'GET'],
    ['/omni/authentication/verify', 'GET', 'POST']
  ] as const
  for (const [path, method, allow] of cases) {
    const { statusCode, headers, body } = await call(fake, path, { method, headers: { 'api-version': '1.0' } })
    t.equal(statusCode, 405, path)
    t.equal(headers.allow, allow, path)
    t.match(await body.json(), { status: 405, error: 'Method Not Allowed', path }, path)
  }
  t.equal(await statusOf(call(fake, '/0/omni/finish-status')), 404, 'only the paths Incode has')
})
