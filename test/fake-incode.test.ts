import { once } from 'node:events'
import { connect } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import type { Test } from 'tap'
import { Agent, Pool, request } from 'undici'
import type { Dispatcher } from 'undici'
import { createFakeIncode } from '../src/testing/index.js'
import type { FakeIncode, FakeIncodeOptions } from '../src/testing/index.js'
import { until } from './support/wait.js'

// Every test talks to the fake over real sockets, through this one agent.
const agent = new Agent()
t.teardown(() => agent.close())

async function startFake (t: Test, options?: FakeIncodeOptions): Promise<FakeIncode> {
  const fake = await createFakeIncode(options)
  t.teardown(() => fake.close())
  return fake
}

type Headers = Record<string, string | undefined>

/** Drops the headers a test set to undefined, so a test can leave one out. */
function present (headers: Headers): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter((entry): entry is [string, string] => entry[1] !== undefined))
}

function call (fake: FakeIncode, path: string, options: Partial<Dispatcher.RequestOptions> = {}) {
  return request(`${fake.url}${path}`, { dispatcher: agent, ...options })
}

function startSession (fake: FakeIncode, body: unknown = { configurationId: 'flow-1' }, headers: Headers = {}) {
  return call(fake, '/omni/start', {
    method: 'POST',
    headers: present({ 'x-api-key': fake.apiKey, 'api-version': '1.0', 'content-type': 'application/json', ...headers }),
    body: typeof body === 'string' ? body : JSON.stringify(body)
  })
}

function getOnboardingUrl (fake: FakeIncode, token: string | undefined, query = '', headers: Headers = {}) {
  return call(fake, `/0/omni/onboarding-url${query}`, {
    headers: present({ 'x-incode-hardware-id': token, 'api-version': '1.0', ...headers })
  })
}

async function startAnswer (fake: FakeIncode): Promise<{ token: string, interviewId: string }> {
  const { statusCode, body } = await startSession(fake)
  t.equal(statusCode, 200)
  return await body.json() as { token: string, interviewId: string }
}

function decodeSegment (segment: string | undefined): Record<string, unknown> {
  return JSON.parse(Buffer.from(segment ?? '', 'base64url').toString('utf8'))
}

t.test('defaults: a local url, a random api key, the fake client id', async (t) => {
  const fake = await startFake(t)
  t.match(fake.url, /^http:\/\/127\.0\.0\.1:\d+$/)
  t.match(fake.apiKey, /^fake-api-key-[0-9a-f]{16}$/)
  t.equal(fake.clientId, 'fake-client')
  const other = await startFake(t)
  t.not(other.apiKey, fake.apiKey, 'each fake makes up its own key')
  t.not(other.url, fake.url)
})

t.test('options: apiKey, clientId, configurationIds and port', async (t) => {
  const fake = await startFake(t, { apiKey: 'key-1', clientId: 'client-1', configurationIds: ['flow-a'], port: 0 })
  t.equal(fake.apiKey, 'key-1')
  t.equal(fake.clientId, 'client-1')

  const accepted = await startSession(fake, { configurationId: 'flow-a' })
  t.equal(accepted.statusCode, 200)
  t.equal((await accepted.body.json() as { clientId: string }).clientId, 'client-1')

  const refused = await startSession(fake, { configurationId: 'flow-b' })
  t.equal(refused.statusCode, 400)
  t.match(await refused.body.json(), { status: 400, message: 'Unknown configurationId' })
  t.equal(fake.sessions.size, 1)
})

