// The example's settings, from the environment (see .env.example): which Incode, the plugin's options
// they set, where the sessions and the rate limit's counts are kept, where to listen; and a setting
// that is wrong, said as the variable to fix, never its value.
import { randomBytes } from 'node:crypto'

/** A setting to fix: its message names the variable and says what it must be, and never holds its value. */
export class ConfigurationError extends Error {}

/**
 * The variable that sets each plugin option the environment feeds. `allowedOrigins[1]` is the
 * second origin of CORS_ORIGINS.
 * @type {Record<string, string>}
 */
const VARIABLE_OF_OPTION = {
  apiUrl: 'INCODE_API_URL',
  apiKey: 'INCODE_API_KEY',
  configurationId: 'INCODE_FLOW_ID',
  clientId: 'INCODE_CLIENT_ID',
  adminToken: 'INCODE_ADMIN_TOKEN',
  adminEmail: 'INCODE_ADMIN_EMAIL',
  adminPassword: 'INCODE_ADMIN_PASSWORD',
  'webhook.secretHeader.value': 'INCODE_WEBHOOK_SECRET',
  'webhook.oauth.clientId': 'INCODE_WEBHOOK_OAUTH_CLIENT_ID',
  'webhook.oauth.clientSecret': 'INCODE_WEBHOOK_OAUTH_CLIENT_SECRET',
  allowedOrigins: 'CORS_ORIGINS'
}
const OPTION_NAMES = new RegExp(`\\b(${Object.keys(VARIABLE_OF_OPTION).join('|').replaceAll('.', '\\.')})\\b`, 'g')
// The plugin's FST_INCODE_INVALID_OPTION message: `fastify-incode option "<name>" <what it must be>`.
const INVALID_OPTION = /^fastify-incode option "([^"]+)" (.+)$/s
const POSTGRES_SCHEMES = new Set(['postgres:', 'postgresql:'])
const REDIS_SCHEMES = new Set(['redis:', 'rediss:'])
// Where the rate limit's counts live in Redis unless RATE_LIMIT_NAMESPACE says otherwise.
const DEFAULT_RATE_LIMIT_NAMESPACE = 'fastify-incode-example:'

/**
 * The origins allowed to call the app from another site, from CORS_ORIGINS' comma-separated list.
 * @param {string} list
 */
export function allowedOrigins (list) {
  const origins = list.split(',').map((entry) => entry.trim()).filter(Boolean)
  for (const origin of origins) {
    if (!URL.canParse(origin) || new URL(origin).origin !== origin) {
      throw new ConfigurationError(`CORS_ORIGINS: "${origin}" is not an origin such as https://app.example.com`)
    }
  }
  return origins
}

/**
 * Where `npm start` listens: PORT (default 3000) on HOST (default 127.0.0.1, this machine only).
 * @param {Record<string, string | undefined>} env
 */
export function listenOptions (env = process.env) {
  const port = Number(env.PORT || 3000)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigurationError(`PORT "${env.PORT}" is not a port number: set it to one from 0 to 65535 (0: any free port)`)
  }
  return { port, host: env.HOST || '127.0.0.1' }
}

/**
 * Why the server could not listen, as the variables to change.
 * @param {Error} err what `listen` failed with (EADDRINUSE, EADDRNOTAVAIL, EACCES …)
 * @param {{ port: number, host: string }} where
 */
export function listenProblem (err, { port, host }) {
  return new ConfigurationError(`it cannot listen on HOST ${host}, PORT ${port} (${err.message}): ` +
    'set PORT to a free port, or HOST to an address of this machine')
}

/**
 * How the plugin reaches Incode, the webhook's secret, and whether the app holds admin credentials
 * (to read scores, approve a verified person, read what Incode verified, delete a session's data):
 * the fake's own in fake mode, real Incode's from the environment otherwise. An empty variable counts as unset.
 * The plugin checks the values; here only which variables real Incode needs at all.
 * @param {Record<string, string | undefined>} env
 * @param {import('fastify-incode/testing').FakeIncode | undefined} fake
 */
export function incodeSettings (env, fake) {
  const clientId = env.INCODE_CLIENT_ID || undefined
  const webhookOAuth = webhookOAuthSettings(env)
  if (fake) {
    return {
      client: { apiUrl: fake.url, apiKey: fake.apiKey, configurationId: 'example-flow', clientId, adminEmail: fake.adminEmail, adminPassword: fake.adminPassword },
      // Nobody but this process knows it, unless you set one to call the webhook yourself.
      webhookSecret: env.INCODE_WEBHOOK_SECRET || randomBytes(32).toString('base64url'),
      webhookOAuth,
      adminCredentials: true
    }
  }
  const missing = ['INCODE_API_URL', 'INCODE_FLOW_ID'].filter((name) => !env[name])
  if (missing.length > 0) {
    throw new ConfigurationError(`INCODE_API_KEY is set, so the example talks to real Incode, which needs ${missing.join(' and ')} ` +
      `too: set ${missing.length === 1 ? 'it' : 'them'} (see example/.env.example), or unset INCODE_API_KEY to use the built-in fake Incode API`)
  }
  return {
    client: {
      apiUrl: /** @type {string} */ (env.INCODE_API_URL),
      apiKey: /** @type {string} */ (env.INCODE_API_KEY),
      configurationId: /** @type {string} */ (env.INCODE_FLOW_ID),
      clientId,
      adminToken: env.INCODE_ADMIN_TOKEN || undefined,
      adminEmail: env.INCODE_ADMIN_EMAIL || undefined,
      adminPassword: env.INCODE_ADMIN_PASSWORD || undefined
    },
    webhookSecret: env.INCODE_WEBHOOK_SECRET || undefined,
    webhookOAuth,
    adminCredentials: Boolean(env.INCODE_ADMIN_TOKEN || env.INCODE_ADMIN_EMAIL)
  }
}

