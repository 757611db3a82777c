import t from 'tap'
import { STATUS_CODES } from 'node:http'
import type { AddressInfo } from 'node:net'
import { request } from 'undici'
import { assertNoSecretsLogged, startHost } from './support/host.js'

// Hostile and malformed requests, over real HTTP. Each must get a 4xx with a fixed message and
// reach neither Incode nor the host's hook.

const json = { 'content-type': 'application/json' }
const a = (n: number): string => 'a'.repeat(n)

const MEDIA = [415, 'FST_ERR_CTP_INVALID_MEDIA_TYPE', 'Unsupported Media Type'] as const
const BAD_JSON = [400, 'FST_ERR_CTP_INVALID_JSON_BODY', 'Body is not valid JSON but content-type is set to \'application/json\''] as const
const NOT_OBJECT = [400, 'FST_ERR_VALIDATION', 'body Expected object'] as const
const unexpected = (where: string) => [400, 'FST_ERR_VALIDATION', `${where} Unexpected property`] as const
const LANGUAGE_TYPE = [400, 'FST_ERR_VALIDATION', 'body/language Expected string'] as const
const LANGUAGE_FORM = [400, 'FST_ERR_VALIDATION', 'body/language Expected string to match \'^[A-Za-z0-9-]{1,16}$\''] as const
const URL_TYPE = [400, 'FST_ERR_VALIDATION', 'body/redirectionUrl Expected string'] as const
const URL_FORM = [400, 'FST_ERR_VALIDATION', 'body/redirectionUrl Expected string to match \'^[Hh][Tt][Tt][Pp][Ss]?://[\\x21-\\x7e]+$\''] as const
const NOT_ALLOWED = [400, 'FST_INCODE_REDIRECT_NOT_ALLOWED', 'redirectionUrl is not one of the allowed redirection URLs'] as const

