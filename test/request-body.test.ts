import t from 'tap'
import { post, startHost } from './support/host.js'

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

t.test('bad bodies get a 400 or 415 and reach neither Incode nor the hook', async (t) => {
  const host = await startHost(t)
  const cases: Array<[string, string, Record<string, string>, number, string]> = [
    ['an unknown key', '{"colour":"red"}', json, 400, 'FST_ERR_VALIDATION'],
    ['externalCustomerId from the browser', '{"externalCustomerId":"someone-else"}', json, 400, 'FST_ERR_VALIDATION'],
    ['configurationId from the browser', '{"configurationId":"other-flow"}', json, 400, 'FST_ERR_VALIDATION'],
    ['a number where a string belongs', '{"language":5}', json, 400, 'FST_ERR_VALIDATION'],
    ['a boolean where a string belongs', '{"language":true}', json, 400, 'FST_ERR_VALIDATION'],
    ['a language with odd characters', '{"language":"en_US;drop"}', json, 400, 'FST_ERR_VALIDATION'],
    ['a language too long', `{"language":"${'a'.repeat(17)}"}`, json, 400, 'FST_ERR_VALIDATION'],
    ['an empty language', '{"language":""}', json, 400, 'FST_ERR_VALIDATION'],
    ['JSON null', 'null', json, 400, 'FST_ERR_VALIDATION'],
    ['a JSON array', '[]', json, 400, 'FST_ERR_VALIDATION'],
    ['a JSON string', '"hello"', json, 400, 'FST_ERR_VALIDATION'],
    ['a JSON number', '7', json, 400, 'FST_ERR_VALIDATION'],
    ['a null field', '{"language":null}', json, 400, 'FST_ERR_VALIDATION'],
    ['invalid JSON', '{"language":', json, 400, 'FST_ERR_CTP_INVALID_JSON_BODY'],
    ['a __proto__ key', '{"__proto__":{"admin":true}}', json, 400, 'FST_ERR_CTP_INVALID_JSON_BODY'],
    ['a constructor.prototype key', '{"constructor":{"prototype":{"admin":true}}}', json, 400, 'FST_ERR_CTP_INVALID_JSON_BODY'],
    ['an empty body with a JSON content type', '', json, 400, 'FST_ERR_CTP_EMPTY_JSON_BODY'],
    ['text/plain', '{"language":"en-US"}', { 'content-type': 'text/plain' }, 415, 'FST_ERR_CTP_INVALID_MEDIA_TYPE'],
    ['form data', 'language=en-US', { 'content-type': 'application/x-www-form-urlencoded' }, 415, 'FST_ERR_CTP_INVALID_MEDIA_TYPE'],
    ['a body without a content type', '{"language":"en-US"}', {}, 415, 'FST_ERR_CTP_INVALID_MEDIA_TYPE'],
    ['a body over 16 KiB', JSON.stringify({ language: 'en', pad: 'x'.repeat(17 * 1024) }), json, 413, 'FST_ERR_CTP_BODY_TOO_LARGE']
  ]
  for (const [name, payload, headers, status, code] of cases) {
    for (const route of ['/incode/sessions', '/incode/onboarding-url']) {
      const res = await host.app.inject({ method: 'POST', url: route, payload, headers })
      t.equal(res.statusCode, status, `${name} on ${route}: ${status}`)
      t.equal(res.json().code, code, `${name} on ${route}: ${code}`)
    }
  }
  t.equal(host.fake.requests.length, 0, 'Incode was never called')
  t.equal(host.recorded.length, 0, 'the hook never ran')
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