t.test('POST /omni/start answers a full session, as Incode does', async (t) => {
  const fake = await startFake(t)
  const before = Math.floor(Date.now() / 1000)
  const { statusCode, headers, body } = await startSession(fake, { configurationId: 'flow-1', language: 'en-US' })
  t.equal(statusCode, 200)
  t.match(headers['content-type'], /^application\/json/)
  t.match(headers['processing-time'], /^\d+$/)
  const answer = await body.json() as Record<string, unknown>
  t.same(Object.keys(answer).sort(), [
    'clientId', 'curpValidationRetries', 'env', 'existingSession', 'flowType', 'idCaptureRetries',
    'idCaptureTimeout', 'interviewCode', 'interviewId', 'selfieCaptureRetries', 'selfieCaptureTimeout', 'token'
  ])
  t.match(answer, {
    interviewId: /^[0-9a-f]{24}$/,
    interviewCode: /^[A-Z0-9]{6}$/,
    flowType: 'flow',
    clientId: 'fake-client',
    env: 'demo',
    existingSession: false,
    idCaptureTimeout: 16,
    selfieCaptureTimeout: 16,
    idCaptureRetries: 3,
    selfieCaptureRetries: 3,
    curpValidationRetries: 1
  })

  const token = answer.token as string
  t.ok(token.length <= 256, 'fits where Incode says a token fits')
  const [header, payload, signature, extra] = token.split('.')
  t.equal(extra, undefined, 'three segments')
  t.same(decodeSegment(header), { alg: 'HS256', typ: 'JWT' })
  const claims = decodeSegment(payload)
  t.equal(claims.externalUserId, answer.interviewId)
  t.equal(claims.role, 'ACCESS')
  t.ok((claims.iat as number) >= before)
  t.equal((claims.exp as number) - (claims.iat as number), 90 * 24 * 60 * 60)
  t.equal(Buffer.from(signature ?? '', 'base64url').length, 32)

  const session = fake.sessions.get(answer.interviewId as string)
  t.match(session, {
    interviewId: answer.interviewId,
    token,
    interviewCode: answer.interviewCode,
    configurationId: 'flow-1',
    body: { configurationId: 'flow-1', language: 'en-US' },
    createdAt: Date
  })
})

t.test('every start creates a new session with its own id and token', async (t) => {
  const fake = await startFake(t)
  const answers = await Promise.all(Array.from({ length: 20 }, () => startAnswer(fake)))
  t.equal(new Set(answers.map((answer) => answer.interviewId)).size, 20)
  t.equal(new Set(answers.map((answer) => answer.token)).size, 20)
  t.equal(fake.sessions.size, 20)
})

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
  t.match(await page.body.text(), `Fake Incode onboarding for interview ${interviewId}`)

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
    { path: `/onboarding/${interviewId}`, method: 'DELETE', status: 405, error: 'Method Not Allowed', allow: 'GET' }
  ] as const
  for (const testCase of cases) {
    const { statusCode, headers, body } = await call(fake, testCase.path, { method: testCase.method, headers: { 'api-version': '1.0' } })
    t.equal(statusCode, testCase.status, testCase.path)
    t.equal(headers.allow, 'allow' in testCase ? testCase.allow : undefined, testCase.path)
    t.match(await body.json(), { status: testCase.status, error: testCase.error, path: testCase.path }, testCase.path)
  }
})

t.test('records every request: method, path, query, headers, body', async (t) => {
  const fake = await startFake(t)
  const started = new Date()
  await (await startSession(fake, { configurationId: 'flow-1' }, { 'x-extra': 'yes' })).body.dump()
  await (await getOnboardingUrl(fake, 'some-token', '?clientId=fake-client&a=1')).body.dump()
  await (await startSession(fake, 'plain words', { 'content-type': 'text/plain' })).body.dump()
  await (await call(fake, '/elsewhere', { method: 'POST' })).body.dump()

  t.equal(fake.requests.length, 4)
  const [start, url, text, empty] = fake.requests
  t.match(start, {
    method: 'POST',
    path: '/omni/start',
    query: {},
    headers: { 'x-api-key': fake.apiKey, 'api-version': '1.0', 'x-extra': 'yes' },
    body: { configurationId: 'flow-1' }
  })
  t.ok(start?.receivedAt instanceof Date && start.receivedAt >= started)
  t.match(url, {
    method: 'GET',
    path: '/0/omni/onboarding-url',
    query: { clientId: 'fake-client', a: '1' },
    headers: { 'x-incode-hardware-id': 'some-token' },
    body: undefined
  })
  t.equal(text?.body, 'plain words', 'a body that is not JSON is kept as text')
  t.match(empty, { method: 'POST', path: '/elsewhere', body: undefined })
  t.same(fake.requestsTo('/omni/start'), [start, text])
  t.same(fake.requestsTo('/nowhere'), [])
})

