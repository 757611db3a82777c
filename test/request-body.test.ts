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
