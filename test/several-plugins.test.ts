import t from 'tap'
import Fastify from 'fastify'
import fastifyIncode, { type IncodeClient, type IncodeSession } from '../src/index.js'
import { createFakeIncode } from '../src/testing/index.js'
import { captureLogs } from './support/host.js'

declare module 'fastify' {
  interface FastifyInstance {
    incodeEu: IncodeClient
  }
}

// Two Incode flows or accounts in one app: a plugin each, at one level, under names of their own.

t.test('two plugins at one level, each under its decorator and prefix, each with its Incode, flow, hook and limit', async (t) => {
  const [us, eu] = [await createFakeIncode(), await createFakeIncode()]
  const { stream } = captureLogs()
  const app = Fastify({ logger: { level: 'info', stream } })
  t.teardown(async () => {
    await app.close()
    await us.close()
    await eu.close()
  })
  const recorded: Array<[string, IncodeSession]> = []
  await app.register(fastifyIncode, {
    ...{ apiUrl: us.url, apiKey: us.apiKey, configurationId: 'flow-us', rateLimit: { max: 1 } },
    onSessionCreated: (session) => { recorded.push(['us', session]) }
  })
  await app.register(fastifyIncode, {
    ...{ decorator: 'incodeEu', routePrefix: '/incode-eu', apiUrl: eu.url, apiKey: eu.apiKey, configurationId: 'flow-eu', rateLimit: { max: 2 } },
    onSessionCreated: (session) => { recorded.push(['eu', session]) }
  })
  app.get('/flows', async function () {
    return { us: this.incode.configurationId, eu: this.incodeEu.configurationId }
  })

  const statuses = []
  for (const url of ['/incode/sessions', '/incode/sessions', '/incode-eu/sessions', '/incode-eu/sessions', '/incode-eu/sessions']) {
    statuses.push((await app.inject({ method: 'POST', url })).statusCode)
  }
  t.same(statuses, [201, 429, 201, 201, 429], 'each plugin counts its own limit')
  t.same(recorded.map(([plugin, session]) => [plugin, session.configurationId]), [['us', 'flow-us'], ['eu', 'flow-eu'], ['eu', 'flow-eu']], 'each hook gets its own sessions')
  t.equal(us.requestsTo('/omni/start').length, 1, 'the first flow\'s Incode got its session')
  t.equal(eu.requestsTo('/omni/start').length, 2, 'the second\'s got its two')
  t.same((await app.inject({ method: 'GET', url: '/flows' })).json(), { us: 'flow-us', eu: 'flow-eu' })
  t.not(app.incode, app.incodeEu)
  t.equal(app.incode.metrics.value('incode_sessions_created_total', { route: 'sessions' }), 1, 'each client counts its own metrics')
  t.equal(app.incodeEu.metrics.value('incode_sessions_created_total', { route: 'sessions' }), 2)
})

t.test('a second plugin under a name the instance has already fails ready() naming the option', async (t) => {
  const fake = await createFakeIncode()
  t.teardown(async () => await fake.close())
  for (const decorator of [undefined, 'incode', 'log']) {
    const app = Fastify()
    const options = { apiUrl: fake.url, apiKey: fake.apiKey, configurationId: 'flow-1' }
    await app.register(fastifyIncode, { ...options, exposeRoutes: false })
    app.register(fastifyIncode, { ...options, exposeRoutes: false, ...(decorator === undefined ? {} : { decorator }) })
    const err = await app.ready().then(() => undefined, (error: Error & { code?: string }) => error)
    t.equal(err?.code, 'FST_INCODE_INVALID_OPTION', `decorator ${String(decorator)}`)
    t.match(err?.message, /"decorator"/)
    await app.close()
  }
})

t.test('the decorator must be a JavaScript identifier', async (t) => {
  const fake = await createFakeIncode()
  t.teardown(async () => await fake.close())
  for (const decorator of ['', 'incode-eu', '1incode', 42]) {
    const app = Fastify()
    app.register(fastifyIncode, { apiUrl: fake.url, apiKey: fake.apiKey, configurationId: 'flow-1', decorator: decorator as string })
    const err = await app.ready().then(() => undefined, (error: Error & { code?: string }) => error)
    t.equal(err?.code, 'FST_INCODE_INVALID_OPTION', JSON.stringify(decorator))
    t.match(err?.message, /"decorator" must be a JavaScript identifier/)
    await app.close()
  }
})
