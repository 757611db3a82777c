import t, { type Test } from 'tap'
import { request } from 'undici'
import type { IncodeWebhookEvent } from '../src/index.js'
import { assertNoSecretsLogged, startHost, type Host, type HostOptions } from './support/host.js'
import { basic } from './support/http-basic.js'

// Incode's onboarding-status webhook, authenticated by a static header or OAuth2
// client credentials, checked before the body; the host's onWebhook awaited.

const SECRET = 'x'.repeat(8) + '-webhook-secret-of-forty-characters'
const CLIENT_SECRET = 'oauth-client-secret-'.padEnd(48, 'z')
const SECRET_HEADER = { name: 'X-Incode-Webhook-Secret', value: SECRET }
const OAUTH = { clientId: 'incode', clientSecret: CLIENT_SECRET }

interface WebhookHost extends Host {
  url: string
  events: IncodeWebhookEvent[]
}

async function webhookHost (t: Test, webhook: Record<string, unknown>, options: HostOptions = {}): Promise<WebhookHost> {
  const events: IncodeWebhookEvent[] = []
  const host = await startHost(t, {
    ...options,
    plugin: {
      ...options.plugin,
      webhook: { onWebhook: async (event: IncodeWebhookEvent) => { events.push(event) }, ...webhook }
    }
  })
  const url = await host.app.listen({ port: 0, host: '127.0.0.1' })
  return { ...host, url, events }
}

async function postWebhook (url: string, headers: Record<string, string>, body: unknown = { interviewId: '0123456789abcdef01234567', onboardingStatus: 'ONBOARDING_FINISHED' }) {
  const res = await request(`${url}/incode/webhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body)
  })
  return { status: res.statusCode, headers: res.headers, body: await res.body.json() as Record<string, unknown> }
}

async function getToken (url: string, form: string, authorization?: string) {
  const res = await request(`${url}/incode/webhook/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(authorization === undefined ? {} : { authorization }) },
    body: form
  })
  return { status: res.statusCode, headers: res.headers, body: await res.body.json() as Record<string, unknown> }
}

const UNAUTHORIZED = { statusCode: 401, code: 'FST_INCODE_WEBHOOK_UNAUTHORIZED', error: 'Unauthorized', message: 'Missing or wrong webhook credentials' }

t.test('the fake delivers a finished onboarding through the secret header; the host sees the event once', async (t) => {
  const host = await webhookHost(t, { secretHeader: SECRET_HEADER })
  const { interviewId } = (await host.app.inject({ method: 'POST', url: '/incode/sessions' })).json()
  const deliveries = await host.fake.completeOnboarding(interviewId, {
    webhook: { url: `${host.url}/incode/webhook`, secretHeader: SECRET_HEADER }
  })
  t.same(deliveries.map((delivery) => [delivery.status, JSON.parse(delivery.body)]), [[200, { success: true }]])
  t.equal(host.events.length, 1)
  t.match(host.events[0], { interviewId, onboardingStatus: 'ONBOARDING_FINISHED', clientId: host.fake.clientId, flowId: 'flow-1' })
  t.equal(host.events[0]?.dedupeKey, `${interviewId}:ONBOARDING_FINISHED`, 'a key to dedupe redeliveries on')
  const line = host.logs.records.find((record) => record.msg === 'Incode webhook received')
  t.match(line, { level: 30, interviewId, onboardingStatus: 'ONBOARDING_FINISHED' })
  assertNoSecretsLogged(t, host, [SECRET])
})

