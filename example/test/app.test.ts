// The example host app (app.js), booted as its tests would boot any host: on a temporary database,
// against the fake Incode API over real sockets.
import t from 'tap'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { buildApp } from '../app.js'
import { listenOptions } from '../settings.js'
import { sessionRows } from './support/database.js'
import { alice, post, realIncode, startExample } from './support/example.js'

t.test('with no INCODE_API_KEY its log says so, and it records each session once, without its token', async (t) => {
  const { app, databasePath, logs } = await startExample(t, { INCODE_API_KEY: '' })
  const said = logs.records.filter((record) => /built-in fake Incode API/.test(record.msg ?? ''))
  t.equal(said.length, 1, 'once, at start')
  for (const name of ['INCODE_API_URL', 'INCODE_API_KEY', 'INCODE_FLOW_ID', 'INCODE_CLIENT_ID', 'INCODE_WEBHOOK_SECRET',
    'INCODE_ADMIN_EMAIL', 'INCODE_ADMIN_PASSWORD']) t.match(said[0]?.msg, name)

  const res = await post(app, '/incode/sessions')
  t.equal(res.statusCode, 201)
  const { interviewId, token } = res.json()
  const rows = sessionRows(databasePath)
  t.same(rows.filter((row) => row.interview_id === interviewId).length, 1, 'in the table exactly once')
  t.match(rows, [{ interview_id: interviewId, external_customer_id: 'alice', route: 'sessions', onboarding_status: null, score: null }])
  t.ok(Date.parse(rows[0]?.created_at ?? '') > Date.now() - 60_000, 'created_at is a recent timestamp')
  t.notOk(JSON.stringify(rows).includes(token), 'the token is not stored')

  const listed = await app.inject({ url: '/example/sessions', headers: alice })
  t.equal(listed.statusCode, 200)
  t.same(listed.json(), {
    fakeIncode: true,
    canDeleteData: true,
    sessions: [{
      interviewId,
      externalCustomerId: 'alice',
      route: 'sessions',
      createdAt: rows[0]?.created_at,
      onboardingStatus: null,
      statusUpdatedAt: null,
      score: null,
      identityId: null,
      maskedName: null,
      birthYear: null,
      dataDeletedAt: null
    }]
  }, 'no status, no score and nobody verified before Incode\'s webhook; the page may offer the fake\'s finish and "Delete my data"')
})

t.test('the page and its script are served', async (t) => {
  const { app } = await startExample(t)
  const page = await app.inject('/')
  t.equal(page.statusCode, 200)
  t.match(page.headers['content-type'], 'text/html')
  t.match(page.body, 'Start verification')
  t.match(page.body, 'Get onboarding link')
  t.match(page.body, 'Finish this verification (fake Incode)')
  t.match(page.body, '<script type="module" src="/page.js">')
  const script = await app.inject('/page.js')
  t.equal(script.statusCode, 200)
  t.match(script.headers['content-type'], 'text/javascript')
  t.match(script.body, "fetch(path, { method, headers: { 'x-demo-user'")
  for (const path of ['/favicon.svg', '/favicon.ico']) {
    const icon = await app.inject(path)
    t.same([icon.statusCode, icon.headers['content-type']], [200, 'image/svg+xml'], `${path}: the example's icon`)
    t.match(icon.body, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/)
  }
  t.match(page.body, '<link rel="icon" href="/favicon.svg" type="image/svg+xml">', 'the page names it')
})

