import t, { type Test } from 'tap'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import { createInterface } from 'node:readline'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import ts from 'typescript'
import type { FastifyInstance } from 'fastify'
import { Redis } from 'ioredis'
import pg from 'pg'
import { request } from 'undici'
import promClient from 'prom-client'
import * as otel from '@opentelemetry/api'
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base'
import fastifyIncode, { type FastifyIncodeOptions, type IncodeWebhookEvent } from 'fastify-incode'
import { sessionEvent, type FakeIncode } from 'fastify-incode/testing'
import { anchorOf } from '../scripts/package-readme.js'
import { codeBlocks, type CodeBlock } from './readme/markdown.js'
import { emptyApp, fakeIncode, RecordingDatabase, SessionStore, setGlobals, settingsOf } from './readme/givens.js'

// Every sample of README.md and of docs/*.md (the README's long topics) runs here, as it is
// written there: each ```ts block is compiled under strict TypeScript against the built package
// (dist/, as a user gets it) and run with real values of what it takes as given
// (test/readme/prelude.d.ts, test/readme/givens.ts), against the fake Incode API; each ```js block
// runs as it is; a whole program runs in a process of its own. Then the test checks what the
// sample did. A sample that no scenario below runs fails the test, and so does one that two
// would. The ```sh blocks are checked for what they name: npm scripts, workspaces and files that
// exist. And every link between these pages, the example's and the benchmark's README reaches a
// file, and a heading of it, that is there.

const root = fileURLToPath(new URL('..', import.meta.url))
const generated = `${root}test/readme/.generated/`
const REDIS_URL = process.env.REDIS_URL
const DATABASE_URL = process.env.DATABASE_URL
const WEBHOOK_SECRET = 'a-webhook-secret-of-at-least-32-characters'

/** A sample, compiled and written where it can import the package by name. */
interface Sample {
  block: DocumentBlock
  /** Where it is (`docs/testing.md:78`), for messages. */
  where: string
  /** The JavaScript to run. */
  file: string
}

interface Scenario {
  name: string
  /** Picks the one sample this scenario runs. */
  matches: RegExp
  /** A service the scenario needs; without it the scenario skips, but not under CI. */
  needs?: 'redis' | 'postgres'
  run: (t: Test, sample: Sample) => Promise<void>
}

/** A code block, and the page it is on. */
interface DocumentBlock extends CodeBlock {
  /** The page, from the repository's root: `README.md`, `docs/testing.md`. */
  document: string
}

/** Imports a sample's module: what it declared at its top level. */
async function load (sample: Sample): Promise<Record<string, any>> {
  return sample.file.endsWith('.cjs')
    ? createRequire(import.meta.url)(sample.file)
    : await import(pathToFileURL(sample.file).href)
}

/** The environment of a program a user starts from a shell: this one, less the test runner's. */
function shellEnv (extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env)
    .filter(([name]) => name !== 'NODE_OPTIONS' && !name.startsWith('TAP') && !name.startsWith('_TAPJS') &&
      !name.startsWith('INCODE_') && name !== 'PORT'))
  return { ...env, ...extra }
}

/** Runs a sample that is a whole server (`node server.js`) until it listens, and gives its URL and log. */
async function startServer (t: Test, sample: Sample, env: Record<string, string> = {}): Promise<{ url: string, log: Array<Record<string, unknown>> }> {
  const server = spawn(process.execPath, [sample.file], { cwd: generated, env: shellEnv({ PORT: '0', ...env }), stdio: ['ignore', 'pipe', 'inherit'] })
  t.teardown(() => { if (server.exitCode === null) server.kill('SIGKILL') })
  const log: Array<Record<string, unknown>> = []
  let url = ''
  const lines = createInterface({ input: server.stdout })
  lines.on('line', (line) => log.push(JSON.parse(line)))
  while (url === '') {
    const [line] = await Promise.race([once(lines, 'line'), once(server, 'exit').then(() => { throw new Error(`${sample.where} exited before it listened`) })])
    url = /^Server listening at (http:\/\/127\.0\.0\.1:\d+)$/.exec(String(JSON.parse(line as string).msg))?.[1] ?? ''
  }
  return { url, log }
}

async function postSession (url: string, headers: Record<string, string> = {}): Promise<{ status: number, body: Record<string, string> }> {
  const res = await request(`${url}/incode/sessions`, { method: 'POST', headers })
  return { status: res.statusCode, body: await res.body.json() as Record<string, string> }
}

/** An app with the plugin registered against `fake`, ready; `extra` for the scenario's own options. */
async function appWithPlugin (t: Test, fake: FakeIncode, extra: Partial<FastifyIncodeOptions> = {}): Promise<FastifyInstance> {
  const app = emptyApp(t)
  const { apiUrl, apiKey, configurationId } = settingsOf(fake)
  await app.register(fastifyIncode, { apiUrl, apiKey, configurationId, ...extra })
  await app.ready()
  return app
}

