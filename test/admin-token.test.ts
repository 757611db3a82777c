import t from 'tap'
import type { IncodeClientOptions } from '../src/index.js'
import type { FakeIncode } from '../src/testing/index.js'
import { clientWithFake, failure } from './support/client.js'
import { until, watchUnhandled } from './support/wait.js'

// The admin token's log-ins: one per renewal however many reads need it, none at all while a
// failed one backs off (repeated failures could lock Incode's admin account), and every read
// under its own one deadline and its caller's signal, the wait for a log-in included.

const credentials = (fake: FakeIncode): Partial<IncodeClientOptions> => ({ adminEmail: fake.adminEmail, adminPassword: fake.adminPassword })
const logIns = (fake: FakeIncode): number => fake.requestsTo('/executive/log-in').length

t.test('an expired token: twenty refused reads renew it once between them, then read again', async (t) => {
  const { fake, client } = await clientWithFake(t, credentials)
  const { interviewId } = await client.startSession()
  await client.getScore(interviewId)
  fake.expireAdminTokens()
  const reads = await Promise.all(Array.from({ length: 20 }, async () => await client.getOnboardingStatus(interviewId)))
  t.equal(reads.length, 20, 'every read succeeded')
  t.equal(logIns(fake), 2, 'the first log-in and one renewal')
})

t.test('Incode refusing every read: twenty reads make one renewal, and a renewed token refused too is not dropped', async (t) => {
  const { fake, client } = await clientWithFake(t, credentials)
  const { interviewId } = await client.startSession()
  fake.failAlways({ type: 'status', status: 401, body: { status: 401, message: 'no' } }, { path: '/omni/get/onboarding/status' })
  const errors = await Promise.all(Array.from({ length: 20 }, async () => await failure(client.getOnboardingStatus(interviewId))))
  t.same([...new Set(errors.map((err) => err.code))], ['FST_INCODE_UPSTREAM_REJECTED'])
  t.equal(logIns(fake), 2, 'the first log-in and one renewal, not one per read')
  t.equal(fake.requestsTo('/omni/get/onboarding/status').length, 40, 'each read: once, then once more with the renewed token')
  const tokens = new Set(fake.requestsTo('/omni/get/onboarding/status').map((read) => read.headers['x-incode-hardware-id']))
  t.equal(tokens.size, 2, 'every read with the first token, then with the one renewed token')
  await failure(client.getOnboardingStatus(interviewId))
  t.equal(logIns(fake), 3, 'the next read, refused with the renewed token it kept, renews once more')
})

t.test('a failed log-in backs off: no new log-in for 1 s, then 2 s, and the error says so', async (t) => {
  const { fake, client } = await clientWithFake(t, credentials)
  const { interviewId } = await client.startSession()
  fake.failNext({ type: 'status', status: 401, body: { status: 401, message: 'wrong password' } }, { path: '/executive/log-in', times: 2 })

  const first = await failure(client.getScore(interviewId))
  t.same({ code: first.code, statusCode: first.statusCode, message: first.message, upstreamStatus: first.upstreamStatus, attempts: first.attempts }, {
    code: 'FST_INCODE_ADMIN_LOGIN_FAILED',
    statusCode: 502,
    message: 'The administrator log-in to the identity verification service failed; no new log-in for 1 s',
    upstreamStatus: 401,
    attempts: 1
  })
  t.match(await failure(client.getOnboardingStatus(interviewId)), {
    code: 'FST_INCODE_ADMIN_LOGIN_FAILED', attempts: 0, upstreamStatus: undefined, message: /no new log-in for 1 s$/
  }, 'at once, a read fails too, with no call made')
  t.equal(logIns(fake), 1, 'without a log-in')
  t.notOk(JSON.stringify(first).includes(fake.adminPassword), 'the password is nowhere on the error')

  await new Promise((resolve) => setTimeout(resolve, 1100))
  t.match(await failure(client.getScore(interviewId)), { message: /no new log-in for 2 s$/ }, 'after 1 s a log-in, failed again: 2 s now')
  t.equal(logIns(fake), 2)
  t.equal((await failure(client.getScore(interviewId))).code, 'FST_INCODE_ADMIN_LOGIN_FAILED')
  t.equal(logIns(fake), 2, 'no log-in during the 2 s')

  await new Promise((resolve) => setTimeout(resolve, 2100))
  t.match(await client.getScore(interviewId), { overall: { status: 'UNKNOWN' } }, 'then a log-in that works, and the read')
  fake.expireAdminTokens()
  fake.failNext({ type: 'status', status: 401 }, { path: '/executive/log-in' })
  t.match(await failure(client.getScore(interviewId)), { message: /no new log-in for 1 s$/ }, 'a success starts the back-off over')
  t.equal(fake.requestsTo('/omni/get/score').length, 2, 'no read was sent without a token')
})

