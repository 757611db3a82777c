// Every shell sample of example/README.md, run as written through `sh`: the curl commands against
// the example started by the README's own commands (the address and the <placeholders> filled in
// from earlier answers, each answer checked against the shape its comment shows), the webhook
// played with INCODE_WEBHOOK_SECRET, and "Switch to real Incode" with a copied .env.example
// pointing at a fake Incode API of the test's own.
import t from 'tap'
import { execFile, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { createFakeIncode } from 'fastify-incode/testing'
import type { Test } from 'tap'
import { temporaryDatabasePath } from './support/database.js'
import { DATABASE_URL, freshDatabase } from './support/postgres.js'
import { freshNameSpace, REDIS_URL } from './support/redis.js'

const run = promisify(execFile)
const example = fileURLToPath(new URL('..', import.meta.url))
const root = fileURLToPath(new URL('../..', import.meta.url))
const README = await readFile(new URL('../README.md', import.meta.url), 'utf8')
// The address the README's samples use; the test's example listens on a free port instead.
const README_URL = 'http://127.0.0.1:3000'
// DATABASE_URL and REDIS_URL among them: CI sets both for the package's own tests, and they would
// move the example to PostgreSQL and Redis.
const SETTINGS = ['INCODE_API_URL', 'INCODE_API_KEY', 'INCODE_FLOW_ID', 'INCODE_CLIENT_ID', 'INCODE_WEBHOOK_SECRET',
  'INCODE_WEBHOOK_OAUTH_CLIENT_ID', 'INCODE_WEBHOOK_OAUTH_CLIENT_SECRET', 'INCODE_ADMIN_EMAIL', 'INCODE_ADMIN_PASSWORD',
  'INCODE_ADMIN_TOKEN', 'DATABASE_PATH', 'DATABASE_URL', 'REDIS_URL', 'RATE_LIMIT_NAMESPACE', 'CORS_ORIGINS', 'PORT', 'HOST']

/** The README's ```sh blocks, in order. */
const samples = [...README.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((match) => match[1] as string)

/** The one sample that holds `text`. */
function sample (text: string): string {
  const found = samples.filter((block) => block.includes(text))
  if (found.length !== 1) throw new Error(`example/README.md has ${found.length} samples with ${text}`)
  return found[0] as string
}

const TRY_IT = sample('npm install && npm start')
const CURLS = sample("curl -X POST -H 'x-demo-user: alice'")
const WEBHOOK_SERVER = sample('npm start --workspace example')
const WEBHOOK_CALL = sample('/incode/webhook')
const REAL_INCODE = sample('cp example/.env.example .env')
const TWO_INSTANCES = sample('PORT=3001 node --env-file=.env example/server.js &')

// Outside CI a machine without curl or openssl skips; CI must have them.
const missing = []
for (const tool of ['curl', 'openssl']) {
  if (await run('sh', ['-c', `command -v ${tool}`]).then(() => false, () => true)) missing.push(tool)
}
const skip = missing.length === 0 || process.env.CI !== undefined
  ? false
  : `no ${missing.join(' and ')} on this machine: the README's samples are not run; CI runs them`
// The two instances need a PostgreSQL and a Redis: outside CI a machine without them skips that sample.
const skipTwoInstances = (DATABASE_URL !== undefined && REDIS_URL !== undefined) || process.env.CI !== undefined
  ? false
  : 'DATABASE_URL or REDIS_URL is not set: the README\'s two instances are not run; CI runs them'

/** The caller's environment less the example's settings (what a fresh shell has), its coverage off (see server.test.ts). */
function shellEnvironment (extra: Record<string, string> = {}): Record<string, string | undefined> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !SETTINGS.includes(name)))
  return { ...env, _TAPJS_PROCESSINFO_COVERAGE_: '0', ...extra }
}

/**
 * A long-running sample (it starts a server, or `ready` of them) in its own process group, stopped
 * when the test ends: the lines it writes, and the URLs the example says it is ready on.
 */
