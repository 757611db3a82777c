// The settings that stop the start, in-process: each said as the variable to fix (and the plugin's
// option it sets), never its value, before anything is logged. server.test.ts runs some of them
// as `npm start` does and reads what the person sees.
import t from 'tap'
import type { Test } from 'tap'
import { buildApp } from '../app.js'
import { configurationProblem, ConfigurationError, listenOptions, listenProblem, startFailure } from '../settings.js'
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
