import t from 'tap'
import { request } from 'undici'
import { startHost, type HostOptions } from './support/host.js'
import { basic } from './support/http-basic.js'

// The webhook routes' own limit counts only callers who hold the credentials, Incode: what
// strangers send from the same address (a NAT, or Incode's own egress, shared with every other
// tenant) never refuses one of Incode's deliveries.

const CLIENT_SECRET = 'oauth-client-secret-'.padEnd(48, 'z')
const OAUTH = { clientId: 'incode', clientSecret: CLIENT_SECRET }
const SECRET_HEADER = { name: 'x-incode-webhook-secret', value: 'w'.repeat(40) }
const EVENT = JSON.stringify({ interviewId: '0123456789abcdef01234567', onboardingStatus: 'ONBOARDING_FINISHED' })

async function webhookHost (t: Parameters<typeof startHost>[0], webhook: Record<string, unknown>, options: HostOptions = {}) {
  const host = await startHost(t, { ...options, plugin: { ...options.plugin, webhook: { onWebhook: async () => {}, ...webhook } } })
  return { ...host, url: await host.app.listen({ port: 0, host: '127.0.0.1' }) }
}

async function token (url: string, authorization: string) {
  const res = await request(`${url}/incode/webhook/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization },
    body: 'grant_type=client_credentials'
  })
  return { status: res.statusCode, headers: res.headers, body: await res.body.json() as Record<string, unknown> }
}

async function deliver (url: string, headers: Record<string, string>) {
  const res = await request(`${url}/incode/webhook`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: EVENT })
  return { status: res.statusCode, headers: res.headers, body: await res.body.json() as Record<string, unknown> }
}

/** One event as Incode delivers it with OAuth2: a token, then the webhook. */
async function oauthEvent (url: string): Promise<number[]> {
  const issued = await token(url, basic(OAUTH.clientId, CLIENT_SECRET))
  if (issued.status !== 200) return [issued.status]
  return [issued.status, (await deliver(url, { authorization: `Bearer ${String(issued.body.access_token)}` })).status]
}

t.test('strangers guessing the client credentials from Incode\'s address never cost Incode a delivery', async (t) => {
  const host = await webhookHost(t, { oauth: OAUTH, rateLimit: { max: 4, timeWindow: '1 minute' } })
  const guesses = []
  for (let i = 0; i < 30; i++) guesses.push((await token(host.url, basic('incode', `guess-${i}`.padEnd(40, '?')))).status)
  t.same([...new Set(guesses)], [401], '30 wrong guesses: 401 each, not counted')
  const forged = []
  for (let i = 0; i < 30; i++) forged.push((await deliver(host.url, { authorization: `Bearer forged-${i}` })).status)
  for (let i = 0; i < 30; i++) forged.push((await deliver(host.url, { [SECRET_HEADER.name]: SECRET_HEADER.value })).status)
  t.same([...new Set(forged)], [401], '30 forged bearer tokens and 30 header secrets (not configured here): 401 each, not counted')
  t.same(await oauthEvent(host.url), [200, 200], 'then Incode\'s token and its delivery both pass')
})

t.test('Incode\'s own calls are counted: with OAuth2 an event is two requests', async (t) => {
  const host = await webhookHost(t, { oauth: OAUTH, rateLimit: { max: 4, timeWindow: '1 minute' } })
  t.same([await oauthEvent(host.url), await oauthEvent(host.url)], [[200, 200], [200, 200]])
  const limited = await token(host.url, basic(OAUTH.clientId, CLIENT_SECRET))
  t.same([limited.status, limited.body], [429, {
    statusCode: 429, code: 'FST_INCODE_WEBHOOK_RATE_LIMITED', error: 'Too Many Requests', message: 'Too many webhook requests; retry later'
  }], 'the fifth authenticated request is refused, so Incode delivers again later')
  t.equal(limited.headers['cache-control'], 'no-store', 'a token answer is never cached, a refusal neither')
})

t.test('by default 1200 authenticated requests a minute from one address: 600 OAuth2 events', async (t) => {
  const host = await webhookHost(t, { secretHeader: SECRET_HEADER })
  const res = await deliver(host.url, { [SECRET_HEADER.name]: SECRET_HEADER.value })
  t.equal(res.status, 200)
  t.equal(res.headers['x-ratelimit-limit'], '1200')
})

t.test('the webhook limit and the session limit count apart', async (t) => {
  const host = await webhookHost(t, { secretHeader: SECRET_HEADER, rateLimit: { max: 1 } }, { plugin: { rateLimit: { max: 1 } } })
  t.equal((await host.app.inject({ method: 'POST', url: '/incode/sessions' })).statusCode, 201)
  t.equal((await host.app.inject({ method: 'POST', url: '/incode/sessions' })).statusCode, 429, 'session creation is spent')
  t.equal((await deliver(host.url, { [SECRET_HEADER.name]: SECRET_HEADER.value })).status, 200, 'the webhook is not counted by it')
  t.equal((await deliver(host.url, { [SECRET_HEADER.name]: SECRET_HEADER.value })).status, 429, 'its own limit of 1 is spent by it')
})

t.test('the webhook limit\'s store failing: a 503 Incode delivers again after, and a line that names the webhook routes', async (t) => {
  class BrokenStore {
    incr (_key: string, callback: (err: Error | null) => void): void { callback(new Error('store down')) }
    child (): BrokenStore { return this }
  }
  const host = await webhookHost(t, { secretHeader: SECRET_HEADER, rateLimit: { store: BrokenStore } })
  const res = await deliver(host.url, { [SECRET_HEADER.name]: SECRET_HEADER.value })
  t.same([res.status, res.body], [503, {
    statusCode: 503, code: 'FST_INCODE_RATE_LIMIT_UNAVAILABLE', error: 'Service Unavailable', message: 'The rate limit cannot be checked right now; retry later'
  }])
  t.same(host.logs.records.filter((record) => record.level === 40).map((record) => record.msg),
    ['The rate-limit store of the webhook routes is unavailable: they fail closed (503) until it is back'])
})

t.test('refused credentials cannot flood the log: one warn line a minute, saying how many', async (t) => {
  const host = await webhookHost(t, { oauth: OAUTH })
  const realNow = Date.now
  t.teardown(() => { Date.now = realNow })
  for (let i = 0; i < 20; i++) await token(host.url, basic('incode', `guess-${i}`))
  for (let i = 0; i < 20; i++) await deliver(host.url, { authorization: `Bearer forged-${i}` })
  const now = realNow()
  Date.now = () => now + 61_000
  await deliver(host.url, { authorization: 'Bearer forged-after-a-minute' })
  Date.now = realNow
  const warnings = host.logs.records.filter((record) => record.level === 40)
  t.same(warnings.map(({ msg, refused }) => ({ msg, refused })), [
    { msg: 'Incode webhook token refused: missing or wrong client credentials', refused: 1 },
    { msg: 'Incode webhook refused: missing or wrong credentials', refused: 40 }
  ], 'the first, then one a minute later counting the 39 at debug and itself')
  t.equal(host.logs.records.filter((record) => record.level === 20 && /refused/.test(String(record.msg))).length, 39)
})

t.test('one Redis client for both limits: the webhook counts under keys of its own, never the session limit\'s', async (t) => {
  const keys = new Map<string, number>()
  // A stand-in for the host's ioredis client: it runs the store's command by counting the key.
  const redis = {
    defineCommand (name: string) {
      (this as Record<string, unknown>)[name] = (key: string, timeWindow: number, _max: number, _continue: boolean, _backoff: boolean,
        callback: (error: Error | null, result: [number, number]) => void) => {
        keys.set(key, (keys.get(key) ?? 0) + 1)
        callback(null, [keys.get(key) as number, timeWindow])
      }
    }
  }
  const host = await webhookHost(t, { secretHeader: SECRET_HEADER, rateLimit: { redis } }, { plugin: { rateLimit: { redis: redis as never } } })
  t.equal((await deliver(host.url, { [SECRET_HEADER.name]: SECRET_HEADER.value })).status, 200)
  t.equal((await request(`${host.url}/incode/sessions`, { method: 'POST' })).statusCode, 201)
  t.same([...keys.keys()].sort(), ['fastify-incode-webhook-127.0.0.1', 'fastify-rate-limit-127.0.0.1'])
})