async function startSample (t: Test, script: string, { cwd = root, env = {} as Record<string, string>, ready = 1 } = {}) {
  const shell = spawn('sh', ['-c', script], { cwd, env: shellEnvironment(env), detached: true, stdio: ['ignore', 'pipe', 'inherit'] })
  const closed = once(shell.stdout, 'close')
  t.teardown(async () => {
    // The whole group: a sample that starts its servers in the background has ended by now.
    try { process.kill(-(shell.pid as number), 'SIGTERM') } catch { /* nothing of it runs any more */ }
    await closed
  })
  const lines: string[] = []
  const urls: string[] = []
  for await (const line of createInterface({ input: shell.stdout })) {
    lines.push(line)
    const url = /"msg":"Example ready: open (http:\/\/127\.0\.0\.1:\d+) in a browser"/.exec(line)?.[1]
    if (url !== undefined) urls.push(url)
    if (urls.length === ready) break
  }
  shell.stdout.resume()
  return { lines, url: urls[0] ?? '', urls, messages: lines.filter((line) => line.startsWith('{')).map((line) => (JSON.parse(line) as { msg: string }).msg) }
}

/** Runs a one-off sample through `sh` and returns what it printed. */
async function runSample (script: string, cwd = root): Promise<string> {
  const { stdout } = await run('sh', ['-c', script], { cwd, env: shellEnvironment() })
  return stdout
}

type Shape = string | boolean | number | null | Shape[] | { [key: string]: Shape }
const ANY_STRING = '\u0000string'
const ANY_ARRAY = '\u0000array'
const ANY_OBJECT = '\u0000object'

/** The JSON a sample's comment shows: "…" any string, […] any array, {…} any object. */
function shapeIn (comment: string): Shape {
  const json = comment.slice(comment.indexOf('{'))
  return JSON.parse(json.replaceAll('"…"', JSON.stringify(ANY_STRING)).replaceAll('[…]', JSON.stringify(ANY_ARRAY)).replaceAll('{…}', JSON.stringify(ANY_OBJECT)))
}

/** Whether `value` has the shape: the same keys, a non-empty string for "…", the literals themselves. */
function hasShape (value: unknown, shape: Shape): boolean {
  if (shape === ANY_STRING) return typeof value === 'string' && value !== ''
  if (shape === ANY_ARRAY) return Array.isArray(value)
  if (shape === ANY_OBJECT) return typeof value === 'object' && value !== null && !Array.isArray(value)
  if (typeof shape !== 'object' || shape === null || Array.isArray(shape)) return value === shape
  if (typeof value !== 'object' || value === null) return false
  const keys = Object.keys(shape)
  return Object.keys(value).sort().join() === keys.sort().join() &&
    keys.every((key) => hasShape((value as Record<string, unknown>)[key], (shape as Record<string, Shape>)[key] as Shape))
}

