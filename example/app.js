// The example host: Fastify + fastify-incode, every session recorded in SQLite, a page at `/`.
// With no INCODE_API_KEY it runs against the fake Incode API from fastify-incode/testing, so it
// works without credentials; with the INCODE_* variables set it talks to real Incode.
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import Fastify from 'fastify'
import cors from '@fastify/cors'
import fastifyIncode from 'fastify-incode'
import { createFakeIncode } from 'fastify-incode/testing'
import { openOnboardingSessions } from './onboarding-sessions.js'

const DEFAULT_DATABASE_PATH = fileURLToPath(new URL('data/sessions.sqlite', import.meta.url))
const USER_HEADER = 'x-demo-user'
const USER_ID = /^[\w.@-]{1,64}$/

/**
 * The signed-in user's id, or '' when nobody is signed in. This stands in for your
 * authentication: a real app reads its session cookie or bearer token here. Never take the
 * customer id from the request body: the plugin refuses it there for that reason.
 * @param {import('fastify').FastifyRequest} request
 */
function signedInUser (request) {
  const user = request.headers[USER_HEADER]
  return typeof user === 'string' && USER_ID.test(user) ? user : ''
}

/** @type {import('fastify').onRequestAsyncHookHandler} */
async function requireSignedIn (request, reply) {
  if (signedInUser(request) === '') {
    return reply.code(401).send({ statusCode: 401, error: 'Unauthorized', message: `Sign in first: send your user id in ${USER_HEADER}` })
  }
}

/**
 * The origins allowed to call the app from another site, from a comma-separated list.
 * @param {string} list
 */
function allowedOrigins (list) {
  const origins = list.split(',').map((entry) => entry.trim()).filter(Boolean)
  for (const origin of origins) {
    if (!URL.canParse(origin) || new URL(origin).origin !== origin) {
      throw new Error(`CORS_ORIGINS: "${origin}" is not an origin such as https://app.example.com`)
    }
  }
  return origins
}

/**
 * Where `npm start` listens: PORT (default 3000) on HOST (default 127.0.0.1, this machine only).
 * @param {Record<string, string | undefined>} env
 */
export function listenOptions (env = process.env) {
  return { port: Number(env.PORT || 3000), host: env.HOST || '127.0.0.1' }
}

/**
 * Builds the example app from an environment (process.env by default). An empty variable counts
 * as unset, as in a copied .env.example.
 * @param {Record<string, string | undefined>} env
 * @param {import('fastify').FastifyServerOptions} [serverOptions]
 */
export async function buildApp (env = process.env, serverOptions = { logger: true }) {
  const origins = allowedOrigins(env.CORS_ORIGINS ?? '')
  const fake = env.INCODE_API_KEY ? undefined : await createFakeIncode()
  const app = Fastify(serverOptions)
  if (fake) {
    app.log.info('No INCODE_API_KEY set: using the built-in fake Incode API. Set INCODE_API_URL, ' +
      'INCODE_API_KEY, INCODE_FLOW_ID (and optionally INCODE_CLIENT_ID) to talk to real Incode.')
    app.addHook('onClose', async () => await fake.close())
  } else {
    app.log.info('Talking to the Incode API set by INCODE_API_URL, INCODE_API_KEY and INCODE_FLOW_ID')
  }

  const sessions = openOnboardingSessions(env.DATABASE_PATH || DEFAULT_DATABASE_PATH)
  app.addHook('onClose', async () => sessions.close())

  // For a front end served from another origin; the page at `/` needs none of it.
  await app.register(cors, {
    origin: origins,
    methods: ['GET', 'POST'],
    allowedHeaders: ['content-type', USER_HEADER],
    exposedHeaders: ['retry-after']
  })

  await app.register(fastifyIncode, {
    // Missing variables fail boot with FST_INCODE_INVALID_OPTION naming the option.
    apiUrl: fake ? fake.url : /** @type {string} */ (env.INCODE_API_URL),
    apiKey: fake ? fake.apiKey : /** @type {string} */ (env.INCODE_API_KEY),
    configurationId: fake ? 'example-flow' : /** @type {string} */ (env.INCODE_FLOW_ID),
    clientId: env.INCODE_CLIENT_ID || undefined,
    routeOptions: { onRequest: requireSignedIn },
    // Both come from the host's sign-in: Incode files the session under your customer, and
    // each customer has their own rate limit.
    externalCustomerId: signedInUser,
    rateLimit: { keyGenerator: signedInUser },
    onSessionCreated: async (session) => {
      sessions.record(session)
    }
  })

  // Example-only: what onSessionCreated recorded for the signed-in user.
  app.get('/example/sessions', {
    onRequest: requireSignedIn,
    schema: {
      querystring: {
        type: 'object',
        properties: { limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 } }
      }
    }
  }, async (request) => {
    const { limit } = /** @type {{ limit: number }} */ (request.query)
    return { sessions: sessions.listFor(signedInUser(request), limit) }
  })

  const page = await readFile(new URL('public/index.html', import.meta.url))
  const script = await readFile(new URL('public/page.js', import.meta.url))
  app.get('/', async (request, reply) => reply.type('text/html; charset=utf-8').send(page))
  app.get('/page.js', async (request, reply) => reply.type('text/javascript; charset=utf-8').send(script))
  return app
}
