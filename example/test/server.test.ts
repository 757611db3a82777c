// `npm start` on a fresh clone: node server.js (in example/) with no configuration serves the page;
// with a setting that is wrong it stops at once, saying in one line which variable to fix.
import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createServer } from 'node:net'
import { createInterface } from 'node:readline'
import { text } from 'node:stream/consumers'
import { fileURLToPath } from 'node:url'
import { sessionRows, temporaryDatabasePath } from './support/database.js'

const example = fileURLToPath(new URL('..', import.meta.url))
// DATABASE_URL and REDIS_URL among them: CI sets both for the package's own tests, and they would
// move the example to PostgreSQL and Redis.
const SETTINGS = ['INCODE_API_URL', 'INCODE_API_KEY', 'INCODE_FLOW_ID', 'INCODE_CLIENT_ID', 'INCODE_WEBHOOK_SECRET',
  'INCODE_WEBHOOK_OAUTH_CLIENT_ID', 'INCODE_WEBHOOK_OAUTH_CLIENT_SECRET', 'INCODE_ADMIN_EMAIL', 'INCODE_ADMIN_PASSWORD',
  'INCODE_ADMIN_TOKEN', 'DATABASE_PATH', 'DATABASE_URL', 'REDIS_URL', 'RATE_LIMIT_NAMESPACE', 'CORS_ORIGINS', 'PORT', 'HOST']

const runs = [
  // What `npm start` runs after the build: plain Node, no TypeScript loader. tap still tracks
  // the process; its coverage is off because it would not line up with the coverage of the
  // same files loaded through tap's TypeScript loader (allowJs), here and in the other tests.
  { name: 'plain node', execArgv: [], env: { _TAPJS_PROCESSINFO_COVERAGE_: '0' }, seconds: 10 },
  // The same under the test runner's loaders: this run is the one counted for coverage. Its
  // start includes compiling the example through TypeScript, hence the longer allowance.
  { name: 'under the test runner', execArgv: process.execArgv, env: {}, seconds: 30 }
]

/** The caller's environment less the example's own settings: what a fresh shell has. */
function freshEnvironment (): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !SETTINGS.includes(name)))
}

for (const run of runs) {
  t.test(`node server.js (${run.name}) with no INCODE_* serves the page within seconds, and stops cleanly`, async (t) => {
    const databasePath = temporaryDatabasePath(t)
    const started = Date.now()
    const server = spawn(process.execPath, [...run.execArgv, 'server.js'], {
      cwd: example,
      env: { ...freshEnvironment(), ...run.env, PORT: '0', DATABASE_PATH: databasePath },
      stdio: ['ignore', 'pipe', 'inherit']
    })
    const exited = once(server, 'exit')
    t.teardown(() => { if (server.exitCode === null) server.kill('SIGKILL') })

    const messages: string[] = []
    let url = ''
    for await (const line of createInterface({ input: server.stdout })) {
      const { msg } = JSON.parse(line)
      messages.push(msg)
      url = /^Example ready: open (http:\/\/127\.0\.0\.1:\d+) in a browser$/.exec(msg)?.[1] ?? ''
      if (url !== '') break
    }
    server.stdout.resume() // the request log lines that follow go nowhere, without filling the pipe
    t.equal(messages.filter((msg) => /^No INCODE_API_KEY set: using the built-in fake Incode API/.test(msg)).length, 1, 'the log says which Incode')
    t.not(url, '', 'the server logs its URL')

    let page: Response | undefined
    while (page === undefined && Date.now() - started < run.seconds * 1000) {
      page = await fetch(url).catch(async () => { await sleep(100); return undefined })
    }
    t.equal(page?.status, 200, `the page answers within ${run.seconds} s of the start`)
    t.comment(`the page answered ${Date.now() - started} ms after the start`)
    t.match(await page?.text(), 'Start verification')

    const res = await fetch(`${url}/incode/sessions`, { method: 'POST', headers: { 'x-demo-user': 'alice' } })
    t.equal(res.status, 201)
    const { interviewId } = await res.json() as { interviewId: string }

    server.kill('SIGTERM')
    t.same(await exited, [0, null], 'SIGTERM closes the app and the process ends by itself')
    t.match(sessionRows(databasePath), [{ interview_id: interviewId, external_customer_id: 'alice' }])
  })
}

