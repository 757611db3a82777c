// The example host: Fastify + fastify-incode, every session recorded in SQLite (or, for several
// instances, PostgreSQL) with the status Incode's webhook reports and, once finished, its score and
// the identity of the person verified (their name and birth date masked), which "Delete my data"
// erases; a page at `/`, and at
// `/sample/` Incode's sample front end calling the compat routes. With no INCODE_API_KEY it runs against the fake
// Incode API from fastify-incode/testing, so it works without credentials; with the INCODE_*
// variables set it talks to real Incode. With DATABASE_URL and REDIS_URL, instances share their
// sessions and their rate limit.
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import Fastify from 'fastify'
import cors from '@fastify/cors'
import { Redis } from 'ioredis'
import fastifyIncode from 'fastify-incode'
import { createFakeIncode } from 'fastify-incode/testing'
import { rateLimitKey, requireSignedIn, requireSignedInToStart, signedInUser, USER_HEADER } from './demo-sign-in.js'
import { deleteMyDataRoute } from './delete-my-data.js'
import { fakeIncodeFinishRoute } from './fake-incode-finish.js'
import { recordOnboardingResults, recordVerifiedIdentity } from './onboarding-results.js'
import { openPostgresSessions } from './postgres-sessions.js'
import { allowedOrigins, configurationProblem, ConfigurationError, databaseProblem, databaseSettings, incodeSettings, redisSettings } from './settings.js'
import { openSqliteSessions } from './sqlite-sessions.js'

const DEFAULT_DATABASE_PATH = fileURLToPath(new URL('data/sessions.sqlite', import.meta.url))
// The plugin's default routePrefix is /incode.
const WEBHOOK_PATH = '/incode/webhook'
// The header Incode's dashboard is told to send ("custom headers"), with INCODE_WEBHOOK_SECRET.
const WEBHOOK_HEADER = 'x-incode-webhook-secret'
// Incode waits 30 s before it delivers a failed webhook again; the fake's finish answers once every
// delivery is made, so here the first redelivery comes after a second (each later wait 2.5 times longer).
const FAKE_RETRY_DELAY_MS = 1000

/**
 * Builds the example app from an environment (process.env by default). An empty variable counts
 * as unset, as in a copied .env.example. A setting that is wrong rejects with a
 * ConfigurationError naming its variable, before anything is logged and with nothing left open.
 * @param {Record<string, string | undefined>} env
 * @param {import('fastify').FastifyServerOptions} [serverOptions]
 */
export async function buildApp (env = process.env, serverOptions = { logger: true }) {
  const origins = allowedOrigins(env.CORS_ORIGINS ?? '')
  const database = databaseSettings(env, DEFAULT_DATABASE_PATH)
  const redis = redisSettings(env)
  const fake = env.INCODE_API_KEY ? undefined : await createFakeIncode()
  const settings = incodeSettings(env, fake)
  const app = Fastify(serverOptions)
  if (fake) app.addHook('onClose', async () => await fake.close())
  try {
    await setUp(app, { origins, fake, database, redis, ...settings })
  } catch (err) {
    // Closes the fake, the database and Redis, if they were opened: a failed start leaves nothing running.
    await app.close()
    throw configurationProblem(err)
  }
  logWhichIncode(app, { fake, ...settings })
  return app
}

/**
 * @typedef {ReturnType<typeof incodeSettings> & {
 *   origins: string[],
 *   fake: import('fastify-incode/testing').FakeIncode | undefined,
 *   database: ReturnType<typeof databaseSettings>,
 *   redis: ReturnType<typeof redisSettings>
 * }} AppSettings
 */

/**
 * The database, CORS, the plugin, the example's routes and its pages.
 * @param {import('fastify').FastifyInstance} app
 * @param {AppSettings} settings
 */