/**
 * The OAuth2 client credentials Incode's dashboard holds for the webhook, when they are set: Incode
 * then asks /incode/webhook/token for a token first. Every instance with the same two accepts the
 * tokens any of them issued.
 * @param {Record<string, string | undefined>} env
 * @returns {{ clientId: string, clientSecret: string } | undefined}
 */
function webhookOAuthSettings (env) {
  const clientId = env.INCODE_WEBHOOK_OAUTH_CLIENT_ID || undefined
  const clientSecret = env.INCODE_WEBHOOK_OAUTH_CLIENT_SECRET || undefined
  if (clientId === undefined && clientSecret === undefined) return undefined
  if (clientId === undefined || clientSecret === undefined) {
    const missing = clientId === undefined ? 'INCODE_WEBHOOK_OAUTH_CLIENT_ID' : 'INCODE_WEBHOOK_OAUTH_CLIENT_SECRET'
    throw new ConfigurationError(`${missing} must be set together with the other of INCODE_WEBHOOK_OAUTH_CLIENT_ID and ` +
      'INCODE_WEBHOOK_OAUTH_CLIENT_SECRET: Incode\'s dashboard takes both')
  }
  return { clientId, clientSecret }
}

/**
 * Where the sessions are kept: with DATABASE_URL, the PostgreSQL database every instance shares
 * (`shown` is its address without the password, for messages); otherwise the SQLite file at
 * DATABASE_PATH, by default `defaultPath`. DATABASE_URL leaves DATABASE_PATH unused.
 * @param {Record<string, string | undefined>} env
 * @param {string} defaultPath
 * @returns {{ url: string, shown: string, password: string } | { url?: undefined, path: string }}
 */
export function databaseSettings (env, defaultPath) {
  const url = env.DATABASE_URL
  if (!url) return { path: env.DATABASE_PATH || defaultPath }
  const parsed = URL.canParse(url) ? new URL(url) : undefined
  if (parsed === undefined || !POSTGRES_SCHEMES.has(parsed.protocol)) {
    throw new ConfigurationError('DATABASE_URL must be a postgres:// or postgresql:// URL, such as postgres://user:password@127.0.0.1:5432/incode ' +
      '(unset it to keep the sessions in SQLite at DATABASE_PATH)')
  }
  // No query string: it may carry the password too.
  const shown = `${parsed.protocol}//${parsed.username === '' ? '' : `${parsed.username}@`}${parsed.host}${parsed.pathname}`
  return { url, shown, password: parsed.password }
}

/**
 * Why the PostgreSQL database of DATABASE_URL could not be opened (not reached, refused, its tables
 * not migrated), said without its password.
 * @param {unknown} err
 * @param {{ shown: string, password: string }} database
 */
export function databaseProblem (err, { shown, password }) {
  const reason = [password].filter(Boolean).reduce((text, secret) => text.replaceAll(secret, '***'), /** @type {Error} */ (err).message)
  return new ConfigurationError(`DATABASE_URL: the PostgreSQL database ${shown} cannot be used (${reason}): ` +
    'set DATABASE_URL to a PostgreSQL database that answers, where the example may create its tables', { cause: err })
}

/**
 * The rate limit's store: with REDIS_URL, Redis, where every instance with the same
 * RATE_LIMIT_NAMESPACE shares the counts; otherwise this process's memory.
 * @param {Record<string, string | undefined>} env
 * @returns {{ url: string, nameSpace: string } | undefined}
 */
export function redisSettings (env) {
  const url = env.REDIS_URL
  if (!url) return undefined
  if (!URL.canParse(url) || !REDIS_SCHEMES.has(new URL(url).protocol)) {
    throw new ConfigurationError('REDIS_URL must be a redis:// or rediss:// URL, such as redis://127.0.0.1:6379 ' +
      '(unset it to count the rate limit in this process alone)')
  }
  return { url, nameSpace: env.RATE_LIMIT_NAMESPACE || DEFAULT_RATE_LIMIT_NAMESPACE }
}

/**
 * The plugin's refusal of an option the environment set (FST_INCODE_INVALID_OPTION), said as the
 * variable to fix; any other error as it is. The plugin's messages never carry the value.
 * @param {unknown} err
 */
export function configurationProblem (err) {
  const refused = err instanceof Error ? INVALID_OPTION.exec(err.message) : null
  if (refused === null) return err
  const option = /** @type {string} */ (refused[1])
  const what = /** @type {string} */ (refused[2])
  const variable = VARIABLE_OF_OPTION[option.replace(/\[\d+\]$/, '')]
  if (variable === undefined) return err
  const inVariables = what.replace(OPTION_NAMES, (name) => /** @type {string} */ (VARIABLE_OF_OPTION[name]))
  return new ConfigurationError(`${variable} (fastify-incode's option ${option}) ${inVariables}`, { cause: err })
}

/**
 * What a failed start prints: a setting to fix in one line, with no stack trace; anything else is
 * a bug, printed whole so its stack says where.
 * @param {unknown} err
 */
export function startFailure (err) {
  return err instanceof ConfigurationError ? `The example cannot start: ${err.message}` : err
}