t.test('the header scheme: missing, wrong, same-length wrong, longer, another header → 401, no hook call', async (t) => {
  const host = await webhookHost(t, { secretHeader: SECRET_HEADER })
  const name = SECRET_HEADER.name
  for (const [what, headers] of [
    ['missing', {}],
    ['wrong', { [name]: 'nope' }],
    ['same length, wrong', { [name]: SECRET.slice(0, -1) + (SECRET.endsWith('s') ? 't' : 's') }],
    ['longer', { [name]: SECRET + 'x' }],
    ['a prefix', { [name]: SECRET.slice(0, 10) }],
    ['in another header', { 'x-other': SECRET }],
    ['as a bearer token', { authorization: `Bearer ${SECRET}` }]
  ] as const) {
    const res = await postWebhook(host.url, headers)
    t.same([res.status, res.body], [401, UNAUTHORIZED], what)
  }
  t.same(host.events, [], 'the hook never ran')
  const refusals = host.logs.records.filter((record) => /webhook refused/.test(String(record.msg)))
  t.same(refusals.map((record) => record.level), [40, 20, 20, 20, 20, 20, 20], 'the first refusal at warn, the rest of the minute at debug')
  t.equal(refusals[0]?.refused, 1)
  const ok = await postWebhook(host.url, { [name.toLowerCase()]: SECRET })
  t.equal(ok.status, 200, 'the header name is case-insensitive, as HTTP has it')
  assertNoSecretsLogged(t, host, [SECRET])
})

t.test('the credential is checked before the body: a stranger\'s malformed body is a 401, not a 400', async (t) => {
  const host = await webhookHost(t, { secretHeader: SECRET_HEADER })
  t.equal((await postWebhook(host.url, {}, '{not json')).status, 401)
  t.equal((await postWebhook(host.url, {}, { interviewId: 42 })).status, 401)
})

t.test('OAuth2: the fake gets a token and delivers; the token endpoint answers as RFC 6749 says', async (t) => {
  const host = await webhookHost(t, { oauth: OAUTH })
  const { interviewId } = (await host.app.inject({ method: 'POST', url: '/incode/sessions' })).json()
  const deliveries = await host.fake.completeOnboarding(interviewId, {
    status: 'MANUAL_REVIEW_APPROVED',
    webhook: { url: `${host.url}/incode/webhook`, oauth: { tokenUrl: `${host.url}/incode/webhook/token`, ...OAUTH } }
  })
  t.same(deliveries.map((delivery) => delivery.status), [200])
  t.equal(host.events[0]?.onboardingStatus, 'MANUAL_REVIEW_APPROVED')

  const issued = await getToken(host.url, 'grant_type=client_credentials', basic(OAUTH.clientId, CLIENT_SECRET))
  t.equal(issued.status, 200)
  t.match(issued.body, { access_token: String, token_type: 'Bearer', expires_in: 3600 })
  t.equal(issued.headers['cache-control'], 'no-store')
  const inForm = await getToken(host.url, `grant_type=client_credentials&client_id=${OAUTH.clientId}&client_secret=${CLIENT_SECRET}`)
  t.equal(inForm.status, 200, 'credentials in the form, as RFC 6749 §2.3.1 allows')

  const refused = [
    ['a wrong client secret', 'grant_type=client_credentials', basic(OAUTH.clientId, CLIENT_SECRET.slice(1) + 'q'), 401, 'invalid_client'],
    ['a wrong client id', 'grant_type=client_credentials', basic('someone', CLIENT_SECRET), 401, 'invalid_client'],
    ['no credentials', 'grant_type=client_credentials', undefined, 401, 'invalid_client'],
    ['a malformed Basic', 'grant_type=client_credentials', 'Basic !!!', 401, 'invalid_client'],
    ['a Basic without a colon', 'grant_type=client_credentials', `Basic ${Buffer.from('nocolon').toString('base64')}`, 401, 'invalid_client'],
    ['a Basic with a bad escape', 'grant_type=client_credentials', `Basic ${Buffer.from('%E0%A4%A:x').toString('base64')}`, 401, 'invalid_client'],
    ['a wrong grant', 'grant_type=password', basic(OAUTH.clientId, CLIENT_SECRET), 400, 'unsupported_grant_type'],
    ['no grant', 'scope=x', basic(OAUTH.clientId, CLIENT_SECRET), 400, 'invalid_request']
  ] as const
  for (const [what, form, authorization, status, error] of refused) {
    const res = await getToken(host.url, form, authorization)
    t.same([res.status, res.body], [status, { error }], what)
    if (status === 401) t.equal(res.headers['www-authenticate'], 'Basic realm="incode-webhook"', `${what}: WWW-Authenticate`)
  }
  const bodiless = await request(`${host.url}/incode/webhook/token`, { method: 'POST', headers: { authorization: basic(OAUTH.clientId, CLIENT_SECRET) } })
  t.same([bodiless.statusCode, await bodiless.body.json()], [400, { error: 'invalid_request' }], 'no body at all')
  assertNoSecretsLogged(t, host, [CLIENT_SECRET, String(issued.body.access_token)])
})

