import t, { type Test } from 'tap'
import { Agent, buildConnector, errors, Pool } from 'undici'
import { IncodeClient } from '../src/index.js'
import { createFakeIncode, type FakeIncode, type FakeIncodeFault } from '../src/testing/index.js'
import { clientWithFake, expectError, failure } from './support/client.js'
import { assertNoSecretsLogged, post, startHost } from './support/host.js'
import { closedPort } from './support/network.js'
import { assertFailureAnswer } from './support/upstream-errors.js'
import { until } from './support/wait.js'

// The one deadline every Incode call keeps, and which failures are sent again: those Incode cannot
// have processed (a refused connection, a connect timeout, a 429, a 503), after a jittered backoff
// that grows (or after the wait Incode's Retry-After asks for), within that deadline. On the routes
// end to end, then from the client. What each failure becomes is in upstream-failures.test.ts.

const hangs: Array<[string, FakeIncodeFault]> = [
  ['headers', { type: 'hang' }],
  ['a body', { type: 'hang', phase: 'body' }],
  ['a trickling body', { type: 'trickle', intervalMs: 25 }]
]

for (const [what, fault] of hangs) {
  for (const path of ['/omni/start', '/0/omni/onboarding-url'] as const) {
    t.test(`a hanging Incode (${what} on ${path}) answers 504 within timeout + 500 ms, and leaves no socket`, async (t) => {
      const timeout = 600
      const host = await startHost(t, { plugin: { timeout } })
      host.fake.failAlways(fault, { path })
      const started = Date.now()
      const res = await post(host.app, '/incode/onboarding-url')
      const took = Date.now() - started

      t.equal(res.statusCode, 504)
      t.ok(took >= timeout - 20 && took < timeout + 500, `answered in ${took} ms`)
      await host.app.close()
      await until(() => host.fake.activeConnections === 0, 'the sockets to Incode to close')
      t.equal(host.fake.activeConnections, 0, 'no socket to Incode is left open after app.close()')
      assertNoSecretsLogged(t, host)
    })
  }
}

t.test('retries stay inside the one budget of the call: never attempts × timeout', async (t) => {
  for (const fault of [{ type: 'status', status: 503 }, { type: 'status', status: 429 }] as FakeIncodeFault[]) {
    const host = await startHost(t, { plugin: { timeout: 400, retries: 20 } })
    host.fake.failAlways(fault)
    const started = Date.now()
    const res = await post(host.app, '/incode/sessions')
    const took = Date.now() - started
    t.ok([502, 504].includes(res.statusCode), `${res.statusCode}: the last answer, or the deadline`)
    t.ok(took < 400 + 250, `gave up after ${took} ms: the 400 ms budget plus scheduling, not 21 × 400 ms`)
    const attempts = host.fake.requestsTo('/omni/start').length
    t.ok(attempts > 1 && attempts < 21, `${attempts} attempts, cut by the budget`)
  }
  const slow = await startHost(t, { plugin: { timeout: 400, retries: 20 }, fake: { latencyMs: 150 } })
  slow.fake.failAlways({ type: 'status', status: 503 })
  const started = Date.now()
  const res = await post(slow.app, '/incode/sessions')
  t.ok(Date.now() - started < 400 + 250, 'slow answers eat into the same budget')
  t.ok([502, 504].includes(res.statusCode))
})

