// Incode's endpoints as the fake plays them: what /omni/start and onboarding-url accept and refuse, 404 and 405.
import t from 'tap'
import { request } from 'undici'
import { agent, call, getOnboardingUrl, startAnswer, startFake, startSession } from './support/raw-http.js'
import type { Headers } from './support/raw-http.js'

t.test('POST /omni/start accepts every field the plugin may send', async (t) => {
  const fake = await startFake(t)
  const body = {
    configurationId: 'flow-1',
    externalCustomerId: 'customer-7',
    redirectionUrl: 'https://host.example/done',
    redirectUrl: 'https://host.example/old-spelling',
    language: 'es-ES',
    countryCode: 'ALL',
    customFields: { plan: 'gold', region: 'eu' }
  }
  const { statusCode, body: answer } = await startSession(fake, body, { 'content-type': 'application/json; charset=utf-8' })
  t.equal(statusCode, 200)
  const { interviewId } = await answer.json() as { interviewId: string }
  t.same(fake.sessions.get(interviewId)?.body, body, 'kept as sent, old spelling included')
})

t.test('POST /omni/start rejects what Incode rejects, in Incode\'s error shape', async (t) => {
  const fake = await startFake(t)
  const cases: Array<{ name: string, status: number, message: string, body?: unknown, headers?: Headers }> = [
    { name: 'wrong api key', status: 403, message: 'Invalid or missing API key', headers: { 'x-api-key': 'nope' } },
    { name: 'no api key', status: 403, message: 'Invalid or missing API key', headers: { 'x-api-key': undefined } },
    { name: 'no api-version', status: 400, message: 'Missing or unsupported api-version header', headers: { 'api-version': undefined } },
    { name: 'other api-version', status: 400, message: 'Missing or unsupported api-version header', headers: { 'api-version': '2.0' } },
    { name: 'no content-type', status: 400, message: 'Content-Type must be application/json', headers: { 'content-type': undefined } },
    { name: 'text/plain', status: 400, message: 'Content-Type must be application/json', headers: { 'content-type': 'text/plain' } },
    { name: 'look-alike type', status: 400, message: 'Content-Type must be application/json', headers: { 'content-type': 'application/jsonp' } },
    { name: 'not JSON', status: 400, message: 'The body must be a JSON object', body: 'configurationId=flow-1' },
    { name: 'empty body', status: 400, message: 'The body must be a JSON object', body: '' },
    { name: 'null', status: 400, message: 'The body must be a JSON object', body: null },
    { name: 'array', status: 400, message: 'The body must be a JSON object', body: [{ configurationId: 'flow-1' }] },
    { name: 'no configurationId', status: 400, message: 'configurationId is required', body: { language: 'en-US' } },
    { name: 'empty configurationId', status: 400, message: 'configurationId is required', body: { configurationId: '' } },
    { name: 'numeric configurationId', status: 400, message: 'configurationId is required', body: { configurationId: 7 } },
    { name: 'numeric externalCustomerId', status: 400, message: 'externalCustomerId must be a string', body: { configurationId: 'f', externalCustomerId: 7 } },
    { name: 'null language', status: 400, message: 'language must be a string', body: { configurationId: 'f', language: null } },
    { name: 'customFields string', status: 400, message: 'customFields must be an object of strings', body: { configurationId: 'f', customFields: 'a=b' } },
    { name: 'customFields array', status: 400, message: 'customFields must be an object of strings', body: { configurationId: 'f', customFields: ['a'] } },
    { name: 'customFields nested', status: 400, message: 'customFields must be an object of strings', body: { configurationId: 'f', customFields: { a: { b: 'c' } } } }
  ]
  for (const { name, status, message, body, headers } of cases) {
    const before = Date.now()
    const answer = await startSession(fake, body === undefined ? { configurationId: 'flow-1' } : body, headers)
    t.equal(answer.statusCode, status, name)
    t.match(answer.headers['content-type'], /^application\/json/, name)
    const error = await answer.body.json() as { timestamp: number }
    t.same(error, { timestamp: error.timestamp, status, error: status === 403 ? 'Forbidden' : 'Bad Request', message, path: '/omni/start' }, name)
    t.ok(error.timestamp >= before && error.timestamp <= Date.now(), `${name}: timestamp in epoch ms`)
  }
  t.equal(fake.sessions.size, 0, 'nothing rejected became a session')
  t.equal(fake.requests.length, cases.length, 'rejected requests are recorded too')
})

