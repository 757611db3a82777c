import t from 'tap'
import Fastify from 'fastify'
import { Pool } from 'undici'
import fastifyIncode, { fastifyIncode as named } from '../src/index.js'
import { createFakeIncode } from '../src/testing/index.js'
import { post, startHost } from './support/host.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    tag?: string
  }
}

t.test('the default export and the named export are the same plugin', async (t) => {
  t.equal(fastifyIncode, named)
  t.equal((fastifyIncode as unknown as Record<symbol, { name: string }>)[Symbol.for('plugin-meta')]?.name, 'fastify-incode')
})

t.test('routes live under /incode by default, and nowhere else', async (t) => {
  const host = await startHost(t)
  t.ok(host.app.hasRoute({ method: 'POST', url: '/incode/sessions' }))
  t.ok(host.app.hasRoute({ method: 'POST', url: '/incode/onboarding-url' }))
  t.equal((await post(host.app, '/sessions')).statusCode, 404)
  t.equal((await host.app.inject({ method: 'GET', url: '/incode/sessions' })).statusCode, 404)
})

t.test('routePrefix moves them', async (t) => {
  const host = await startHost(t, { plugin: { routePrefix: '/api/kyc' } })
  t.equal((await post(host.app, '/api/kyc/sessions')).statusCode, 201)
  t.equal((await post(host.app, '/incode/sessions')).statusCode, 404)
})

t.test('routePrefix "/" puts them at the root', async (t) => {
  const host = await startHost(t, { plugin: { routePrefix: '/' } })
  t.equal((await post(host.app, '/sessions')).statusCode, 201)
})

t.test('the register option prefix works the same way', async (t) => {
  const host = await startHost(t, { plugin: { prefix: '/verify' } })
  t.equal((await post(host.app, '/verify/onboarding-url')).statusCode, 201)
  t.equal((await post(host.app, '/incode/onboarding-url')).statusCode, 404)
})

t.test('prefix and routePrefix may both be given when they agree', async (t) => {
  const host = await startHost(t, { plugin: { prefix: '/v', routePrefix: '/v' } })
  t.equal((await post(host.app, '/v/sessions')).statusCode, 201)
})

t.test('inside a prefixed host plugin the prefixes add up, and the decorator stays there', async (t) => {
  const fake = await createFakeIncode()
  const app = Fastify()
  t.teardown(async () => { await app.close(); await fake.close() })
  await app.register(async (api) => {
    await api.register(fastifyIncode, { apiUrl: fake.url, apiKey: fake.apiKey, configurationId: 'flow-1' })
    api.get('/has-client', async () => ({ has: api.incode !== undefined }))
  }, { prefix: '/api' })
  t.equal((await post(app, '/api/incode/sessions')).statusCode, 201)
  t.same((await app.inject('/api/has-client')).json(), { has: true })
})

t.test('exposeRoutes: false registers the decorator only', async (t) => {
  const host = await startHost(t, { plugin: { exposeRoutes: false } })
  t.equal((await post(host.app, '/incode/sessions')).statusCode, 404)
  t.ok(host.app.incode)
})

t.test('a host route can use fastify.incode, without the hook', async (t) => {
  const host = await startHost(t, {
    after: (app) => {
      app.post('/admin/link', async function () {
        const session = await this.incode.startSession({ externalCustomerId: 'by-admin', language: 'es-ES' })
        return { url: await this.incode.getOnboardingUrl(session.token) }
      })
    }
  })
  const res = await host.app.inject({ method: 'POST', url: '/admin/link' })
  t.equal(res.statusCode, 200)
  const [session] = [...host.fake.sessions.values()]
  t.match(res.json().url, session?.interviewId)
  t.same(host.fake.requestsTo('/omni/start')[0]?.body, {
    configurationId: 'flow-1', externalCustomerId: 'by-admin', language: 'es-ES'
  })
  t.equal(host.recorded.length, 0, 'the client alone does not run onSessionCreated')
})

t.test('routeOptions hooks run in front of the routes, with their config and log level', async (t) => {
  const order: string[] = []
  const host = await startHost(t, {
    plugin: {
      routeOptions: {
        onRequest: [async (request, reply) => {
          order.push('onRequest')
          if (request.headers.authorization !== 'Bearer good') await reply.code(401).send({ error: 'no' })
        }],
        preHandler: async (request) => { order.push(`preHandler:${request.routeOptions.config.tag}`) },
        config: { tag: 'kyc' },
        logLevel: 'warn'
      },
      onSessionCreated: () => { order.push('hook') }
    }
  })
  const refused = await post(host.app, '/incode/sessions')
  t.equal(refused.statusCode, 401)
  t.equal(host.fake.requests.length, 0, 'a refused request never reaches Incode')

  const accepted = await post(host.app, '/incode/sessions', undefined, { authorization: 'Bearer good' })
  t.equal(accepted.statusCode, 201)
  t.same(order, ['onRequest', 'onRequest', 'preHandler:kyc', 'hook'])
  t.notOk(host.logs.records.some((record) => record.msg === 'Incode session created'), 'logLevel warn hides the info line')
})

t.test('the plugin\'s own pool is closed with the app', async (t) => {
  const fake = await createFakeIncode()
  t.teardown(() => fake.close())
  const app = Fastify()
  await app.register(fastifyIncode, { apiUrl: fake.url, apiKey: fake.apiKey, configurationId: 'flow-1', rateLimit: false })
  await post(app, '/incode/sessions')
  await post(app, '/incode/sessions')
  t.ok(fake.activeConnections > 0, 'kept-alive connections are open')
  const client = app.incode
  await app.close()
  await new Promise((resolve) => setTimeout(resolve, 50))
  t.equal(fake.activeConnections, 0, 'no connection to Incode is left open')
  await t.rejects(client.startSession(), { code: 'FST_INCODE_UPSTREAM_UNREACHABLE' })
})

t.test('an injected dispatcher is used and left open', async (t) => {
  const fake = await createFakeIncode()
  const dispatcher = new Pool(fake.url)
  t.teardown(async () => { await dispatcher.close(); await fake.close() })
  const app = Fastify()
  await app.register(fastifyIncode, { apiUrl: fake.url, apiKey: fake.apiKey, configurationId: 'flow-1', dispatcher })
  t.equal((await post(app, '/incode/sessions')).statusCode, 201)
  t.equal(dispatcher.stats.connected, 1, 'the call went through it')
  await app.close()
  t.equal(dispatcher.closed, false)
  t.equal(dispatcher.destroyed, false)
})