/** Runs `node server.js` with `settings` over a fresh environment, to its end: its output and exit code. */
async function startWith (settings: Record<string, string>, run = runs[0] as typeof runs[number]) {
  const server = spawn(process.execPath, [...run.execArgv, 'server.js'], {
    cwd: example,
    env: { ...freshEnvironment(), ...run.env, PORT: '0', ...settings },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  const [stdout, stderr, exit] = await Promise.all([text(server.stdout), text(server.stderr), once(server, 'exit')])
  const messages = stdout.split('\n').filter(Boolean).map((line) => (JSON.parse(line) as { msg: string }).msg)
  return { messages, errors: stderr.split('\n').filter(Boolean), exit }
}

// What the person reads, whole: the variable to fix and what it must be, never the value given.
const REAL_INCODE = { INCODE_API_KEY: 'example-test-api-key-4711', INCODE_API_URL: 'https://demo-api.incodesmile.com', INCODE_FLOW_ID: 'flow-1' }
const misconfigured: Array<{ name: string, settings: Record<string, string>, error: string, secret?: string }> = [
  {
    name: 'an API key without the rest of real Incode\'s settings',
    settings: { INCODE_API_KEY: 'example-test-api-key-4711' },
    error: 'INCODE_API_KEY is set, so the example talks to real Incode, which needs INCODE_API_URL and INCODE_FLOW_ID too: ' +
      'set them (see example/.env.example), or unset INCODE_API_KEY to use the built-in fake Incode API',
    secret: 'example-test-api-key-4711'
  },
  {
    name: 'an API URL that is not one',
    settings: { ...REAL_INCODE, INCODE_API_URL: 'demo-api.incodesmile.com' },
    error: 'INCODE_API_URL (fastify-incode\'s option apiUrl) must be an absolute http(s) URL',
    secret: 'example-test-api-key-4711'
  },
  {
    name: 'an admin e-mail without its password',
    settings: { ...REAL_INCODE, INCODE_ADMIN_EMAIL: 'admin@example.com' },
    error: 'INCODE_ADMIN_PASSWORD (fastify-incode\'s option adminPassword) must be set together with the other of INCODE_ADMIN_EMAIL and INCODE_ADMIN_PASSWORD'
  },
  {
    name: 'a webhook secret too short (fake mode)',
    settings: { INCODE_WEBHOOK_SECRET: 'too-short-a-secret' },
    error: 'INCODE_WEBHOOK_SECRET (fastify-incode\'s option webhook.secretHeader.value) must be at least 32 printable ASCII characters',
    secret: 'too-short-a-secret'
  },
  {
    name: 'a CORS origin that is not one',
    settings: { CORS_ORIGINS: 'app.example.com' },
    error: 'CORS_ORIGINS: "app.example.com" is not an origin such as https://app.example.com'
  },
  {
    name: 'a port that is not a number',
    settings: { PORT: 'http' },
    error: 'PORT "http" is not a port number: set it to one from 0 to 65535 (0: any free port)'
  },
  {
    name: 'a database URL that cannot be reached',
    settings: { DATABASE_URL: 'postgres://me:pass-4711@127.0.0.1:1/incode' },
    error: 'DATABASE_URL: the PostgreSQL database postgres://me@127.0.0.1:1/incode cannot be used (connect ECONNREFUSED 127.0.0.1:1): ' +
      'set DATABASE_URL to a PostgreSQL database that answers, where the example may create its tables',
    secret: 'pass-4711'
  },
  {
    name: 'a database path that cannot be a file',
    settings: { DATABASE_PATH: '/dev/null/sessions.sqlite' },
    error: 'DATABASE_PATH: the SQLite file /dev/null/sessions.sqlite cannot be opened (EEXIST: file already exists, mkdir \'/dev/null\'): ' +
      'set DATABASE_PATH to a file the example may create and write'
  }
]

for (const { name, settings, error, secret } of misconfigured) {
  t.test(`node server.js with ${name}: one line says what to fix, nothing is logged, exit code 1`, async (t) => {
    const { messages, errors, exit } = await startWith({ DATABASE_PATH: temporaryDatabasePath(t), ...settings })
    t.same(errors, [`The example cannot start: ${error}`], 'one line, no stack trace')
    t.same(messages, [], 'nothing logged as if it had started')
    t.same(exit, [1, null], 'exit code 1, and nothing left running')
    if (secret !== undefined) t.notOk(errors.some((line) => line.includes(secret)), 'the value is not shown')
  })
}

t.test('node server.js on a port in use (under the test runner): it says which, and exits with code 1', async (t) => {
  const taken = createServer()
  taken.listen(0, '127.0.0.1')
  await once(taken, 'listening')
  t.teardown(() => { taken.close() })
  const { port } = taken.address() as { port: number }
  const { messages, errors, exit } = await startWith({ DATABASE_PATH: temporaryDatabasePath(t), PORT: String(port) }, runs[1])
  t.same(errors, [`The example cannot start: it cannot listen on HOST 127.0.0.1, PORT ${port} ` +
    `(listen EADDRINUSE: address already in use 127.0.0.1:${port}): set PORT to a free port, or HOST to an address of this machine`])
  t.notOk(messages.some((msg) => msg.startsWith('Example ready')), 'never said it was ready')
  t.same(exit, [1, null], 'the fake Incode API and the database closed: the process ends by itself')
})