t.test('bodies are capped at 1 MiB', async (t) => {
  const fake = await startFake(t)
  // Exactly 1 MiB of valid JSON still goes through.
  const frame = JSON.stringify({ configurationId: 'flow-1', customFields: { pad: '' } })
  const fits = JSON.stringify({ configurationId: 'flow-1', customFields: { pad: 'x'.repeat(1024 * 1024 - frame.length) } })
  t.equal(Buffer.byteLength(fits), 1024 * 1024)
  t.equal((await startSession(fake, fits)).statusCode, 200)

  const { statusCode, headers, body } = await startSession(fake, fits + ' ')
  t.equal(statusCode, 413)
  t.equal(headers.connection, 'close')
  t.match(await body.json(), { status: 413, error: 'Payload Too Large', path: '/omni/start' })
  t.equal(fake.requests.length, 2)
  t.equal(fake.requests[1]?.body, undefined, 'recorded, without the body')

  const huge = await startSession(fake, 'x'.repeat(8 * 1024 * 1024))
  t.equal(huge.statusCode, 413)
  await huge.body.dump()
  await until(() => fake.activeConnections === 0, 'the connection to close')
  t.equal(fake.sessions.size, 1)
})

t.test('a client that leaves in the middle of its body is not recorded', async (t) => {
  const fake = await startFake(t)
  const socket = connect(Number(new URL(fake.url).port), '127.0.0.1')
  await once(socket, 'connect')
  // Node answers 100-continue in the same tick as it hands the request over: once the client
  // reads it, the fake is waiting for the body.
  socket.write('POST /omni/start HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\nexpect: 100-continue\r\n\r\n')
  const [interim] = await once(socket, 'data') as [Buffer]
  t.match(interim.toString(), /^HTTP\/1\.1 100 Continue/)
  socket.write('{"config')
  await sleep(10)
  socket.destroy()
  await until(() => fake.activeConnections === 0, 'the connection to close')
  t.equal(fake.requests.length, 0)
  t.equal((await startSession(fake)).statusCode, 200, 'and the fake carries on')
})

t.test('fault status: the status, a JSON, text or empty body, extra headers', async (t) => {
  const fake = await startFake(t)
  fake.failNext({ type: 'status', status: 500, body: { status: 5001, message: 'trouble' } })
  fake.failNext({ type: 'status', status: 502, body: 'Bad Gateway' })
  fake.failNext({ type: 'status', status: 429, headers: { 'retry-after': '2', 'Content-Type': 'text/html' } })
  fake.failNext({ type: 'status', status: 503, body: { a: 1 }, headers: { 'content-type': 'application/problem+json' } })

  const json = await startSession(fake)
  t.equal(json.statusCode, 500)
  t.match(json.headers['content-type'], /^application\/json/)
  t.equal(json.headers['processing-time'], undefined, 'a fault answers exactly what it was told')
  t.same(await json.body.json(), { status: 5001, message: 'trouble' })

  const text = await startSession(fake)
  t.equal(text.statusCode, 502)
  t.match(text.headers['content-type'], /^text\/plain/)
  t.equal(await text.body.text(), 'Bad Gateway')

  const empty = await startSession(fake)
  t.equal(empty.statusCode, 429)
  t.equal(empty.headers['retry-after'], '2')
  t.equal(empty.headers['content-type'], 'text/html')
  t.equal(await empty.body.text(), '')

  const typed = await startSession(fake)
  t.equal(typed.statusCode, 503)
  t.equal(typed.headers['content-type'], 'application/problem+json', 'a fault header beats the default')
  await typed.body.dump()

  t.equal((await startSession(fake)).statusCode, 200, 'then back to normal')
  t.equal(fake.sessions.size, 1)
  t.equal(fake.requests.length, 5, 'faulted requests are recorded')
})

t.test('fault garbage and json: 200 answers the client cannot use', async (t) => {
  const fake = await startFake(t)
  fake.failNext({ type: 'garbage' })
  fake.failNext({ type: 'json', body: {} })
  fake.failNext({ type: 'json', body: { url: 1 } })

  const garbage = await startSession(fake)
  t.equal(garbage.statusCode, 200)
  t.match(garbage.headers['content-type'], /^application\/json/)
  const text = await garbage.body.text()
  t.throws(() => JSON.parse(text))

  const noToken = await startSession(fake)
  t.equal(noToken.statusCode, 200)
  t.same(await noToken.body.json(), {})

  const wrongType = await getOnboardingUrl(fake, 'not even a token')
  t.equal(wrongType.statusCode, 200, 'faults come before any check')
  t.same(await wrongType.body.json(), { url: 1 })
  t.equal(fake.sessions.size, 0)
})

