import t from 'tap'
import { assertNoSecretsLogged, post, startHost } from './support/host.js'

t.test('POST /incode/sessions answers 201 with exactly the token and the interviewId', async (t) => {
  const host = await startHost(t)
  const res = await post(host.app, '/incode/sessions')

  t.equal(res.statusCode, 201)
  const body = res.json()
  t.same(Object.keys(body).sort(), ['interviewId', 'token'])
  const session = host.fake.sessions.get(body.interviewId)
  t.ok(session, 'the interviewId is one the fake created')
  t.equal(body.token, session?.token)
  t.match(res.headers['content-type'], /^application\/json/)
  assertNoSecretsLogged(t, host)
})

t.test('the start call carries the API key, api-version, JSON, the flow id and the default language', async (t) => {
  const host = await startHost(t)
  await post(host.app, '/incode/sessions')

  const [start] = host.fake.requestsTo('/omni/start')
  t.equal(start?.method, 'POST')
  t.equal(start?.headers['x-api-key'], host.fake.apiKey)
  t.equal(start?.headers['api-version'], '1.0')
  t.match(start?.headers['content-type'], /^application\/json/)
  t.same(start?.body, { configurationId: 'flow-1', language: 'en-US' })
  t.equal(host.fake.requestsTo('/0/omni/onboarding-url').length, 0, 'no onboarding-url call')
})

t.test('language and an allowed redirectionUrl from the browser reach Incode', async (t) => {
  const host = await startHost(t, {
    plugin: { allowedRedirectionUrls: ['https://app.example.com/done'], language: 'es-ES' }
  })
  const res = await post(host.app, '/incode/sessions', {
    language: 'pt-BR',
    redirectionUrl: 'https://app.example.com/done/step?x=1'
  })

  t.equal(res.statusCode, 201)
  t.same(host.fake.requestsTo('/omni/start')[0]?.body, {
    configurationId: 'flow-1',
    language: 'pt-BR',
    redirectionUrl: 'https://app.example.com/done/step?x=1'
  })
})

t.test('the configured language is sent when the browser names none', async (t) => {
  const host = await startHost(t, { plugin: { language: 'es-ES' } })
  await post(host.app, '/incode/sessions', {})
  t.same(host.fake.requestsTo('/omni/start')[0]?.body, { configurationId: 'flow-1', language: 'es-ES' })
})

t.test('externalCustomerId comes from the host function, which sees the request', async (t) => {
  const host = await startHost(t, {
    plugin: { externalCustomerId: async (request) => request.headers['x-user'] as string | undefined }
  })
  const res = await post(host.app, '/incode/sessions', undefined, { 'x-user': 'customer-42' })
  t.equal(res.statusCode, 201)
  t.same(host.fake.requestsTo('/omni/start')[0]?.body, {
    configurationId: 'flow-1', externalCustomerId: 'customer-42', language: 'en-US'
  })
  t.equal(host.recorded[0]?.externalCustomerId, 'customer-42')

  const anonymous = await post(host.app, '/incode/sessions')
  t.equal(anonymous.statusCode, 201)
  t.same(host.fake.requestsTo('/omni/start')[1]?.body, { configurationId: 'flow-1', language: 'en-US' },
    'undefined sends no externalCustomerId')
  t.notOk('externalCustomerId' in (host.recorded[1] ?? {}))
})

t.test('an externalCustomerId function that fails or returns a non-string stops before Incode', async (t) => {
  for (const resolver of [
    async () => { throw new Error('auth store down') },
    () => 42 as unknown as string,
    () => ''
  ]) {
    const host = await startHost(t, { plugin: { externalCustomerId: resolver } })
    const res = await post(host.app, '/incode/sessions')
    t.equal(res.statusCode, 500)
    t.equal(host.fake.requests.length, 0, 'Incode not called')
    t.equal(host.recorded.length, 0, 'hook not called')
  }
})

t.test('two calls create two sessions: nothing is cached or reused', async (t) => {
  const host = await startHost(t)
  const first = (await post(host.app, '/incode/sessions')).json()
  const second = (await post(host.app, '/incode/sessions')).json()

  t.not(first.interviewId, second.interviewId)
  t.not(first.token, second.token)
  t.equal(host.fake.sessions.size, 2)
  t.equal(host.fake.requestsTo('/omni/start').length, 2)
})

t.test('Incode\'s extra fields never reach the browser, whatever it sends', async (t) => {
  const host = await startHost(t)
  host.fake.failNext({
    type: 'json',
    body: { token: 'tok.en.x', interviewId: '0123456789abcdef01234567', clientId: 'secret-client', env: 'demo', brandNew: { a: 1 } }
  })
  const res = await post(host.app, '/incode/sessions')
  t.equal(res.statusCode, 201)
  t.same(res.json(), { token: 'tok.en.x', interviewId: '0123456789abcdef01234567' })
  t.equal(host.recorded[0]?.response.brandNew !== undefined, true, 'the hook still gets the whole answer')
})
