// The paths Incode's sample front ends call (the plugin's compat routes), as the example serves
// them for its page at /sample/: a session started by a signed-in browser (the sign-in cookie),
// stored with its uniqueId and token, resumed by a phone that is not signed in, finished and
// scored with the token; another site's page refused. Over real HTTP, as a browser calls them.
import t from 'tap'
import Database from 'better-sqlite3'
import { sessionRows, temporaryDatabasePath } from './support/database.js'
import { alice, startExample } from './support/example.js'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
// The sample page's sign-in: the browser sends it with the sample's own calls.
const aliceCookie = { cookie: 'theme=dark; demo-user=alice' }

interface Answer { status: number, body: any, headers: Headers }

/** GETs from (or, with `body`, POSTs to) the listening example, and reads the JSON answer. */
async function call (url: string, headers: Record<string, string> = {}, body?: string): Promise<Answer> {
  const res = await fetch(url, body === undefined ? { headers } : { method: 'POST', headers, body })
  return { status: res.status, body: await res.json(), headers: res.headers }
}

t.test('GET /incode/start: a session for the signed-in cookie, stored with its uniqueId and token; the phone resumes it unsigned', async (t) => {
  const { url, databasePath } = await startExample(t, {}, { listen: true })
  const started = await call(`${url}/incode/start`, aliceCookie)
  t.equal(started.status, 200)
  const { token, interviewId, uniqueId } = started.body
  t.match(started.body, { token: /^\S+$/, interviewId: /^[0-9a-f]{24}$/, uniqueId: UUID, uuid: uniqueId })
  t.match(sessionRows(databasePath), [{
    interview_id: interviewId, external_customer_id: 'alice', route: 'start', unique_id: uniqueId, session_token: token
  }], 'stored for resuming: the uniqueId and the token')

  // The phone: the link's uniqueId and nothing else, no sign-in.
  for (const query of [`uniqueId=${uniqueId}`, `uuid=${uniqueId}`]) {
    t.same(await call(`${url}/incode/start?${query}`).then(({ status, body }) => ({ status, body })),
      { status: 200, body: { token, interviewId, uniqueId, uuid: uniqueId } }, `?${query.slice(0, query.indexOf('='))}= resumes it`)
  }
  const upper = uniqueId.toUpperCase()
  t.match((await call(`${url}/incode/start?uniqueId=${upper}`)).body, { token, interviewId, uniqueId: upper }, 'in capitals too')
  t.equal(sessionRows(databasePath).length, 1, 'resuming started nothing')

  const listed = await call(`${url}/example/sessions`, alice)
  t.match(listed.body.sessions, [{ interviewId, route: 'start', onboardingStatus: null }])
  t.notOk(JSON.stringify(listed.body).includes(token), 'the sessions route shows no token')
})