t.test('fault delay: waits, then answers normally', async (t) => {
  const fake = await startFake(t)
  fake.failNext({ type: 'delay', ms: 150 })
  const began = Date.now()
  const { statusCode, body } = await startSession(fake)
  t.ok(Date.now() - began >= 140, 'waited')
  t.equal(statusCode, 200)
  await body.dump()
  t.equal(fake.sessions.size, 1)

  fake.failNext({ type: 'delay', ms: 0 })
  t.equal((await startSession(fake)).statusCode, 200, 'no wait at all')
})

t.test('fault hang (headers): the client sees nothing until its own deadline', async (t) => {
  const fake = await startFake(t)
  fake.failNext({ type: 'hang' })
  await t.rejects(call(fake, '/omni/start', { method: 'POST', headersTimeout: 200 }), { code: 'UND_ERR_HEADERS_TIMEOUT' })
  t.equal(fake.requests.length, 1)
  fake.failNext({ type: 'hang', phase: 'headers' })
  await t.rejects(call(fake, '/omni/start', { method: 'POST', headersTimeout: 200 }), { code: 'UND_ERR_HEADERS_TIMEOUT' })
})

t.test('fault hang (body): headers, then a body that never ends', async (t) => {
  const fake = await startFake(t)
  fake.failNext({ type: 'hang', phase: 'body' })
  const { statusCode, headers, body } = await startSession(fake)
  t.equal(statusCode, 200)
  t.match(headers['content-type'], /^application\/json/)
  const chunks: string[] = []
  body.on('data', (chunk: Buffer) => chunks.push(chunk.toString()))
  await until(() => chunks.length > 0, 'the first part of the body')
  t.match(chunks.join(''), /^\{"token":"/)
  await sleep(100)
  t.equal(body.readableEnded, false, 'still not finished')
  body.destroy()
  await until(() => fake.activeConnections === 0, 'the connection to close')
})

t.test('fault trickle: one byte at a time, forever', async (t) => {
  const fake = await startFake(t)
  fake.failNext({ type: 'trickle', intervalMs: 10 })
  fake.failNext({ type: 'trickle' })
  for (const interval of [10, 50]) {
    const began = Date.now()
    const { statusCode, body } = await startSession(fake)
    t.equal(statusCode, 200)
    let received = ''
    for await (const chunk of body) {
      received += String(chunk)
      if (received.length >= 4) break
    }
    t.equal(received, '    ', 'whitespace: still valid JSON so far')
    t.ok(Date.now() - began >= interval * 3, `about one byte every ${interval} ms`)
    await until(() => fake.activeConnections === 0, 'the client to hang up')
  }
})

t.test('fault drop: before the headers, or in the middle of the body', async (t) => {
  const fake = await startFake(t)
  fake.failNext({ type: 'drop' })
  fake.failNext({ type: 'drop', phase: 'before-headers' })
  fake.failNext({ type: 'drop', phase: 'after-headers' })

  await t.rejects(startSession(fake), { code: 'UND_ERR_SOCKET' })
  await t.rejects(startSession(fake), { code: 'UND_ERR_SOCKET' })

  const { statusCode, body } = await startSession(fake)
  t.equal(statusCode, 200, 'the headers arrived')
  await t.rejects(body.text(), 'the body did not')

  t.equal((await startSession(fake)).statusCode, 200, 'then back to normal')
  t.equal(fake.requests.length, 4)
})

t.test('failNext: times, path, order, and its place before failAlways', async (t) => {
  const fake = await startFake(t)
  const { token } = await startAnswer(fake)
  fake.failAlways({ type: 'status', status: 503 })
  fake.failNext({ type: 'status', status: 500 }, { times: 2 })
  fake.failNext({ type: 'status', status: 401 }, { path: '/0/omni/onboarding-url' })
  fake.failNext({ type: 'status', status: 429 })

  const statuses = async (count: number, send: () => Promise<Dispatcher.ResponseData>) => {
    const seen: number[] = []
    for (let i = 0; i < count; i++) {
      const answer = await send()
      await answer.body.dump()
      seen.push(answer.statusCode)
    }
    return seen
  }
  t.same(await statuses(1, () => getOnboardingUrl(fake, token)), [500], 'the oldest matching fault first')
  t.same(await statuses(1, () => startSession(fake)), [500], 'times: 2')
  t.same(await statuses(1, () => startSession(fake)), [429], 'a fault for another path is left alone')
  t.same(await statuses(2, () => getOnboardingUrl(fake, token)), [401, 503], 'then the path fault, then the standing one')
  fake.clearFaults()
  t.same(await statuses(2, () => getOnboardingUrl(fake, token)), [200, 200])
})

t.test('failAlways: until cleared, per path, the newest wins', async (t) => {
  const fake = await startFake(t)
  const { token } = await startAnswer(fake)
  fake.failAlways({ type: 'status', status: 502 }, { path: '/omni/start' })
  for (let i = 0; i < 3; i++) {
    t.equal((await startSession(fake)).statusCode, 502)
  }
  t.equal((await getOnboardingUrl(fake, token)).statusCode, 200, 'other paths answer normally')
  fake.failAlways({ type: 'status', status: 500 })
  t.equal((await startSession(fake)).statusCode, 500)
  t.equal((await getOnboardingUrl(fake, token)).statusCode, 500)
  fake.clearFaults()
  t.equal((await startSession(fake)).statusCode, 200)
})

/** A `random` for failRandomly that returns these rolls in turn, then 1 (never a fault). */
function scripted (rolls: number[]): () => number {
  return () => rolls.shift() ?? 1
}

async function statusOf (answer: Promise<Dispatcher.ResponseData>): Promise<number> {
  const { statusCode, body } = await answer
  await body.dump()
  return statusCode
}

t.test('failRandomly: a roll below the rate faults, and a second roll picks the fault', async (t) => {
  const fake = await startFake(t)
  const rolls = [0.7, 0.2, 0.1, 0.49, 0.9, 0.5]
  fake.failRandomly([{ type: 'status', status: 500 }, { type: 'status', status: 503 }], { rate: 0.5, random: scripted(rolls) })
  const seen = []
  for (let i = 0; i < 4; i++) seen.push(await statusOf(startSession(fake)))
  t.same(seen, [200, 500, 503, 200], 'miss, hit (first fault), hit (second fault), miss at exactly the rate')
  t.same(rolls, [], 'one roll per request, one more per fault')
  t.equal(fake.sessions.size, 2)
})

t.test('failRandomly: after failNext, before failAlways, per path, newest rule first', async (t) => {
  const fake = await startFake(t)
  const { token } = await startAnswer(fake)
  const olderRolls: number[] = []
  const newerRolls: number[] = []
  fake.failAlways({ type: 'status', status: 502 })
  fake.failRandomly({ type: 'status', status: 429 }, { rate: 0.5, path: '/omni/start', random: scripted(olderRolls) })
  fake.failRandomly({ type: 'json', body: {} }, { rate: 0.5, path: '/omni/start', random: scripted(newerRolls) })
  fake.failNext({ type: 'status', status: 500 })

  t.equal(await statusOf(startSession(fake)), 500, 'failNext first, without a roll')
  newerRolls.push(0.9)
  olderRolls.push(0.1, 0.99)
  t.equal(await statusOf(startSession(fake)), 429, 'the newer rule missed, the older one hit')
  newerRolls.push(0.3, 0)
  const json = await startSession(fake)
  t.same(await json.body.json(), {}, 'the newer rule hit: the older one did not roll')
  newerRolls.push(0.6)
  olderRolls.push(0.6)
  t.equal(await statusOf(startSession(fake)), 502, 'both missed: the standing fault')
  t.equal(await statusOf(getOnboardingUrl(fake, token)), 502, 'another path: no roll, the standing fault')
  t.same([olderRolls, newerRolls], [[], []], 'every roll used, none more')

  fake.clearFaults()
  t.equal(await statusOf(startSession(fake)), 200, 'clearFaults disarms them')
  fake.failRandomly({ type: 'status', status: 500 }, { rate: 1 })
  fake.reset()
  t.equal(await statusOf(startSession(fake)), 200, 'reset disarms them')
})

t.test('failRandomly: Math.random by default; rate 1 always faults, 0 never', async (t) => {
  const fake = await startFake(t)
  fake.failRandomly([{ type: 'status', status: 500 }], { rate: 1 })
  for (let i = 0; i < 5; i++) t.equal(await statusOf(startSession(fake)), 500)
  fake.clearFaults()
  fake.failRandomly({ type: 'status', status: 500 }, { rate: 0 })
  for (let i = 0; i < 5; i++) t.equal(await statusOf(startSession(fake)), 200)
})

t.test('failRandomly: a rate outside 0..1, no fault, or a fault Node could not send is refused', async (t) => {
  const fake = await startFake(t)
  for (const rate of [-0.1, 1.5, Number.NaN]) {
    t.throws(() => fake.failRandomly({ type: 'garbage' }, { rate }), { name: 'RangeError', message: `failRandomly: rate must be a number from 0 to 1, got ${rate}` })
  }
  t.throws(() => fake.failRandomly([], { rate: 0.5 }), { name: 'RangeError', message: 'failRandomly: faults must hold at least one fault' })
  t.throws(() => fake.failRandomly([{ type: 'garbage' }, { type: 'status', status: 600 }], { rate: 1 }), RangeError)
  t.equal(await statusOf(startSession(fake)), 200, 'nothing was armed')
})

t.test('faults that Node could not send are refused when armed', async (t) => {
  const fake = await startFake(t)
  t.throws(() => fake.failNext({ type: 'garbage' }, { times: 0 }), RangeError)
  t.throws(() => fake.failNext({ type: 'garbage' }, { times: 1.5 }), RangeError)
  t.throws(() => fake.failNext({ type: 'status', status: 99 }), RangeError)
  t.throws(() => fake.failAlways({ type: 'status', status: 600 }), RangeError)
  t.throws(() => fake.failAlways({ type: 'status', status: 500.5 }), RangeError)
  t.throws(() => fake.failNext({ type: 'status', status: 500, headers: { 'bad header': 'x' } }), TypeError)
  t.throws(() => fake.failNext({ type: 'status', status: 500, headers: { ok: 'line\nbreak' } }), TypeError)
  t.equal((await startSession(fake)).statusCode, 200, 'nothing was armed')
})

t.test('counts connections: opened, active and peak, across keep-alive reuse', async (t) => {
  const fake = await startFake(t)
  const pool = new Pool(fake.url, { connections: 3 })
  t.teardown(() => pool.destroy())
  // Slow answers, so three requests need three connections at once.
  fake.failAlways({ type: 'delay', ms: 100 })
  const round = () => Promise.all(Array.from({ length: 3 }, async () => {
    const answer = await pool.request({ path: '/nowhere', method: 'GET' })
    await answer.body.dump()
    return answer.statusCode
  }))

  t.same(await round(), [404, 404, 404])
  t.equal(fake.connectionsOpened, 3)
  t.equal(fake.peakConnections, 3)
  t.equal(fake.activeConnections, 3, 'kept alive')

  await round()
  t.equal(fake.connectionsOpened, 3, 'reused')

  fake.reset()
  t.equal(fake.connectionsOpened, 0)
  t.equal(fake.peakConnections, 3, 'the peak restarts at what is open')

  await pool.close()
  await until(() => fake.activeConnections === 0, 'the pool to close')
  fake.reset()
  t.equal(fake.peakConnections, 0)
})

t.test('reset forgets requests, sessions, faults and counts', async (t) => {
  const fake = await startFake(t)
  const requests = fake.requests
  const { token } = await startAnswer(fake)
  fake.failNext({ type: 'status', status: 500 })
  fake.failAlways({ type: 'status', status: 502 })
  t.equal(fake.requestsReceived, 1)
  t.equal(fake.sessionsCreated, 1)
  fake.reset()
  t.equal(requests.length, 0, 'the same array, emptied')
  t.equal(fake.sessions.size, 0)
  t.equal(fake.requestsReceived, 0)
  t.equal(fake.sessionsCreated, 0)
  const answer = await getOnboardingUrl(fake, token)
  t.equal(answer.statusCode, 401, 'no fault left, and the old token is unknown')
  await answer.body.dump()
})

t.test('maxRecorded: only the newest requests and sessions are kept, all are counted', async (t) => {
  const fake = await startFake(t, { maxRecorded: 3 })
  const requests = fake.requests
  const answers = []
  for (let i = 0; i < 5; i++) {
    const { statusCode, body } = await startSession(fake, { configurationId: 'flow-1', externalCustomerId: `customer-${i}` })
    t.equal(statusCode, 200)
    answers.push(await body.json() as { token: string, interviewId: string })
  }
  const customers = (kept: Iterable<{ body: unknown }>) => [...kept].map((entry) => (entry.body as { externalCustomerId: string }).externalCustomerId)
  t.equal(fake.requests, requests, 'the same array the test held')
  t.same(customers(requests), ['customer-2', 'customer-3', 'customer-4'], 'the newest three requests, oldest first')
  t.same([...fake.sessions.keys()], answers.slice(2).map((answer) => answer.interviewId), 'the newest three sessions')
  t.equal(fake.sessionsCreated, 5)
  t.equal(fake.requestsReceived, 5)

  const [first, , , , last] = answers
  const dropped = await getOnboardingUrl(fake, first?.token)
  t.equal(dropped.statusCode, 401, 'a dropped session\'s token is unknown')
  t.match(await dropped.body.json(), { status: 401, message: 'Invalid or missing session token' })
  t.equal(await statusOf(call(fake, `/onboarding/${first?.interviewId}`)), 404, 'and so is its page')
  t.equal(await statusOf(getOnboardingUrl(fake, last?.token)), 200, 'a kept one still works')
  t.equal(await statusOf(startSession(fake, {}, { 'x-api-key': 'wrong' })), 403)
  t.equal(fake.requestsReceived, 9, 'every request counts')
  t.equal(fake.sessionsCreated, 5, 'only the sessions created')
  t.equal(requests.length, 3)
  t.same(requests.map((request) => request.path), ['/onboarding/' + first?.interviewId, '/0/omni/onboarding-url', '/omni/start'])
})

t.test('maxRecorded must be a positive integer', async (t) => {
  for (const maxRecorded of [0, -1, 2.5, Number.NaN]) {
    await t.rejects(createFakeIncode({ maxRecorded }), { name: 'RangeError', message: `maxRecorded must be a positive integer, got ${maxRecorded}` })
  }
  const fake = await startFake(t, { maxRecorded: 1 })
  await startAnswer(fake)
  await startAnswer(fake)
  t.equal(fake.requests.length, 1)
  t.equal(fake.sessions.size, 1)
})

t.test('latencyMs delays every answer', async (t) => {
  const fake = await startFake(t, { latencyMs: 120 })
  const began = Date.now()
  const { statusCode, headers, body } = await startSession(fake)
  t.equal(statusCode, 200)
  t.ok(Date.now() - began >= 110)
  t.ok(Number(headers['processing-time']) >= 110, 'and says so in Processing-Time')
  await body.dump()

  fake.failNext({ type: 'status', status: 500 })
  const faultBegan = Date.now()
  t.equal((await startSession(fake)).statusCode, 500)
  t.ok(Date.now() - faultBegan >= 110, 'faulted answers too')
})

t.test('close() ends hung, trickling and delayed requests, and can be called twice', async (t) => {
  const fake = await createFakeIncode({ latencyMs: 20 })
  fake.failNext({ type: 'hang' })
  fake.failNext({ type: 'trickle', intervalMs: 5 })
  fake.failNext({ type: 'delay', ms: 60_000 })
  const hung = startSession(fake)
  const trickling = startSession(fake)
  const delayed = startSession(fake)
  await until(() => fake.requests.length === 3, 'the requests to arrive')
  t.equal(fake.activeConnections, 3)
  const { body } = await trickling
  await new Promise((resolve) => body.once('data', resolve))

  // Watched before the close, so no rejection goes unhandled for a moment.
  const clientsSeeTheEnd = Promise.all([
    t.rejects(hung, { code: 'UND_ERR_SOCKET' }, 'the client sees its connection closed'),
    t.rejects(delayed, { code: 'UND_ERR_SOCKET' }),
    t.rejects(body.text())
  ])
  const closing = fake.close()
  t.equal(fake.close(), closing, 'the same promise')
  await closing
  t.equal(fake.activeConnections, 0)
  await clientsSeeTheEnd
  await fake.close()
})

t.test('a port in use fails createFakeIncode', async (t) => {
  const fake = await startFake(t)
  await t.rejects(createFakeIncode({ port: Number(new URL(fake.url).port) }), { code: 'EADDRINUSE' })
})
