import t from 'tap'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { IncodeSession } from '../src/index.js'
import { assertNoSecretsLogged, post, startHost } from './support/host.js'

t.test('the hook gets the session, the request, and the Fastify instance as this', async (t) => {
  const calls: Array<{ self: FastifyInstance, session: IncodeSession, request: FastifyRequest }> = []
  const host = await startHost(t, {
    plugin: {
      externalCustomerId: () => 'customer-7',
      allowedRedirectionUrls: ['https://app.example.com/'],
      onSessionCreated: async function (session, request) { calls.push({ self: this, session, request }) }
    }
  })
  const before = Date.now()
  const res = await post(host.app, '/incode/sessions', { language: 'es-ES', redirectionUrl: 'https://app.example.com/x' },
    { 'x-trace': 'abc' })
  const { interviewId, token } = res.json()

  t.equal(calls.length, 1, 'called once')
  const [{ self, session, request }] = calls as [typeof calls[0]]
  t.equal(self, host.app, 'this is the instance the plugin was registered on')
  t.equal(request.headers['x-trace'], 'abc', 'the request is the browser\'s')
  t.same({ ...session, createdAt: undefined, response: undefined }, {
    interviewId,
    token,
    configurationId: 'flow-1',
    externalCustomerId: 'customer-7',
    redirectionUrl: 'https://app.example.com/x',
    language: 'es-ES',
    createdAt: undefined,
    route: 'sessions',
    delivered: true,
    response: undefined
  })
  t.ok(session.createdAt instanceof Date && session.createdAt.getTime() >= before)
  t.equal(session.response.interviewId, interviewId)
  t.equal(session.response.clientId, host.fake.clientId, 'the whole Incode answer, extra fields included')
})

t.test('the route answers only after the hook has finished', async (t) => {
  let stored = false
  const host = await startHost(t, {
    plugin: {
      onSessionCreated: async () => {
        await new Promise((resolve) => setTimeout(resolve, 50))
        stored = true
      }
    }
  })
  const res = await post(host.app, '/incode/sessions')
  t.equal(res.statusCode, 201)
  t.equal(stored, true)
})

t.test('a synchronous hook works too', async (t) => {
  const seen: string[] = []
  const host = await startHost(t, { plugin: { onSessionCreated: (session) => { seen.push(session.interviewId) } } })
  const res = await post(host.app, '/incode/onboarding-url')
  t.same(seen, [res.json().interviewId])
})

for (const [kind, hook] of [
  ['rejects', async () => { throw new Error('database is down') }],
  ['throws synchronously', () => { throw new Error('database is down') }]
] as const) {
  for (const route of ['sessions', 'onboarding-url']) {
    t.test(`a hook that ${kind} on ${route}: 500, no token, and an error log naming the interviewId`, async (t) => {
      const host = await startHost(t, { plugin: { onSessionCreated: hook } })
      const res = await post(host.app, `/incode/${route}`)

      t.equal(res.statusCode, 500)
      t.same(res.json(), {
        statusCode: 500,
        code: 'FST_INCODE_SESSION_NOT_RECORDED',
        error: 'Internal Server Error',
        message: 'The verification session could not be recorded'
      })
      const [session] = [...host.fake.sessions.values()]
      t.ok(session, 'Incode created the session')
      t.notOk(res.body.includes(session?.token as string), 'the token is not in the answer')
      t.equal(host.fake.requestsTo('/0/omni/onboarding-url').length, 0, 'no onboarding URL is fetched')

      const line = host.logs.records.find((record) => record.level === 50 && record.interviewId === session?.interviewId)
      t.ok(line, 'an error line names the interviewId')
      t.equal(line?.code, 'FST_INCODE_SESSION_NOT_RECORDED')
      t.same(line?.cause, { name: 'Error' }, 'the cause is named, its message (the host\'s data) left off')
      t.notOk(host.logs.lines.some((entry) => entry.includes('database is down')), 'no line carries the host error\'s text')
      assertNoSecretsLogged(t, host)
    })
  }
}

t.test('a hook error that quotes the token never reaches a log line', async (t) => {
  class UniqueViolation extends Error {
    code = '23505'
  }
  const host = await startHost(t, {
    plugin: {
      onSessionCreated: async (session) => {
        throw new UniqueViolation(`duplicate key value violates unique constraint: (token)=(${session.token})`)
      }
    }
  })
  const res = await post(host.app, '/incode/sessions')
  t.equal(res.statusCode, 500)
  const line = host.logs.records.find((record) => record.code === 'FST_INCODE_SESSION_NOT_RECORDED')
  t.same(line?.cause, { name: 'Error', code: '23505' }, 'name and code identify the failure')
  assertNoSecretsLogged(t, host)
})

t.test('a hook that throws something that is not an Error is still caught, and logged without it', async (t) => {
  for (const thrown of ['a string with the token', { code: 42, name: null }]) {
    const host = await startHost(t, { plugin: { onSessionCreated: () => { throw thrown } } })
    const res = await post(host.app, '/incode/sessions')
    t.equal(res.json().code, 'FST_INCODE_SESSION_NOT_RECORDED')
    t.same(host.logs.records.find((record) => record.code === 'FST_INCODE_SESSION_NOT_RECORDED')?.cause, {}, JSON.stringify(thrown))
    t.notOk(host.logs.lines.some((line) => line.includes('a string with')))
  }
})
