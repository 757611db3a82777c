// The settings that stop the start, in-process: each said as the variable to fix (and the plugin's
// option it sets), never its value, before anything is logged. server.test.ts runs some of them
// as `npm start` does and reads what the person sees.
import t from 'tap'
import type { Test } from 'tap'
import { buildApp } from '../app.js'
import { configurationProblem, ConfigurationError, databaseProblem, listenOptions, listenProblem, redisSettings, startFailure } from '../settings.js'
import { temporaryDatabasePath } from './support/database.js'
import { realIncode } from './support/example.js'

/** buildApp's rejection for `env`, and every line it logged first. */
async function refusal (t: Test, env: Record<string, string>): Promise<{ error: unknown, lines: string[] }> {
  const lines: string[] = []
  const error = await buildApp({ DATABASE_PATH: temporaryDatabasePath(t), ...env }, { logger: { stream: { write: (line: string) => lines.push(line) } } })
    .then(async (app) => { await app.close(); return undefined }, (err: unknown) => err)
  return { error, lines }
}

t.test('real Incode without its URL or flow: the variables that are missing, named at once', async (t) => {
  const cases = [
    [{ INCODE_API_KEY: 'key-4711' }, 'INCODE_API_URL and INCODE_FLOW_ID too: set them'],
    [{ INCODE_API_KEY: 'key-4711', INCODE_API_URL: 'https://demo-api.incodesmile.com' }, 'INCODE_FLOW_ID too: set it'],
    [{ INCODE_API_KEY: 'key-4711', INCODE_FLOW_ID: 'flow-1', INCODE_API_URL: '' }, 'INCODE_API_URL too: set it']
  ] as const
  for (const [env, missing] of cases) {
    const { error, lines } = await refusal(t, env)
    t.ok(error instanceof ConfigurationError, JSON.stringify(env))
    t.equal((error as Error).message, `INCODE_API_KEY is set, so the example talks to real Incode, which needs ${missing} ` +
      '(see example/.env.example), or unset INCODE_API_KEY to use the built-in fake Incode API')
    t.same(lines, [], 'nothing logged')
  }
})

t.test('a value the plugin refuses is named by the variable that set it, never shown', async (t) => {
  const { env: real } = await realIncode(t)
  const cases: Array<[env: Record<string, string>, message: string, secret?: string]> = [
    [{ INCODE_API_URL: 'ftp://demo-api.incodesmile.com' }, 'INCODE_API_URL (fastify-incode\'s option apiUrl) must be an absolute http(s) URL'],
    [{ INCODE_API_URL: 'https://me:pass-4711@demo-api.incodesmile.com' }, 'INCODE_API_URL (fastify-incode\'s option apiUrl) must be an absolute http(s) URL', 'pass-4711'],
    [{ INCODE_API_KEY: '   ' }, 'INCODE_API_KEY (fastify-incode\'s option apiKey) must be a non-empty string'],
    [{ INCODE_FLOW_ID: '  ' }, 'INCODE_FLOW_ID (fastify-incode\'s option configurationId) must be a non-empty string'],
    [{ INCODE_CLIENT_ID: ' ' }, 'INCODE_CLIENT_ID (fastify-incode\'s option clientId) must be a non-empty string'],
    [{ INCODE_ADMIN_PASSWORD: '' }, 'INCODE_ADMIN_PASSWORD (fastify-incode\'s option adminPassword) must be set together with the other of INCODE_ADMIN_EMAIL and INCODE_ADMIN_PASSWORD'],
    [{ INCODE_ADMIN_EMAIL: '' }, 'INCODE_ADMIN_EMAIL (fastify-incode\'s option adminEmail) must be set together with the other of INCODE_ADMIN_EMAIL and INCODE_ADMIN_PASSWORD'],
    [{ INCODE_ADMIN_TOKEN: 'admin-token-4711' }, 'INCODE_ADMIN_TOKEN (fastify-incode\'s option adminToken) and INCODE_ADMIN_EMAIL/INCODE_ADMIN_PASSWORD are two ways to the admin token; set one of them', 'admin-token-4711'],
    [{ INCODE_WEBHOOK_SECRET: 'secret-4711' }, 'INCODE_WEBHOOK_SECRET (fastify-incode\'s option webhook.secretHeader.value) must be at least 32 printable ASCII characters', 'secret-4711'],
    [{ CORS_ORIGINS: 'https://app.example.com, ws://app.example.com' }, 'CORS_ORIGINS (fastify-incode\'s option allowedOrigins[1]) must be an origin such as "https://app.example.com"']
  ]
  for (const [env, message, secret] of cases) {
    const { error, lines } = await refusal(t, { ...real, ...env })
    t.ok(error instanceof ConfigurationError, message)
    t.equal((error as Error).message, message)
    t.match((error as Error).cause, { code: 'FST_INCODE_INVALID_OPTION' }, 'the plugin\'s own error as its cause')
    t.same(lines, [], 'nothing logged')
    if (secret !== undefined) t.notMatch((error as Error).message, secret, 'the value is not shown')
  }
  const fake = await refusal(t, { INCODE_WEBHOOK_SECRET: 'secret-4711' })
  t.match(fake.error, { message: /^INCODE_WEBHOOK_SECRET / }, 'in fake mode too')
})

