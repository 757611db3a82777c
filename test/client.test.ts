import t from 'tap'
import { Pool } from 'undici'
import { IncodeClient } from '../src/index.js'
import { clientWithFake, failure } from './support/client.js'
import { createFakeIncode } from '../src/testing/index.js'

t.test('startSession returns everything Incode sent, with the configured flow id', async (t) => {
  const { fake, client } = await clientWithFake(t)
  const session = await client.startSession()
  t.match(session, { token: String, interviewId: /^[0-9a-f]{24}$/, clientId: fake.clientId, flowType: 'flow' })
  t.same(fake.requestsTo('/omni/start')[0]?.body, { configurationId: 'flow-1' })
})

t.test('startSession sends every parameter it is given, and nothing undefined', async (t) => {
  const { fake, client } = await clientWithFake(t)
  await client.startSession({
    configurationId: 'flow-2',
    externalCustomerId: 'c-1',
    redirectionUrl: 'https://app.example.com/',
    language: 'es-ES',
    countryCode: 'MX',
    customFields: { plan: 'gold' }
  })
  await client.startSession({ language: undefined, countryCode: 'ALL' })
  const [first, second] = fake.requestsTo('/omni/start')
  t.same(first?.body, {
    configurationId: 'flow-2',
    externalCustomerId: 'c-1',
    redirectionUrl: 'https://app.example.com/',
    language: 'es-ES',
    countryCode: 'MX',
    customFields: { plan: 'gold' }
  })
  t.same(second?.body, { configurationId: 'flow-1', countryCode: 'ALL' })
})