t.test('GET /0/omni/onboarding-url gives a URL for a known token, then the page opens', async (t) => {
  const fake = await startFake(t)
  const { token, interviewId } = await startAnswer(fake)

  const { statusCode, headers, body } = await getOnboardingUrl(fake, token)
  t.equal(statusCode, 200)
  t.match(headers['processing-time'], /^\d+$/)
  const { url } = await body.json() as { url: string }
  t.equal(url, `${fake.url}/onboarding/${interviewId}?token=${token}`)

  const page = await request(url, { dispatcher: agent })
  t.equal(page.statusCode, 200)
  t.match(page.headers['content-type'], /^text\/html/)
  t.match(await page.body.text(), `<code id="interview-id">${interviewId}</code>`, 'the fake\'s hosted onboarding page (fake-incode-onboarding-page.test.ts)')

  const withClient = await getOnboardingUrl(fake, token, '?clientId=fake-client', { 'x-api-key': 'ignored, even when wrong' })
  t.equal(withClient.statusCode, 200, 'the right clientId and any x-api-key are fine')
  await withClient.body.dump()
})

t.test('GET /0/omni/onboarding-url refuses what Incode refuses', async (t) => {
  const fake = await startFake(t)
  const { token } = await startAnswer(fake)
  const cases = [
    { name: 'no token', status: 401, message: 'Invalid or missing session token', token: undefined },
    { name: 'unknown token', status: 401, message: 'Invalid or missing session token', token: 'e30.e30.e30' },
    { name: 'api key instead of token', status: 401, message: 'Invalid or missing session token', token: fake.apiKey },
    { name: 'other clientId', status: 400, message: 'Unknown clientId', token, query: '?clientId=someone-else' },
    { name: 'no api-version', status: 400, message: 'Missing or unsupported api-version header', token, headers: { 'api-version': undefined } }
  ]
  for (const { name, status, message, token, query, headers } of cases) {
    const answer = await getOnboardingUrl(fake, token, query, headers)
    t.equal(answer.statusCode, status, name)
    t.match(await answer.body.json(), { status, message, path: '/0/omni/onboarding-url' }, name)
  }
})

t.test('unknown paths are 404 and wrong methods 405', async (t) => {
  const fake = await startFake(t)
  const { interviewId } = await startAnswer(fake)
  const cases = [
    { path: '/omni/nope', method: 'POST', status: 404, error: 'Not Found' },
    { path: '/0/omni/start', method: 'POST', status: 404, error: 'Not Found' },
    { path: '/onboarding/000000000000000000000000', method: 'GET', status: 404, error: 'Not Found' },
    { path: '/omni/start', method: 'GET', status: 405, error: 'Method Not Allowed', allow: 'POST' },
    { path: '/0/omni/onboarding-url', method: 'POST', status: 405, error: 'Method Not Allowed', allow: 'GET' },
    { path: `/onboarding/${interviewId}`, method: 'DELETE', status: 405, error: 'Method Not Allowed', allow: 'GET' },
    { path: `/onboarding/${interviewId}/complete`, method: 'PUT', status: 405, error: 'Method Not Allowed', allow: 'POST' }
  ] as const
  for (const testCase of cases) {
    const { statusCode, headers, body } = await call(fake, testCase.path, { method: testCase.method, headers: { 'api-version': '1.0' } })
    t.equal(statusCode, testCase.status, testCase.path)
    t.equal(headers.allow, 'allow' in testCase ? testCase.allow : undefined, testCase.path)
    t.match(await body.json(), { status: testCase.status, error: testCase.error, path: testCase.path }, testCase.path)
  }
})
