import t from 'tap'
import type { AddressInfo } from 'node:net'
import { Agent, request as httpRequest } from 'undici'
import { assertNoSecretsLogged, startHost } from './support/host.js'
import { until, watchUnhandled } from './support/wait.js'

t.test('500 simultaneous sessions: 500 distinct interviewIds, 500 hook calls, 500 Incode calls, pool bound kept', async (t) => {
  const host = await startHost(t, { plugin: { rateLimit: false, connections: 16 }, fake: { latencyMs: 5 } })
  const answers = await Promise.all(Array.from({ length: 500 }, async () =>
    await host.app.inject({ method: 'POST', url: '/incode/sessions' })))

  t.same([...new Set(answers.map((res) => res.statusCode))], [201])
  const ids = new Set(answers.map((res) => res.json().interviewId))
  t.equal(ids.size, 500, '500 distinct interviewIds')
  t.equal(host.recorded.length, 500, 'the hook ran 500 times')
  t.same(new Set(host.recorded.map((session) => session.interviewId)), ids, 'for exactly those sessions')
  t.equal(host.fake.requestsTo('/omni/start').length, 500, 'Incode saw 500 starts')
  t.ok(host.fake.peakConnections <= 16, `peak of ${host.fake.peakConnections} connections within the bound of 16`)
  t.ok(host.fake.connectionsOpened <= 16, `${host.fake.connectionsOpened} connections opened: kept alive and reused`)
  assertNoSecretsLogged(t, host)
})

// A burst must not queue behind Incode's latency: a pool of 16 would answer most of these with 504.
t.test('300 browsers at once against a 200 ms Incode, 1 500 ms deadline: 300 × 201, all recorded', async (t) => {
  const host = await startHost(t, { plugin: { rateLimit: false, timeout: 1500 }, fake: { latencyMs: 200 } })
  await host.app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = host.app.server.address() as AddressInfo
  const browsers = new Agent({ connections: 300 })
  t.teardown(() => browsers.close())

  const statuses = await Promise.all(Array.from({ length: 300 }, async () => {
    const res = await httpRequest(`http://127.0.0.1:${port}/incode/sessions`, { method: 'POST', dispatcher: browsers })
    await res.body.dump()
    return res.statusCode
  }))
  t.same(statuses.filter((status) => status !== 201), [], 'every browser got its session')
  t.equal(host.fake.sessions.size, 300, 'Incode created 300 sessions')
  t.equal(host.recorded.length, 300, 'and the host recorded all 300')
  t.ok(host.recorded.every((session) => session.delivered), 'each delivered to its browser')
})

t.test('app.close() with 50 requests in flight: all 50 complete, then the pool closes', async (t) => {
  const unhandled = watchUnhandled(t)
  const host = await startHost(t, { plugin: { rateLimit: false }, fake: { latencyMs: 300 } })
  await host.app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = host.app.server.address() as AddressInfo
  const browsers = new Agent({ connections: 50 })

  const inFlight = Array.from({ length: 50 }, async () => {
    const res = await httpRequest(`http://127.0.0.1:${port}/incode/sessions`, { method: 'POST', dispatcher: browsers })
    return { status: res.statusCode, body: await res.body.json() as { interviewId: string } }
  })
  await until(() => host.fake.requestsTo('/omni/start').length === 50, 'all 50 to reach Incode')
  const closing = host.app.close()

  const answers = await Promise.all(inFlight)
  // Node's server.close() waits for kept-alive browser connections: the browsers leave.
  await browsers.close()
  await closing
  t.same(answers.map((answer) => answer.status), Array(50).fill(201), 'all 50 answered 201')
  t.equal(new Set(answers.map((answer) => answer.body.interviewId)).size, 50)
  t.equal(host.recorded.length, 50, 'all 50 recorded')
  await until(() => host.fake.activeConnections === 0, 'the pool to close')
  t.equal(host.fake.activeConnections, 0, 'then the pool closed its connections')
  await t.rejects(host.app.incode.startSession(), { code: 'FST_INCODE_UPSTREAM_UNREACHABLE' }, 'and takes no more calls')
  t.same(unhandled, [], 'no unhandled rejection or uncaught exception')
  assertNoSecretsLogged(t, host)
})

t.test('a second onboarding-url call after close has begun still completes its in-flight request', async (t) => {
  const unhandled = watchUnhandled(t)
  const host = await startHost(t, { plugin: { rateLimit: false } })
  host.fake.failNext({ type: 'delay', ms: 300 }, { path: '/omni/start' })
  await host.app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = host.app.server.address() as AddressInfo
  const browser = new Agent()
  const pending = httpRequest(`http://127.0.0.1:${port}/incode/onboarding-url`, { method: 'POST', dispatcher: browser })
  await until(() => host.fake.requestsTo('/omni/start').length === 1, 'the start call')
  const closing = host.app.close()
  const res = await pending
  t.equal(res.statusCode, 201, 'the URL was fetched after close() had begun')
  t.match(await res.body.json(), { url: String })
  await browser.close()
  await closing
  t.same(unhandled, [])
  assertNoSecretsLogged(t, host)
})