type Expected = readonly [number, string | null, string]
const cases: Array<[string, string, string | undefined, Record<string, string>, Expected]> = [
  ['a text/plain body', '', '{"language":"en-US"}', { 'content-type': 'text/plain' }, MEDIA],
  ['a form body', '', 'language=en-US', { 'content-type': 'application/x-www-form-urlencoded' }, MEDIA],
  ['a multipart body', '', '--x\r\n\r\n--x--', { 'content-type': 'multipart/form-data; boundary=x' }, MEDIA],
  ['a JSON-like vendor type', '', '{}', { 'content-type': 'application/vnd.api+json' }, MEDIA],
  ['a look-alike JSON type', '', '{}', { 'content-type': 'application/jsonx' }, MEDIA],
  ['a body without a content type', '', '{"language":"en-US"}', {}, MEDIA],
  ['invalid JSON', '', '{"language":', json, BAD_JSON],
  ['garbage after the JSON', '', '{} x', json, BAD_JSON],
  ['a blank body with a JSON content type', '', ' ', json, BAD_JSON],
  ['a JSON array', '', '[]', json, NOT_OBJECT],
  ['a JSON array of objects', '', '[{"language":"en-US"}]', json, NOT_OBJECT],
  ['a JSON string', '', '"en-US"', json, NOT_OBJECT],
  ['a JSON number', '', '42', json, NOT_OBJECT],
  ['JSON true', '', 'true', json, NOT_OBJECT],
  ['JSON null', '', 'null', json, NOT_OBJECT],
  ['a body over 16 KiB', '', JSON.stringify({ language: 'en-US', pad: a(17 * 1024) }), json,
    [413, 'FST_ERR_CTP_BODY_TOO_LARGE', 'Request body is too large']],
  ['an unknown key', '', '{"colour":"red"}', json, unexpected('body/colour')],
  ['an unknown key beside valid ones', '', '{"language":"en-US","debug":true}', json, unexpected('body/debug')],
  ['externalCustomerId in the body', '', '{"externalCustomerId":"someone-else"}', json, unexpected('body/externalCustomerId')],
  ['configurationId in the body', '', '{"configurationId":"other-flow"}', json, unexpected('body/configurationId')],
  ['redirectUrl, the old spelling', '', '{"redirectUrl":"https://good.example.com/"}', json, unexpected('body/redirectUrl')],
  ['a __proto__ key', '', '{"__proto__":{"isAdmin":true}}', json, BAD_JSON],
  ['a nested __proto__ key', '', '{"language":"en-US","x":{"__proto__":{}}}', json, BAD_JSON],
  ['constructor.prototype', '', '{"constructor":{"prototype":{"isAdmin":true}}}', json, BAD_JSON],
  ['a constructor key', '', '{"constructor":"x"}', json, unexpected('body/constructor')],
  ['a prototype key', '', '{"prototype":{}}', json, unexpected('body/prototype')],
  ['language null', '', '{"language":null}', json, LANGUAGE_TYPE],
  ['language a number', '', '{"language":5}', json, LANGUAGE_TYPE],
  ['language an array', '', '{"language":["en-US"]}', json, LANGUAGE_TYPE],
  ['language empty', '', '{"language":""}', json, LANGUAGE_FORM],
  ['language of 17 characters', '', `{"language":"${a(17)}"}`, json, LANGUAGE_FORM],
  ['language of 10 000 characters', '', `{"language":"${a(10000)}"}`, json, LANGUAGE_FORM],
  ['language with a space', '', '{"language":"en US"}', json, LANGUAGE_FORM],
  ['language with an underscore', '', '{"language":"en_US"}', json, LANGUAGE_FORM],
  ['language with markup', '', '{"language":"<script>"}', json, LANGUAGE_FORM],
  ['language with a newline', '', '{"language":"en\\nUS"}', json, LANGUAGE_FORM],
  ['language with a NUL', '', '{"language":"en\\u0000"}', json, LANGUAGE_FORM],
  ['language with a bidi override', '', '{"language":"en\\u202eSU"}', json, LANGUAGE_FORM],
  ['language with non-ASCII letters', '', '{"language":"españa"}', json, LANGUAGE_FORM],
  ['redirectionUrl a number', '', '{"redirectionUrl":7}', json, URL_TYPE],
  ['redirectionUrl an object', '', '{"redirectionUrl":{"href":"https://good.example.com/"}}', json, URL_TYPE],
  ['redirectionUrl javascript:', '', '{"redirectionUrl":"javascript:alert(1)"}', json, URL_FORM],
  ['redirectionUrl JAVASCRIPT: upper-case', '', '{"redirectionUrl":"JAVASCRIPT:alert(1)"}', json, URL_FORM],
  ['redirectionUrl data:', '', '{"redirectionUrl":"data:text/html,<script>alert(1)</script>"}', json, URL_FORM],
  ['redirectionUrl relative', '', '{"redirectionUrl":"/welcome"}', json, URL_FORM],
  ['redirectionUrl protocol-relative', '', '{"redirectionUrl":"//evil.test/"}', json, URL_FORM],
  ['redirectionUrl empty', '', '{"redirectionUrl":""}', json, URL_FORM],
  ['redirectionUrl of 3 000 characters', '', `{"redirectionUrl":"https://good.example.com/${a(3000)}"}`, json,
    [400, 'FST_ERR_VALIDATION', 'body/redirectionUrl Expected string length less or equal to 2048']],
  ['redirectionUrl with a tab', '', '{"redirectionUrl":"https://good.exa\\tmple.com/"}', json, URL_FORM],
  ['redirectionUrl with a newline', '', '{"redirectionUrl":"https://good.example.com/\\nSet-Cookie:x"}', json, URL_FORM],
  ['redirectionUrl with a NUL', '', '{"redirectionUrl":"https://good.example.com/\\u0000"}', json, URL_FORM],
  ['redirectionUrl with a bidi override', '', '{"redirectionUrl":"https://good.example.com/\\u202egnp.exe"}', json, URL_FORM],
  ['redirectionUrl with a space', '', '{"redirectionUrl":"https://good.example.com/a b"}', json, URL_FORM],
  ['redirectionUrl with a homograph host', '', '{"redirectionUrl":"https://g\\u043e\\u043ed.example.com/"}', json, URL_FORM],
  ['redirectionUrl with user-info', '', '{"redirectionUrl":"https://good.example.com@evil.test/"}', json, NOT_ALLOWED],
  ['redirectionUrl with credentials for the good host', '', '{"redirectionUrl":"https://admin:pw@good.example.com/"}', json, NOT_ALLOWED],
  ['redirectionUrl on a look-alike host', '', '{"redirectionUrl":"https://good.example.com.evil.test/"}', json, NOT_ALLOWED],
  ['redirectionUrl on a look-alike host in upper case', '', '{"redirectionUrl":"HTTPS://GOOD.EXAMPLE.COM.EVIL.TEST/"}', json, NOT_ALLOWED],
  ['redirectionUrl with a percent-encoded dot in the host', '', '{"redirectionUrl":"https://good.example.com%2Eevil.test/"}', json, NOT_ALLOWED],
  ['redirectionUrl with a percent-encoded @', '', '{"redirectionUrl":"https://good.example.com%40evil.test/"}', json, NOT_ALLOWED],
  ['redirectionUrl with an encoded slash before the host', '', '{"redirectionUrl":"https://evil.test%2F.good.example.com/"}', json, NOT_ALLOWED],
  ['redirectionUrl with a backslash trick', '', '{"redirectionUrl":"https://evil.test\\\\@good.example.com/"}', json, NOT_ALLOWED],
  ['redirectionUrl on plain http', '', '{"redirectionUrl":"http://good.example.com/"}', json, NOT_ALLOWED],
  ['redirectionUrl on another port', '', '{"redirectionUrl":"https://good.example.com:8443/"}', json, NOT_ALLOWED],
  ['a query parameter', '?debug=1', undefined, {}, unexpected('querystring/debug')],
  ['configurationId in the query', '?configurationId=other', undefined, {}, unexpected('querystring/configurationId')],
  ['a very long query string', `?q=${a(8000)}`, undefined, {}, unexpected('querystring/q')],
  // Node's HTTP parser answers this one, before Fastify: hence no code.
  ['a query string past the header limit', `?q=${a(20000)}`, undefined, {}, [431, null, 'Exceeded maximum allowed HTTP header size']]
]

