import t from 'tap'
import { connect } from 'node:net'
import Fastify from 'fastify'
import fastifyIncode, { IncodeClient } from '../../src/index.js'
import { createFakeIncode } from '../../src/testing/index.js'
import { failure } from '../support/client.js'
import { captureLogs, post, startHost } from '../support/host.js'
import { until } from '../support/wait.js'

// Issue 10: what an audit found when it attacked the plugin as a stranger would.

t.test('trustProxy: true with the limit on the IP: a boot warning, and rotating X-Forwarded-For shows why', async (t) => {
  const host = await startHost(t, { server: { trustProxy: true }, plugin: { rateLimit: { max: 3 } } })
  const warning = host.logs.records.find((record) => /trustProxy is true/.test(String(record.msg)))
  t.equal(warning?.level, 40, 'warned at boot')
  const statuses = []
  for (let i = 0; i < 6; i++) {
    statuses.push((await post(host.app, '/incode/sessions', undefined, { 'x-forwarded-for': `203.0.113.${i}` })).statusCode)
  }
  t.same(statuses, Array(6).fill(201), 'each forged address is a new bucket: the README says so')
})

t.test('no trustProxy warning for a hop count, a keyGenerator, or no limit', async (t) => {
  for (const [server, rateLimit] of [
    // A hop count: Fastify takes it, though its types do not list numbers.
    [{ trustProxy: 1 as unknown as boolean }, undefined],
    [{ trustProxy: '10.0.0.0/8' }, undefined],
    [{ trustProxy: true }, { keyGenerator: () => 'user' }],
    [{ trustProxy: true }, false],
    [{}, undefined]
  ] as const) {
    const host = await startHost(t, { server, plugin: rateLimit === undefined ? {} : { rateLimit } })
    t.notOk(host.logs.records.some((record) => /trustProxy/.test(String(record.msg))), JSON.stringify({ server, rateLimit }))
  }
})

t.test('the warning goes through the plugin\'s own context too (registered inside a prefix)', async (t) => {
  const fake = await createFakeIncode()
  const { stream, logs } = captureLogs()
  const app = Fastify({ trustProxy: true, logger: { stream } })
  t.teardown(async () => { await app.close(); await fake.close() })
  await app.register(async (child) => {
    await child.register(fastifyIncode, { apiUrl: fake.url, apiKey: fake.apiKey, configurationId: 'f' })
  }, { prefix: '/api' })
  await app.ready()
  t.ok(logs.records.some((record) => /trustProxy is true/.test(String(record.msg))))
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

t.test('an externalCustomerId that resolves to 5 MB: 500 FST_INCODE_INVALID_PARAMS, logged, Incode not called', async (t) => {
  const host = await startHost(t, { plugin: { externalCustomerId: () => 'x'.repeat(5 * 1024 * 1024) } })
  const res = await post(host.app, '/incode/sessions')
  t.equal(res.statusCode, 500)
  t.equal(res.json().code, 'FST_INCODE_INVALID_PARAMS')
  t.equal(host.fake.requests.length, 0)
  const line = host.logs.records.find((record) => record.code === 'FST_INCODE_INVALID_PARAMS')
  t.equal(line?.level, 50, 'an error line for the host\'s operator')
  t.ok(host.logs.lines.every((entry) => entry.length < 10_000), 'without the value')
})

t.test('Incode\'s answer must be what it claims: a token with CRLF or an odd interviewId is a bad response', async (t) => {
  for (const body of [
    { token: 'eyJ.a\r\nx-evil: 1', interviewId: '0123456789abcdef01234567' },
    { token: 'eyJ.a b', interviewId: '0123456789abcdef01234567' },
    { token: 'eyJ.abc', interviewId: '<script>alert(1)</script>' },
    { token: 'eyJ.abc', interviewId: 'x'.repeat(65) },
    { token: 'eyJ.abc', interviewId: 42 }
  ]) {
    const host = await startHost(t)
    host.fake.failNext({ type: 'json', body }, { path: '/omni/start' })
    const res = await post(host.app, '/incode/onboarding-url')
    t.equal(res.json().code, 'FST_INCODE_UPSTREAM_BAD_RESPONSE', JSON.stringify(body))
    t.equal(host.recorded.length, 0, 'never reaches the hook')
    t.equal(host.fake.requestsTo('/0/omni/onboarding-url').length, 0, 'nor a header')
    t.notOk(host.logs.lines.some((line) => line.includes('script') || line.includes('x-evil')), 'nor a log line')
  }
})

t.test('a browser\'s redirectionUrl is measured as it will be sent: 700 `{` are 2 100 characters, a 400', async (t) => {
  const host = await startHost(t, { plugin: { allowedRedirectionUrls: ['https://app.example.com/'] } })
  const res = await post(host.app, '/incode/onboarding-url', { redirectionUrl: `https://app.example.com/${'{'.repeat(700)}` })
  t.same(res.json(), {
    statusCode: 400,
    code: 'FST_INCODE_REDIRECT_TOO_LONG',
    error: 'Bad Request',
    message: 'redirectionUrl is over 2048 characters once normalised'
  })
  t.equal(host.fake.requests.length, 0)
})

t.test('a client that half-closes after its request: taken for gone by default, answered with httpAllowHalfOpen', async (t) => {
  for (const halfOpen of [false, true]) {
    const host = await startHost(t, { fake: { latencyMs: 100 } })
    await host.app.listen({ port: 0, host: '127.0.0.1' })
    if (halfOpen) Object.assign(host.app.server, { httpAllowHalfOpen: true })
    const { port } = host.app.server.address() as { port: number }
    const answer = await new Promise<string>((resolve) => {
      let received = ''
      const socket = connect(port, '127.0.0.1', () => {
        socket.end('POST /incode/sessions HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n')
      })
      socket.on('data', (chunk) => { received += String(chunk) })
      socket.on('close', () => resolve(received))
    })
    await until(() => host.recorded.length === 1, 'the session to be recorded')
    if (halfOpen) {
      t.match(answer, /^HTTP\/1\.1 201/, 'httpAllowHalfOpen: the client gets its session')
      t.equal(host.recorded[0]?.delivered, true)
    } else {
      t.equal(answer, '', 'by default the client gets nothing')
      t.equal(host.recorded[0]?.delivered, false, 'and the session is recorded as undelivered')
    }
  }
})
