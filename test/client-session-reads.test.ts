import t from 'tap'
import { IncodeClient } from '../src/index.js'
import { failure } from './support/client.js'
import { createFakeIncode } from '../src/testing/index.js'

// The client's session-token reads and the face log-in check, called directly.

t.test('finish status, the token-only score and the face log-in check, and what makes their answers unusable', async (t) => {
  const fake = await createFakeIncode({ adminPassword: 'pw-1' })
  const client = new IncodeClient({ apiUrl: fake.url, apiKey: fake.apiKey, configurationId: 'flow-1', adminEmail: fake.adminEmail, adminPassword: 'pw-1' })
  t.teardown(async () => { await client.close(); await fake.close() })
  const { token, interviewId } = await client.startSession({ redirectionUrl: 'https://app.example.com/done' })
  await fake.completeOnboarding(interviewId)

  t.same(await client.getFinishStatus(token), { redirectionUrl: 'https://app.example.com/done', action: 'approved' })
  t.match(await client.getScoreForToken(token), { overall: { status: 'OK' } })
  t.match(await client.verifyFaceAuthentication({ token, transactionId: 't-1', interviewToken: 'i-1' }), { verified: true })

  fake.failNext({ type: 'json', body: { redirectionUrl: 42, action: 'none' } }, { path: '/omni/finish-status' })
  t.equal((await failure(client.getFinishStatus(token))).code, 'FST_INCODE_UPSTREAM_BAD_RESPONSE')
  fake.failNext({ type: 'json', body: { redirectionUrl: null } }, { path: '/omni/finish-status' })
  t.equal((await failure(client.getFinishStatus(token))).code, 'FST_INCODE_UPSTREAM_BAD_RESPONSE')
  fake.failNext({ type: 'json', body: { verified: 'yes' } }, { path: '/omni/authentication/verify' })
  t.equal((await failure(client.verifyFaceAuthentication({ token, transactionId: 't-1', interviewToken: 'i-1' }))).code,
    'FST_INCODE_UPSTREAM_BAD_RESPONSE')

  for (const params of [null, 'x', { token, transactionId: '', interviewToken: 'i' }, { token: 'a b', transactionId: 't', interviewToken: 'i' }]) {
    t.equal((await failure(client.verifyFaceAuthentication(params as never))).code, 'FST_INCODE_INVALID_PARAMS', JSON.stringify(params))
  }
  t.equal((await failure(client.getScoreForToken('a\r\nb'))).code, 'FST_INCODE_INVALID_PARAMS')
})

t.test('the /0/ calls go with the session token alone, as the browser\'s own do; every other call with the API key', async (t) => {
  const fake = await createFakeIncode()
  const client = new IncodeClient({ apiUrl: fake.url, apiKey: fake.apiKey, configurationId: 'flow-1', adminEmail: fake.adminEmail, adminPassword: fake.adminPassword })
  t.teardown(async () => { await client.close(); await fake.close() })
  const { token, interviewId } = await client.startSession()
  await client.getOnboardingUrl(token)
  await client.getFinishStatus(token)
  await client.getScoreForToken(token)
  await client.getScore(interviewId)
  await client.verifyFaceAuthentication({ token, transactionId: 't-1', interviewToken: 'i-1' })
  const withKey = (path: string): boolean[] => fake.requestsTo(path).map((request) => request.headers['x-api-key'] === fake.apiKey)
  t.same(withKey('/0/omni/onboarding-url'), [false], 'onboarding-url: none')
  t.same(withKey('/0/omni/get/score'), [false], 'the token-only score: none')
  t.same([...withKey('/omni/start'), ...withKey('/omni/finish-status'), ...withKey('/executive/log-in'), ...withKey('/omni/get/score'),
    ...withKey('/omni/authentication/verify')], [true, true, true, true, true], 'off the /0/ family (finish-status too): the key')
  t.same(fake.requestsTo('/omni/finish-status').map((request) => request.headers['x-incode-hardware-id']), [token], 'the session token')
})

t.test('finish-status and the face check change Incode\'s state: sent again only when Incode provably did not see them', async (t) => {
  const fake = await createFakeIncode()
  const client = new IncodeClient({ apiUrl: fake.url, apiKey: fake.apiKey, configurationId: 'flow-1', adminEmail: fake.adminEmail, adminPassword: fake.adminPassword, retries: 2 })
  t.teardown(async () => { await client.close(); await fake.close() })
  const { token } = await client.startSession()
  const verify = { token, transactionId: 't-1', interviewToken: 'i-1' }

  for (const fault of [{ type: 'status', status: 500 }, { type: 'drop' }] as const) {
    fake.failNext(fault, { path: '/omni/finish-status' })
    t.match(await failure(client.getFinishStatus(token)), { attempts: 1 }, `finish-status after ${fault.type}: not sent again`)
    fake.failNext(fault, { path: '/omni/authentication/verify' })
    t.match(await failure(client.verifyFaceAuthentication(verify)), { attempts: 1 }, `the face check after ${fault.type}: not sent again`)
    fake.failNext(fault, { path: '/0/omni/get/score' })
    t.match(await client.getScoreForToken(token), { overall: { status: 'UNKNOWN' } }, `the score after ${fault.type}: read again, as a read may be`)
  }
  fake.failNext({ type: 'status', status: 503 }, { path: '/omni/finish-status' })
  t.match(await client.getFinishStatus(token), { action: 'none' }, 'a 503 (Incode asks to be asked again) is sent again')
  t.equal(fake.requestsTo('/omni/finish-status').length, 4, 'finish-status: 1 + 1 + 2 requests in all')
})
