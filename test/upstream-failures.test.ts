import t from 'tap'
import type { FastifyError } from 'fastify'
import { assertNoSecretsLogged, post, startHost } from './support/host.js'
import { closedPort } from './support/network.js'

// Every §6 row on both routes is in failure-matrix.test.ts; these are the cases around them.

t.test('an unreachable Incode: 503 after the retries, and the host keeps serving', async (t) => {
  const port = await closedPort()

  const host = await startHost(t, { plugin: { apiUrl: `http://127.0.0.1:${port}` } })
  const res = await post(host.app, '/incode/onboarding-url')
  t.equal(res.statusCode, 503)
  t.equal(res.json().code, 'FST_INCODE_UPSTREAM_UNREACHABLE')
  t.match(host.logs.records.find((record) => record.msg === 'Incode start call failed'), { attempts: 3 })
  t.equal(host.recorded.length, 0)
  assertNoSecretsLogged(t, host)
})

t.test('onboarding-url after a recorded session fails: the §6 error, the session recorded once, the interviewId logged', async (t) => {
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

t.test('a created session is logged at info with its interviewId and duration', async (t) => {
  const host = await startHost(t)
  const { interviewId } = (await post(host.app, '/incode/sessions')).json()
  t.match(host.logs.records.find((record) => record.msg === 'Incode session created'), {
    level: 30, interviewId, durationMs: Number
  })
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
  t.equal(failed.json().code, 'FST_INCODE_UPSTREAM_ERROR', 'the plugin\'s own errors keep the §6 shape')
  t.notOk('hostHandled' in failed.json())
})
