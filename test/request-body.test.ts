import t from 'tap'
import { post, startHost } from './support/host.js'

// The full matrix of refused bodies is in hostile-input.test.ts.

const json = { 'content-type': 'application/json' }

t.test('no body at all means "no options" and succeeds', async (t) => {
  const host = await startHost(t)
  const res = await host.app.inject({ method: 'POST', url: '/incode/sessions' })
  t.equal(res.statusCode, 201)
  t.equal(host.recorded.length, 1)
})

t.test('a JSON content type with no body, as fetch sends it, means "no options"', async (t) => {
  const host = await startHost(t)
  await host.app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = host.app.server.address() as { port: number }
  for (const route of ['sessions', 'onboarding-url']) {
    const res = await fetch(`http://127.0.0.1:${port}/incode/${route}`, { method: 'POST', headers: json })
    t.equal(res.status, 201, route)
  }
  t.same(host.fake.requestsTo('/omni/start').map((request) => request.body), [
    { configurationId: 'flow-1', language: 'en-US' },
    { configurationId: 'flow-1', language: 'en-US' }
  ], 'Incode got no options from the browser')
})

t.test('an empty JSON object succeeds', async (t) => {
  const host = await startHost(t)
  t.equal((await post(host.app, '/incode/sessions', '{}', json)).statusCode, 201)
})

t.test('the routes are strict even when the host\'s Ajv coerces and strips', async (t) => {
  const host = await startHost(t, {
    server: { ajv: { customOptions: { removeAdditional: 'all', coerceTypes: true } } }
  })
  t.equal((await post(host.app, '/incode/sessions', { language: 'en-US', extra: 1 })).statusCode, 400)
  t.equal((await post(host.app, '/incode/sessions', { language: 12345 })).statusCode, 400)
  t.equal(host.fake.requests.length, 0)
})

t.test('the host\'s own JSON routes keep the host\'s parsers', async (t) => {
  const host = await startHost(t, {
    after: (app) => {
      app.post('/echo', async (request) => ({ got: request.body }))
    }
  })
  const res = await host.app.inject({ method: 'POST', url: '/echo', payload: 'plain words', headers: { 'content-type': 'text/plain' } })
  t.same(res.json(), { got: 'plain words' })
})
