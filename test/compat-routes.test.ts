import t, { type Test } from 'tap'
import { request } from 'undici'
import type { IncodeSession } from '../src/index.js'
import { assertNoSecretsLogged, startHost, type Host, type HostOptions } from './support/host.js'

// Incode's own sample front ends, replayed request by request as they send them
// (paths, methods, headers, content types), against the compat routes.

interface CompatHost extends Host {
  url: string
  stored: Map<string, IncodeSession>
  resumed: string[]
}

async function compatHost (t: Test, options: HostOptions = {}): Promise<CompatHost> {
  const stored = new Map<string, IncodeSession>()
  const resumed: string[] = []
  const host = await startHost(t, {
    ...options,
    plugin: {
      compatRoutes: true,
      onSessionCreated: async (session) => { if (session.uniqueId !== undefined) stored.set(session.uniqueId, session) },
      resumeSession: async (uniqueId) => {
        resumed.push(uniqueId)
        const session = stored.get(uniqueId)
        return session === undefined ? undefined : { token: session.token, interviewId: session.interviewId }
      },
      ...options.plugin
    }
  })
  const url = await host.app.listen({ port: 0, host: '127.0.0.1' })
  return { ...host, url, stored, resumed }
}

// What a browser's fetch sends on its own: a GET with no body; a POST of a string body with
// `text/plain;charset=UTF-8`; Sec-Fetch-Site for a page on the same origin (or a dev proxy).
const BROWSER = { accept: '*/*', 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'cors' }

async function call (url: string, path: string, init: { method?: 'GET' | 'POST', headers?: Record<string, string>, body?: string } = {}) {
  const res = await request(`${url}${path}`, { method: init.method ?? 'GET', headers: { ...BROWSER, ...init.headers }, body: init.body })
  return { status: res.statusCode, body: await res.body.json() as Record<string, unknown> }
}
const textPlain = { 'content-type': 'text/plain;charset=UTF-8' }
/** A well-formed uniqueId (a UUID v7 of now) that no session has. */
const UNKNOWN_ID = `${Date.now().toString(16).padStart(12, '0').replace(/^(.{8})/, '$1-')}-7b8e-9c1f-2f1f6a4e6f10`

t.test('the Web SDK samples (JavaScript, React, Angular): start, continue on the phone, finish', async (t) => {
  const host = await compatHost(t)
  // app.js: fetch(`${tokenServer}/start`) and read token and uniqueId.
  const started = await call(host.url, '/incode/start')
  t.equal(started.status, 200)
  t.same(Object.keys(started.body).sort(), ['interviewId', 'token', 'uniqueId', 'uuid'])
  const { token, interviewId, uniqueId } = started.body as { token: string, interviewId: string, uniqueId: string }
  t.match(uniqueId, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'a UUID v7, of when it was issued')
  t.equal(started.body.uuid, uniqueId)
  t.equal(host.stored.get(uniqueId)?.interviewId, interviewId, 'the host got the uniqueId with the session')
  t.equal(host.stored.get(uniqueId)?.route, 'start')

  // renderRedirectToMobile: the phone opens the link with ?uniqueId= and asks /start again.
  const phone = await call(host.url, `/incode/start?uniqueId=${uniqueId}`, { headers: { 'sec-fetch-site': 'none' } })
  t.same(phone.body, { token, interviewId, uniqueId, uuid: uniqueId }, 'the same session back')
  t.equal(host.fake.sessions.size, 1, 'no second session at Incode')

  // onSuccess: fetch(`${tokenServer}/finish`, { method: 'POST', body: JSON.stringify({ token }) })
  const finished = await call(host.url, '/incode/finish', { method: 'POST', headers: textPlain, body: JSON.stringify({ token }) })
  t.same(finished, { status: 200, body: { redirectionUrl: null, action: 'none' } })
  t.equal(host.fake.requestsTo('/omni/finish-status')[0]?.headers['x-incode-hardware-id'], token, 'finish-status with the session token')
  assertNoSecretsLogged(t, host)
})

t.test('the Vite sample: ?uuid= and reads uuid', async (t) => {
  const host = await compatHost(t)
  const { uuid } = (await call(host.url, '/incode/start')).body as { uuid: string }
  const again = await call(host.url, `/incode/start?uuid=${uuid}`)
  t.equal(again.status, 200)
  t.equal(again.body.uuid, uuid)
  t.same(host.resumed, [uuid])
})

