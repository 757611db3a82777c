import t, { type Test } from 'tap'
import { Agent, buildConnector, errors, Pool } from 'undici'
import { IncodeClient, type IncodeCallError } from '../src/index.js'
import { clientWithFake, failure } from './support/client.js'
import { createFakeIncode } from '../src/testing/index.js'
import { closedPort } from './support/network.js'
import { UPSTREAM_ERRORS } from './support/upstream-errors.js'

function expectError (t: Test, err: IncodeCallError, code: string, statusCode: number, message: string): void {
  t.equal(err.code, code)
  t.equal(err.statusCode, statusCode)
  t.equal(err.message, message)
}

t.test('startSession returns everything Incode sent, with the configured flow id', async (t) => {
  const { fake, client } = await clientWithFake(t)
  const session = await client.startSession()
  t.match(session, { token: String, interviewId: /^[0-9a-f]{24}$/, clientId: fake.clientId, flowType: 'flow' })
  t.same(fake.requestsTo('/omni/start')[0]?.body, { configurationId: 'flow-1' })
})

t.test('startSession sends every parameter it is given, and nothing undefined', async (t) => {
  const { fake, client } = await clientWithFake(t)
  await client.startSession({
    configurationId: 'flow-2',
    externalCustomerId: 'c-1',
    redirectionUrl: 'https://app.example.com/',
    language: 'es-ES',
    countryCode: 'MX',
    customFields: { plan: 'gold' }
  })
  await client.startSession({ language: undefined, countryCode: 'ALL' })
  const [first, second] = fake.requestsTo('/omni/start')
  t.same(first?.body, {
    configurationId: 'flow-2',
    externalCustomerId: 'c-1',
    redirectionUrl: 'https://app.example.com/',
    language: 'es-ES',
    countryCode: 'MX',
    customFields: { plan: 'gold' }
  })
  t.same(second?.body, { configurationId: 'flow-1', countryCode: 'ALL' })
})

t.test('getOnboardingUrl returns the URL of the session', async (t) => {
  const { fake, client } = await clientWithFake(t)
  const { token, interviewId } = await client.startSession()
  t.equal(await client.getOnboardingUrl(token), `${fake.url}/onboarding/${interviewId}?token=${token}`)
})

t.test('the apiUrl path is kept as a base for every call', async (t) => {
  const fake = await createFakeIncode()
  t.teardown(() => fake.close())
  const client = new IncodeClient({ apiUrl: `${fake.url}/base/0/`, apiKey: fake.apiKey, configurationId: 'flow-1', retries: 0 })
  t.teardown(() => client.close())
  const err = await failure(client.startSession())
  t.equal(err.upstreamStatus, 404)
  t.equal(fake.requests[0]?.path, '/base/omni/start')
})

t.test('SPEC §6: each kind of Incode failure becomes its error class', async (t) => {
  const { rejected, upstream, bad, unreachable, timeout } = UPSTREAM_ERRORS

  const cases = [
    ['401', { type: 'status', status: 401, body: { status: 401, error: 'Unauthorized', message: 'bad token' } }, rejected, 401],
    ['403', { type: 'status', status: 403, body: { status: 4003, message: 'Invalid api key' } }, rejected, 403],
    ['400', { type: 'status', status: 400, body: 'plain words' }, rejected, 400],
    ['404', { type: 'status', status: 404 }, rejected, 404],
    ['500', { type: 'status', status: 500, body: { message: 'NullPointerException at com.incode' } }, upstream, 500],
    ['502', { type: 'status', status: 502 }, upstream, 502],
    ['a 3xx', { type: 'status', status: 302, headers: { location: '/elsewhere' } }, bad, 302],
    ['a 200 that is not JSON', { type: 'garbage' }, bad, 200],
    ['a 200 without a token', { type: 'json', body: { interviewId: 'abc' } }, bad, 200],
    ['a 200 with an empty interviewId', { type: 'json', body: { token: 'x', interviewId: '' } }, bad, 200],
    ['a 200 that is an array', { type: 'json', body: [] }, bad, 200],
    ['a drop before the headers', { type: 'drop' }, unreachable, undefined],
    ['a drop after the headers', { type: 'drop', phase: 'after-headers' }, bad, 200],
    ['no headers in time', { type: 'hang' }, timeout, undefined],
    ['a body that never ends', { type: 'hang', phase: 'body' }, timeout, undefined],
    ['a body that trickles', { type: 'trickle', intervalMs: 20 }, timeout, undefined]
  ] as const
  for (const [name, fault, [statusCode, code, , message], upstreamStatus] of cases) {
    const { fake, client } = await clientWithFake(t, { timeout: 300 })
    fake.failNext(fault)
    const err = await failure(client.startSession())
    expectError(t, err, code, statusCode, message)
    t.equal(err.upstreamStatus, upstreamStatus, `${name}: upstream status`)
    t.equal(err.attempts, 1, `${name}: one attempt`)
    t.equal(fake.requestsTo('/omni/start').length, 1, `${name}: not retried`)
    t.ok(err.cause === undefined || err.cause instanceof Error, `${name}: cause`)
  }
})

