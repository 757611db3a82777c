// The fake's hosted onboarding page: what the onboarding URL opens, finishing there as verified or failed, the account's webhook it delivers, and what it refuses.
import t from 'tap'
import type { FakeIncode, FakeWebhookTarget } from '../src/testing/index.js'
import { assertIncodeError, call, getOnboardingUrl, getWithToken, startFake, startSession } from './support/raw-http.js'
import { until } from './support/wait.js'
import { startWebhookReceiver } from './support/webhook-receiver.js'

const FORM = { 'content-type': 'application/x-www-form-urlencoded' }

/** A session started with `body`, and the onboarding URL the fake hands out for it. */
async function startWithUrl (fake: FakeIncode, body: Record<string, unknown> = {}) {
  const started = await startSession(fake, { configurationId: 'flow-1', ...body })
  const { token, interviewId } = await started.body.json() as { token: string, interviewId: string }
  const answer = await getOnboardingUrl(fake, token)
  const { url } = await answer.body.json() as { url: string }
  return { token, interviewId, url }
}

/** Posts the page's form as a browser does. */
function submit (fake: FakeIncode, interviewId: string, form: Record<string, string>, headers: Record<string, string> = FORM) {
  return call(fake, `/onboarding/${interviewId}/complete`, { method: 'POST', headers, body: new URLSearchParams(form).toString() })
}

/** The text of the element with this id in a page of the fake (its pages put plain text there). */
function textOf (html: string, id: string): string | undefined {
  return new RegExp(`id="${id}"[^>]*>([^<]*)<`).exec(html)?.[1]
}