t.test('IncodeClient checks what its caller gives it before anything is sent', async (t) => {
  const fake = await createFakeIncode()
  const client = new IncodeClient({ apiUrl: fake.url, apiKey: fake.apiKey, configurationId: 'flow-1' })
  t.teardown(async () => { await client.close(); await fake.close() })
  const cases: Array<[string, () => Promise<unknown>, string]> = [
    ['null params', async () => await client.startSession(null as never), 'params'],
    ['an array', async () => await client.startSession([] as never), 'params'],
    ['an unknown key', async () => await client.startSession({ redirectUrl: 'https://x.test/' } as never), 'redirectUrl'],
    ['a URL that is not a string', async () => await client.startSession({ redirectionUrl: 42 as never }), 'redirectionUrl'],
    ['a javascript: URL', async () => await client.startSession({ redirectionUrl: 'javascript:alert(1)' }), 'redirectionUrl'],
    ['a URL with credentials', async () => await client.startSession({ redirectionUrl: 'https://a:b@x.test/' }), 'redirectionUrl'],
    ['a URL over 2048 once normalised', async () => await client.startSession({ redirectionUrl: `https://x.test/${'{'.repeat(700)}` }), 'redirectionUrl'],
    ['a language with CRLF', async () => await client.startSession({ language: 'en\r\nX-Evil: 1' }), 'language'],
    ['a 5 MB externalCustomerId', async () => await client.startSession({ externalCustomerId: 'x'.repeat(5 * 1024 * 1024) }), 'externalCustomerId'],
    ['an empty externalCustomerId', async () => await client.startSession({ externalCustomerId: ' ' }), 'externalCustomerId'],
    ['a configurationId with a NUL', async () => await client.startSession({ configurationId: 'flow\u0000' }), 'configurationId'],
    ['a bad countryCode', async () => await client.startSession({ countryCode: 'USA1' }), 'countryCode'],
    ['customFields not a map', async () => await client.startSession({ customFields: 'x' as never }), 'customFields'],
    ['customFields with a number', async () => await client.startSession({ customFields: { a: 1 } as never }), 'customFields.a'],
    ['customFields with a CRLF key', async () => await client.startSession({ customFields: { 'a\r\nb': 'x' } }), 'customFields key'],
    ['too many customFields', async () => await client.startSession({ customFields: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v'])) }), 'customFields'],
    ['options not an object', async () => await client.startSession({}, null as never), 'options'],
    ['a signal that is not one', async () => await client.startSession({}, { signal: 'stop' as never }), 'signal'],
    ['an object that only looks like a signal', async () => await client.startSession({}, { signal: { aborted: false } as never }), 'signal'],
    ['an onLateSession that is not a function', async () => await client.startSession({}, { onLateSession: 1 as never }), 'onLateSession'],
    ['no token', async () => await client.getOnboardingUrl(undefined as never), 'token'],
    ['a token with CRLF', async () => await client.getOnboardingUrl('abc\r\nx-api-key: stolen'), 'token']
  ]
  for (const [what, call, name] of cases) {
    const err = await failure(call())
    t.equal(err.code, 'FST_INCODE_INVALID_PARAMS', what)
    t.ok(err instanceof TypeError, `${what}: a TypeError`)
    t.match(err.message, new RegExp(`^Incode call parameter "${name.replace('.', '\\.')}"`), `${what}: names the parameter`)
    t.notOk(err.message.includes('xxxxxxxx') || err.message.includes('alert') || err.message.includes('\r'), `${what}: never the value`)
  }
  t.equal(fake.requests.length, 0, 'none of them reached Incode')

  await client.startSession({ countryCode: 'ALL', customFields: { plan: 'gold' }, redirectionUrl: 'https://x.test/a b' })
  t.same(fake.requests[0]?.body, {
    configurationId: 'flow-1', countryCode: 'ALL', customFields: { plan: 'gold' }, redirectionUrl: 'https://x.test/a%20b'
  }, 'valid parameters go through, the URL as normalised')
})

t.test('getOnboardingUrl returns the URL of the session', async (t) => {
  const { fake, client } = await clientWithFake(t)
  const { token, interviewId } = await client.startSession()
  t.equal(await client.getOnboardingUrl(token), `${fake.url}/onboarding/${interviewId}?token=${token}`)
})

t.test('the apiUrl path is kept as a base for every call', async (t) => {
  const fake = await createFakeIncode()
  t.teardown(() => fake.close())
  const client = new IncodeClient({ apiUrl: `${fake.url}/base/0/`, apiKey: fake.apiKey, configurationId: 'flow-1', retries: 0 })
  t.teardown(() => client.close())
  const err = await failure(client.startSession())
  t.equal(err.upstreamStatus, 404)
  t.equal(fake.requests[0]?.path, '/base/omni/start')
})

t.test('the caller\'s signal aborts the call with its reason', async (t) => {
  // A written start runs on for up to one more timeout after the abort: keep the teardown short.
  const { fake, client } = await clientWithFake(t, { timeout: 1000 })
  fake.failNext({ type: 'hang' })
  const controller = new AbortController()
  const reason = new Error('browser left')
  setTimeout(() => controller.abort(reason), 50)
  t.equal(await failure(client.startSession({}, { signal: controller.signal })), reason)

  t.equal(await failure(client.startSession({}, { signal: AbortSignal.abort(reason) })), reason, 'already aborted')
  t.equal(fake.requests.length, 1, 'an aborted signal sends nothing')
})

t.test('the caller\'s signal also aborts the backoff between retries', async (t) => {
  const { fake, client } = await clientWithFake(t, { retries: 5 })
  fake.failAlways({ type: 'status', status: 503 })
  const controller = new AbortController()
  const reason = new Error('gone')
  const pending = failure(client.startSession({}, { signal: controller.signal }))
  setTimeout(() => controller.abort(reason), 30)
  t.equal(await pending, reason)
})

t.test('close() closes the own pool, once; a given dispatcher is left open', async (t) => {
  const { fake, client } = await clientWithFake(t)
  await client.startSession()
  await client.close()
  await client.close()
  const err = await failure(client.startSession())
  t.equal(err.code, 'FST_INCODE_UPSTREAM_UNREACHABLE', 'a closed client cannot reach Incode')

  const dispatcher = new Pool(fake.url)
  t.teardown(() => dispatcher.close())
  const borrowing = new IncodeClient({ apiUrl: fake.url, apiKey: fake.apiKey, configurationId: 'flow-1', dispatcher })
  await borrowing.close()
  t.equal(dispatcher.closed, false)
  await borrowing.startSession()
  t.equal(fake.sessions.size, 2)
})

t.test('the pool keeps connections alive and within its bound', async (t) => {
  const { fake, client } = await clientWithFake(t, { connections: 3 })
  await Promise.all(Array.from({ length: 30 }, async () => await client.startSession()))
  t.equal(fake.sessions.size, 30)
  t.ok(fake.peakConnections <= 3, `peak ${fake.peakConnections} ≤ 3`)
  t.ok(fake.connectionsOpened <= 3, `${fake.connectionsOpened} connections for 30 calls`)
})

t.test('connections and keepAliveTimeout are checked', async (t) => {
  for (const [name, value] of [['connections', 0], ['connections', 1.5], ['keepAliveTimeout', 0], ['keepAliveTimeout', '500']] as const) {
    t.throws(() => new IncodeClient({ apiUrl: 'http://127.0.0.1:1', apiKey: 'k', configurationId: 'f', [name]: value }),
      { code: 'FST_INCODE_INVALID_OPTION', message: `fastify-incode option "${name}" must be an integer of at least 1` })
  }
})