t.test('OAuth2 bearer tokens: expired, tampered, from another instance, from another secret', async (t) => {
  const host = await webhookHost(t, { oauth: { ...OAUTH, tokenTtlSeconds: 1 } })
  const twin = await webhookHost(t, { oauth: { ...OAUTH, tokenTtlSeconds: 1 } })
  const stranger = await webhookHost(t, { oauth: { clientId: 'incode', clientSecret: 'another-secret-'.padEnd(40, 'q') } })
  const token = String((await getToken(twin.url, 'grant_type=client_credentials', basic(OAUTH.clientId, CLIENT_SECRET))).body.access_token)

  t.equal((await postWebhook(host.url, { authorization: `Bearer ${token}` })).status, 200, 'a token from another instance with the same settings works: no shared store')
  t.equal((await postWebhook(stranger.url, { authorization: `Bearer ${token}` })).status, 401, 'not at an instance with another secret')
  const tampered = token.replace(/\.(\d+)\./, (_match, expires: string) => `.${Number(expires) + 3_600_000}.`)
  t.equal((await postWebhook(host.url, { authorization: `Bearer ${tampered}` })).status, 401, 'a later expiry, re-signed by nobody')
  t.equal((await postWebhook(host.url, { authorization: `Bearer ${token.slice(0, -2)}` })).status, 401, 'a cut signature')
  t.equal((await postWebhook(host.url, { authorization: 'Bearer garbage' })).status, 401, 'garbage')
  t.equal((await postWebhook(host.url, { authorization: `Basic ${token}` })).status, 401, 'another scheme')
  const missing = await postWebhook(host.url, {})
  t.same([missing.status, missing.headers['www-authenticate']], [401, 'Bearer realm="incode-webhook"'])

  await new Promise((resolve) => setTimeout(resolve, 1100))
  t.equal((await postWebhook(host.url, { authorization: `Bearer ${token}` })).status, 401, 'expired after tokenTtlSeconds')
  t.equal(host.events.length, 1, 'only the one good delivery reached the hook')
})

t.test('both schemes at once: either credential will do', async (t) => {
  const host = await webhookHost(t, { secretHeader: SECRET_HEADER, oauth: OAUTH })
  const token = String((await getToken(host.url, 'grant_type=client_credentials', basic(OAUTH.clientId, CLIENT_SECRET))).body.access_token)
  t.equal((await postWebhook(host.url, { [SECRET_HEADER.name]: SECRET })).status, 200)
  t.equal((await postWebhook(host.url, { authorization: `Bearer ${token}` })).status, 200)
  t.equal((await postWebhook(host.url, { [SECRET_HEADER.name]: 'wrong', authorization: `Bearer ${token}` })).status, 200)
  t.equal((await postWebhook(host.url, {})).status, 401)
})