t.test('Incode\'s own error status is kept for the operator', async (t) => {
  const { fake, client } = await clientWithFake(t)
  fake.failNext({ type: 'status', status: 400, body: { timestamp: 1, status: 4005, error: 'Bad Request', message: 'Spoof attempt detected' } })
  const err = await failure(client.startSession())
  t.equal(err.incodeStatus, 4005)
  t.notOk(err.message.includes('Spoof'), 'Incode\'s text is not in the message')
})

t.test('a wrong API key is 403 at Incode, and a rejected error here', async (t) => {
  const { fake } = await clientWithFake(t)
  const client = new IncodeClient({ apiUrl: fake.url, apiKey: 'wrong', configurationId: 'flow-1' })
  t.teardown(() => client.close())
  const err = await failure(client.startSession())
  t.equal(err.code, 'FST_INCODE_UPSTREAM_REJECTED')
  t.equal(err.upstreamStatus, 403)
})

t.test('an unknown session token is 401 at Incode, and a rejected error here', async (t) => {
  const { client } = await clientWithFake(t)
  const err = await failure(client.getOnboardingUrl('eyJ.unknown.token'))
  t.equal(err.code, 'FST_INCODE_UPSTREAM_REJECTED')
  t.equal(err.upstreamStatus, 401)
})

t.test('an onboarding-url answer without a usable url is a bad response', async (t) => {
  for (const body of [{}, { url: 42 }, { url: 'not a url' }, { url: 'javascript:alert(1)' }]) {
    const { fake, client } = await clientWithFake(t)
    const { token } = await client.startSession()
    fake.failNext({ type: 'json', body }, { path: '/0/omni/onboarding-url' })
    const err = await failure(client.getOnboardingUrl(token))
    t.equal(err.code, 'FST_INCODE_UPSTREAM_BAD_RESPONSE', JSON.stringify(body))
  }
})

t.test('a refused connection is retried `retries` times, then is unreachable', async (t) => {
  const port = await closedPort()
  for (const retries of [0, 2, 4]) {
    const client = new IncodeClient({ apiUrl: `http://127.0.0.1:${port}`, apiKey: 'k', configurationId: 'f', retries })
    const err = await failure(client.startSession())
    await client.close()
    expectError(t, err, 'FST_INCODE_UPSTREAM_UNREACHABLE', 503, 'The identity verification service could not be reached')
    t.equal(err.attempts, retries + 1, `retries ${retries}: ${retries + 1} attempts`)
    t.equal((err.cause as { code?: string }).code, 'ECONNREFUSED', 'the low-level error is the cause')
  }
})

t.test('429 and 503 are retried; one 201 and exactly one session after them', async (t) => {
  const { fake, client } = await clientWithFake(t)
  fake.failNext({ type: 'status', status: 429 }, { path: '/omni/start', times: 1 })
  fake.failNext({ type: 'status', status: 503 }, { path: '/omni/start', times: 1 })
  const session = await client.startSession()
  t.equal(fake.requestsTo('/omni/start').length, 3)
  t.equal(fake.sessions.size, 1)
  t.ok(fake.sessions.has(session.interviewId))
})

t.test('429 after every retry is an upstream error', async (t) => {
  const { fake, client } = await clientWithFake(t, { retries: 1 })
  fake.failAlways({ type: 'status', status: 429 })
  const err = await failure(client.startSession())
  t.equal(err.code, 'FST_INCODE_UPSTREAM_ERROR')
  t.equal(err.upstreamStatus, 429)
  t.equal(err.attempts, 2)
  t.equal(fake.sessions.size, 0)
})

t.test('retries never outlast the one deadline of the call', async (t) => {
  const { fake, client } = await clientWithFake(t, { timeout: 250, retries: 50 })
  fake.failAlways({ type: 'status', status: 503 })
  const started = Date.now()
  const err = await failure(client.startSession())
  // The last answer, or the deadline when a late attempt could not finish in time: either way one budget.
  t.ok(['FST_INCODE_UPSTREAM_ERROR', 'FST_INCODE_UPSTREAM_TIMEOUT'].includes(err.code), err.code)
  const took = Date.now() - started
  t.ok(took < 250 + 250, `gave up after ${took} ms: the 250 ms budget plus scheduling, not 51 × 250 ms`)
  t.ok(err.attempts > 1 && err.attempts < 51, `${err.attempts} attempts`)
})