t.test('the low-code samples: onboarding URL, then the score through the token they hold', async (t) => {
  const host = await compatHost(t)
  const link = await call(host.url, '/incode/onboarding-url')
  t.equal(link.status, 200)
  t.same(Object.keys(link.body).sort(), ['interviewId', 'success', 'token', 'url'])
  t.equal(link.body.success, true)
  const { interviewId, token } = link.body as { interviewId: string, token: string }

  // fetch(`/fetch-score?interviewId=${id}`, { headers: { 'X-Token': token } })
  const before = await call(host.url, `/incode/fetch-score?interviewId=${interviewId}`, { headers: { 'X-Token': token } })
  t.same(before.body, { success: true, score: 'FAIL', overall: { value: '0.0', status: 'UNKNOWN' } }, 'not finished: anything but OK reads FAIL')
  await host.fake.completeOnboarding(interviewId)
  const after = await call(host.url, `/incode/fetch-score?interviewId=${interviewId}`, { headers: { 'X-Token': token } })
  t.same(after.body, { success: true, score: 'OK', overall: { value: '95.0', status: 'OK' } })
  t.same(host.fake.requestsTo('/0/omni/get/score').map((read) => read.headers['x-incode-hardware-id']), [token, token],
    'the token-only score call: no admin token, no lookup by a guessable id')

  const other = (await call(host.url, '/incode/onboarding-url')).body as { interviewId: string }
  const peek = await call(host.url, `/incode/fetch-score?interviewId=${other.interviewId}`, { headers: { 'X-Token': token } })
  t.equal(peek.body.score, 'OK', 'another interviewId in the query changes nothing: the token decides')
  const missing = await call(host.url, '/incode/fetch-score')
  t.equal(missing.status, 400, 'no X-Token, no score')
})

const ADMIN = { adminEmail: 'admin@fake-incode.test', adminPassword: 'fake-admin-password' }

t.test('face log-in: POST /auth sent as text/plain, verified through the admin token', async (t) => {
  const host = await compatHost(t, { plugin: ADMIN, fake: { adminPassword: ADMIN.adminPassword } })
  const { token, interviewId } = (await call(host.url, '/incode/start')).body as { token: string, interviewId: string }
  await host.fake.completeOnboarding(interviewId)
  // The Web SDK's renderLogin gives transactionId and interviewToken; the page posts them as a string.
  const auth = await call(host.url, '/incode/auth', {
    method: 'POST', headers: textPlain, body: JSON.stringify({ transactionId: 'tx-1', token, interviewToken: 'interview-token-1' })
  })
  t.same(auth, { status: 200, body: { verified: true } })
  const bad = await call(host.url, '/incode/auth', { method: 'POST', headers: textPlain, body: JSON.stringify({ transactionId: 'tx-1', token }) })
  t.equal(bad.status, 400, 'an incomplete body never reaches Incode')
  t.equal(host.fake.requestsTo('/omni/authentication/verify').length, 1)
  assertNoSecretsLogged(t, host, [ADMIN.adminPassword])
})

t.test('without an admin token there is no POST /auth', async (t) => {
  const host = await compatHost(t)
  t.equal((await call(host.url, '/incode/auth', { method: 'POST', headers: textPlain, body: '{}' })).status, 404)
})