t.test('bad bodies from an authenticated caller: 400, no hook call; unknown keys are kept', async (t) => {
  const host = await webhookHost(t, { secretHeader: SECRET_HEADER })
  const auth = { [SECRET_HEADER.name]: SECRET }
  for (const [what, body] of [
    ['not JSON', '{"interviewId":'],
    ['JSON null', 'null'],
    ['an array', '[]'],
    ['no interviewId', { onboardingStatus: 'ONBOARDING_FINISHED' }],
    ['an interviewId that is not an id', { interviewId: '<script>', onboardingStatus: 'ONBOARDING_FINISHED' }],
    ['a status that is not one', { interviewId: '0123456789abcdef01234567', onboardingStatus: 'finished; drop table' }],
    ['a numeric externalId', { interviewId: '0123456789abcdef01234567', onboardingStatus: 'EXPIRED', externalId: 7 }]
  ] as const) {
    t.equal((await postWebhook(host.url, auth, body)).status, 400, what)
  }
  const form = await request(`${host.url}/incode/webhook`, { method: 'POST', headers: { ...auth, 'content-type': 'text/plain' }, body: '{}' })
  t.equal(form.statusCode, 415, 'JSON only')
  await form.body.dump()
  const big = await postWebhook(host.url, auth, { interviewId: '0123456789abcdef01234567', onboardingStatus: 'EXPIRED', pad: 'x'.repeat(70 * 1024) })
  t.equal(big.status, 413, 'over 64 KiB')
  t.same(host.events, [])

  const extra = await postWebhook(host.url, auth, { interviewId: '0123456789abcdef01234567', onboardingStatus: 'EXPIRED', externalId: 'c-1', riskLevel: 'low' })
  t.equal(extra.status, 200)
  t.match(host.events[0], { kind: 'onboarding-status', externalId: 'c-1', riskLevel: 'low', dedupeKey: '0123456789abcdef01234567:EXPIRED' })
})

t.test('a hook that fails: 500 so that Incode delivers again, and the redelivery is processed', async (t) => {
  let calls = 0
  const host = await webhookHost(t, {
    secretHeader: SECRET_HEADER,
    onWebhook: async (event: IncodeWebhookEvent) => {
      calls++
      if (calls === 1) throw new Error(`deadlock while writing ${event.interviewId} (secret ${SECRET})`)
    }
  })
  const { interviewId } = (await host.app.inject({ method: 'POST', url: '/incode/sessions' })).json()
  const deliveries = await host.fake.completeOnboarding(interviewId, {
    webhook: { url: `${host.url}/incode/webhook`, secretHeader: SECRET_HEADER }
  })
  t.same(deliveries.map((delivery) => delivery.status), [500, 200], 'refused once, processed on redelivery')
  t.same(JSON.parse(deliveries[0]?.body ?? '{}'), {
    statusCode: 500, code: 'FST_INCODE_WEBHOOK_NOT_PROCESSED', error: 'Internal Server Error', message: 'The webhook could not be processed; deliver it again'
  })
  const line = host.logs.records.find((record) => record.code === 'FST_INCODE_WEBHOOK_NOT_PROCESSED')
  t.match(line, { level: 50, interviewId, onboardingStatus: 'ONBOARDING_FINISHED', cause: { name: 'Error' } })
  assertNoSecretsLogged(t, host, [SECRET, 'deadlock'])
})

t.test('an onWebhook that never settles: 500 at hookTimeout, with its signal aborted', async (t) => {
  let signal: AbortSignal | undefined
  const host = await webhookHost(t, {
    secretHeader: SECRET_HEADER,
    onWebhook: async (_event: IncodeWebhookEvent, _request: unknown, context: { signal: AbortSignal }) => {
      signal = context.signal
      await new Promise(() => {})
    }
  }, { plugin: { hookTimeout: 150 } })
  const res = await postWebhook(host.url, { [SECRET_HEADER.name]: SECRET })
  t.equal(res.body.code, 'FST_INCODE_WEBHOOK_NOT_PROCESSED')
  t.equal(signal?.aborted, true)
})

t.test('onWebhook runs with this = the instance, and gets the request', async (t) => {
  let self: unknown
  let path: string | undefined
  const host = await webhookHost(t, {
    secretHeader: SECRET_HEADER,
    onWebhook: function (this: unknown, _event: IncodeWebhookEvent, request: { url: string }) { self = this; path = request.url }
  })
  await postWebhook(host.url, { [SECRET_HEADER.name]: SECRET })
  t.equal(self, host.app)
  t.equal(path, '/incode/webhook')
})

