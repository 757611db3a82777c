import t from 'tap'
import Fastify from 'fastify'
import fastifyIncode, { IncodeClient, type FastifyIncodeOptions } from '../src/index.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    audit?: boolean
  }
}

const SECRET = 'sk_live_do-not-print-me'
const valid: FastifyIncodeOptions = {
  apiUrl: 'https://demo-api.incodesmile.com',
  apiKey: SECRET,
  configurationId: 'flow-1'
}

async function loadError (options: Record<string, unknown>): Promise<Error & { code?: string }> {
  const app = Fastify()
  app.register(fastifyIncode, options as unknown as FastifyIncodeOptions)
  try {
    await app.ready()
  } catch (err) {
    return err as Error
  } finally {
    await app.close()
  }
  throw new Error('ready() did not fail')
}

const invalid: Array<[string, Record<string, unknown>]> = [
  ['apiUrl', { apiUrl: undefined }],
  ['apiUrl', { apiUrl: '' }],
  ['apiUrl', { apiUrl: 'demo-api.incodesmile.com' }],
  ['apiUrl', { apiUrl: 'ftp://demo-api.incodesmile.com' }],
  ['apiUrl', { apiUrl: `https://user:${SECRET}@demo-api.incodesmile.com` }],
  ['apiUrl', { apiUrl: 'https://demo-api.incodesmile.com/?x=1' }],
  ['apiUrl', { apiUrl: 42 }],
  ['apiKey', { apiKey: undefined }],
  ['apiKey', { apiKey: '   ' }],
  ['apiKey', { apiKey: 12345 }],
  ['configurationId', { configurationId: undefined }],
  ['configurationId', { configurationId: '' }],
  ['clientId', { clientId: '' }],
  ['clientId', { clientId: 7 }],
  ['timeout', { timeout: 0 }],
  ['timeout', { timeout: 1.5 }],
  ['timeout', { timeout: '10s' }],
  ['retries', { retries: -1 }],
  ['retries', { retries: Infinity }],
  ['connections', { connections: 0 }],
  ['dispatcher', { dispatcher: {} }],
  ['dispatcher', { dispatcher: null }],
  ['routePrefix', { routePrefix: 'incode' }],
  ['routePrefix', { routePrefix: '' }],
  ['routePrefix', { routePrefix: '/in code' }],
  ['routePrefix', { routePrefix: '/incode?x' }],
  ['routePrefix', { routePrefix: '//incode' }],
  ['routePrefix', { routePrefix: '/a', prefix: '/b' }],
  ['exposeRoutes', { exposeRoutes: 'no' }],
  ['onSessionCreated', { onSessionCreated: 'save' }],
  ['externalCustomerId', { externalCustomerId: 'customer-1' }],
  ['language', { language: 'en US' }],
  ['language', { language: 'x'.repeat(17) }],
  ['language', { language: 5 }],
  ['redirectionUrl', { redirectionUrl: '/done' }],
  ['redirectionUrl', { redirectionUrl: 'javascript:alert(1)' }],
  ['redirectionUrl', { redirectionUrl: 'https://user:pw@app.example.com/done' }],
  ['redirectionUrl', { redirectionUrl: `https://app.example.com/${'{'.repeat(700)}` }],
  ['allowedRedirectionUrls', { allowedRedirectionUrls: 'https://app.example.com' }],
  ['allowedRedirectionUrls[1]', { allowedRedirectionUrls: ['https://app.example.com', 'app.example.com'] }],
  ['allowedRedirectionUrls[0]', { allowedRedirectionUrls: ['https://app.example.com/?next=1'] }],
  ['allowedRedirectionUrls[0]', { allowedRedirectionUrls: ['https://app.example.com/#top'] }],
  ['rateLimit', { rateLimit: true }],
  ['rateLimit', { rateLimit: [] }],
  ['rateLimit.max', { rateLimit: { max: '10' } }],
  ['rateLimit.max', { rateLimit: { max: -1 } }],
  ['rateLimit.timeWindow', { rateLimit: { timeWindow: 'soon' } }],
  ['rateLimit.timeWindow', { rateLimit: { timeWindow: 0 } }],
  ['rateLimit.timeWindow', { rateLimit: { timeWindow: {} } }],
  ['rateLimit.storeTimeout', { rateLimit: { storeTimeout: 0 } }],
  ['rateLimit.storeTimeout', { rateLimit: { storeTimeout: '1s' } }],
  ['rateLimit.hook', { rateLimit: { hook: 'onRequest' } }],
  ['rateLimit.global', { rateLimit: { global: false } }],
  ['rateLimit.errorResponseBuilder', { rateLimit: { errorResponseBuilder: () => ({}) } }],
  ['routeOptions', { routeOptions: () => {} }],
  ['routeOptions.onSend', { routeOptions: { onSend: () => {} } }],
  ['routeOptions.onRequest', { routeOptions: { onRequest: 'auth' } }],
  ['routeOptions.preHandler', { routeOptions: { preHandler: [() => {}, null] } }],
  ['routeOptions.config', { routeOptions: { config: 'x' } }],
  ['routeOptions.config.rateLimit', { routeOptions: { config: { rateLimit: false } } }],
  ['routeOptions.logLevel', { routeOptions: { logLevel: 'loud' } }]
]