t.test('from the client too, retries never outlast the one deadline of the call', async (t) => {
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

t.test('/omni/start is tried once after a 500, a reset mid-answer or a timeout', async (t) => {
  const faults: FakeIncodeFault[] = [
    { type: 'status', status: 500 },
    { type: 'drop', phase: 'after-headers' },
    { type: 'drop' },
    { type: 'hang' }
  ]
  for (const fault of faults) {
    const host = await startHost(t, { plugin: { timeout: 300, retries: 5 } })
    host.fake.failNext(fault, { path: '/omni/start', times: 10 })
    const res = await post(host.app, '/incode/sessions')
    t.ok(res.statusCode >= 502, `${fault.type}: ${res.statusCode}`)
    t.equal(host.fake.requestsTo('/omni/start').length, 1, `${JSON.stringify(fault)}: exactly one attempt`)
  }
})

t.test('a refused connection on both routes: 503 after retries + 1 attempts, 3 by default', async (t) => {
  const port = await closedPort()
  for (const retries of [undefined, 0, 3]) {
    const attempts = (retries ?? 2) + 1
    for (const route of ['sessions', 'onboarding-url']) {
      const host = await startHost(t, { plugin: { apiUrl: `http://127.0.0.1:${port}`, ...(retries === undefined ? {} : { retries }) } })
      const res = await post(host.app, `/incode/${route}`)
      assertFailureAnswer(t, host, res, 'unreachable')
      t.match(host.logs.records.find((record) => record.msg === 'Incode start call failed'), { attempts },
        `retries ${retries ?? 'by default'}: ${attempts} attempts`)
      t.equal(host.recorded.length, 0)
      assertNoSecretsLogged(t, host)
    }
  }
})

t.test('from the client, a refused connection is retried `retries` times, then is unreachable', async (t) => {
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

t.test('429 twice, then 200: one 201 and exactly one session', async (t) => {
  for (const route of ['sessions', 'onboarding-url']) {
    const host = await startHost(t)
    host.fake.failNext({ type: 'status', status: 429 }, { path: '/omni/start', times: 2 })
    const res = await post(host.app, `/incode/${route}`)
    t.equal(res.statusCode, 201)
    t.equal(host.fake.requestsTo('/omni/start').length, 3)
    t.equal(host.fake.sessions.size, 1, 'exactly one session')
    t.equal(host.recorded.length, 1, 'recorded once')
    t.equal(res.json().interviewId, host.recorded[0]?.interviewId)
    assertNoSecretsLogged(t, host)
  }
})

t.test('from the client, 429 and 503 are retried; one 201 and exactly one session after them', async (t) => {
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

t.test('a 503 from onboarding-url is retried with the same token, and the session is recorded once', async (t) => {
  const host = await startHost(t)
  host.fake.failNext({ type: 'status', status: 503 }, { path: '/0/omni/onboarding-url', times: 2 })
  const res = await post(host.app, '/incode/onboarding-url')
  t.equal(res.statusCode, 201)
  const calls = host.fake.requestsTo('/0/omni/onboarding-url')
  t.equal(calls.length, 3)
  t.equal(new Set(calls.map((call) => call.headers['x-incode-hardware-id'])).size, 1, 'one token throughout')
  t.equal(host.fake.sessions.size, 1)
  t.equal(host.recorded.length, 1)
  assertNoSecretsLogged(t, host)
})

t.test('the backoff between retries is jittered and grows', async (t) => {
  // A timer never fires early, so the lower bounds are exact on any machine; the upper bound only
  // says "not seconds", wide enough for a loaded one.
  const gaps = async (): Promise<[number, number]> => {
    const host = await startHost(t, { plugin: { retries: 2 } })
    host.fake.failAlways({ type: 'status', status: 503 })
    await post(host.app, '/incode/sessions')
    const times = host.fake.requestsTo('/omni/start').map((request) => request.receivedAt.getTime())
    t.equal(times.length, 3)
    const [a = 0, b = 0, c = 0] = times
    return [b - a, c - b]
  }
  // Math.random at either end of its range pins the jitter: 50 then 100 ms, or 100 then 200 ms.
  const random = Math.random
  t.teardown(() => { Math.random = random })
  Math.random = () => 0
  const [least, leastSecond] = await gaps()
  t.ok(least >= 45, `the least first backoff, 50 ms: ${least} ms`)
  t.ok(leastSecond >= 95, `the least second backoff is twice the first, 100 ms: ${leastSecond} ms`)
  Math.random = () => 0.9999
  const [most, mostSecond] = await gaps()
  t.ok(most >= 95 && mostSecond >= 195, `the jitter adds up to as much again, 100 and 200 ms: ${most} and ${mostSecond} ms`)
  Math.random = random

  const firstGaps: number[] = []
  for (let run = 0; run < 6; run++) {
    const [first, second] = await gaps()
    t.ok(first >= 45 && first <= 1000, `first backoff ${first} ms: at least 50 ms (+ the answer and scheduling)`)
    t.ok(second >= 95 && second <= 1000, `second backoff ${second} ms: at least 100 ms (+ the answer and scheduling)`)
    firstGaps.push(first)
  }
  t.ok(new Set(firstGaps).size > 1, `the backoffs differ from call to call: ${firstGaps.join(', ')} ms`)
})

// A 429 or a 503 with Retry-After: sent again after the wait Incode asks for, and not at all when
// that wait would not fit in the call's deadline.

async function clientWithRetryAfter (t: Test, timeout: number): Promise<{ fake: FakeIncode, client: IncodeClient }> {
  const fake = await createFakeIncode()
  const client = new IncodeClient({ apiUrl: fake.url, apiKey: fake.apiKey, configurationId: 'flow-1', timeout, retries: 2 })
  t.teardown(async () => {
    await client.close()
    await fake.close()
  })
  return { fake, client }
}

function gapMs (fake: FakeIncode): number {
  const [first, second] = fake.requestsTo('/omni/start')
  return (second as { receivedAt: Date }).receivedAt.getTime() - (first as { receivedAt: Date }).receivedAt.getTime()
}

t.test('a 503 with Retry-After: 1 is sent again a second later, and the session is started', async (t) => {
  const { fake, client } = await clientWithRetryAfter(t, 5000)
  fake.failNext({ type: 'status', status: 503, headers: { 'retry-after': '1' } }, { path: '/omni/start' })
  const session = await client.startSession()
  t.ok(session.interviewId)
  t.equal(fake.requestsTo('/omni/start').length, 2)
  t.ok(gapMs(fake) >= 950, `the second attempt came ${gapMs(fake)} ms after the first, not before the second asked for`)
})

t.test('a 429 with Retry-After as an HTTP date waits until then', async (t) => {
  const { fake, client } = await clientWithRetryAfter(t, 5000)
  // HTTP dates have whole seconds: two seconds ahead is at least one.
  fake.failNext({ type: 'status', status: 429, headers: { 'retry-after': new Date(Date.now() + 2000).toUTCString() } }, { path: '/omni/start' })
  await client.startSession()
  t.equal(fake.requestsTo('/omni/start').length, 2)
  t.ok(gapMs(fake) >= 950, `the second attempt came ${gapMs(fake)} ms after the first`)
})

t.test('a Retry-After longer than what is left of the deadline: the call fails at once, not sent again', async (t) => {
  const { fake, client } = await clientWithRetryAfter(t, 5000)
  fake.failNext({ type: 'status', status: 429, headers: { 'retry-after': '30' } }, { path: '/omni/start' })
  const started = Date.now()
  const err = await client.startSession().then(() => undefined, (error: Error & { code?: string, upstreamStatus?: number, attempts?: number }) => error)
  t.equal(err?.code, 'FST_INCODE_UPSTREAM_ERROR')
  t.equal(err?.upstreamStatus, 429)
  t.equal(err?.attempts, 1)
  t.ok(Date.now() - started < 4000, 'answered well before the 5 s deadline')
  t.equal(fake.requestsTo('/omni/start').length, 1)
})

t.test('a Retry-After that is not a whole number of seconds nor an HTTP date: the usual backoff, not an instant retry', async (t) => {
  for (const header of ['soon', '1.5', '-1', '2026-12-03']) {
    const { fake, client } = await clientWithRetryAfter(t, 5000)
    fake.failNext({ type: 'status', status: 503, headers: { 'retry-after': header } }, { path: '/omni/start' })
    await client.startSession()
    t.equal(fake.requestsTo('/omni/start').length, 2, header)
    t.ok(gapMs(fake) >= 45, `${header}: the second attempt came ${gapMs(fake)} ms later, after the backoff of at least 50 ms`)
  }
})

t.test('a Retry-After that would leave the next attempt less than its share of the deadline: not sent again', async (t) => {
  // 5 s and two retries: each attempt's share is 1.7 s, and after a 4 s wait only 1 s would be left.
  const { fake, client } = await clientWithRetryAfter(t, 5000)
  fake.failNext({ type: 'status', status: 503, headers: { 'retry-after': '4' } }, { path: '/omni/start' })
  await t.rejects(client.startSession(), { code: 'FST_INCODE_UPSTREAM_ERROR', upstreamStatus: 503, attempts: 1 })
  t.equal(fake.requestsTo('/omni/start').length, 1)
})

t.test('a Retry-After on a 500 is not a reason to send a session start again', async (t) => {
  const { fake, client } = await clientWithRetryAfter(t, 5000)
  fake.failNext({ type: 'status', status: 500, headers: { 'retry-after': '0' } }, { path: '/omni/start' })
  await t.rejects(client.startSession(), { code: 'FST_INCODE_UPSTREAM_ERROR', upstreamStatus: 500 })
  t.equal(fake.requestsTo('/omni/start').length, 1)
})