t.test('the README\'s shell samples, each run as written', { skip }, async (t) => {
  t.equal(samples.length, 6, 'six samples, each run below')

  t.test('"npm install && npm start": npm start builds, then runs node server.js, which server.test.ts runs', async (t) => {
    t.equal(TRY_IT.trim(), 'npm install && npm start')
    const scripts = (file: string) => readFile(file, 'utf8').then((text) => (JSON.parse(text) as { scripts: Record<string, string> }).scripts)
    t.match((await scripts(join(root, 'package.json'))).start, /^npm run build && npm start --workspace example$/)
    t.equal((await scripts(join(example, 'package.json'))).start, 'node server.js')
  })

  t.test('the curl commands and the webhook, against the example started as the README says', async (t) => {
    const databasePath = temporaryDatabasePath(t)
    // The README's own example, in its first terminal; PORT 0 so that it takes a free port.
    const server = await startSample(t, WEBHOOK_SERVER, { env: { PORT: '0', DATABASE_PATH: databasePath } })
    t.not(server.url, '', 'the example says where it listens')
    const secret = server.lines[0] ?? ''
    t.match(secret, /^[A-Za-z0-9+/]{43}=$/, 'the first line is the secret openssl made')
    t.ok(server.messages.some((msg) => msg.startsWith('No INCODE_API_KEY set: using the built-in fake Incode API')), 'fake mode')

    const answers: Array<Record<string, unknown>> = []
    const latest = (key: string) => String(answers.findLast((answer) => typeof answer[key] === 'string')?.[key])
    for (const line of CURLS.trim().split('\n')) {
      const command = line.replaceAll(README_URL, server.url)
        .replaceAll('<interviewId>', latest('interviewId'))
        .replaceAll('<uniqueId>', latest('uniqueId'))
      const answer = JSON.parse(await runSample(command)) as Record<string, unknown>
      t.ok(hasShape(answer, shapeIn(line.slice(line.indexOf('#')))), `${line.slice(0, line.indexOf(' #')).trim()}: the shape its comment shows`)
      answers.push(answer)
    }
    const [started, linked, listed, finished, deleted, start, resumed] = answers as Array<Record<string, any>>
    t.same(listed?.sessions.map((session: { interviewId: string }) => session.interviewId), [linked?.interviewId, started?.interviewId],
      'the app recorded both sessions, newest first')
    t.match(finished?.recorded, { onboardingStatus: 'ONBOARDING_FINISHED', score: { value: '95.0', status: 'OK' }, identityId: /^[0-9a-f]{24}$/, maskedName: 'A*** S***', birthYear: 1990 },
      'finish: the link\'s session, its person verified and masked')
    t.equal(deleted?.interviewId, linked?.interviewId, 'delete my data: the link\'s session')
    t.same(resumed, start, 'the phone got the same session back')

    // The second terminal: the secret the first printed, a session not finished yet.
    const webhook = WEBHOOK_CALL.replaceAll('<the secret the first terminal printed>', secret)
      .replaceAll('<interviewId>', String(started?.interviewId))
      .replaceAll(README_URL, server.url)
    const played = await runSample(webhook)
    t.ok(hasShape(JSON.parse(played), shapeIn(WEBHOOK_CALL.slice(WEBHOOK_CALL.lastIndexOf('#')))), `the webhook answered ${played}`)
    const after = JSON.parse(await runSample(`curl -s -H 'x-demo-user: alice' ${server.url}/example/sessions`)) as { sessions: Array<{ interviewId: string, onboardingStatus: string }> }
    t.match(after.sessions.find((session) => session.interviewId === started?.interviewId), { onboardingStatus: 'ID_VALIDATION_FINISHED' }, 'the status played is recorded')
  })

  t.test('"Switch to real Incode": .env.example copied and filled in, then node --env-file=.env, or the variables inline', async (t) => {
    const variables = [...new Set([...README.matchAll(/^\| `([A-Z_]+)`(?:, `([A-Z_]+)`)? \|/gm)].flatMap((match) => match.slice(1).filter(Boolean)))] as string[]
    const envExample = await readFile(join(example, '.env.example'), 'utf8')
    t.same([...envExample.matchAll(/^([A-Z_]+)=/gm)].map((match) => match[1]).sort(), variables.sort(), '.env.example holds the table\'s variables, no other')
    t.same(variables.sort(), [...SETTINGS].sort(), 'the table holds every variable the example reads')

    const fake = await createFakeIncode({ configurationIds: ['flow-7'] })
    t.teardown(() => fake.close())
    // The repository's root as the sample sees it: example/ is the real one.
    const work = await mkdtemp(join(tmpdir(), 'fastify-incode-readme-'))
    t.teardown(() => rm(work, { recursive: true, force: true }))
    await symlink(example, join(work, 'example'))

    const [build, copy, start, inline] = REAL_INCODE.trim().split('\n')
    t.match(build, /^npm run build /, 'the build: done before the example\'s tests, which import it')
    await runSample(copy as string, work)
    const copied = await readFile(join(work, '.env'), 'utf8')
    t.equal(copied, envExample, 'cp made .env')
    // Filled in as the person would: the fake stands in for Incode.
    const filled = { INCODE_API_URL: fake.url, INCODE_API_KEY: fake.apiKey, INCODE_FLOW_ID: 'flow-7', PORT: '0', DATABASE_PATH: join(work, 'sessions.sqlite') }
    await writeFile(join(work, '.env'), Object.entries(filled).reduce((text, [name, value]) => text.replace(new RegExp(`^${name}=.*$`, 'm'), `${name}=${value}`), copied))

    const fromFile = await startSample(t, start as string, { cwd: work })
    t.not(fromFile.url, '', `${start}: ready`)
    t.ok(fromFile.messages.includes('Talking to the Incode API set by INCODE_API_URL, INCODE_API_KEY and INCODE_FLOW_ID'))
    const session = await fetch(`${fromFile.url}/incode/sessions`, { method: 'POST', headers: { 'x-demo-user': 'alice' } })
    t.equal(session.status, 201, 'a session started through that Incode')
    t.match(fake.requestsTo('/omni/start'), [{ body: { configurationId: 'flow-7', externalCustomerId: 'alice' } }])

    const command = (inline as string).replace(/^# or: /, '').replace('https://demo-api.incodesmile.com', fake.url)
      .replace('INCODE_API_KEY=…', `INCODE_API_KEY=${fake.apiKey}`).replace('INCODE_FLOW_ID=…', 'INCODE_FLOW_ID=flow-7')
    const inlined = await startSample(t, command, { cwd: work, env: { PORT: '0', DATABASE_PATH: temporaryDatabasePath(t) } })
    t.not(inlined.url, '', 'the variables inline: ready')
    t.equal((await fetch(`${inlined.url}/incode/sessions`, { method: 'POST', headers: { 'x-demo-user': 'bob' } })).status, 201)
    t.equal(fake.requestsTo('/omni/start').length, 2)
  })

  t.test('two instances on one .env with DATABASE_URL and REDIS_URL: a session started on one resumes on the other', { skip: skipTwoInstances }, async (t) => {
    const fake = await createFakeIncode({ configurationIds: ['flow-7'] })
    t.teardown(() => fake.close())
    const work = await mkdtemp(join(tmpdir(), 'fastify-incode-readme-'))
    t.teardown(() => rm(work, { recursive: true, force: true }))
    await symlink(example, join(work, 'example'))
    const filled = {
      INCODE_API_URL: fake.url,
      INCODE_API_KEY: fake.apiKey,
      INCODE_FLOW_ID: 'flow-7',
      DATABASE_URL: await freshDatabase(t),
      REDIS_URL: REDIS_URL as string,
      RATE_LIMIT_NAMESPACE: freshNameSpace(t)
    }
    const envExample = await readFile(join(example, '.env.example'), 'utf8')
    await writeFile(join(work, '.env'), Object.entries(filled).reduce((text, [name, value]) => text.replace(new RegExp(`^${name}=.*$`, 'm'), `${name}=${value}`), envExample))

    // Each on a free port rather than 3001 and 3002.
    const script = TWO_INSTANCES.replaceAll(/PORT=300[12] /g, 'PORT=0 ')
    t.equal(script.match(/PORT=0 node --env-file=\.env example\/server\.js &/g)?.length, 2, 'two instances of one .env')
    const { urls } = await startSample(t, script, { cwd: work, ready: 2 })
    t.equal(urls.length, 2, 'both say where they listen')
    const [first, second] = urls as [string, string]
    const started = await (await fetch(`${first}/incode/start`, { headers: { cookie: 'demo-user=alice' } })).json() as { uniqueId: string }
    const resumed = await (await fetch(`${second}/incode/start?uniqueId=${started.uniqueId}`)).json()
    t.same(resumed, started, 'the second found the session the first recorded')
    t.equal(fake.requestsTo('/omni/start').length, 1)
  })
})