async function listen (app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' })
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
}

/** A new session on the fake, through the plugin's route. */
/** An app with the plugin and the admin log-in, and a session finished on the fake: the givens `app` and `interviewId`. */
async function givenFinishedSession (t: Test): Promise<{ fake: FakeIncode, interviewId: string }> {
  const fake = await fakeIncode(t)
  const { adminEmail, adminPassword } = settingsOf(fake)
  const app = await appWithPlugin(t, fake, { adminEmail, adminPassword })
  const interviewId = await startedSession(app)
  await fake.completeOnboarding(interviewId)
  setGlobals(t, { app, interviewId })
  return { fake, interviewId }
}

async function startedSession (app: FastifyInstance): Promise<string> {
  return (await app.inject({ method: 'POST', url: '/incode/sessions' })).json().interviewId
}

const scenarios: Scenario[] = [
  {
    name: 'require() gives the plugin and the fake, from a CommonJS file',
    matches: /require\('fastify-incode'\)/,
    run: async (t, sample) => {
      const { fastifyIncode: required, createFakeIncode } = await load(sample)
      t.equal(typeof required, 'function', 'the plugin')
      t.equal(required.default, required, '.default')
      t.equal(required.fastifyIncode, required, '.fastifyIncode')
      t.equal(typeof createFakeIncode, 'function', 'the fake')
    }
  },
  {
    name: 'the quick start in JavaScript: node server.js serves sessions from the fake',
    matches: /^\/\/ node server\.js/,
    run: async (t, sample) => {
      const { url, log } = await startServer(t, sample)
      t.match(log[0], { msg: /^fastify-incode: calling the Incode API at http:\/\/127\.0\.0\.1:\d+$/ }, 'the first line names the Incode it calls')
      const { status, body } = await postSession(url, { 'x-user-id': 'alice' })
      t.equal(status, 201)
      t.same(Object.keys(body).sort(), ['interviewId', 'token'])
      // The line may come a moment after the answer: the server writes it to a pipe.
      for (let tries = 0; tries < 150 && !log.some((line) => line.msg === 'Incode session created'); tries++) await new Promise((resolve) => setTimeout(resolve, 20))
      t.ok(log.some((line) => line.msg === 'Incode session created' && line.interviewId === body.interviewId), 'the session is logged')
    }
  },
  {
    name: 'the quick start in TypeScript: with the fake, then with INCODE_* set',
    matches: /function setting \(name: string\)[\s\S]*createFakeIncode/,
    run: async (t, sample) => {
      const withFake = await startServer(t, sample)
      t.equal((await postSession(withFake.url, { 'x-user-id': 'alice' })).status, 201, 'without INCODE_API_KEY: the fake')

      const real = await fakeIncode(t, { configurationIds: ['the-flow'] })
      const configured = await startServer(t, sample, { INCODE_API_URL: real.url, INCODE_API_KEY: real.apiKey, INCODE_FLOW_ID: 'the-flow' })
      const { status, body } = await postSession(configured.url, { 'x-user-id': 'bob' })
      t.equal(status, 201, 'with INCODE_*: the Incode they name')
      t.equal(real.sessions.get(String(body.interviewId))?.body.externalCustomerId, 'bob')
    }
  },
  {
    name: 'the browser\'s fetch gets a token and an interviewId',
    matches: /const res = await fetch\('\/incode\/sessions'/,
    run: async (t, sample) => {
      const fake = await fakeIncode(t)
      const url = await listen(await appWithPlugin(t, fake))
      // As a page of the app's origin runs it: its relative URLs go to the app.
      const pageFetch = globalThis.fetch
      globalThis.fetch = async (input, init) => await pageFetch(new URL(String(input), url), init)
      t.teardown(() => { globalThis.fetch = pageFetch })
      const { token, interviewId } = await load(sample)
      t.equal(fake.sessions.get(interviewId)?.token, token)
    }
  },
  {
    name: '@fastify/swagger documents the routes, their body optional',
    matches: /transformObject/,
    run: async (t, sample) => {
      const fake = await fakeIncode(t)
      setGlobals(t, { app: emptyApp(t), ...settingsOf(fake) })
      const { openapi } = await load(sample)
      t.equal(openapi.openapi.startsWith('3.'), true, 'an OpenAPI 3 document')
      t.equal(openapi.paths['/incode/sessions'].post.requestBody.required, false)
      t.equal(openapi.paths['/incode/onboarding-url'].post.requestBody.required, false)
    }
  },
  {
    name: 'the hook\'s signature is the package\'s OnSessionCreated',
    matches: /^type OnSessionCreated =/m,
    // Checked by the compiler: see the type check written beside the samples.
    run: async (t, sample) => {
      t.same(Object.keys(await load(sample)), [], 'a type, nothing at run time')
    }
  },
  {
    name: 'the hook stores each session in PostgreSQL through @fastify/postgres',
    matches: /@fastify\/postgres/,
    needs: 'postgres',
    run: async (t, sample) => {
      const schema = `readme_${process.pid}_${Date.now()}`
      const admin = new pg.Client({ connectionString: DATABASE_URL })
      await admin.connect()
      t.teardown(async () => {
        await admin.query(`drop schema ${schema} cascade`)
        await admin.end()
      })
      await admin.query(`create schema ${schema}`)
      await admin.query(`create table ${schema}.onboarding_sessions (interview_id text primary key, route text not null, created_at timestamptz not null)`)
      const databaseUrl = new URL(DATABASE_URL as string)
      databaseUrl.searchParams.set('options', `-c search_path=${schema}`)
      const previous = process.env.DATABASE_URL
      process.env.DATABASE_URL = databaseUrl.href
      t.teardown(() => { process.env.DATABASE_URL = previous })

      const fake = await fakeIncode(t)
      const app = emptyApp(t)
      setGlobals(t, { app, fastifyIncode, ...settingsOf(fake) })
      await load(sample)
      const interviewId = await startedSession(app)
      const { rows } = await admin.query(`select interview_id, route from ${schema}.onboarding_sessions`)
      t.same(rows, [{ interview_id: interviewId, route: 'sessions' }], 'the session\'s row, written before the browser got its token')
    }
  },
  {
    name: 'the webhook: the event stored, the score read with the admin log-in',
    matches: /onWebhook: async function \(event\) \{\n\s+if \(event\.kind !== 'onboarding-status'\) return/,
    run: async (t, sample) => {
      const fake = await fakeIncode(t)
      const app = emptyApp(t)
      const db = new RecordingDatabase()
      setGlobals(t, { app, fastifyIncode, db, webhookSecret: WEBHOOK_SECRET, oauthSecret: 'an-oauth-client-secret-of-32-characters', ...settingsOf(fake) })
      await load(sample)
      const url = await listen(app)
      const interviewId = await startedSession(app)
      const deliveries = await fake.completeOnboarding(interviewId, {
        webhook: { url: `${url}/incode/webhook`, secretHeader: { name: 'x-incode-webhook-secret', value: WEBHOOK_SECRET } }
      })
      t.same(deliveries.map((delivery) => delivery.status), [200], 'delivered once: no redelivery needed')
      t.same(db.writes, [
        { op: 'upsert', table: 'onboarding_events', row: { key: `${interviewId}:ONBOARDING_FINISHED`, interviewId, status: 'ONBOARDING_FINISHED' } },
        { op: 'update', table: 'onboarding_sessions', key: interviewId, row: { score: 'OK' } }
      ])
      const webhook = { url: `${url}/incode/webhook`, secretHeader: { name: 'x-incode-webhook-secret', value: WEBHOOK_SECRET } }
      const sessionDeliveries = await fake.sendWebhook(sessionEvent({ eventType: 'SESSION_SUCCEEDED', interviewId }), { webhook })
      t.same(sessionDeliveries.map((delivery) => delivery.status), [200], 'another kind of webhook: accepted')
      t.equal(db.writes.length, 2, 'and left alone by the sample')
    }
  },
  {
    name: 'the finished onboarding: approved when OK, the identity stored, the customer token as a secret',
    matches: /approve: 'when-ok',\s+\/\/ approve when/,
    run: async (t, sample) => {
      const fake = await fakeIncode(t)
      const app = emptyApp(t)
      const db = new RecordingDatabase()
      setGlobals(t, { app, fastifyIncode, db, webhookSecret: WEBHOOK_SECRET, ...settingsOf(fake) })
      await load(sample)
      const url = await listen(app)
      const interviewId = await startedSession(app)
      const webhook = { url: `${url}/incode/webhook`, secretHeader: { name: 'x-incode-webhook-secret', value: WEBHOOK_SECRET } }
      t.same((await fake.completeOnboarding(interviewId, { webhook })).map((delivery) => delivery.status), [200])
      const [approval] = fake.requestsTo('/omni/process/approve')
      t.equal(approval?.query.interviewId, interviewId, 'approved')
      const identity = db.writes.find((write) => write.table === 'identities')?.row as { key: string, customerToken: string }
      t.same(db.writes, [
        { op: 'update', table: 'onboarding_sessions', key: interviewId, row: { score: 'OK', identityId: identity.key, alreadyApproved: false } },
        { op: 'upsert', table: 'identities', row: { key: identity.key, customerToken: identity.customerToken } }
      ])
      t.match(identity.customerToken, /^[\w-]+\.[\w-]+\.[\w-]+$/)

      const failed = await startedSession(app)
      await fake.completeOnboarding(failed, { webhook, score: { status: 'FAIL' } })
      t.same(db.writes.at(-1), { op: 'update', table: 'onboarding_sessions', key: failed, row: { score: 'FAIL', identityId: undefined, alreadyApproved: false } }, 'FAIL: not approved')
      t.equal(fake.requestsTo('/omni/process/approve').length, 1)
    }
  },
  {
    name: 'the outcome calls: approve, the document\'s data, the images, erasure of the personal data',
    matches: /const identity = await app\.incode\.approveSession\(interviewId\)/,
    run: async (t, sample) => {
      const { fake, interviewId } = await givenFinishedSession(t)
      const { identity, ocr, croppedFace } = await load(sample)
      t.match(identity, { identityId: /^[0-9a-f]{24}$/, existingCustomer: false, totalScore: 'OK' })
      t.match(ocr, { name: { fullName: 'ALEX SAMPLE' }, birthDate: Date.UTC(1990, 0, 31) })
      t.equal((croppedFace as Buffer).subarray(1, 4).toString(), 'PNG')
      t.equal(fake.sessions.get(interviewId)?.personalDataDeleted, true, 'the personal data erased')
      t.same(fake.requestsTo('/omni/interviews')[0]?.body, { filter: { ids: [interviewId] }, config: { deletePiiDataOnly: true } })
    }
  },
  {
    name: 'the client starts a session and fetches its onboarding URL',
    matches: /fastify\.incode\.startSession\(\{ externalCustomerId: 'c-42'/,
    run: async (t, sample) => {
      const fake = await fakeIncode(t)
      setGlobals(t, { fastify: await appWithPlugin(t, fake) })
      const { session, url } = await load(sample)
      t.match(fake.requestsTo('/omni/start')[0]?.body, { externalCustomerId: 'c-42', language: 'es-ES' })
      t.equal(fake.sessions.get(session.interviewId)?.token, session.token)
      t.ok(String(url).startsWith(`${fake.url}/onboarding/${session.interviewId}`), 'the session\'s hosted flow')
    }
  },
  {
    name: 'a session Incode creates after the deadline reaches onLateSession',
    matches: /onLateSession: \(late\) =>/,
    run: async (t, sample) => {
      const fake = await fakeIncode(t, { latencyMs: 300 })
      const fastify = await appWithPlugin(t, fake, { timeout: 200 })
      const db = new RecordingDatabase()
      setGlobals(t, { fastify, db, params: {} })
      await load(sample)
      t.same(db.writes, [], 'the call failed at its deadline')
      await fastify.close()
      t.same(db.writes, [{ op: 'insertOrphan', key: [...fake.sessions.keys()][0] }], 'close() waited for the late session')
    }
  },
  {
    name: 'IncodeClient works without Fastify',
    matches: /new IncodeClient\(\{ apiUrl, apiKey, configurationId \}\)/,
    run: async (t, sample) => {
      const fake = await fakeIncode(t)
      setGlobals(t, settingsOf(fake))
      const { incode } = await load(sample)
      t.teardown(() => incode.close())
      const { interviewId } = await incode.startSession()
      t.equal(fake.sessions.get(interviewId)?.configurationId, 'readme-flow')
    }
  },
  {
    name: 'the onboarding status and the score of a finished session',
    matches: /getOnboardingStatus\(interviewId\)/,
    run: async (t, sample) => {
      await givenFinishedSession(t)
      const { onboardingStatus, score } = await load(sample)
      t.equal(onboardingStatus, 'ONBOARDING_FINISHED')
      t.equal(score.overall.status, 'OK')
    }
  },
  {
    name: 'Incode\'s sample front ends: GET /start, then resumed by its uniqueId',
    matches: /compatRoutes: true,/,
    run: async (t, sample) => {
      const fake = await fakeIncode(t)
      const app = emptyApp(t)
      setGlobals(t, { app, fastifyIncode, sessions: new SessionStore(), ...settingsOf(fake) })
      await load(sample)
      const started = (await app.inject('/start')).json()
      t.equal(fake.sessions.get(started.interviewId)?.token, started.token)
      const resumed = await app.inject(`/start?uniqueId=${started.uniqueId}`)
      t.same(resumed.json(), started, 'the same session, from the store')
      t.equal(fake.sessions.size, 1, 'no second session')
    }
  },
  {
    name: 'a limit shared through Redis: 10 a minute',
    matches: /new Redis\(process\.env\.REDIS_URL/,
    needs: 'redis',
    run: async (t, sample) => {
      const admin = new Redis(REDIS_URL as string)
      t.teardown(() => admin.disconnect())
      // The sample's namespace is fixed: a count from an earlier run would count here.
      const stale = await admin.keys('incode-sessions:*')
      if (stale.length > 0) await admin.del(...stale)
      const fake = await fakeIncode(t)
      const app = emptyApp(t)
      setGlobals(t, { app, fastifyIncode, ...settingsOf(fake) })
      const { redis } = await load(sample)
      t.teardown(() => redis.disconnect())
      const statuses = []
      for (let i = 0; i < 11; i++) statuses.push((await app.inject({ method: 'POST', url: '/incode/sessions' })).statusCode)
      t.same(statuses, [...Array(10).fill(201), 429])
      t.same(await admin.keys('incode-sessions:*'), ['incode-sessions:127.0.0.1'], 'counted in Redis, under the namespace')
    }
  },
  {
    name: 'per-user limits through Redis, behind the host\'s authentication',
    matches: /keyGenerator: \(request\) => `user:/,
    needs: 'redis',
    run: async (t, sample) => {
      const redis = new Redis(REDIS_URL as string)
      t.teardown(() => redis.disconnect())
      const fake = await fakeIncode(t)
      const app = emptyApp(t)
      // The host's authentication, as the sample takes it: a user named by a header, or 401.
      app.decorate('authenticate', async function (request, reply) {
        const user = request.headers['x-user']
        if (typeof user !== 'string') return await reply.code(401).send({ message: 'Sign in first' })
        request.user = { id: user }
      })
      setGlobals(t, { app, fastifyIncode, redis, ...settingsOf(fake) })
      await load(sample)
      const as = async (user?: string): Promise<number> => (await app.inject({
        method: 'POST', url: '/incode/sessions', headers: user === undefined ? {} : { 'x-user': user }
      })).statusCode
      const ann = `ann-${process.pid}-${Date.now()}`
      const annStatuses = []
      for (let i = 0; i < 6; i++) annStatuses.push(await as(ann))
      t.same(annStatuses, [201, 201, 201, 201, 201, 429], 'max 5 for one user')
      t.equal(await as(`bob-${process.pid}-${Date.now()}`), 201, 'another user behind the same IP has their own')
      t.equal(await as(), 401, 'no user: the host\'s authentication answers')
    }
  },
  {
    name: 'the metrics in prom-client\'s registry, served at /metrics',
    matches: /registerOn\(promClient\.register\)/,
    run: async (t, sample) => {
      t.teardown(() => promClient.register.clear())
      const fake = await fakeIncode(t)
      const app = emptyApp(t)
      const { apiUrl, apiKey, configurationId } = settingsOf(fake)
      await app.register(fastifyIncode, { apiUrl, apiKey, configurationId })
      setGlobals(t, { app })
      await load(sample)
      await startedSession(app)
      const scraped = await app.inject('/metrics')
      t.equal(scraped.headers['content-type'], promClient.register.contentType)
      t.match(scraped.body, /^incode_sessions_created_total\{route="sessions"\} 1$/m)
      t.match(scraped.body, /^incode_calls_total\{call="start",outcome="ok"\} 1$/m)
      t.match(scraped.body, /^# TYPE incode_call_duration_seconds histogram$/m)
    }
  },
  {
    name: 'traces: the Incode call a span under the route\'s, with the standard packages',
    matches: /new UndiciInstrumentation\(\)/,
    run: async (t, sample) => {
      const fake = await fakeIncode(t)
      const app = emptyApp(t)
      const exporter = new InMemorySpanExporter()
      setGlobals(t, { app, fastifyIncode, exporter, ...settingsOf(fake) })
      const { provider, undici } = await load(sample)
      t.teardown(async () => {
        undici.disable()
        await provider.shutdown()
        otel.trace.disable()
        otel.context.disable()
        otel.propagation.disable()
      })
      await startedSession(app)
      await provider.forceFlush()
      const spans: ReadableSpan[] = exporter.getFinishedSpans()
      const start = spans.find((span) => span.kind === otel.SpanKind.CLIENT && span.attributes['url.path'] === '/omni/start')
      const route = spans.find((span) => span.name === 'request' && span.attributes['url.path'] === '/incode/sessions')
      t.match(start?.attributes, { 'http.request.method': 'POST', 'http.response.status_code': 200 })
      t.equal(start?.spanContext().traceId, route?.spanContext().traceId, 'in the route\'s trace')
      t.notOk(JSON.stringify(spans.map((span) => span.attributes)).includes(fake.apiKey), 'no key in an attribute')
    }
  },
  {
    name: 'readiness with @fastify/under-pressure: 503 while the admin log-in is refused',
    matches: /healthCheck: async \(\) => \(await app\.incode\.health\(\)\)\.ok/,
    run: async (t, sample) => {
      for (const adminPassword of ['the wrong password', undefined]) {
        const fake = await fakeIncode(t)
        const app = emptyApp(t)
        const settings = settingsOf(fake)
        await app.register(fastifyIncode, { ...settings, adminPassword: adminPassword ?? settings.adminPassword })
        setGlobals(t, { app })
        // The sample's module runs once per process: its statements, as they are, on each app.
        await import(`${pathToFileURL(sample.file).href}?app=${adminPassword === undefined ? 'right' : 'wrong'}`)
        const ready = await app.inject('/ready')
        t.equal(ready.statusCode, adminPassword === undefined ? 200 : 503, adminPassword === undefined ? 'the log-in works: ready' : 'refused: not ready')
      }
    }
  },
  {
    name: 'the test with node:test passes',
    matches: /from 'node:test'/,
    run: async (t, sample) => {
      const child = spawn(process.execPath, ['--test', '--test-reporter=tap', sample.file], { cwd: generated, env: shellEnv(), stdio: ['ignore', 'pipe', 'inherit'] })
      let output = ''
      child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString() })
      const [code] = await once(child, 'exit')
      t.equal(code, 0, 'node --test exits 0')
      t.match(output, /^# pass 1$/m)
      t.match(output, /^# fail 0$/m)
    }
  },
  {
    name: 'faults: two 503s on /omni/start, a hanging onboarding-url',
    matches: /incode\.failNext\(\{ type: 'status', status: 503 \}/,
    run: async (t, sample) => {
      const fake = await fakeIncode(t)
      setGlobals(t, { incode: fake })
      await load(sample)
      const start = async (): Promise<number> => {
        const res = await request(`${fake.url}/omni/start`, {
          method: 'POST',
          headers: { 'x-api-key': fake.apiKey, 'api-version': '1.0', 'content-type': 'application/json' },
          body: JSON.stringify({ configurationId: 'readme-flow' })
        })
        await res.body.dump()
        return res.statusCode
      }
      t.same([await start(), await start()], [503, 503], 'failNext comes before failRandomly')
      const hanging = request(`${fake.url}/0/omni/onboarding-url`, { headers: { 'api-version': '1.0', 'x-incode-hardware-id': 'token' }, signal: AbortSignal.timeout(300) })
      await t.rejects(hanging, { name: 'TimeoutError' }, 'no answer from onboarding-url')
    }
  },
  {
    name: 'a fake that ends idle connections',
    matches: /idleClose: 'reset'/,
    run: async (t, sample) => {
      const { incode } = await load(sample)
      t.teardown(() => incode.close())
      const res = await request(`${incode.url}/omni/start`, { method: 'POST' })
      await res.body.dump()
      t.equal(res.headers['keep-alive'], undefined, 'it announces no keep-alive timeout')
    }
  },
  {
    name: 'a flaky Incode made repeatable: a scripted failRandomly, and requestsReceived beyond maxRecorded',
    matches: /incode\.requestsReceived/,
    run: async (t, sample) => {
      // The sample's own asserts ran as it loaded; what it leaves behind is closed.
      const { app, incode } = await load(sample)
      t.equal(incode.requestsTo('/omni/start').length, 3, 'the newest three requests kept')
      await t.rejects(app.inject({ method: 'POST', url: '/incode/sessions' }), 'the app is closed')
      await t.rejects(request(`${incode.url}/omni/start`, { method: 'POST' }), 'the fake is closed')
    }
  },
  {
    name: 'the account\'s webhook: the fake delivers there once the app listens',
    matches: /incode\.setWebhook\(/,
    run: async (t, sample) => {
      const fake = await fakeIncode(t)
      const events: IncodeWebhookEvent[] = []
      const app = await appWithPlugin(t, fake, {
        webhook: { secretHeader: { name: 'x-incode-webhook-secret', value: WEBHOOK_SECRET }, onWebhook: async (event) => { events.push(event) } }
      })
      setGlobals(t, { app, incode: fake, webhookSecret: WEBHOOK_SECRET })
      await load(sample)
      const interviewId = await startedSession(app)
      const deliveries = await fake.completeOnboarding(interviewId)
      t.same(deliveries.map((delivery) => delivery.status), [200], 'completeOnboarding without a webhook of its own delivers there')
      t.same(events.map((event) => event.interviewId), [interviewId])
    }
  },
  {
    name: 'the fake delivers webhooks with a secret header and through OAuth2',
    matches: /const deliveries = await incode\.completeOnboarding/,
    run: async (t, sample) => {
      const fake = await fakeIncode(t)
      const events: IncodeWebhookEvent[] = []
      const app = await appWithPlugin(t, fake, {
        webhook: {
          secretHeader: { name: 'x-webhook-secret', value: WEBHOOK_SECRET },
          oauth: { clientId: 'incode', clientSecret: 'an-oauth-client-secret-of-32-characters' },
          onWebhook: async (event) => { events.push(event) }
        }
      })
      setGlobals(t, { app, incode: fake })
      await load(sample)
      t.same(events.map((event) => event.onboardingStatus), ['ONBOARDING_FINISHED', 'MANUAL_REVIEW_APPROVED'], 'both delivered')
    }
  }
]

/** The names a sample declares at its top level, which its module then exports to the test. */
function topLevelNames (code: string): string[] {
  const source = ts.createSourceFile('sample.ts', code, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS)
  const names: string[] = []
  const bind = (name: ts.BindingName): void => {
    if (ts.isIdentifier(name)) names.push(name.text)
    else for (const element of name.elements) if (!ts.isOmittedExpression(element)) bind(element.name)
  }
  for (const statement of source.statements) {
    if (ts.isVariableStatement(statement)) for (const declaration of statement.declarationList.declarations) bind(declaration.name)
    else if ((ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement) || ts.isTypeAliasDeclaration(statement) ||
      ts.isInterfaceDeclaration(statement)) && statement.name !== undefined) names.push(statement.name.text)
  }
  return names
}

/** Writes every sample where it can import the package by name, and compiles the TypeScript ones. */
async function writeSamples (t: Test, blocks: DocumentBlock[]): Promise<Sample[]> {
  await rm(generated, { recursive: true, force: true })
  await mkdir(generated, { recursive: true })
  t.teardown(() => rm(generated, { recursive: true, force: true }))
  const samples: Sample[] = []
  const sources = [`${root}test/readme/prelude.d.ts`]
  for (const [index, block] of blocks.entries()) {
    const base = `${generated}sample-${String(index + 1).padStart(2, '0')}`
    const names = topLevelNames(block.code)
    const where = `${block.document}:${block.line}`
    if (block.lang === 'ts') {
      await writeFile(`${base}.ts`, `${block.code}\nexport { ${names.join(', ')} }\n`)
      sources.push(`${base}.ts`)
      samples.push({ block, where, file: `${base}.js` })
    } else if (block.code.includes('require(')) {
      await writeFile(`${base}.cjs`, `${block.code}\nmodule.exports = { ${names.join(', ')} }\n`)
      samples.push({ block, where, file: `${base}.cjs` })
    } else {
      await writeFile(`${base}.mjs`, `${block.code}\nexport { ${names.join(', ')} }\n`)
      samples.push({ block, where, file: `${base}.mjs` })
    }
  }
  // The hook's documented signature must be the package's own, both ways.
  const signature = samples.find((sample) => /^type OnSessionCreated =/m.test(sample.block.code))
  if (signature !== undefined) {
    await writeFile(`${generated}signature-check.ts`, [
      `import type { OnSessionCreated as Documented } from './${signature.file.replace(generated, '')}'`,
      'import type { OnSessionCreated } from \'fastify-incode\'',
      'export const fromPackage: Documented = null as unknown as OnSessionCreated',
      'export const fromReadme: OnSessionCreated = null as unknown as Documented'
    ].join('\n'))
    sources.push(`${generated}signature-check.ts`)
  }

  const program = ts.createProgram(sources, {
    strict: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: ['node'],
    skipLibCheck: true
  })
  // Only the samples are written out as JavaScript: what they import from the test is types.
  const emitted = program.getSourceFiles().filter((file) => file.fileName.startsWith(generated))
    .flatMap((file) => program.emit(file).diagnostics)
  const diagnostics = [...ts.getPreEmitDiagnostics(program), ...emitted].map((diagnostic) => {
    const where = diagnostic.file === undefined
      ? ''
      : `${diagnostic.file.fileName.replace(root, '')}:${diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start ?? 0).line + 1}: `
    return where + ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')
  })
  t.same(diagnostics, [], 'every ```ts sample compiles under strict TypeScript')
  return samples
}

/** Why a scenario cannot run here, or false. Under CI it runs, and fails without its service. */
function skipReason (scenario: Scenario): string | false {
  if (process.env.CI !== undefined) return false
  if (scenario.needs === 'redis' && REDIS_URL === undefined) return 'REDIS_URL is not set: this sample needs a Redis (CI starts one)'
  if (scenario.needs === 'postgres' && DATABASE_URL === undefined) return 'DATABASE_URL is not set: this sample needs a PostgreSQL (CI starts one)'
  return false
}

/** The README and the pages of its long topics, each with its text. */
const documents = await Promise.all(['README.md', ...(await readdir(`${root}docs`)).filter((name) => name.endsWith('.md')).sort().map((name) => `docs/${name}`)]
  .map(async (document) => ({ document, text: await readFile(`${root}${document}`, 'utf8') })))
const blocks: DocumentBlock[] = documents.flatMap(({ document, text }) => codeBlocks(text).map((block) => ({ ...block, document })))

t.test('every ```ts and ```js sample of README.md and docs/*.md is run by exactly one scenario', async (t) => {
  const samples = await writeSamples(t, blocks.filter((block) => block.lang === 'ts' || block.lang === 'js'))
  t.equal(samples.length, scenarios.length, `${samples.length} samples, one scenario each`)
  for (const sample of samples) {
    const runs = scenarios.filter((scenario) => scenario.matches.test(sample.block.code))
    t.equal(runs.length, 1, `${sample.where} is run by one scenario: ${runs.map((scenario) => scenario.name).join(', ') || 'none'}`)
  }
  for (const scenario of scenarios) {
    const sample = samples.find((candidate) => scenario.matches.test(candidate.block.code))
    t.ok(sample !== undefined, `the sample of "${scenario.name}" is in the README or docs/`)
    if (sample === undefined) continue
    await t.test(`${sample.where}: ${scenario.name}`, { skip: skipReason(scenario) }, async (t) => await scenario.run(t, sample))
  }
})

t.test('the ```sh samples name npm scripts, workspaces and files that exist', async (t) => {
  const manifests: Record<string, { scripts?: Record<string, string> }> = {
    '': JSON.parse(await readFile(`${root}package.json`, 'utf8')),
    example: JSON.parse(await readFile(`${root}example/package.json`, 'utf8')),
    bench: JSON.parse(await readFile(`${root}bench/package.json`, 'utf8'))
  }
  const commands = blocks.filter((block) => block.lang === 'sh')
    .flatMap((block) => block.code.split('\n'))
    .flatMap((line) => line.replace(/#.*$/, '').split('&&'))
    .map((command) => command.trim())
    .filter(Boolean)
  t.ok(commands.length >= 6, `${commands.length} commands`)
  for (const command of commands) {
    const [tool, verb, ...rest] = command.split(/\s+/)
    const workspace = rest.includes('--workspace') ? rest[rest.indexOf('--workspace') + 1] as string : ''
    if (tool === 'npx') {
      const file = rest.find((word) => word.endsWith('.ts'))
      t.ok(file !== undefined && (await readFile(`${root}${file}`).then(() => true, () => false)), `${command}: the file exists`)
    } else if (verb === 'install') {
      t.equal(tool, 'npm', `${command}: an npm install`)
    } else {
      const script = verb === 'run' ? rest[0] as string : verb as string
      t.ok(manifests[workspace]?.scripts?.[script] !== undefined, `${command}: ${workspace || 'the package'} has the script "${script}"`)
    }
  }
})

t.test('the pages say what the package does, and cite no specification section or issue number', async (t) => {
  for (const { document, text } of documents) {
    t.notMatch(text, /\bSPEC\b|\bissues?\s+#?\d+|issues\/<n>/i, document)
  }
})

t.test('every link between the README, docs/*.md, the example\'s and the benchmark\'s README reaches a file, and a heading there', async (t) => {
  const pages = [...documents.map(({ document }) => document), 'example/README.md', 'bench/README.md']
  /** A page's headings, as the anchors GitHub gives them. */
  const anchors = async (page: string): Promise<Set<string>> => {
    const prose = (await readFile(`${root}${page}`, 'utf8')).replace(/^```[^\n]*\n[\s\S]*?^```$/gm, '')
    return new Set([...prose.matchAll(/^#{1,6} (.+)$/gm)].map((match) => anchorOf(match[1] ?? '')))
  }
  let links = 0
  for (const page of pages) {
    const prose = (await readFile(`${root}${page}`, 'utf8')).replace(/^```[^\n]*\n[\s\S]*?^```$/gm, '').replace(/`[^`\n]*`/g, '``')
    for (const [, target = ''] of prose.matchAll(/\]\(([^)\s]*)\)/g)) {
      if (/^[a-z][a-z+.-]*:/i.test(target)) continue
      links++
      const [path = '', anchor] = target.split('#')
      const file = path === '' ? page : relative(root, join(dirname(`${root}${page}`), path))
      t.ok(existsSync(`${root}${file}`), `${page}: ${target} is a file of the repository`)
      if (anchor !== undefined) t.ok((await anchors(file)).has(anchor), `${page}: ${target} is a heading of ${file}`)
    }
  }
  t.ok(links >= 40, `${links} links`)
})
