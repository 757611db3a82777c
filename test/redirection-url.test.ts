import t from 'tap'
import { post, startHost } from './support/host.js'

const allowedRedirectionUrls = ['https://good.example.com/', 'https://app.example.com/flow', 'http://localhost:3000/done/']

t.test('a browser redirectionUrl passes only when it parses to within an allowed entry', async (t) => {
  const host = await startHost(t, { plugin: { allowedRedirectionUrls } })
  const allowed: Array<[string, string]> = [
    ['https://good.example.com/', 'https://good.example.com/'],
    ['https://good.example.com', 'https://good.example.com/'],
    ['https://good.example.com/anything/deep?q=1#frag', 'https://good.example.com/anything/deep?q=1#frag'],
    ['HTTPS://GOOD.EXAMPLE.COM/Path', 'https://good.example.com/Path'],
    ['https://good.example.com:443/x', 'https://good.example.com/x'],
    ['https://app.example.com/flow', 'https://app.example.com/flow'],
    ['https://app.example.com/flow/step-2', 'https://app.example.com/flow/step-2'],
    ['https://app.example.com/flow?x=1', 'https://app.example.com/flow?x=1'],
    ['http://localhost:3000/done/ok', 'http://localhost:3000/done/ok']
  ]
  for (const [given, sent] of allowed) {
    const res = await post(host.app, '/incode/sessions', { redirectionUrl: given })
    t.equal(res.statusCode, 201, `${given} is allowed`)
    t.equal(host.recorded.at(-1)?.redirectionUrl, sent, `${given} is sent as ${sent}`)
  }
  t.equal(host.fake.sessions.size, allowed.length)
})

t.test('anything else is 400 FST_INCODE_REDIRECT_NOT_ALLOWED or FST_ERR_VALIDATION, before Incode', async (t) => {
  const host = await startHost(t, { plugin: { allowedRedirectionUrls } })
  const refused: Array<[string, string]> = [
    ['https://good.example.com.evil.test/', 'FST_INCODE_REDIRECT_NOT_ALLOWED'],
    ['https://good.example.com@evil.test/', 'FST_INCODE_REDIRECT_NOT_ALLOWED'],
    ['https://user:pass@good.example.com/', 'FST_INCODE_REDIRECT_NOT_ALLOWED'],
    ['https://evil.test/https://good.example.com/', 'FST_INCODE_REDIRECT_NOT_ALLOWED'],
    ['http://good.example.com/', 'FST_INCODE_REDIRECT_NOT_ALLOWED'],
    ['https://good.example.com:8443/', 'FST_INCODE_REDIRECT_NOT_ALLOWED'],
    ['https://app.example.com/flowers', 'FST_INCODE_REDIRECT_NOT_ALLOWED'],
    ['https://app.example.com/', 'FST_INCODE_REDIRECT_NOT_ALLOWED'],
    ['https://app.example.com/flow/../admin', 'FST_INCODE_REDIRECT_NOT_ALLOWED'],
    ['https://app.example.com/flow/%2e%2e/admin', 'FST_INCODE_REDIRECT_NOT_ALLOWED'],
    ['http://localhost:3000/done', 'FST_INCODE_REDIRECT_NOT_ALLOWED'],
    ['https://[::1', 'FST_INCODE_REDIRECT_NOT_ALLOWED'],
    ['javascript:alert(1)', 'FST_ERR_VALIDATION'],
    ['data:text/html,hi', 'FST_ERR_VALIDATION'],
    ['/relative/path', 'FST_ERR_VALIDATION'],
    ['//good.example.com/', 'FST_ERR_VALIDATION'],
    ['https://good.example.com/\u202eevil', 'FST_ERR_VALIDATION'],
    ['https://good.example.com/\tx', 'FST_ERR_VALIDATION'],
    ['https://good.example.com/ x', 'FST_ERR_VALIDATION'],
    [`https://good.example.com/${'a'.repeat(2048)}`, 'FST_ERR_VALIDATION']
  ]
  for (const [given, code] of refused) {
    const res = await post(host.app, '/incode/onboarding-url', { redirectionUrl: given })
    t.equal(res.statusCode, 400, `${JSON.stringify(given).slice(0, 60)} is refused`)
    t.equal(res.json().code, code)
  }
  t.equal(host.fake.requests.length, 0, 'Incode was never called')
  t.equal(host.recorded.length, 0, 'the hook never ran')
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

t.test('with no allowed entries the browser may not choose a redirectionUrl at all', async (t) => {
  const host = await startHost(t)
  const res = await post(host.app, '/incode/sessions', { redirectionUrl: 'https://good.example.com/' })
  t.equal(res.statusCode, 400)
  t.same(res.json(), {
    statusCode: 400,
    code: 'FST_INCODE_REDIRECT_NOT_ALLOWED',
    error: 'Bad Request',
    message: 'redirectionUrl is not one of the allowed redirection URLs'
  })
  t.equal(host.fake.requests.length, 0)
})