t.test('a database that cannot be opened names DATABASE_PATH and why', async (t) => {
  const { error, lines } = await refusal(t, { DATABASE_PATH: '/dev/null/sessions.sqlite' })
  t.ok(error instanceof ConfigurationError)
  t.equal((error as Error).message, 'DATABASE_PATH: the SQLite file /dev/null/sessions.sqlite cannot be opened ' +
    '(EEXIST: file already exists, mkdir \'/dev/null\'): set DATABASE_PATH to a file the example may create and write')
  t.same(lines, [])
})

t.test('DATABASE_URL must be a PostgreSQL URL; one that cannot be reached names DATABASE_URL and why, never its password', async (t) => {
  const notPostgres = 'DATABASE_URL must be a postgres:// or postgresql:// URL, such as postgres://user:password@127.0.0.1:5432/incode ' +
    '(unset it to keep the sessions in SQLite at DATABASE_PATH)'
  for (const url of ['mysql://me:pass-4711@127.0.0.1/incode', 'pass-4711', 'sqlite:sessions.sqlite']) {
    const { error, lines } = await refusal(t, { DATABASE_URL: url })
    t.ok(error instanceof ConfigurationError, url)
    t.equal((error as Error).message, notPostgres)
    t.same(lines, [])
  }
  const cases: Array<[url: string, shown: string]> = [
    ['postgres://me:pass-4711@127.0.0.1:1/incode?password=pass-4711', 'postgres://me@127.0.0.1:1/incode'],
    ['postgresql://127.0.0.1:1/incode', 'postgresql://127.0.0.1:1/incode']
  ]
  for (const [url, shown] of cases) {
    // Nothing listens on port 1: the connection is refused at once.
    const { error, lines } = await refusal(t, { DATABASE_URL: url })
    t.ok(error instanceof ConfigurationError, shown)
    t.equal((error as Error).message, `DATABASE_URL: the PostgreSQL database ${shown} cannot be used (connect ECONNREFUSED 127.0.0.1:1): ` +
      'set DATABASE_URL to a PostgreSQL database that answers, where the example may create its tables')
    t.match((error as Error).cause, { code: 'ECONNREFUSED' })
    t.same(lines, [], 'nothing logged')
  }
})

t.test('a password in the database\'s own words is not shown either', async (t) => {
  const problem = databaseProblem(new Error('password "pass-4711" refused'), { shown: 'postgres://me@db/incode', password: 'pass-4711' })
  t.equal(problem.message, 'DATABASE_URL: the PostgreSQL database postgres://me@db/incode cannot be used (password "***" refused): ' +
    'set DATABASE_URL to a PostgreSQL database that answers, where the example may create its tables')
})