t.test('the onboarding URL opens a page of its own that names the interview and holds the token in its form only', async (t) => {
  const fake = await startFake(t)
  const { token, interviewId, url } = await startWithUrl(fake)
  const page = await call(fake, new URL(url).pathname + new URL(url).search)
  t.equal(page.statusCode, 200)
  t.match(page.headers['content-type'], /^text\/html; charset=utf-8/)
  t.match(page.headers['content-security-policy'], "default-src 'none'", 'nothing from anywhere else')
  const html = await page.body.text()
  t.equal(textOf(html, 'interview-id'), interviewId)
  t.match(html, '<link rel="icon" href="data:,">', 'an icon of its own: no favicon request')
  t.notMatch(html, /<script|src=|href="http|url\(/, 'self-contained: no script, no resource')
  t.match(html, `<form method="post" action="/onboarding/${interviewId}/complete">`)
  t.match(html, '<button type="submit" name="score" value="OK">Finish as verified (score OK)</button>')
  t.match(html, '<button type="submit" name="score" value="FAIL" class="fail">Finish as failed (score FAIL)</button>')
  t.equal(html.split(token).length, 2, 'the token once')
  t.match(html, `<input type="hidden" name="token" value="${token}">`, 'in the hidden field')
  t.equal(fake.sessions.get(interviewId)?.onboardingStatus, 'UNKNOWN', 'opening the page changes nothing')
})

t.test('finishing as verified: ONBOARDING_FINISHED and OK, the account\'s webhook delivered, the outcome shown, then the way back', async (t) => {
  const host = await startWebhookReceiver(t)
  const webhook: FakeWebhookTarget = { url: `${host.url}/hooks/incode`, secretHeader: { name: 'x-webhook-secret', value: 'shh' } }
  const fake = await startFake(t, { clientId: 'acme', webhook })
  const { token, interviewId } = await startWithUrl(fake, { externalCustomerId: 'customer-7', redirectionUrl: 'https://host.example/done?step=2' })

  const answer = await submit(fake, interviewId, { token, score: 'OK' })
  t.equal(answer.statusCode, 200)
  t.match(answer.headers['content-type'], /^text\/html/)
  const html = await answer.body.text()
  t.match(html, '<h1>Onboarding finished</h1>')
  t.same(['interview-id', 'status', 'score', 'webhook'].map((id) => textOf(html, id)),
    [interviewId, 'ONBOARDING_FINISHED', 'OK (95.0)', 'Delivered: HTTP 200'])
  t.match(html, '<a id="redirection-url" href="https://host.example/done?step=2">Continue to host.example</a>', 'Incode\'s flow ends at the redirectionUrl')
  t.notOk(html.includes(token), 'the token is not on the outcome page')

  t.equal(host.received.length, 1)
  t.match(host.received[0], { path: '/hooks/incode', headers: { 'content-type': 'application/json', 'x-webhook-secret': 'shh' } })
  t.same(JSON.parse(host.received[0]?.body ?? ''),
    { interviewId, onboardingStatus: 'ONBOARDING_FINISHED', externalId: 'customer-7', clientId: 'acme', flowId: 'flow-1' })
  const score = await getWithToken(fake, '/0/omni/get/score', token)
  t.match(await score.body.json(), { overall: { status: 'OK', value: '95.0' } }, 'Incode\'s score is OK')
  t.match(fake.sessions.get(interviewId), { onboardingStatus: 'ONBOARDING_FINISHED', score: { status: 'OK', value: '95.0' } })
})

t.test('finishing as failed with no webhook configured: score FAIL, and the page says nothing was sent', async (t) => {
  const fake = await startFake(t)
  const { token, interviewId } = await startWithUrl(fake)
  const html = await (await submit(fake, interviewId, { token, score: 'FAIL' })).body.text()
  t.same(['status', 'score', 'webhook'].map((id) => textOf(html, id)),
    ['ONBOARDING_FINISHED', 'FAIL (30.0)', 'None is configured for this account: nothing was sent'])
  t.notMatch(html, 'id="redirection-url"', 'no redirectionUrl, no link')
  t.match(html, 'The session has no redirectionUrl: the hosted flow ends here.')
  t.match(fake.sessions.get(interviewId)?.score, { status: 'FAIL', value: '30.0' })
})

t.test('a webhook that fails is told on the page at once, and Incode delivers it again behind', async (t) => {
  const host = await startWebhookReceiver(t, { '/flaky': [{ status: 502 }, { status: 500 }] })
  const fake = await startFake(t, { webhook: { url: `${host.url}/flaky`, retryDelayMs: 30 } })
  const { token, interviewId } = await startWithUrl(fake)
  const html = await (await submit(fake, interviewId, { token, score: 'OK' })).body.text()
  t.equal(textOf(html, 'webhook'), 'Not delivered: The webhook answered 502. Incode delivers it again later, as the account&#39;s webhook says')
  t.equal(host.received.length, 1, 'the page answered after the first delivery')
  await until(() => host.received.length === 3, 'the redeliveries')
  const at = host.received.map((request) => request.at)
  t.ok((at[2] as number) - (at[1] as number) >= 70, 'each wait 2.5 times the last')
  t.equal(new Set(host.received.map((request) => request.body)).size, 1, 'the same event each time')
})

t.test('the outcome links only an http(s) redirectionUrl, its text escaped', async (t) => {
  const fake = await startFake(t)
  const tricky = await startWithUrl(fake, { redirectionUrl: 'https://host.example/done?next="><b>x</b>' })
  const html = await (await submit(fake, tricky.interviewId, { token: tricky.token, score: 'OK' })).body.text()
  t.match(html, '<a id="redirection-url" href="https://host.example/done?next=&#34;&#62;&#60;b&#62;x&#60;/b&#62;">')
  t.notMatch(html, '<b>')

  const script = await startWithUrl(fake, { redirectionUrl: 'javascript:alert(1)' })
  const refused = await (await submit(fake, script.interviewId, { token: script.token, score: 'OK' })).body.text()
  t.notMatch(refused, 'javascript:', 'not a link, nor anywhere on the page')
})

t.test('the page and its form refuse what is not the session\'s own, and change nothing', async (t) => {
  const host = await startWebhookReceiver(t)
  const fake = await startFake(t, { webhook: { url: `${host.url}/hook` } })
  const { token, interviewId } = await startWithUrl(fake)
  const other = await startWithUrl(fake)
  const unknown = '0'.repeat(24)
  const page = `/onboarding/${interviewId}`
  const completion = `${page}/complete`

  const pages = [
    { name: 'unknown interview', path: `/onboarding/${unknown}?token=${token}`, status: 404, message: 'Unknown interview' },
    { name: 'no token', path: page, status: 401, message: 'Invalid or missing session token' },
    { name: 'another session\'s token', path: `${page}?token=${other.token}`, status: 401, message: 'Invalid or missing session token' }
  ]
  for (const { name, path, status, message } of pages) {
    await assertIncodeError(t, await call(fake, path), { status, message, path: path.replace(/\?.*/, '') }, `GET: ${name}`)
  }

  const wrongType = { status: 400, message: 'Content-Type must be application/x-www-form-urlencoded' }
  const forms: Array<{ name: string, form: Record<string, string>, headers?: Record<string, string>, status: number, message: string }> = [
    { name: 'JSON', form: { token, score: 'OK' }, headers: { 'content-type': 'application/json' }, ...wrongType },
    { name: 'no content type', form: { token, score: 'OK' }, headers: {}, ...wrongType },
    { name: 'no token', form: { score: 'OK' }, status: 401, message: 'Invalid or missing session token' },
    { name: 'empty token', form: { token: '', score: 'OK' }, status: 401, message: 'Invalid or missing session token' },
    { name: 'another session\'s token', form: { token: other.token, score: 'OK' }, status: 401, message: 'Invalid or missing session token' },
    { name: 'no score', form: { token }, status: 400, message: 'score must be OK or FAIL' },
    { name: 'another score', form: { token, score: 'WARN' }, status: 400, message: 'score must be OK or FAIL' }
  ]
  for (const { name, form, headers, status, message } of forms) {
    await assertIncodeError(t, await submit(fake, interviewId, form, headers), { status, message, path: completion }, `POST: ${name}`)
  }
  const empty = await call(fake, completion, { method: 'POST', headers: FORM })
  await assertIncodeError(t, empty, { status: 401, message: 'Invalid or missing session token', path: completion }, 'POST: no body')
  const elsewhere = await submit(fake, unknown, { token, score: 'OK' })
  await assertIncodeError(t, elsewhere, { status: 404, message: 'Unknown interview', path: `/onboarding/${unknown}/complete` }, 'POST: unknown interview')

  for (const [method, path, allow] of [['POST', page, 'GET'], ['GET', completion, 'POST']] as const) {
    const answer = await call(fake, path, { method, headers: FORM, body: method === 'POST' ? `token=${token}&score=OK` : undefined })
    t.equal(answer.headers.allow, allow, `${method} ${path}`)
    await assertIncodeError(t, answer, { status: 405, message: `Request method '${method}' is not supported`, path }, `${method} ${path}`)
  }
  t.equal(fake.sessions.get(interviewId)?.onboardingStatus, 'UNKNOWN', 'nothing finished')
  t.same(host.received, [], 'nothing delivered')
})
