import t from 'tap'
import type { FakeIncodeFault } from '../src/testing/index.js'
import { assertNoSecretsLogged, post, startHost } from './support/host.js'

t.test('no log line of a busy run, down to trace, holds the API key, a token or an Incode URL', async (t) => {
  let failHook = false
  const host = await startHost(t, {
    plugin: {
      timeout: 200,
      rateLimit: { max: 40 },
      clientId: 'fake-client',
      allowedRedirectionUrls: ['https://app.example.com/'],
      onSessionCreated: async () => { if (failHook) throw new Error('db down') }
    },
    after: (app) => {
      app.get('/admin/url', async function () {
        const { token } = await this.incode.startSession()
        return { url: await this.incode.getOnboardingUrl(token) }
      })
    }
  })
  const { app, fake } = host
  const routes = ['/incode/sessions', '/incode/onboarding-url']
  for (const route of routes) {
    await post(app, route)
    await post(app, route, { language: 'es-ES', redirectionUrl: 'https://app.example.com/done' })
    await post(app, route, { redirectionUrl: 'https://evil.test/' })
    await post(app, route, { bogus: true })
  }
  const faults: FakeIncodeFault[] = [
    { type: 'status', status: 401, body: { message: `token ${[...fake.sessions.values()][0]?.token} invalid` } },
    { type: 'status', status: 403, body: { message: `key ${fake.apiKey} invalid` } },
    { type: 'status', status: 500 },
    { type: 'garbage' },
    { type: 'json', body: { url: 42 } },
    { type: 'drop' },
    { type: 'drop', phase: 'after-headers' },
    { type: 'hang' }
  ]
  for (const fault of faults) {
    for (const path of ['/omni/start', '/0/omni/onboarding-url'] as const) {
      fake.failNext(fault, { path })
      await post(app, '/incode/onboarding-url')
    }
  }
  failHook = true
  await post(app, '/incode/sessions')
  await post(app, '/incode/onboarding-url')
  failHook = false
  await app.inject('/admin/url')

  t.ok(fake.sessions.size >= 10, `${fake.sessions.size} sessions were created`)
  t.ok(host.logs.records.some((record) => record.level === 30), 'info lines were captured')
  t.ok(host.logs.records.some((record) => record.level === 40), 'warn lines were captured')
  t.ok(host.logs.records.some((record) => record.level === 50), 'error lines were captured')
  assertNoSecretsLogged(t, host)
})