t.test('cross-site browser requests are refused with 403 before anything runs; servers and curl pass', async (t) => {
  let hostHookRan = 0
  const host = await compatHost(t, {
    plugin: { allowedOrigins: ['https://app.example.com'], routeOptions: { onRequest: async () => { hostHookRan++ } } }
  })
  const own = host.url
  const refused = [
    ['Sec-Fetch-Site: cross-site, no Origin (an <img> or a link)', { 'sec-fetch-site': 'cross-site' }],
    ['an Origin of another site', { origin: 'https://evil.example.net', 'sec-fetch-site': 'cross-site' }],
    ['an Origin of another port', { origin: 'http://127.0.0.1:1', 'sec-fetch-site': 'same-site' }],
    ['an opaque Origin', { origin: 'null' }]
  ] as const
  for (const [what, headers] of refused) {
    for (const [path, init] of [['/incode/start', {}], ['/incode/onboarding-url', {}], ['/incode/finish', { method: 'POST', body: '{"token":"x.y"}' }]] as const) {
      const res = await call(own, path, { ...init, headers: { ...textPlain, ...headers } })
      t.same(res, { status: 403, body: { statusCode: 403, code: 'FST_INCODE_CROSS_SITE_REFUSED', error: 'Forbidden', message: 'Requests from another site are refused' } }, `${what}: ${path}`)
    }
  }
  t.equal(host.fake.requests.length, 0, 'no Incode call')
  t.equal(hostHookRan, 0, 'not even the host\'s own hook')
  t.equal(host.stored.size, 0)

  t.equal((await call(own, '/incode/start', { headers: { origin: own } })).status, 200, 'the app\'s own origin')
  t.equal((await call(own, '/incode/start', { headers: { origin: 'https://app.example.com', 'sec-fetch-site': 'cross-site' } })).status, 200, 'an allowed origin')
  const curl = await request(`${own}/incode/start`)
  t.equal(curl.statusCode, 200, 'no browser headers: not a browser, on to auth and limits')
  await curl.body.dump()
})

t.test('resume: unknown, malformed, or without resumeSession is a 400; a malformed id never reaches the host', async (t) => {
  const host = await compatHost(t)
  const unknown = await call(host.url, `/incode/start?uniqueId=${UNKNOWN_ID}`)
  t.same(unknown.body, { statusCode: 400, code: 'FST_INCODE_UNKNOWN_UNIQUE_ID', error: 'Bad Request', message: 'uniqueId does not name a session to resume' })
  for (const id of ['../../etc/passwd', '0b5d3e0e-8c2b-1b8e-9c1f-2f1f6a4e6f10', '0b5d3e0e-8c2b-4b8e-9c1f-2f1f6a4e6f10', 'x', '%00']) {
    t.equal((await call(host.url, `/incode/start?uniqueId=${encodeURIComponent(id)}`)).status, 400, id)
  }
  t.equal((await call(host.url, '/incode/start?other=1')).status, 400, 'an unknown query parameter')
  t.same(host.resumed, [UNKNOWN_ID], 'only the well-formed id was looked up')
  t.equal(host.fake.requests.length, 0)

  const plain = await compatHost(t, { plugin: { resumeSession: undefined } })
  const { uniqueId } = (await call(plain.url, '/incode/start')).body as { uniqueId: string }
  t.equal((await call(plain.url, `/incode/start?uniqueId=${uniqueId}`)).body.code, 'FST_INCODE_UNKNOWN_UNIQUE_ID', 'no resumeSession: nothing to resume')
})

t.test('a resumeSession that answers something else than a session goes to the host\'s error handler', async (t) => {
  const host = await compatHost(t, { plugin: { resumeSession: async () => ({ token: 'a b', interviewId: 'x' }) } })
  const res = await call(host.url, `/incode/start?uniqueId=${UNKNOWN_ID}`)
  t.equal(res.status, 500)
})

t.test('limits: GET /start and GET /onboarding-url count as session creations, the other routes do not', async (t) => {
  const host = await compatHost(t, { plugin: { rateLimit: { max: 2 } } })
  const first = (await call(host.url, '/incode/start')).body as { token: string }
  t.equal((await call(host.url, '/incode/onboarding-url')).status, 200)
  const third = await call(host.url, '/incode/start')
  t.equal(third.status, 429)
  t.equal(third.body.code, 'FST_INCODE_RATE_LIMITED')
  t.equal((await call(host.url, '/incode/finish', { method: 'POST', headers: textPlain, body: JSON.stringify({ token: first.token }) })).status, 200)
  t.equal((await call(host.url, '/incode/fetch-score', { headers: { 'x-token': first.token } })).status, 200)
})

t.test('the compat routes keep the plugin\'s Incode errors: a failing Incode is a 502 with a fixed message', async (t) => {
  const host = await compatHost(t)
  host.fake.failNext({ type: 'status', status: 500, body: { message: 'Incode text' } }, { path: '/omni/start' })
  const res = await call(host.url, '/incode/start')
  t.same(res.body, { statusCode: 502, code: 'FST_INCODE_UPSTREAM_ERROR', error: 'Bad Gateway', message: 'The identity verification service failed to answer' })
  host.fake.failNext({ type: 'status', status: 401 }, { path: '/omni/finish-status' })
  t.equal((await call(host.url, '/incode/finish', { method: 'POST', headers: textPlain, body: '{"token":"eyJ.unknown"}' })).body.code, 'FST_INCODE_UPSTREAM_REJECTED')
  t.equal((await call(host.url, '/incode/finish', { method: 'POST', headers: textPlain, body: 'not json' })).status, 400)
})