t.test('the signed-in user is the customer id Incode gets and the key of the rate limit', async (t) => {
  const { fake, env } = await realIncode(t)
  const { app } = await startExample(t, env)
  t.equal((await app.inject({ url: '/example/sessions', headers: alice })).json().fakeIncode, false, 'no fake, no finish button')
  for (let i = 0; i < 10; i++) t.equal((await post(app, '/incode/sessions')).statusCode, 201)
  t.same(fake.requestsTo('/omni/start').map((request) => request.body),
    Array(10).fill({ configurationId: 'real-flow', externalCustomerId: 'alice', language: 'en-US' }))

  const limited = await post(app, '/incode/onboarding-url')
  t.equal(limited.statusCode, 429)
  t.equal(limited.json().code, 'FST_INCODE_RATE_LIMITED')
  t.ok(Number(limited.headers['retry-after']) > 0, 'retry-after says when to come back')
  t.equal(fake.requestsTo('/omni/start').length, 10, 'the limited request did not reach Incode')

  t.equal((await post(app, '/incode/sessions', { 'x-demo-user': 'bob' })).statusCode, 201, 'bob has a limit of his own')
})

t.test('with a REDIS_URL that does not answer, no session starts: the limit fails closed (503), Incode is not called', async (t) => {
  const { fake, env } = await realIncode(t)
  // Nothing listens on port 1: every connection is refused, and ioredis keeps trying.
  const { app, logs } = await startExample(t, { ...env, REDIS_URL: 'redis://127.0.0.1:1' })
  for (const url of ['/incode/sessions', '/incode/onboarding-url']) {
    const res = await post(app, url)
    t.same([res.statusCode, res.json().code], [503, 'FST_INCODE_RATE_LIMIT_UNAVAILABLE'], url)
  }
  t.equal(fake.requestsTo('/omni/start').length, 0, 'nothing reached Incode')
  t.equal(logs.records.filter((record) => record.level === 40 && /rate-limit store .*unavailable/.test(record.msg ?? '')).length, 1, 'the outage said once')
  const closing = Date.now()
  await app.close()
  t.ok(Date.now() - closing < 2000, 'the app closes at once, its Redis connection with it')
})

t.test('without a valid signed-in user nothing reaches Incode: 401 in words', async (t) => {
  const { fake, env } = await realIncode(t)
  const { app } = await startExample(t, env)
  for (const headers of [{} as Record<string, string>, { 'x-demo-user': '' }, { 'x-demo-user': 'a b' }, { 'x-demo-user': 'x'.repeat(65) }]) {
    for (const url of ['/incode/sessions', '/incode/onboarding-url']) {
      const res = await post(app, url, headers)
      t.equal(res.statusCode, 401, `${url} with ${JSON.stringify(headers)}`)
      t.match(res.json().message, /Sign in first/)
    }
    t.equal((await app.inject({ url: '/example/sessions', headers })).statusCode, 401)
  }
  t.equal(fake.requests.length, 0)
})

t.test('with the INCODE_* variables set it talks to that Incode, and logs none of its secrets', async (t) => {
  const { fake, env } = await realIncode(t, { INCODE_CLIENT_ID: 'acme' })
  const { app, databasePath, logs } = await startExample(t, env)
  t.equal(logs.records.filter((record) => /^Talking to the Incode API set by INCODE_API_URL/.test(record.msg ?? '')).length, 1)
  t.equal(logs.records.filter((record) => record.level >= 40).length, 0, 'with the webhook secret and the admin log-in set, no warning')

  const res = await post(app, '/incode/onboarding-url')
  t.equal(res.statusCode, 201)
  const { interviewId, url } = res.json()
  t.same(fake.requestsTo('/0/omni/onboarding-url')[0]?.query, { clientId: 'acme' })
  t.match(sessionRows(databasePath), [{ interview_id: interviewId, external_customer_id: 'alice', route: 'onboarding-url' }])

  // The API's base URL is no secret; the onboarding URL is, as it carries the session token.
  const secrets = [fake.apiKey, url, ...[...fake.sessions.values()].map((session) => session.token)]
  t.same(logs.lines.filter((line) => secrets.some((secret) => line.includes(secret))), [], `no secret in ${logs.lines.length} log lines`)
})

t.test('an empty INCODE_CLIENT_ID sends no clientId', async (t) => {
  const { fake, env } = await realIncode(t)
  const { app } = await startExample(t, env)
  t.equal((await post(app, '/incode/onboarding-url')).statusCode, 201)
  t.same(fake.requestsTo('/0/omni/onboarding-url')[0]?.query, {})
})