t.test('REDIS_URL must be a Redis URL; RATE_LIMIT_NAMESPACE names where the counts are kept', async (t) => {
  for (const url of ['http://127.0.0.1:6379', '127.0.0.1:6379']) {
    const { error } = await refusal(t, { REDIS_URL: url })
    t.ok(error instanceof ConfigurationError, url)
    t.equal((error as Error).message, 'REDIS_URL must be a redis:// or rediss:// URL, such as redis://127.0.0.1:6379 (unset it to count the rate limit in this process alone)')
  }
  t.same(redisSettings({ REDIS_URL: 'redis://127.0.0.1:6379' }), { url: 'redis://127.0.0.1:6379', nameSpace: 'fastify-incode-example:' })
  t.same(redisSettings({ REDIS_URL: 'rediss://cache:6380', RATE_LIMIT_NAMESPACE: 'shop-a:' }), { url: 'rediss://cache:6380', nameSpace: 'shop-a:' })
  t.equal(redisSettings({ REDIS_URL: '', RATE_LIMIT_NAMESPACE: 'shop-a:' }), undefined, 'without REDIS_URL, in this process')
})

t.test('the webhook\'s OAuth2 client: both variables or neither, and a secret the plugin takes', async (t) => {
  const { env: real } = await realIncode(t)
  const together = 'must be set together with the other of INCODE_WEBHOOK_OAUTH_CLIENT_ID and INCODE_WEBHOOK_OAUTH_CLIENT_SECRET: Incode\'s dashboard takes both'
  const cases: Array<[env: Record<string, string>, message: string]> = [
    [{ INCODE_WEBHOOK_OAUTH_CLIENT_ID: 'incode' }, `INCODE_WEBHOOK_OAUTH_CLIENT_SECRET ${together}`],
    [{ INCODE_WEBHOOK_OAUTH_CLIENT_SECRET: 'secret-4711-secret-4711-secret-4711' }, `INCODE_WEBHOOK_OAUTH_CLIENT_ID ${together}`],
    [{ INCODE_WEBHOOK_OAUTH_CLIENT_ID: 'incode', INCODE_WEBHOOK_OAUTH_CLIENT_SECRET: 'secret-4711' },
      'INCODE_WEBHOOK_OAUTH_CLIENT_SECRET (fastify-incode\'s option webhook.oauth.clientSecret) must be at least 32 characters, none of them a control character'],
    [{ INCODE_WEBHOOK_OAUTH_CLIENT_ID: 'in:code', INCODE_WEBHOOK_OAUTH_CLIENT_SECRET: 'secret-4711-secret-4711-secret-4711' },
      'INCODE_WEBHOOK_OAUTH_CLIENT_ID (fastify-incode\'s option webhook.oauth.clientId) must not contain a colon or a control character']
  ]
  for (const [env, message] of cases) {
    const { error, lines } = await refusal(t, { ...real, ...env })
    t.ok(error instanceof ConfigurationError, message)
    t.equal((error as Error).message, message)
    t.notMatch((error as Error).message, 'secret-4711-', 'the secret is not shown')
    t.same(lines, [])
  }
})

t.test('PORT must be a port number; a failed listen names PORT and HOST', async (t) => {
  for (const port of ['http', '65536', '-1', '80.5']) {
    t.throws(() => listenOptions({ PORT: port }), new ConfigurationError(`PORT "${port}" is not a port number: set it to one from 0 to 65535 (0: any free port)`))
  }
  t.same(listenOptions({ PORT: '0' }), { port: 0, host: '127.0.0.1' }, '0: any free port')
  const problem = listenProblem(new Error('listen EADDRNOTAVAIL: address not available 192.0.2.1:3000'), { port: 3000, host: '192.0.2.1' })
  t.ok(problem instanceof ConfigurationError)
  t.equal(problem.message, 'it cannot listen on HOST 192.0.2.1, PORT 3000 (listen EADDRNOTAVAIL: address not available 192.0.2.1:3000): ' +
    'set PORT to a free port, or HOST to an address of this machine')
})

t.test('what a failed start prints: a setting to fix in one line, anything else whole', async (t) => {
  t.equal(startFailure(new ConfigurationError('PORT "x" is not a port number')), 'The example cannot start: PORT "x" is not a port number')
  const bug = new TypeError('cannot read properties of undefined')
  t.equal(startFailure(bug), bug, 'a bug keeps its stack')
  for (const other of [bug, 'a string', new Error('fastify-incode option "routePrefix" must be a path such as "/incode"')]) {
    t.equal(configurationProblem(other), other, 'not an option the environment sets: left as it is')
  }
})
