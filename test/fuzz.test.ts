import t from 'tap'
import fc from 'fast-check'
import { assertNoSecretsLogged, startHost } from './support/host.js'

// Property-based: whatever a browser sends, the answer is never a 5xx, and Incode is called
// exactly for the bodies the routes accept: none, or a JSON object of a well-formed language and an
// allowed redirectionUrl. The model below is written from those rules, apart from the plugin's code.

const ALLOWED = ['https://good.example.com/', 'https://app.example.com/flow']

function allowedByModel (value: string): boolean {
  if (value.length > 2048 || !/^https?:\/\/[\x21-\x7e]+$/i.test(value) || !URL.canParse(value)) return false
  const url = new URL(value)
  // What is sent is the normalised URL, so that is what must fit.
  if (url.username !== '' || url.password !== '' || url.href.length > 2048) return false
  return ALLOWED.map((entry) => new URL(entry)).some((entry) =>
    entry.origin === url.origin &&
    (entry.pathname.endsWith('/') ? url.pathname.startsWith(entry.pathname) : url.pathname === entry.pathname || url.pathname.startsWith(`${entry.pathname}/`)))
}

function acceptedByModel (raw: string | undefined): boolean {
  // An empty body sent as JSON is what fetch sends for "no options".
  if (raw === undefined || raw === '') return true
  let body: unknown
  try {
    body = JSON.parse(raw)
  } catch {
    return false
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false
  return Object.entries(body).every(([key, value]) =>
    (key === 'language' && typeof value === 'string' && /^[A-Za-z0-9-]{1,16}$/.test(value)) ||
    (key === 'redirectionUrl' && typeof value === 'string' && allowedByModel(value)))
}

const language = fc.oneof(
  fc.constantFrom('en-US', 'es-ES', 'pt-BR', 'fr', ''),
  fc.stringMatching(/^[A-Za-z0-9_ -]{0,20}$/),
  fc.string({ maxLength: 20 }),
  fc.jsonValue({ maxDepth: 1 })
)
const redirectionUrl = fc.oneof(
  fc.webPath().map((path) => `https://good.example.com${path}`),
  fc.webPath().map((path) => `https://app.example.com/flow${path}`),
  fc.webUrl({ withQueryParameters: true, withFragments: true }),
  fc.constantFrom(
    'https://good.example.com.evil.test/', 'https://good.example.com@evil.test/', 'HTTPS://GOOD.EXAMPLE.COM/x',
    'https://app.example.com/flowers', 'javascript:alert(1)', '//good.example.com/', 'https://good.example.com:444/',
    'https://good.example.com/%2e%2e/x', 'https://app.example.com/flow/%2e%2e/admin'),
  fc.string({ maxLength: 40 }).map((rest) => `https://good.example.com/${rest}`),
  fc.jsonValue({ maxDepth: 1 })
)
const body = fc.oneof(
  { weight: 5, arbitrary: fc.record({ language, redirectionUrl }, { requiredKeys: [] }).map((value) => JSON.stringify(value)) },
  { weight: 2, arbitrary: fc.dictionary(fc.oneof(fc.constantFrom('language', 'redirectionUrl', '__proto__', 'constructor'), fc.string({ maxLength: 8 })), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }).map((value) => JSON.stringify(value)) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }).map((value) => JSON.stringify(value)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
  { weight: 1, arbitrary: fc.constant(undefined) }
)

t.test('1 000 generated bodies: never a 5xx, and Incode is called exactly for the valid ones', async (t) => {
  const host = await startHost(t, { plugin: { rateLimit: false, allowedRedirectionUrls: ALLOWED } })
  let runs = 0
  let valid = 0
  await fc.assert(fc.asyncProperty(body, fc.constantFrom('/incode/sessions', '/incode/onboarding-url'), async (raw, url) => {
    runs++
    const before = host.fake.requestsTo('/omni/start').length
    const res = await host.app.inject({
      method: 'POST',
      url,
      ...(raw === undefined ? {} : { payload: raw, headers: { 'content-type': 'application/json' } })
    })
    const called = host.fake.requestsTo('/omni/start').length - before
    const accepted = acceptedByModel(raw)
    if (accepted) valid++
    return res.statusCode < 500 &&
      (accepted ? res.statusCode === 201 && called === 1 : res.statusCode >= 400 && called === 0)
  }), { numRuns: 1000 })

  t.equal(runs, 1000, '1 000 bodies were tried')
  t.ok(valid > 50 && valid < 950, `both kinds were generated: ${valid} valid, ${1000 - valid} invalid`)
  t.equal(host.recorded.length, valid, 'the hook ran once per valid body')
  assertNoSecretsLogged(t, host)
})