t.test('the sessions route lists the signed-in user\'s sessions, newest first, and refuses a bad limit', async (t) => {
  const { app } = await startExample(t)
  const ids = []
  for (const route of ['/incode/sessions', '/incode/onboarding-url', '/incode/sessions']) ids.push((await post(app, route)).json().interviewId)
  await post(app, '/incode/sessions', { 'x-demo-user': 'bob' })

  const all = await app.inject({ url: '/example/sessions', headers: alice })
  t.same(all.json().sessions.map((s: { interviewId: string }) => s.interviewId), ids.reverse())
  t.match(all.json().sessions[1], { externalCustomerId: 'alice', route: 'onboarding-url', createdAt: /^\d{4}-\d\d-\d\dT/ })
  const one = await app.inject({ url: '/example/sessions?limit=1', headers: alice })
  t.same(one.json().sessions.map((s: { interviewId: string }) => s.interviewId), ids.slice(0, 1))

  for (const limit of ['0', '101', 'ten']) {
    const res = await app.inject({ url: `/example/sessions?limit=${limit}`, headers: alice })
    t.equal(res.statusCode, 400, `limit=${limit}`)
    t.match(res.json().message, /querystring\/limit must be/)
  }
})

t.test('CORS: only the origins in CORS_ORIGINS may call the app from another site', async (t) => {
  const { app } = await startExample(t, { CORS_ORIGINS: 'https://app.example.com, http://localhost:5173' })
  const preflight = (origin: string) => app.inject({
    method: 'OPTIONS',
    url: '/incode/sessions',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-demo-user' }
  })
  const allowed = await preflight('http://localhost:5173')
  t.equal(allowed.headers['access-control-allow-origin'], 'http://localhost:5173')
  t.match(allowed.headers['access-control-allow-headers'], 'x-demo-user')
  t.equal((await preflight('https://evil.example')).headers['access-control-allow-origin'], undefined)

  const res = await post(app, '/incode/sessions', { ...alice, origin: 'https://app.example.com' })
  t.equal(res.headers['access-control-allow-origin'], 'https://app.example.com')
  t.match(res.headers['access-control-expose-headers'], 'retry-after')
})

t.test('CORS: no origin is allowed by default, and a malformed one fails boot', async (t) => {
  const { app } = await startExample(t)
  const res = await post(app, '/incode/sessions', { ...alice, origin: 'https://app.example.com' })
  t.equal(res.statusCode, 403, 'a bodiless POST from an origin that is not allowed: refused by the plugin')
  t.equal(res.headers['access-control-allow-origin'], undefined)
  await t.rejects(buildApp({ CORS_ORIGINS: 'https://app.example.com/path' }, { logger: false }),
    { message: 'CORS_ORIGINS: "https://app.example.com/path" is not an origin such as https://app.example.com' })
  await t.rejects(buildApp({ CORS_ORIGINS: 'app.example.com' }, { logger: false }), { message: /CORS_ORIGINS: "app.example.com"/ })
  // (every other setting that stops the start: settings.test.ts)
})

t.test('with no DATABASE_PATH the database is data/sessions.sqlite (git-ignored)', async (t) => {
  const app = await buildApp({}, { logger: false })
  await app.close()
  t.ok(existsSync(fileURLToPath(new URL('../data/sessions.sqlite', import.meta.url))))
})

t.test('npm start listens on PORT and HOST, by default 3000 on 127.0.0.1 only', async (t) => {
  t.same(listenOptions({}), { port: 3000, host: '127.0.0.1' })
  t.same(listenOptions({ PORT: '', HOST: '' }), { port: 3000, host: '127.0.0.1' })
  t.same(listenOptions({ PORT: '8080', HOST: '0.0.0.0' }), { port: 8080, host: '0.0.0.0' })
})
