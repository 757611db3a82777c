import t, { type Test } from 'tap'
import { request } from 'node:http'
import { connect, type AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { Pool } from 'undici'
import { IncodeClient, type StartSessionResult } from '../src/index.js'
import { createFakeIncode } from '../src/testing/index.js'
import { clientWithFake, failure } from './support/client.js'
import { assertNoSecretsLogged, startHost, type Host } from './support/host.js'
import { until, watchUnhandled } from './support/wait.js'

// Sent means recorded: a /omni/start that reached Incode is never aborted. Whether the browser
// leaves or the deadline passes, a session Incode creates is recorded once, undelivered, on the
// connection it was sent on; one never sent reaches Incode not at all. On the routes, then from
// the client, whose onLateSession gets what the routes' hook gets.

const ROUTES = ['sessions', 'onboarding-url'] as const

/** Sends a browser's POST over real HTTP; resolves to the status, or to 0 if the browser left. */
function browserPost (host: Host, route: string): { done: Promise<number>, leave: () => void } {
  const { port } = host.app.server.address() as AddressInfo
  const req = request({ host: '127.0.0.1', port, method: 'POST', path: `/incode/${route}` })
  const done = new Promise<number>((resolve) => {
    req.on('response', (res) => {
      res.resume()
      resolve(res.statusCode ?? 0)
    })
    req.on('error', () => resolve(0))
  })
  req.end()
  return { done, leave: () => req.destroy() }
}

function assertRecordedUndelivered (t: Test, host: Host): void {
  t.equal(host.fake.sessions.size, 1, 'Incode created one session')
  t.equal(host.recorded.length, 1, 'the hook ran once')
  t.equal(host.recorded[0]?.interviewId, [...host.fake.sessions.keys()][0], 'for that session')
  t.equal(host.recorded[0]?.delivered, false, 'marked as not delivered')
  t.equal(host.fake.requestsTo('/0/omni/onboarding-url').length, 0, 'no onboarding URL fetched for nobody')
  const line = host.logs.records.find((record) => /recording it undelivered/.test(String(record.msg)))
  t.equal(line?.level, 30, 'an info line says so')
  t.equal(line?.interviewId, host.recorded[0]?.interviewId, 'with the interviewId')
  t.notOk(host.logs.records.some((record) => record.level >= 50), 'no error line')
}

for (const route of ROUTES) {
  t.test(`a browser that leaves after the start was sent: the session is recorded once, the connection kept (${route})`, async (t) => {
    const unhandled = watchUnhandled(t)
    const host = await startHost(t)
    host.fake.failNext({ type: 'delay', ms: 300 }, { path: '/omni/start' })
    await host.app.listen({ port: 0, host: '127.0.0.1' })

    const browser = browserPost(host, route)
    await until(() => host.fake.requestsTo('/omni/start').length === 1, 'the start to reach Incode')
    browser.leave()
    t.equal(await browser.done, 0, 'the browser is gone')
    await until(() => host.recorded.length === 1, 'the late session to be recorded')

    assertRecordedUndelivered(t, host)
    t.equal(host.logs.records.find((record) => /client closed/.test(String(record.msg)))?.level, 30, 'the browser leaving is an info line')
    // The next start goes out on the very connection the abandoned one used.
    const next = await host.app.inject({ method: 'POST', url: '/incode/sessions' })
    t.equal(next.statusCode, 201)
    t.equal(host.fake.connectionsOpened, 1, 'one upstream connection for both: it was never aborted')
    t.same(unhandled, [], 'nothing thrown unhandled')
    assertNoSecretsLogged(t, host)
  })

  t.test(`a deadline that passes after the start was sent: 504 on time, then the session is recorded once (${route})`, async (t) => {
    const unhandled = watchUnhandled(t)
    const host = await startHost(t, { plugin: { timeout: 300 } })
    host.fake.failNext({ type: 'delay', ms: 500 }, { path: '/omni/start' })

    const started = Date.now()
    const res = await host.app.inject({ method: 'POST', url: `/incode/${route}` })
    const took = Date.now() - started
    t.equal(res.statusCode, 504)
    t.equal(res.json().code, 'FST_INCODE_UPSTREAM_TIMEOUT')
    t.ok(took < 500, `the browser got its answer at the deadline (${took} ms), not when Incode answered`)
    t.equal(host.recorded.length, 0, 'nothing recorded yet')
    t.notOk(res.body.includes('token'), 'no token in the failed answer')

    // close() waits for the call still running, and for its hook.
    await host.app.close()
    assertRecordedUndelivered(t, host)
    t.equal(host.fake.connectionsOpened, 1, 'the call kept its one connection')
    t.same(unhandled, [])
    assertNoSecretsLogged(t, host)
  })
}

t.test('a client that half-closes after its request: taken for gone by default, answered with httpAllowHalfOpen', async (t) => {
  for (const halfOpen of [false, true]) {
    const host = await startHost(t, { fake: { latencyMs: 100 } })
    await host.app.listen({ port: 0, host: '127.0.0.1' })
    if (halfOpen) Object.assign(host.app.server, { httpAllowHalfOpen: true })
    const { port } = host.app.server.address() as { port: number }
    const answer = await new Promise<string>((resolve) => {
      let received = ''
      const socket = connect(port, '127.0.0.1', () => {
        socket.end('POST /incode/sessions HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n')
      })
      socket.on('data', (chunk) => { received += String(chunk) })
      socket.on('close', () => resolve(received))
    })
    await until(() => host.recorded.length === 1, 'the session to be recorded')
    if (halfOpen) {
      t.match(answer, /^HTTP\/1\.1 201/, 'httpAllowHalfOpen: the client gets its session')
      t.equal(host.recorded[0]?.delivered, true)
    } else {
      t.equal(answer, '', 'by default the client gets nothing')
      t.equal(host.recorded[0]?.delivered, false, 'and the session is recorded as undelivered')
    }
  }
})

t.test('a written start is given at most one more timeout to answer, then dropped', async (t) => {
  const host = await startHost(t, { plugin: { timeout: 200 } })
  host.fake.failNext({ type: 'hang' }, { path: '/omni/start' })
  const res = await host.app.inject({ method: 'POST', url: '/incode/sessions' })
  t.equal(res.statusCode, 504)
  const started = Date.now()
  await host.app.close()
  const took = Date.now() - started
  t.ok(took < 200 + 300, `close() waited ${took} ms: the bound, not for ever`)
  t.equal(host.recorded.length, 0, 'Incode created nothing, nothing is recorded')
  await until(() => host.fake.activeConnections === 0, 'the hung connection to close')
})

t.test('a hook that fails for a late session is logged with its interviewId, and nothing is thrown', async (t) => {
  const unhandled = watchUnhandled(t)
  const host = await startHost(t, {
    plugin: { timeout: 200, onSessionCreated: async () => { throw new Error('database down') } }
  })
  host.fake.failNext({ type: 'delay', ms: 350 }, { path: '/omni/start' })
  const res = await host.app.inject({ method: 'POST', url: '/incode/sessions' })
  t.equal(res.statusCode, 504)
  await host.app.close()
  const line = host.logs.records.find((record) => /did not record/.test(String(record.msg)))
  t.equal(line?.level, 50, 'an error line')
  t.equal(line?.interviewId, [...host.fake.sessions.keys()][0], 'naming the session to reconcile')
  t.same(unhandled, [], 'no unhandled rejection')
})

t.test('a browser that leaves before its start is sent: nothing reaches Incode, the pooled connection stays', async (t) => {
  const host = await startHost(t, { plugin: { connections: 1, rateLimit: false } })
  await host.app.listen({ port: 0, host: '127.0.0.1' })
  host.fake.failNext({ type: 'delay', ms: 300 }, { path: '/omni/start' })
  const first = browserPost(host, 'sessions')
  await until(() => host.fake.requestsTo('/omni/start').length === 1, 'the first start to hold the one connection')
  const second = browserPost(host, 'sessions')
  // The second waits for the connection; give its request time to reach the plugin's queue.
  await until(() => host.logs.records.some((record) => record.msg === 'incoming request' && record.reqId === 'req-2'), 'the second request')
  second.leave()
  t.equal(await first.done, 201)
  t.equal(await second.done, 0)
  const third = await host.app.inject({ method: 'POST', url: '/incode/sessions' })
  t.equal(third.statusCode, 201)
  t.equal(host.fake.requestsTo('/omni/start').length, 2, 'the abandoned start was never sent')
  t.equal(host.recorded.length, 2, 'two sessions, two records')
  t.ok(host.recorded.every((session) => session.delivered), 'both delivered')
  t.equal(host.fake.connectionsOpened, 1, 'dropping the unsent request kept the connection')
})

t.test('a start that cannot get a connection before its deadline: 503 CALL_NOT_SENT, never sent', async (t) => {
  const host = await startHost(t, { plugin: { connections: 1, timeout: 300, rateLimit: false } })
  host.fake.failNext({ type: 'delay', ms: 450 }, { path: '/omni/start' })
  const [slow, queued] = await Promise.all([
    host.app.inject({ method: 'POST', url: '/incode/sessions' }),
    host.app.inject({ method: 'POST', url: '/incode/sessions' })
  ])
  t.equal(slow.statusCode, 504, 'the sent one timed out')
  t.same(queued.json(), {
    statusCode: 503,
    code: 'FST_INCODE_CALL_NOT_SENT',
    error: 'Service Unavailable',
    message: 'The identity verification service could not be called in time; retry later'
  }, 'the queued one says it was never sent')
  const line = host.logs.records.find((record) => record.code === 'FST_INCODE_CALL_NOT_SENT')
  t.equal(line?.level, 40, 'a warn line')
  t.equal(line?.attempts, 0, 'no request was sent for it')
  await host.app.close()
  t.equal(host.fake.requestsTo('/omni/start').length, 1, 'Incode saw only the first')
  t.equal(host.recorded.length, 1, 'whose late session is recorded')
  t.equal(host.fake.connectionsOpened, 1)
})

t.test('from the client, a start answered after its deadline: the caller gets 504 on time, onLateSession gets the session', async (t) => {
  const { fake, client } = await clientWithFake(t, { timeout: 200 })
  fake.failNext({ type: 'delay', ms: 350 })
  const late: StartSessionResult[] = []
  const err = await failure(client.startSession({}, { onLateSession: (session) => { late.push(session) } }))
  t.equal(err.code, 'FST_INCODE_UPSTREAM_TIMEOUT')
  t.equal(err.attempts, 1)
  t.same(late, [], 'not yet')
  await client.close()
  t.equal(late.length, 1, 'close() waited for the late session')
  t.equal(late[0]?.interviewId, [...fake.sessions.keys()][0], 'the one Incode created')
})

t.test('from the client, a start aborted by its signal after it was written: rejected at once, the session comes late', async (t) => {
  const { fake, client } = await clientWithFake(t)
  fake.failNext({ type: 'delay', ms: 200 })
  const controller = new AbortController()
  const late: string[] = []
  const pending = failure(client.startSession({}, {
    signal: controller.signal,
    onLateSession: async (session) => {
      await sleep(50)
      late.push(session.interviewId)
    }
  }))
  while (fake.requests.length === 0) await sleep(5)
  const reason = new Error('the browser left')
  controller.abort(reason)
  t.equal(await pending, reason, 'rejected with the signal\'s reason')
  await client.close()
  t.same(late, [...fake.sessions.keys()], 'its session reached onLateSession, which close() awaited')
})

t.test('from the client, an onLateSession that throws is the caller\'s: nothing escapes, close() still ends', async (t) => {
  const { fake, client } = await clientWithFake(t, { timeout: 200 })
  fake.failNext({ type: 'delay', ms: 300 })
  await failure(client.startSession({}, { onLateSession: () => { throw new Error('not mine') } }))
  await client.close()
  t.equal(fake.sessions.size, 1)
})

t.test('from the client, a late session with no onLateSession is dropped quietly', async (t) => {
  const { fake, client } = await clientWithFake(t, { timeout: 200 })
  fake.failNext({ type: 'delay', ms: 300 })
  t.equal((await failure(client.startSession())).code, 'FST_INCODE_UPSTREAM_TIMEOUT')
  await client.close()
  t.equal(fake.sessions.size, 1)
})

t.test('from the client, an onboarding-url call is aborted at its deadline: it creates nothing', async (t) => {
  const { fake, client } = await clientWithFake(t, { timeout: 150 })
  const { token } = await client.startSession()
  fake.failNext({ type: 'hang' }, { path: '/0/omni/onboarding-url' })
  const started = Date.now()
  t.equal((await failure(client.getOnboardingUrl(token))).code, 'FST_INCODE_UPSTREAM_TIMEOUT')
  await client.close()
  t.ok(Date.now() - started < 150 + 100, 'close() did not wait for it')
})

t.test('from the client, an unsent start in a host dispatcher\'s queue is dropped by its signal; the connection stays', async (t) => {
  const fake = await createFakeIncode()
  const dispatcher = new Pool(fake.url, { connections: 1 })
  const client = new IncodeClient({ apiUrl: fake.url, apiKey: fake.apiKey, configurationId: 'flow-1', dispatcher })
  t.teardown(async () => {
    await client.close()
    await dispatcher.close()
    await fake.close()
  })
  fake.failNext({ type: 'delay', ms: 150 })
  const first = client.startSession()
  const controller = new AbortController()
  const queued = failure(client.startSession({}, { signal: controller.signal }))
  controller.abort(new Error('gone'))
  t.equal((await queued).message, 'gone')
  await first
  await client.startSession()
  t.equal(fake.requestsTo('/omni/start').length, 2, 'the dropped one never reached Incode')
  t.equal(fake.connectionsOpened, 1, 'and its connection was kept')
})

t.test('from the client, an onLateSession that never settles holds close() for at most one more timeout', async (t) => {
  const { fake, client } = await clientWithFake(t, { timeout: 150 })
  fake.failNext({ type: 'delay', ms: 200 })
  let called = false
  await failure(client.startSession({}, { onLateSession: async () => { called = true; await new Promise(() => {}) } }))
  const started = Date.now()
  await client.close()
  t.ok(called, 'it was called')
  t.ok(Date.now() - started < 150 + 150 + 300, `close() ended after ${Date.now() - started} ms`)
})
