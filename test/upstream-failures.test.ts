import t from 'tap'
import type { FastifyError } from 'fastify'
import { Agent } from 'undici'
import { IncodeClient } from '../src/index.js'
import { createFakeIncode, type FakeIncodeFault, type FakeIncodePath } from '../src/testing/index.js'
import { clientWithFake, expectError, failure } from './support/client.js'
import { assertNoSecretsLogged, post, startHost } from './support/host.js'
import { assertFailureAnswer, INCODE_TEXT, incodeError, UPSTREAM_ERRORS as expected } from './support/upstream-errors.js'

// What each way Incode can fail becomes: the error (status, code, fixed message), the attempts that
// reached Incode, and what is recorded; on both routes end to end, then from the client. Which
// failures are retried, and the deadline, are in deadlines-and-retries.test.ts; the operator's log
// lines in failure-logs.test.ts.

interface Row {
  name: string
  fault: FakeIncodeFault
  always?: boolean
  expect: keyof typeof expected
  /** Requests Incode receives on the faulted path (retries show here). */
  attempts: number
}

const rows: Row[] = [
  { name: '401', fault: incodeError(401), expect: 'rejected', attempts: 1 },
  { name: '403', fault: incodeError(403), expect: 'rejected', attempts: 1 },
  { name: '400', fault: incodeError(400), expect: 'rejected', attempts: 1 },
  { name: '404', fault: incodeError(404), expect: 'rejected', attempts: 1 },
  { name: '429 on every attempt', fault: incodeError(429), always: true, expect: 'upstream', attempts: 3 },
  { name: '500', fault: incodeError(500), expect: 'upstream', attempts: 1 },
  { name: '502', fault: incodeError(502), expect: 'upstream', attempts: 1 },
  { name: '503 on every attempt', fault: incodeError(503), always: true, expect: 'upstream', attempts: 3 },
  { name: 'a 200 that is not JSON', fault: { type: 'garbage' }, expect: 'bad', attempts: 1 },
  { name: 'a 200 JSON without token', fault: { type: 'json', body: { interviewId: '0123456789abcdef01234567' } }, expect: 'bad', attempts: 1 },
  { name: 'a 200 JSON without url', fault: { type: 'json', body: { link: 'https://x.test/' } }, expect: 'bad', attempts: 1 },
  { name: 'a connection dropped before the headers', fault: { type: 'drop' }, expect: 'unreachable', attempts: 1 },
  { name: 'a connection dropped after the headers', fault: { type: 'drop', phase: 'after-headers' }, expect: 'bad', attempts: 1 },
  { name: 'headers that never come', fault: { type: 'hang' }, expect: 'timeout', attempts: 1 },
  { name: 'a body that never ends', fault: { type: 'hang', phase: 'body' }, expect: 'timeout', attempts: 1 },
  { name: 'a body that trickles and never ends', fault: { type: 'trickle', intervalMs: 20 }, expect: 'timeout', attempts: 1 }
]

for (const route of ['sessions', 'onboarding-url'] as const) {
  for (const path of ['/omni/start', '/0/omni/onboarding-url'] as FakeIncodePath[]) {
    if (route === 'sessions' && path !== '/omni/start') continue
    for (const row of rows) {
      if (row.name.includes('without token') && path !== '/omni/start') continue
      if (row.name.includes('without url') && path === '/omni/start') continue
      t.test(`/incode/${route}, ${row.name} from ${path}`, async (t) => {
        // A short deadline only where the deadline is the answer; the others must not race one.
        const host = await startHost(t, { plugin: row.expect === 'timeout' ? { timeout: 400 } : {} })
        if (row.always === true) host.fake.failAlways(row.fault, { path })
        else host.fake.failNext(row.fault, { path })
        const res = await post(host.app, `/incode/${route}`)

        assertFailureAnswer(t, host, res, row.expect)
        t.equal(host.fake.requestsTo(path).length, row.attempts, `${row.attempts} attempt(s) reached Incode`)
        const sessionExisted = path !== '/omni/start'
        t.equal(host.recorded.length, sessionExisted ? 1 : 0,
          sessionExisted ? 'the session Incode created was recorded once' : 'the hook did not run')
        const line = host.logs.records.find((record) => /^Incode (start|onboarding-url) call failed($|: )/.test(String(record.msg)))
        t.match(line, { code: expected[row.expect][1], attempts: row.attempts, durationMs: Number })
        if (sessionExisted) t.equal(line?.interviewId, host.recorded[0]?.interviewId, 'the log line names the interviewId')
        t.notOk(host.logs.lines.some((l) => l.includes(INCODE_TEXT)), 'Incode\'s text is in no log line')
        assertNoSecretsLogged(t, host)
      })
    }
  }
}