t.test(`${cases.length} hostile requests: a 4xx with a fixed message, and nothing reaches Incode or the hook`, async (t) => {
  t.ok(cases.length >= 40)
  const host = await startHost(t, {
    plugin: { rateLimit: { max: 1 }, allowedRedirectionUrls: ['https://good.example.com/'] }
  })
  await host.app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = host.app.server.address() as AddressInfo

  for (const route of ['/incode/sessions', '/incode/onboarding-url']) {
    for (const [name, query, body, headers, [status, code, message]] of cases) {
      const res = await request(`http://127.0.0.1:${port}${route}${query}`, { method: 'POST', body, headers })
      const text = await res.body.text()
      t.equal(res.statusCode, status, `${route}, ${name}: ${status}`)
      const answer = JSON.parse(text)
      t.same(answer, { statusCode: status, ...(code === null ? {} : { code }), error: STATUS_CODES[status], message },
        `${route}, ${name}: ${code ?? status} "${message}"`)
    }
  }
  t.equal(host.fake.requests.length, 0, 'Incode was never called')
  t.equal(host.recorded.length, 0, 'the hook never ran')
  const res = await request(`http://127.0.0.1:${port}/incode/sessions`, { method: 'POST' })
  t.equal(res.statusCode, 201, 'and none of them used up the rate limit of 1')
  await res.body.dump()
  assertNoSecretsLogged(t, host)
})