async function setUp (app, { origins, fake, database, redis, client, webhookSecret, webhookOAuth, adminCredentials }) {
  const sessions = await openDatabase(database, app.log)
  app.addHook('onClose', async () => await sessions.close())

  // For a front end served from another origin; the pages at `/` and `/sample/` need none of it.
  // `x-token`: what Incode's sample front ends send to GET /incode/fetch-score.
  await app.register(cors, {
    origin: origins,
    methods: ['GET', 'POST', 'DELETE'],
    allowedHeaders: ['content-type', USER_HEADER, 'x-token'],
    exposedHeaders: ['retry-after']
  })

  const secretHeader = webhookSecret === undefined ? undefined : { name: WEBHOOK_HEADER, value: webhookSecret }
  await app.register(fastifyIncode, {
    ...client,
    // Signed in to start a session; a phone resuming one holds its uniqueId, then its token.
    routeOptions: { onRequest: requireSignedInToStart },
    // Both come from the host's sign-in: Incode files the session under your customer, and
    // each customer has their own rate limit (a phone resuming a session, its address).
    externalCustomerId: signedInUser,
    rateLimit: { keyGenerator: rateLimitKey, ...sharedRateLimit(app, redis) },
    onSessionCreated: async (session) => {
      await sessions.record(session)
    },
    // The paths Incode's sample front ends call (GET /incode/start …), for the page at /sample/.
    // A session they start is stored with its uniqueId and token; GET /incode/start?uniqueId=
    // (the phone) gets it back from here.
    compatRoutes: true,
    resumeSession: async (uniqueId) => await sessions.resume(uniqueId),
    // Another site's page may call them only from the origins CORS allows.
    allowedOrigins: origins,
    // Incode calls it, not the browser: no sign-in, the secret header or OAuth2 instead.
    webhook: secretHeader === undefined && webhookOAuth === undefined
      ? undefined
      : webhookOptions(sessions, { secretHeader, oauth: webhookOAuth, adminCredentials })
  })

  // Example-only: what the app recorded for the signed-in user, and whether the page may offer
  // to finish a verification through the fake.
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
    return { fakeIncode: fake !== undefined, canDeleteData: adminCredentials, sessions: await sessions.listFor(signedInUser(request), limit) }
  })
  // Deleting a session at Incode takes the admin token: without it the page offers no such button.
  if (adminCredentials) await app.register(deleteMyDataRoute, { sessions })
  if (fake) {
    // The fake plays Incode, whose dashboard holds the account's webhook: this app's, where it
    // listens (known only then), with the secret header. The fake's onboarding page and the
    // finish route below deliver to it.
    // In fake mode there is always a secret header: a random one when INCODE_WEBHOOK_SECRET is unset.
    const header = /** @type {NonNullable<typeof secretHeader>} */ (secretHeader)
    app.addHook('onListen', async function () {
      fake.setWebhook({ url: `${app.listeningOrigin}${WEBHOOK_PATH}`, secretHeader: header, retryDelayMs: FAKE_RETRY_DELAY_MS })
    })
    await app.register(fakeIncodeFinishRoute, { fake, sessions })
  }

  await servePages(app)
}

/**
 * The plugin's webhook option: every status recorded (onWebhook); with admin credentials, a finished
 * onboarding scored OK is approved, and the identity it made is recorded with the person's name and
 * birth date masked (onOnboardingFinished). Without them the plugin could read no score, and would
 * refuse to start with onOnboardingFinished set.
 * @param {import('./onboarding-sessions.js').OnboardingSessions} sessions
 * @param {{
 *   secretHeader: { name: string, value: string } | undefined,
 *   oauth: { clientId: string, clientSecret: string } | undefined,
 *   adminCredentials: boolean
 * }} settings
 * @returns {import('fastify-incode').IncodeWebhookOptions}
 */
function webhookOptions (sessions, { secretHeader, oauth, adminCredentials }) {
  const onWebhook = recordOnboardingResults(sessions, { adminCredentials })
  if (!adminCredentials) return { secretHeader, oauth, onWebhook }
  return { secretHeader, oauth, onWebhook, onOnboardingFinished: recordVerifiedIdentity(sessions) }
}

/**
 * The sessions' store: PostgreSQL with DATABASE_URL, else the SQLite file. One that cannot be
 * opened is a ConfigurationError naming the variable, never the password.
 * @param {AppSettings['database']} database
 * @param {import('fastify').FastifyBaseLogger} log
 */
