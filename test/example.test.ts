import t from 'tap'
import { buildApp } from '../example/app.js'
import { createFakeIncode } from '../src/testing/index.js'

t.test('with no credentials the example runs against the built-in fake Incode API', async (t) => {
  const app = await buildApp({}, { logger: false })
  t.teardown(() => app.close())
  const res = await app.inject({ method: 'POST', url: '/incode/sessions' })
  t.equal(res.statusCode, 201)
  const { sessions } = (await app.inject('/example/sessions')).json()
  t.same(sessions.map((s: { interviewId: string }) => s.interviewId), [res.json().interviewId])
})

t.test('with INCODE_* set it talks to that Incode instead', async (t) => {
  const incode = await createFakeIncode({ clientId: 'acme' })
  const app = await buildApp({
    INCODE_API_URL: incode.url,
    INCODE_API_KEY: incode.apiKey,
    INCODE_FLOW_ID: 'real-flow',
    INCODE_CLIENT_ID: 'acme'
  }, { logger: false })
  t.teardown(async () => { await app.close(); await incode.close() })
  t.equal((await app.inject({ method: 'POST', url: '/incode/onboarding-url' })).statusCode, 201)
  t.same(incode.requestsTo('/omni/start')[0]?.body, { configurationId: 'real-flow', language: 'en-US' })
  t.same(incode.requestsTo('/0/omni/onboarding-url')[0]?.query, { clientId: 'acme' })
})