t.test('no session starts without a sign-in: the cookie counts on the compat start routes only, the header first', async (t) => {
  const { url, databasePath } = await startExample(t, {}, { listen: true })
  for (const headers of [{}, { cookie: 'demo-user=a b' }, { cookie: 'demo-user' }, { cookie: 'other=alice' }] as Array<Record<string, string>>) {
    const res = await call(`${url}/incode/start`, headers)
    t.equal(res.status, 401, `GET /incode/start with ${JSON.stringify(headers)}`)
    t.match(res.body.message, /Sign in first/)
  }
  const sibling = await call(`${url}/incode/start`, { ...aliceCookie, 'sec-fetch-site': 'same-site' })
  t.equal(sibling.status, 403, 'nor from a page of another origin of the same site: the plugin refuses it')
  const posted = await fetch(`${url}/incode/sessions`, { method: 'POST', headers: aliceCookie })
  t.equal(posted.status, 401, 'POST /incode/sessions takes the header only: any page may POST without a body')
  t.equal(sessionRows(databasePath).length, 0)

  const link = await call(`${url}/incode/onboarding-url`, aliceCookie)
  t.match(link, { status: 200, body: { success: true, token: /\S/, interviewId: /^[0-9a-f]{24}$/, url: /^http:\/\/127\.0\.0\.1:\d+\/onboarding\// } })
  t.equal((await call(`${url}/incode/start`, { ...aliceCookie, 'x-demo-user': 'bob' })).status, 200)
  t.match(sessionRows(databasePath), [
    { external_customer_id: 'alice', route: 'onboarding-url', unique_id: null, session_token: null },
    { external_customer_id: 'bob', route: 'start', unique_id: UUID }
  ], 'GET /incode/onboarding-url keeps no token; the header beats the cookie')
})

t.test('an unknown or malformed uniqueId is a 400, signed in or not, and starts nothing', async (t) => {
  const { url, databasePath } = await startExample(t, {}, { listen: true })
  for (const query of ['uniqueId=0b5ec0de-1234-4abc-8def-0123456789ab', 'uuid=0b5ec0de-1234-4abc-8def-0123456789ab', 'uniqueId=not-a-uuid', 'uniqueId=']) {
    for (const headers of [{}, aliceCookie]) {
      const res = await call(`${url}/incode/start?${query}`, headers)
      t.equal(res.status, 400, `?${query} with ${JSON.stringify(headers)}`)
    }
  }
  // Well-formed (a UUID v7 of now) but never handed out: the plugin asks the app, which knows none.
  const unknown = `${Date.now().toString(16).padStart(12, '0').replace(/^(.{8})/, '$1-')}-7abc-8def-0123456789ab`
  t.equal((await call(`${url}/incode/start?uniqueId=${unknown}`)).body.code, 'FST_INCODE_UNKNOWN_UNIQUE_ID')
  t.equal(sessionRows(databasePath).length, 0)
})

t.test('the phone completes the capture (fake), finishes with text/plain and reads the score OK, all with the token', async (t) => {
  const { url, databasePath } = await startExample(t, {}, { listen: true })
  const { body: { uniqueId } } = await call(`${url}/incode/start`, aliceCookie)
  const { body: { token, interviewId } } = await call(`${url}/incode/start?uniqueId=${uniqueId}`)

  const capture = await call(`${url}/example/sessions/${interviewId}/finish`, { 'x-token': token }, '')
  t.match(capture.body, { deliveries: [{ attempt: 1, status: 200 }], recorded: { onboardingStatus: 'ONBOARDING_FINISHED', score: { value: '95.0', status: 'OK' }, identityId: /^[0-9a-f]{24}$/ } },
    'the fake finished it and delivered the webhook')
  t.match(sessionRows(databasePath), [{ interview_id: interviewId, onboarding_status: 'ONBOARDING_FINISHED', score: '{"value":"95.0","status":"OK"}' }])

  // As the samples send it: a JSON string and no content type, which fetch sends as text/plain.
  const finished = await call(`${url}/incode/finish`, {}, JSON.stringify({ token }))
  t.same({ status: finished.status, body: finished.body }, { status: 200, body: { redirectionUrl: null, action: 'approved' } })
  const scored = await call(`${url}/incode/fetch-score?interviewId=${interviewId}`, { 'X-Token': token })
  t.same({ status: scored.status, body: scored.body }, { status: 200, body: { success: true, score: 'OK', overall: { value: '95.0', status: 'OK' } } })
})

t.test('the fake capture with a token: only that session\'s own', async (t) => {
  const { url } = await startExample(t, {}, { listen: true })
  const { body: { token, interviewId } } = await call(`${url}/incode/start`, aliceCookie)
  const { body: other } = await call(`${url}/incode/start`, aliceCookie)
  const notYours = { statusCode: 404, error: 'Not Found', message: 'You have no session with this interviewId' }
  for (const [id, headers] of [[interviewId, { 'x-token': other.token }], [interviewId, { 'x-token': '' }], ['0'.repeat(24), { 'x-token': token }]] as const) {
    t.same((await call(`${url}/example/sessions/${id}/finish`, headers, '')).body, notYours)
  }
})

t.test('another site\'s page is refused (403) before anything runs; the origins of CORS_ORIGINS are not', async (t) => {
  const { url, databasePath } = await startExample(t, { CORS_ORIGINS: 'https://app.example.com' }, { listen: true })
  const { body: { token, uniqueId } } = await call(`${url}/incode/start`, aliceCookie)
  const evil = { origin: 'https://evil.example' }
  for (const [path, headers, body] of [
    ['/incode/start', { ...aliceCookie, ...evil }],
    ['/incode/start', { ...aliceCookie, 'sec-fetch-site': 'cross-site' }],
    [`/incode/start?uniqueId=${uniqueId}`, evil],
    ['/incode/onboarding-url', { ...aliceCookie, ...evil }],
    ['/incode/finish', evil, JSON.stringify({ token })],
    ['/incode/fetch-score', { ...evil, 'x-token': token }]
  ] as Array<[string, Record<string, string>, string?]>) {
    const res = await call(`${url}${path}`, headers, body)
    t.match({ status: res.status, code: res.body.code }, { status: 403, code: 'FST_INCODE_CROSS_SITE_REFUSED' }, `${path} from ${JSON.stringify(headers)}`)
  }
  t.equal(sessionRows(databasePath).length, 1, 'nothing started')

  const allowed = await call(`${url}/incode/start`, { ...aliceCookie, origin: 'https://app.example.com' })
  t.equal(allowed.status, 200)
  t.equal(allowed.headers.get('access-control-allow-origin'), 'https://app.example.com')
  t.equal((await call(`${url}/incode/start`, { ...aliceCookie, origin: url, 'sec-fetch-site': 'same-origin' })).status, 200, 'the app\'s own page')

  const preflight = await fetch(`${url}/incode/fetch-score`, {
    method: 'OPTIONS',
    headers: { origin: 'https://app.example.com', 'access-control-request-method': 'GET', 'access-control-request-headers': 'x-token' }
  })
  t.match(preflight.headers.get('access-control-allow-headers'), 'x-token', 'an allowed origin\'s sample may send X-Token')
})

t.test('a phone resuming without a sign-in is limited by its address, 10 a minute', async (t) => {
  const { url } = await startExample(t, {}, { listen: true })
  const { body: { uniqueId } } = await call(`${url}/incode/start`, aliceCookie)
  for (let i = 0; i < 10; i++) t.equal((await call(`${url}/incode/start?uniqueId=${uniqueId}`)).status, 200)
  t.equal((await call(`${url}/incode/start?uniqueId=${uniqueId}`)).status, 429)
  t.equal((await call(`${url}/incode/start`, aliceCookie)).status, 200, 'alice has her own limit')
})

t.test('a database of the example before uniqueIds (version 2) keeps its rows and gains the two columns', async (t) => {
  const databasePath = temporaryDatabasePath(t)
  const old = new Database(databasePath)
  old.exec(`create table onboarding_sessions (interview_id text primary key, external_customer_id text not null,
    route text not null, created_at text not null, onboarding_status text, status_updated_at text, score text);
    insert into onboarding_sessions values ('${'b'.repeat(24)}', 'alice', 'sessions', '2026-01-02T03:04:05.000Z',
      'ONBOARDING_FINISHED', '2026-01-02T03:09:00.000Z', '{"value":"95.0","status":"OK"}');
    pragma user_version = 2`)
  old.close()

  const { url } = await startExample(t, { DATABASE_PATH: databasePath }, { listen: true })
  const { body: { uniqueId } } = await call(`${url}/incode/start`, aliceCookie)
  t.match(sessionRows(databasePath), [
    { interview_id: 'b'.repeat(24), onboarding_status: 'ONBOARDING_FINISHED', score: '{"value":"95.0","status":"OK"}', unique_id: null, session_token: null },
    { route: 'start', unique_id: uniqueId, session_token: /\S/ }
  ])
  const db = new Database(databasePath, { readonly: true })
  t.teardown(() => db.close())
  t.equal(db.pragma('user_version', { simple: true }), 5, 'brought to the newest version')
  t.same(db.prepare('select * from onboarding_events').all(),
    [{ interview_id: 'b'.repeat(24), onboarding_status: 'ONBOARDING_FINISHED', received_at: '2026-01-02T03:09:00.000Z' }], 'its status kept as an event')
  t.match(db.prepare("select sql from sqlite_master where name = 'onboarding_sessions_unique_id'").get(), { sql: /create unique index/i })
})

t.test('the sample page and its scripts are served at /sample/', async (t) => {
  const { app } = await startExample(t)
  const page = await app.inject('/sample/')
  t.equal(page.statusCode, 200)
  t.match(page.headers['content-type'], 'text/html')
  t.match(page.body, '<script type="module" src="/sample/main.js">')
  for (const [path, text] of [['/sample/main.js', 'renderRedirectToMobile'], ['/sample/session.js', 'body: JSON.stringify({ token })']] as const) {
    const script = await app.inject(path)
    t.equal(script.statusCode, 200)
    t.match(script.headers['content-type'], 'text/javascript')
    t.match(script.body, text)
  }
  for (const [from, to] of [['/sample', '/sample/'], ['/sample?uniqueId=x', '/sample/?uniqueId=x']] as const) {
    const res = await app.inject(from)
    t.same([res.statusCode, res.headers.location], [302, to], `${from} goes to ${to}`)
  }
  t.match((await app.inject('/')).body, '<a href="/sample/">', 'the main page links it')
})