t.test('the webhook without session routes (exposeRoutes: false)', async (t) => {
  const host = await webhookHost(t, { secretHeader: SECRET_HEADER }, { plugin: { exposeRoutes: false } })
  t.equal((await host.app.inject({ method: 'POST', url: '/incode/sessions' })).statusCode, 404)
  t.equal((await postWebhook(host.url, { [SECRET_HEADER.name]: SECRET })).status, 200)
})

t.test('nothing secret at trace: header secret, client secret, bearer tokens', async (t) => {
  const host = await webhookHost(t, { secretHeader: SECRET_HEADER, oauth: OAUTH })
  const token = String((await getToken(host.url, 'grant_type=client_credentials', basic(OAUTH.clientId, CLIENT_SECRET))).body.access_token)
  await postWebhook(host.url, { authorization: `Bearer ${token}` })
  await postWebhook(host.url, { [SECRET_HEADER.name]: SECRET })
  await postWebhook(host.url, { authorization: `Bearer ${token}x` })
  await getToken(host.url, `grant_type=client_credentials&client_id=incode&client_secret=${CLIENT_SECRET}x`)
  t.ok(host.logs.lines.length > 8, `${host.logs.lines.length} lines at trace`)
  assertNoSecretsLogged(t, host, [SECRET, CLIENT_SECRET, token, Buffer.from(`incode:${CLIENT_SECRET}`).toString('base64')])
})

t.test('an unauthenticated or weak webhook fails ready() with FST_INCODE_INVALID_OPTION', async (t) => {
  const onWebhook = (): void => {}
  for (const [webhook, name] of [
    [{ onWebhook }, 'webhook'],
    [{ secretHeader: SECRET_HEADER }, 'webhook.onWebhook'],
    [{ onWebhook, secretHeader: { name: 'x-s', value: 'short' } }, 'webhook.secretHeader.value'],
    [{ onWebhook, secretHeader: { name: 'bad name', value: SECRET } }, 'webhook.secretHeader.name'],
    [{ onWebhook, secretHeader: 'x' }, 'webhook.secretHeader'],
    [{ onWebhook, oauth: { clientId: 'x', clientSecret: 'short' } }, 'webhook.oauth.clientSecret'],
    [{ onWebhook, oauth: { clientId: '', clientSecret: CLIENT_SECRET } }, 'webhook.oauth.clientId'],
    [{ onWebhook, oauth: { ...OAUTH, tokenTtlSeconds: 0 } }, 'webhook.oauth.tokenTtlSeconds'],
    [{ onWebhook, oauth: 'x' }, 'webhook.oauth'],
    [{ onWebhook, oauth: OAUTH, rateLimit: { max: -1 } }, 'webhook.rateLimit.max'],
    ['yes', 'webhook']
  ] as const) {
    const err = await startHost(t, { plugin: { webhook: webhook as never } }).then(() => undefined, (error: Error & { code?: string }) => error)
    t.equal(err?.code, 'FST_INCODE_INVALID_OPTION', name)
    t.match(err?.message, new RegExp(`^fastify-incode option "${name.replace(/\./g, '\\.')}"`), name)
    t.notOk(err?.message.includes(SECRET) || err?.message.includes(CLIENT_SECRET), 'never the secret')
  }
})

t.test('the webhook routes are documented for @fastify/swagger', async (t) => {
  const host = await webhookHost(t, { secretHeader: SECRET_HEADER, oauth: OAUTH }, {
    before: async (app) => { await app.register((await import('@fastify/swagger')).default, { openapi: { info: { title: 'host', version: '1' } } }) }
  })
  const paths = (host.app.swagger() as { paths: Record<string, { post?: { summary?: string } }> }).paths
  t.ok(paths['/incode/webhook']?.post?.summary)
  t.ok(paths['/incode/webhook/token']?.post?.summary)
})