t.test('the caller\'s signal is heard while a log-in is under way; the log-in goes on for the others', async (t) => {
  const { fake, client } = await clientWithFake(t, credentials)
  const { interviewId } = await client.startSession()
  fake.failNext({ type: 'delay', ms: 1000 }, { path: '/executive/log-in' })
  const started = Date.now()
  const patient = client.getScore(interviewId)
  await t.rejects(client.getScore(interviewId, { signal: AbortSignal.timeout(100) }), { name: 'TimeoutError' })
  t.ok(Date.now() - started < 900, `the aborted read settled in ${Date.now() - started} ms, not after the log-in (1000 ms)`)
  t.match(await patient, { overall: { status: 'UNKNOWN' } }, 'the other read got the token')
  t.equal(logIns(fake), 1)
})

t.test('a signal aborted before a log-in is needed: the read fails at once, and nothing is sent', async (t) => {
  const unhandled = watchUnhandled(t)
  const { fake, client } = await clientWithFake(t, credentials)
  await t.rejects(client.getScore('0123456789abcdef01234567', { signal: AbortSignal.abort() }), { name: 'AbortError' })
  await client.close()
  t.equal(fake.requests.length, 0, 'no log-in, no read')
  t.same(unhandled, [], 'and no rejection left unhandled')
})

t.test('a read whose log-in used up its deadline is not sent: no time is left for its answer', async (t) => {
  const { fake, client } = await clientWithFake(t, (fake) => ({ ...credentials(fake), timeout: 2000 }))
  const { token } = await client.startSession()
  fake.failNext({ type: 'delay', ms: 200 }, { path: '/executive/log-in' })
  const realNow = Date.now
  t.teardown(() => { Date.now = realNow })
  const verifying = failure(client.verifyFaceAuthentication({ token, transactionId: 't-1', interviewToken: 'i-1' }))
  await until(() => fake.requestsTo('/executive/log-in').length === 1, 'the log-in')
  // The log-in answers past the read's deadline, as a slow one on a busy machine would.
  Date.now = () => realNow() + 5000
  const err = await verifying
  Date.now = realNow
  t.equal(err.code, 'FST_INCODE_CALL_NOT_SENT')
  t.equal(fake.requestsTo('/omni/authentication/verify').length, 0, 'the face check was never sent')
})

t.test('an early renewal that fails keeps the token while it lives; a log-in that did not get through does not back off', async (t) => {
  const { fake, client } = await clientWithFake(t, credentials)
  const { interviewId } = await client.startSession()
  await client.getScore(interviewId)
  const realNow = Date.now
  t.teardown(() => { Date.now = realNow })
  Date.now = () => realNow() + 23.5 * 60 * 60 * 1000
  fake.failNext({ type: 'status', status: 401 }, { path: '/executive/log-in' })
  t.match(await client.getScore(interviewId), { overall: { status: 'UNKNOWN' } }, 'the renewal was refused: the read goes on with the token held')
  t.equal(logIns(fake), 2)
  t.match(await client.getScore(interviewId), { overall: { status: 'UNKNOWN' } }, 'during the back-off too, with the token held')
  t.equal(logIns(fake), 2, 'and no log-in tried meanwhile')
  Date.now = () => realNow() + 24.5 * 60 * 60 * 1000
  fake.failNext({ type: 'status', status: 401 }, { path: '/executive/log-in' })
  t.match(await failure(client.getScore(interviewId)), { code: 'FST_INCODE_ADMIN_LOGIN_FAILED', attempts: 1 },
    'past its 24 hours the token is not used: a refused log-in is the read\'s error')
  Date.now = realNow

  const other = await clientWithFake(t, (fake) => ({ ...credentials(fake), retries: 0 }))
  const { interviewId: id } = await other.client.startSession()
  other.fake.failNext({ type: 'drop' }, { path: '/executive/log-in' })
  const dropped = await failure(other.client.getScore(id))
  t.same([dropped.code, dropped.message], ['FST_INCODE_ADMIN_LOGIN_FAILED', 'The administrator log-in to the identity verification service failed'],
    'a log-in cut off: no back-off said')
  t.match(await other.client.getScore(id), { overall: { status: 'UNKNOWN' } }, 'and the next read logs in at once')
})

t.test('one deadline for the log-in and the read together', async (t) => {
  const { fake, client } = await clientWithFake(t, (fake) => ({ ...credentials(fake), timeout: 600 }))
  const { interviewId } = await client.startSession()
  fake.failNext({ type: 'delay', ms: 400 }, { path: '/executive/log-in' })
  fake.failNext({ type: 'delay', ms: 400 }, { path: '/omni/get/score' })
  const started = Date.now()
  const err = await failure(client.getScore(interviewId))
  const took = Date.now() - started
  t.equal(err.code, 'FST_INCODE_UPSTREAM_TIMEOUT', 'the read ran out of the time the log-in left it')
  t.ok(took >= 550 && took < 1200, `failed after ${took} ms: the one 600 ms deadline, not 600 for each`)

  fake.failNext({ type: 'delay', ms: 800 }, { path: '/executive/log-in' })
  fake.expireAdminTokens()
  const waited = Date.now()
  t.equal((await failure(client.getScore(interviewId))).code, 'FST_INCODE_CALL_NOT_SENT', 'a log-in longer than the deadline: the read was never sent')
  t.ok(Date.now() - waited < 1200, 'at the deadline, not after the 800 ms log-in plus a read')
})