t.test('routeOptions reach the compat routes too: the host\'s log level', async (t) => {
  const host = await compatHost(t, { plugin: { routeOptions: { logLevel: 'warn' } } })
  t.equal((await call(host.url, '/incode/start')).status, 200)
  t.notOk(host.logs.records.some((record) => record.msg === 'Incode session created'), 'the info line is below the routes\' level')
})

t.test('without compatRoutes none of these paths exist', async (t) => {
  const host = await startHost(t)
  for (const path of ['/incode/start', '/incode/onboarding-url', '/incode/fetch-score']) {
    t.equal((await host.app.inject({ method: 'GET', url: path })).statusCode, 404, path)
  }
})

t.test('options: allowedOrigins must be origins', async (t) => {
  for (const value of [['https://app.example.com/path'], 'https://x.test', ['ftp://x.test']]) {
    await t.rejects(startHost(t, { plugin: { compatRoutes: true, allowedOrigins: value as string[] } }), { code: 'FST_INCODE_INVALID_OPTION' })
  }
})

t.test('another port or subdomain of the same site is another origin: refused without an allowed Origin', async (t) => {
  const host = await compatHost(t)
  // A plain <img>/no-cors GET from a page on another port carries the cookies, no Origin, and
  // Sec-Fetch-Site: same-site.
  t.equal((await call(host.url, '/incode/start', { headers: { 'sec-fetch-site': 'same-site' } })).status, 403)
  t.equal(host.fake.requests.length, 0)
})

t.test('the POST routes refuse a bodiless or non-JSON browser POST from another origin (no CORS preflight); a JSON one passed CORS', async (t) => {
  const host = await compatHost(t, { plugin: { allowedOrigins: ['https://app.example.com'] } })
  for (const [what, headers] of [
    ['a cross-site bodiless POST', { 'sec-fetch-site': 'cross-site' }],
    ['a bodiless POST with a foreign Origin', { origin: 'https://evil.example.net' }],
    ['a text/plain POST with a foreign Origin', { origin: 'https://evil.example.net', 'content-type': 'text/plain' }]
  ] as const) {
    for (const path of ['/incode/sessions', '/incode/onboarding-url']) {
      t.equal((await call(host.url, path, { method: 'POST', headers })).status, 403, `${what}: ${path}`)
    }
  }
  t.equal(host.fake.requests.length, 0, 'Incode never called')
  const json = { 'content-type': 'application/json' }
  t.equal((await call(host.url, '/incode/sessions', { method: 'POST', headers: { ...json, origin: 'https://evil.example.net' }, body: '{}' })).status, 201,
    'application/json from another origin needed a preflight, which the host\'s CORS answered')
  t.equal((await call(host.url, '/incode/sessions', { method: 'POST', headers: { origin: 'https://app.example.com' } })).status, 201, 'an allowed origin')
  t.equal((await call(host.url, '/incode/sessions', { method: 'POST', headers: { origin: host.url } })).status, 201, 'the app\'s own origin')
  t.equal((await call(host.url, '/incode/sessions', { method: 'POST', headers: { 'sec-fetch-site': 'same-origin' } })).status, 201)
})

t.test('POST /finish and /auth without a body, or with JSON null, are a 400, not a crash', async (t) => {
  const host = await compatHost(t, { plugin: ADMIN, fake: { adminPassword: ADMIN.adminPassword } })
  for (const path of ['/incode/finish', '/incode/auth']) {
    t.equal((await call(host.url, path, { method: 'POST' })).status, 400, `${path}: no body`)
    t.equal((await call(host.url, path, { method: 'POST', headers: textPlain, body: 'null' })).status, 400, `${path}: null`)
    // Any content type is parsed as JSON, application/json too: an empty body is the parser's 400.
    const empty = await call(host.url, path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '' })
    t.same([empty.status, empty.body.code], [400, 'FST_ERR_CTP_EMPTY_JSON_BODY'], `${path}: no body, sent as JSON`)
  }
  t.equal(host.fake.requests.length, 0)
})