t.test('each invalid option fails ready() with FST_INCODE_INVALID_OPTION naming it', async (t) => {
  for (const [name, override] of invalid) {
    const err = await loadError({ ...valid, ...override })
    const label = `${name} = ${JSON.stringify(Object.values(override)[0]) ?? 'undefined'}`
    t.equal(err.code, 'FST_INCODE_INVALID_OPTION', label)
    t.ok(err.message.includes(`"${name}"`), `${label}: "${err.message}" names the option`)
    t.notOk(err.message.includes(SECRET), `${label}: the API key is not in the message`)
  }
})

t.test('the options object itself must be an object for the client', async (t) => {
  t.throws(() => new IncodeClient(null as unknown as FastifyIncodeOptions), { code: 'FST_INCODE_INVALID_OPTION' })
})

t.test('valid options load, and the optional ones accept what the README says', async (t) => {
  const config = { audit: true }
  const app = Fastify()
  await app.register(fastifyIncode, {
    ...valid,
    clientId: 'acme',
    routePrefix: '/kyc/',
    exposeRoutes: true,
    onSessionCreated: () => {},
    externalCustomerId: () => undefined,
    language: 'pt-BR',
    redirectionUrl: 'https://app.example.com/done',
    allowedRedirectionUrls: ['https://app.example.com'],
    rateLimit: { max: () => 3, timeWindow: 5000 },
    routeOptions: { onRequest: [async () => {}], preHandler: async () => {}, config, logLevel: 'warn' },
    timeout: 2000,
    retries: 0,
    connections: 4
  })
  await app.ready()
  t.ok(app.hasRoute({ method: 'POST', url: '/kyc/sessions' }), 'a trailing slash of routePrefix is dropped')
  t.equal(app.incode.timeout, 2000)
  t.equal(app.incode.retries, 0)
  t.equal(app.incode.clientId, 'acme')
  await app.close()
})

t.test('apiUrl is normalised: a trailing / and a trailing /0 are dropped', async (t) => {
  const cases: Array<[string, string]> = [
    ['https://demo-api.incodesmile.com', 'https://demo-api.incodesmile.com'],
    ['https://demo-api.incodesmile.com/', 'https://demo-api.incodesmile.com'],
    ['https://demo-api.incodesmile.com/0', 'https://demo-api.incodesmile.com'],
    ['https://demo-api.incodesmile.com/0/', 'https://demo-api.incodesmile.com'],
    ['https://proxy.example.com/incode/', 'https://proxy.example.com/incode'],
    ['HTTPS://SAAS-API.INCODESMILE.COM:443/', 'https://saas-api.incodesmile.com']
  ]
  for (const [given, normalised] of cases) {
    const client = new IncodeClient({ ...valid, apiUrl: given })
    t.equal(client.apiUrl, normalised, given)
    await client.close()
  }
})