t.test('onboarding-url after a recorded session fails: its error, the session recorded once, the interviewId logged', async (t) => {
  const host = await startHost(t)
  host.fake.failNext({ type: 'status', status: 500 }, { path: '/0/omni/onboarding-url' })
  const res = await post(host.app, '/incode/onboarding-url')

  t.equal(res.statusCode, 502)
  t.equal(res.json().code, 'FST_INCODE_UPSTREAM_ERROR')
  t.equal(host.recorded.length, 1, 'the hook recorded the session')
  const [session] = [...host.fake.sessions.values()]
  t.equal(host.recorded[0]?.interviewId, session?.interviewId)
  t.notOk(res.body.includes(session?.token as string))
  t.match(host.logs.records.find((record) => record.msg === 'Incode onboarding-url call failed'), {
    level: 40, interviewId: session?.interviewId, code: 'FST_INCODE_UPSTREAM_ERROR', upstreamStatus: 500
  })
  assertNoSecretsLogged(t, host)
})

t.test('Incode\'s answer must be what it claims: a token with CRLF or an odd interviewId is a bad response', async (t) => {
  for (const body of [
    { token: 'eyJ.a\r\nx-evil: 1', interviewId: '0123456789abcdef01234567' },
    { token: 'eyJ.a b', interviewId: '0123456789abcdef01234567' },
    { token: 'eyJ.abc', interviewId: '<script>alert(1)</script>' },
    { token: 'eyJ.abc', interviewId: 'x'.repeat(65) },
    { token: 'eyJ.abc', interviewId: 42 }
  ]) {
    const host = await startHost(t)
    host.fake.failNext({ type: 'json', body }, { path: '/omni/start' })
    const res = await post(host.app, '/incode/onboarding-url')
    t.equal(res.json().code, 'FST_INCODE_UPSTREAM_BAD_RESPONSE', JSON.stringify(body))
    t.equal(host.recorded.length, 0, 'never reaches the hook')
    t.equal(host.fake.requestsTo('/0/omni/onboarding-url').length, 0, 'nor a header')
    t.notOk(host.logs.lines.some((line) => line.includes('script') || line.includes('x-evil')), 'nor a log line')
  }
})

t.test('errors that are not the plugin\'s go to the host\'s error handler', async (t) => {
  const host = await startHost(t, {
    before: (app) => {
      app.setErrorHandler(async (error: FastifyError, _request, reply) => {
        return await reply.code(error.statusCode ?? 500).send({ hostHandled: true, code: error.code })
      })
    },
    plugin: {
      routeOptions: {
        onRequest: async (request, reply) => {
          if (request.headers.authorization === undefined) {
            return await reply.code(401).send({ error: 'sign in first' })
          }
        }
      }
    }
  })
  const unauthorised = await post(host.app, '/incode/sessions')
  t.equal(unauthorised.statusCode, 401)
  t.same(unauthorised.json(), { error: 'sign in first' })

  const invalid = await post(host.app, '/incode/sessions', { bogus: 1 }, { authorization: 'Bearer x' })
  t.same(invalid.json(), { hostHandled: true, code: 'FST_ERR_VALIDATION' })

  host.fake.failNext({ type: 'status', status: 500 })
  const failed = await post(host.app, '/incode/sessions', undefined, { authorization: 'Bearer x' })
  t.equal(failed.json().code, 'FST_INCODE_UPSTREAM_ERROR', 'the plugin\'s own errors keep their shape')
  t.notOk('hostHandled' in failed.json())
})

t.test('from the client, each kind of Incode failure becomes its error class', async (t) => {
  const { rejected, upstream, bad, unreachable, timeout } = expected

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
    // A short deadline only where the deadline is the answer; the others must not race one.
    const { fake, client } = await clientWithFake(t, code === timeout[1] ? { timeout: 300 } : {})
    fake.failNext(fault)
    const err = await failure(client.startSession())
    expectError(t, err, code, statusCode, message)
    t.equal(err.upstreamStatus, upstreamStatus, `${name}: upstream status`)
    t.equal(err.attempts, 1, `${name}: one attempt`)
    t.equal(fake.requestsTo('/omni/start').length, 1, `${name}: not retried`)
    t.ok(err.cause === undefined || err.cause instanceof Error, `${name}: cause`)
  }
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
