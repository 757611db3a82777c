import t from 'tap'
import { assertNoSecretsLogged, post, startHost } from './support/host.js'

t.test('POST /incode/onboarding-url answers 201 with exactly the interviewId and the URL', async (t) => {
  const host = await startHost(t)
  const res = await post(host.app, '/incode/onboarding-url')

  t.equal(res.statusCode, 201)
  const body = res.json()
  t.same(Object.keys(body).sort(), ['interviewId', 'url'])
  const session = host.fake.sessions.get(body.interviewId)
  t.ok(session, 'a session the fake created')
  t.equal(body.url, `${host.fake.url}/onboarding/${body.interviewId}?token=${session?.token}`)
  t.notOk(res.body.includes('"token"'), 'no token field')
  assertNoSecretsLogged(t, host)
})

t.test('the URL is fetched with the new session token and no API key', async (t) => {
  const host = await startHost(t)
  const { interviewId } = (await post(host.app, '/incode/onboarding-url')).json()

  const [call] = host.fake.requestsTo('/0/omni/onboarding-url')
  t.equal(call?.method, 'GET')
  t.equal(call?.headers['x-incode-hardware-id'], host.fake.sessions.get(interviewId)?.token)
  t.equal(call?.headers['api-version'], '1.0')
  t.equal(call?.headers['x-api-key'], undefined)
  t.same(call?.query, {}, 'no clientId when none is configured')
  t.equal(host.recorded[0]?.route, 'onboarding-url')
  t.equal(host.recorded[0]?.interviewId, interviewId)
})

t.test('a configured clientId is sent as the clientId query parameter', async (t) => {
  const host = await startHost(t, { fake: { clientId: 'acme corp' }, plugin: { clientId: 'acme corp' } })
  const res = await post(host.app, '/incode/onboarding-url')
  t.equal(res.statusCode, 201)
  t.same(host.fake.requestsTo('/0/omni/onboarding-url')[0]?.query, { clientId: 'acme corp' })
})

t.test('the configured redirectionUrl is sent for onboarding-url sessions only', async (t) => {
  const host = await startHost(t, { plugin: { redirectionUrl: 'https://app.example.com/verified' } })
  await post(host.app, '/incode/onboarding-url')
  await post(host.app, '/incode/sessions')

  const [urlSession, sdkSession] = host.fake.requestsTo('/omni/start')
  t.same(urlSession?.body, {
    configurationId: 'flow-1', language: 'en-US', redirectionUrl: 'https://app.example.com/verified'
  })
  t.same(sdkSession?.body, { configurationId: 'flow-1', language: 'en-US' })
  t.equal(host.recorded[0]?.redirectionUrl, 'https://app.example.com/verified')
})

t.test('an allowed redirectionUrl from the browser wins over the configured one', async (t) => {
  const host = await startHost(t, {
    plugin: { redirectionUrl: 'https://app.example.com/verified', allowedRedirectionUrls: ['https://app.example.com/'] }
  })
  const res = await post(host.app, '/incode/onboarding-url', { redirectionUrl: 'https://app.example.com/other' })
  t.equal(res.statusCode, 201)
  t.equal((host.fake.requestsTo('/omni/start')[0]?.body as Record<string, unknown>).redirectionUrl,
    'https://app.example.com/other')
})
