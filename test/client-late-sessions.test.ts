import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { Agent, Pool } from 'undici'
import { IncodeClient, type StartSessionResult } from '../src/index.js'
import { clientWithFake, failure } from './support/client.js'
import { createFakeIncode } from '../src/testing/index.js'

// The client used directly, as a host's own routes and jobs use it: what a written /omni/start
// does after its caller stopped waiting, and what an unwritten one never does.

t.test('a start answered after its deadline: the caller gets 504 on time, onLateSession gets the session', async (t) => {
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

t.test('a start aborted by its signal after it was written: rejected at once, the session comes late', async (t) => {
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

t.test('an onLateSession that throws is the caller\'s: nothing escapes, close() still ends', async (t) => {
  const { fake, client } = await clientWithFake(t, { timeout: 200 })
  fake.failNext({ type: 'delay', ms: 300 })
  await failure(client.startSession({}, { onLateSession: () => { throw new Error('not mine') } }))
  await client.close()
  t.equal(fake.sessions.size, 1)
})

t.test('a late session with no onLateSession is dropped quietly', async (t) => {
  const { fake, client } = await clientWithFake(t, { timeout: 200 })
  fake.failNext({ type: 'delay', ms: 300 })
  t.equal((await failure(client.startSession())).code, 'FST_INCODE_UPSTREAM_TIMEOUT')
  await client.close()
  t.equal(fake.sessions.size, 1)
})

t.test('an onboarding-url call is aborted at its deadline: it creates nothing', async (t) => {
  const { fake, client } = await clientWithFake(t, { timeout: 150 })
  const { token } = await client.startSession()
  fake.failNext({ type: 'hang' }, { path: '/0/omni/onboarding-url' })
  const started = Date.now()
  t.equal((await failure(client.getOnboardingUrl(token))).code, 'FST_INCODE_UPSTREAM_TIMEOUT')
  await client.close()
  t.ok(Date.now() - started < 150 + 100, 'close() did not wait for it')
})

t.test('an unsent start in a host dispatcher\'s queue is dropped by its signal; the connection stays', async (t) => {
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

t.test('a host dispatcher cannot lift the 1 MiB cap on Incode\'s answer', async (t) => {
  const fake = await createFakeIncode()
  const dispatcher = new Agent()
  const client = new IncodeClient({ apiUrl: fake.url, apiKey: fake.apiKey, configurationId: 'flow-1', dispatcher })
  t.teardown(async () => {
    await dispatcher.close()
    await fake.close()
  })
  fake.failNext({ type: 'json', body: { token: 'x'.repeat(2 * 1024 * 1024), interviewId: '0123456789abcdef01234567' } })
  const err = await failure(client.startSession())
  t.equal(err.code, 'FST_INCODE_UPSTREAM_BAD_RESPONSE')
  t.equal(err.upstreamStatus, 200)
  // Under the cap, an answer in many chunks is read whole (and this one's token is too long to use).
  fake.failNext({ type: 'json', body: { token: 'y'.repeat(300 * 1024), interviewId: '0123456789abcdef01234567' } })
  t.equal((await failure(client.startSession())).code, 'FST_INCODE_UPSTREAM_BAD_RESPONSE')
})

t.test('connections and keepAliveTimeout are checked', async (t) => {
  for (const [name, value] of [['connections', 0], ['connections', 1.5], ['keepAliveTimeout', 0], ['keepAliveTimeout', '500']] as const) {
    t.throws(() => new IncodeClient({ apiUrl: 'http://127.0.0.1:1', apiKey: 'k', configurationId: 'f', [name]: value }),
      { code: 'FST_INCODE_INVALID_OPTION', message: `fastify-incode option "${name}" must be an integer of at least 1` })
  }
})

t.test('an onLateSession that never settles holds close() for at most one more timeout', async (t) => {
  const { fake, client } = await clientWithFake(t, { timeout: 150 })
  fake.failNext({ type: 'delay', ms: 200 })
  let called = false
  await failure(client.startSession({}, { onLateSession: async () => { called = true; await new Promise(() => {}) } }))
  const started = Date.now()
  await client.close()
  t.ok(called, 'it was called')
  t.ok(Date.now() - started < 150 + 150 + 300, `close() ended after ${Date.now() - started} ms`)
})
