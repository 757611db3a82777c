import t from 'tap'
import type { FakeIncodeFault } from '../src/testing/index.js'
import { assertNoSecretsLogged, post, startHost } from './support/host.js'
import { until } from './support/wait.js'

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
  const firstGaps: number[] = []
  for (let run = 0; run < 6; run++) {
    const host = await startHost(t, { plugin: { retries: 2 } })
    host.fake.failAlways({ type: 'status', status: 503 })
    await post(host.app, '/incode/sessions')
    const times = host.fake.requestsTo('/omni/start').map((request) => request.receivedAt.getTime())
    t.equal(times.length, 3)
    const [a = 0, b = 0, c = 0] = times
    t.ok(b - a >= 45 && b - a <= 250, `first backoff ${b - a} ms is within 50–100 ms (+ the answer and scheduling)`)
    t.ok(c - b >= 95 && c - b <= 350, `second backoff ${c - b} ms is within 100–200 ms (+ the answer and scheduling)`)
    firstGaps.push(b - a)
  }
  t.ok(new Set(firstGaps).size > 1, `the backoffs differ from call to call: ${firstGaps.join(', ')} ms`)
})

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