async function openDatabase (database, log) {
  if (database.url !== undefined) {
    return await openPostgresSessions(database.url, { log }).catch((err) => { throw databaseProblem(err, database) })
  }
  try {
    return openSqliteSessions(database.path)
  } catch (err) {
    throw new ConfigurationError(`DATABASE_PATH: the SQLite file ${database.path} cannot be opened (${/** @type {Error} */ (err).message}): ` +
      'set DATABASE_PATH to a file the example may create and write', { cause: err })
  }
}

/**
 * With REDIS_URL, the rate limit's counts in Redis, shared by every instance with the same
 * RATE_LIMIT_NAMESPACE; closed with the app (the plugin never closes it). While Redis is away, the
 * plugin answers 503 to the routes that start a session, and logs the outage once.
 * @param {import('fastify').FastifyInstance} app
 * @param {AppSettings['redis']} settings
 */
function sharedRateLimit (app, settings) {
  if (settings === undefined) return {}
  const redis = new Redis(settings.url)
  // Every failed reconnection is an error event, which ioredis would print each time: the plugin's
  // own lines say when Redis went away and when it came back.
  redis.on('error', ignore)
  app.addHook('onClose', async () => { redis.disconnect() })
  return { redis, nameSpace: settings.nameSpace }
}

/** Does nothing with what it is given. */
function ignore () {}

/**
 * Says which Incode the started app talks to, and what it goes without.
 * @param {import('fastify').FastifyInstance} app
 * @param {Pick<AppSettings, 'fake' | 'webhookSecret' | 'webhookOAuth' | 'adminCredentials'>} settings
 */
function logWhichIncode (app, { fake, webhookSecret, webhookOAuth, adminCredentials }) {
  if (fake) {
    app.log.info('No INCODE_API_KEY set: using the built-in fake Incode API, with its own admin log-in and a ' +
      'random webhook secret. Set INCODE_API_URL, INCODE_API_KEY, INCODE_FLOW_ID (and optionally ' +
      'INCODE_CLIENT_ID, INCODE_WEBHOOK_SECRET, INCODE_ADMIN_EMAIL and INCODE_ADMIN_PASSWORD) to talk to real Incode.')
    return
  }
  app.log.info('Talking to the Incode API set by INCODE_API_URL, INCODE_API_KEY and INCODE_FLOW_ID')
  if (webhookSecret === undefined && webhookOAuth === undefined) {
    app.log.warn(`No INCODE_WEBHOOK_SECRET set: no ${WEBHOOK_PATH} route, so no session learns its status. ` +
      `Set it, and the same value as the ${WEBHOOK_HEADER} header of the webhook in Incode's dashboard ` +
      '(or INCODE_WEBHOOK_OAUTH_CLIENT_ID and INCODE_WEBHOOK_OAUTH_CLIENT_SECRET, for OAuth2 client credentials).')
  }
  if (!adminCredentials) {
    app.log.warn('No INCODE_ADMIN_EMAIL and INCODE_ADMIN_PASSWORD (or INCODE_ADMIN_TOKEN) set: scores are not fetched, ' +
      'verified people are not approved nor shown, and the page offers no "Delete my data".')
  }
}

/**
 * The files of public/, each at its own path: `/` and `/sample/` are the pages.
 * @type {Array<[path: string, file: string]>}
 */
const PUBLIC_FILES = [
  ['/', 'index.html'],
  ['/page.js', 'page.js'],
  ['/sample/', 'sample/index.html'],
  ['/sample/main.js', 'sample/main.js'],
  ['/sample/session.js', 'sample/session.js'],
  ['/favicon.svg', 'favicon.svg'],
  // Where a browser looks for an icon when a page names none: the same one.
  ['/favicon.ico', 'favicon.svg']
]
/** @type {Record<string, string>} */
const CONTENT_TYPES = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  svg: 'image/svg+xml'
}

/** @param {import('fastify').FastifyInstance} app */
async function servePages (app) {
  for (const [path, file] of PUBLIC_FILES) {
    const body = await readFile(new URL(`public/${file}`, import.meta.url))
    const type = /** @type {string} */ (CONTENT_TYPES[file.slice(file.lastIndexOf('.') + 1)])
    app.get(path, async (request, reply) => reply.type(type).send(body))
  }
  // The sample page's address is /sample/; its query (?uniqueId=) goes along.
  app.get('/sample', async (request, reply) => reply.redirect(`/sample/${request.url.slice('/sample'.length)}`))
}