t.test('a connect timeout is retried: Incode cannot have seen the request', async (t) => {
  const fake = await createFakeIncode()
  t.teardown(() => fake.close())
  const connect = buildConnector({})
  let connects = 0
  const dispatcher = new Pool(fake.url, {
    connect (options, callback) {
      connects++
      if (connects === 1) callback(new errors.ConnectTimeoutError(), null)
      else connect(options, callback)
    }
  })
  t.teardown(() => dispatcher.close())
  const client = new IncodeClient({ apiUrl: fake.url, apiKey: fake.apiKey, configurationId: 'flow-1', dispatcher })
  await client.startSession()
  t.equal(connects, 2)
  t.equal(fake.requestsTo('/omni/start').length, 1)
})

t.test('a dispatcher\'s own headers timeout is a timeout too, and not retried', async (t) => {
  const fake = await createFakeIncode()
  t.teardown(() => fake.close())
  const dispatcher = new Agent({ headersTimeout: 100 })
  t.teardown(() => dispatcher.close())
  const client = new IncodeClient({ apiUrl: fake.url, apiKey: fake.apiKey, configurationId: 'flow-1', dispatcher })
  fake.failNext({ type: 'hang' })
  const err = await failure(client.startSession())
  t.equal(err.code, 'FST_INCODE_UPSTREAM_TIMEOUT')
  t.equal(fake.requests.length, 1)

  const bodyDispatcher = new Agent({ bodyTimeout: 100 })
  t.teardown(() => bodyDispatcher.close())
  const bodyClient = new IncodeClient({ apiUrl: fake.url, apiKey: fake.apiKey, configurationId: 'flow-1', dispatcher: bodyDispatcher })
  fake.failNext({ type: 'hang', phase: 'body' })
  t.equal((await failure(bodyClient.startSession())).code, 'FST_INCODE_UPSTREAM_TIMEOUT')
})

t.test('the caller\'s signal aborts the call with its reason', async (t) => {
  // A written start runs on for up to one more timeout after the abort: keep the teardown short.
  const { fake, client } = await clientWithFake(t, { timeout: 1000 })
  fake.failNext({ type: 'hang' })
  const controller = new AbortController()
  const reason = new Error('browser left')
  setTimeout(() => controller.abort(reason), 50)
  t.equal(await failure(client.startSession({}, { signal: controller.signal })), reason)

  t.equal(await failure(client.startSession({}, { signal: AbortSignal.abort(reason) })), reason, 'already aborted')
  t.equal(fake.requests.length, 1, 'an aborted signal sends nothing')
})

t.test('the caller\'s signal also aborts the backoff between retries', async (t) => {
  const { fake, client } = await clientWithFake(t, { retries: 5 })
  fake.failAlways({ type: 'status', status: 503 })
  const controller = new AbortController()
  const reason = new Error('gone')
  const pending = failure(client.startSession({}, { signal: controller.signal }))
  setTimeout(() => controller.abort(reason), 30)
  t.equal(await pending, reason)
})

t.test('close() closes the own pool, once; a given dispatcher is left open', async (t) => {
  const { fake, client } = await clientWithFake(t)
  await client.startSession()
  await client.close()
  await client.close()
  const err = await failure(client.startSession())
  t.equal(err.code, 'FST_INCODE_UPSTREAM_UNREACHABLE', 'a closed client cannot reach Incode')

  const dispatcher = new Pool(fake.url)
  t.teardown(() => dispatcher.close())
  const borrowing = new IncodeClient({ apiUrl: fake.url, apiKey: fake.apiKey, configurationId: 'flow-1', dispatcher })
  await borrowing.close()
  t.equal(dispatcher.closed, false)
  await borrowing.startSession()
  t.equal(fake.sessions.size, 2)
})

t.test('the pool keeps connections alive and within its bound', async (t) => {
  const { fake, client } = await clientWithFake(t, { connections: 3 })
  await Promise.all(Array.from({ length: 30 }, async () => await client.startSession()))
  t.equal(fake.sessions.size, 30)
  t.ok(fake.peakConnections <= 3, `peak ${fake.peakConnections} ≤ 3`)
  t.ok(fake.connectionsOpened <= 3, `${fake.connectionsOpened} connections for 30 calls`)
})
