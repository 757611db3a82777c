// completeOnboarding's webhook: what the host receives, static header or OAuth2, redeliveries, failures, close().
import t from 'tap'
import { faceAuthenticationResult, sessionEvent } from '../src/testing/index.js'
import type { FakeIncode } from '../src/testing/index.js'
import { closedPort } from './support/network.js'
import { startAnswer, startFake, startSession } from './support/raw-http.js'
import { until } from './support/wait.js'
import { startWebhookReceiver } from './support/webhook-receiver.js'

async function startedWith (fake: FakeIncode, body: Record<string, unknown>): Promise<string> {
  return (await (await startSession(fake, body)).body.json() as { interviewId: string }).interviewId
}

t.test('a webhook with a static secret header: the JSON Incode sends, delivered once on a 200 JSON answer', async (t) => {
  const fake = await startFake(t, { clientId: 'acme' })
  const host = await startWebhookReceiver(t)
  const interviewId = await startedWith(fake, { configurationId: 'flow-9', externalCustomerId: 'customer-7' })
  const deliveries = await fake.completeOnboarding(interviewId, {
    status: 'ID_VALIDATION_FINISHED',
    webhook: { url: `${host.url}/hooks/incode`, secretHeader: { name: 'x-webhook-secret', value: 'shh' } }
  })
  t.same(deliveries, [{ attempt: 1, status: 200, body: '{"success":true}' }])
  t.equal(host.received.length, 1)
  const [webhook] = host.received
  t.equal(webhook?.path, '/hooks/incode')
  t.match(webhook?.headers, { 'content-type': 'application/json', 'x-webhook-secret': 'shh' })
  t.equal(webhook?.headers.authorization, undefined)
  t.equal(webhook?.body, JSON.stringify({
    interviewId,
    onboardingStatus: 'ID_VALIDATION_FINISHED',
    externalId: 'customer-7',
    clientId: 'acme',
    flowId: 'flow-9'
  }), 'the keys Incode sends, in its order')

  const { interviewId: anonymous } = await startAnswer(fake)
  await fake.completeOnboarding(anonymous, { webhook: { url: `${host.url}/plain` } })
  t.same(JSON.parse(host.to('/plain')[0]?.body ?? ''), { interviewId: anonymous, onboardingStatus: 'ONBOARDING_FINISHED', clientId: 'acme', flowId: 'flow-1' },
    'no externalId without an externalCustomerId; no secret header when none is set')
  t.equal(host.to('/plain')[0]?.headers['x-webhook-secret'], undefined)
})

t.test('as Incode: only a 200 JSON answer or a 204 is delivered; anything else again after retryDelayMs, each wait 2.5 times the last, 5 attempts', async (t) => {
  const fake = await startFake(t)
  const host = await startWebhookReceiver(t, {
    '/once': [{ status: 500, body: 'boom' }],
    '/never': [{ status: 500 }, { status: 503 }, { status: 400 }, { status: 302 }, { status: 200, body: '{"success":true}' },
      { status: 200, body: 'OK', contentType: 'text/plain' }, { status: 201, body: '{}', contentType: 'application/json' }],
    '/no-content': [{ status: 204 }],
    '/default': [{ status: 500 }, { status: 500 }, { status: 500 }, { status: 500 }, { status: 500 }, { status: 500 }]
  })
  const { interviewId } = await startAnswer(fake)

  const once = await fake.completeOnboarding(interviewId, { webhook: { url: `${host.url}/once`, retryDelayMs: 50 } })
  t.same(once, [
    { attempt: 1, status: 500, body: 'boom', error: 'The webhook answered 500' },
    { attempt: 2, status: 200, body: '{"success":true}' }
  ])
  const [first, second] = host.to('/once')
  t.ok((second?.at ?? 0) - (first?.at ?? 0) >= 45, 'waited retryDelayMs between')
  t.equal(second?.body, first?.body, 'the same event again')

  const never = await fake.completeOnboarding(interviewId, { webhook: { url: `${host.url}/never`, attempts: 7, retryDelayMs: 0 } })
  t.same(never.map((delivery) => [delivery.attempt, delivery.status]), [[1, 500], [2, 503], [3, 400], [4, 302], [5, 200], [6, 200], [7, 201]],
    'a redirect, a 200 with no JSON content-type, a 201: all fail')
  t.equal(never[4]?.error, 'The webhook answered 200 without content-type application/json')
  t.same(await fake.completeOnboarding(interviewId, { webhook: { url: `${host.url}/no-content`, retryDelayMs: 0 } }), [{ attempt: 1, status: 204, body: '' }],
    'a 204 is delivered')

  const byDefault = await fake.completeOnboarding(interviewId, { webhook: { url: `${host.url}/default`, retryDelayMs: 20 } })
  t.equal(byDefault.length, 5, 'Incode\'s 5 attempts by default')
  const at = host.to('/default').map((request) => request.at)
  const waits = at.slice(1).map((time, i) => time - (at[i] as number))
  t.equal(waits.length, 4)
  waits.forEach((wait, i) => t.ok(wait >= 20 * 2.5 ** i - 5, `wait ${i + 1} of ${waits.length}: ${wait} ms, at least ${20 * 2.5 ** i} ms`))
})

t.test('no answer: a timeout or a refused connection is status 0, and delivered again', async (t) => {
  const fake = await startFake(t)
  const host = await startWebhookReceiver(t, { '/slow': ['hang'] })
  const { interviewId } = await startAnswer(fake)
  const began = Date.now()
  const slow = await fake.completeOnboarding(interviewId, { webhook: { url: `${host.url}/slow`, timeoutMs: 100, retryDelayMs: 0 } })
  t.match(slow, [
    { attempt: 1, status: 0, body: '', error: /^TimeoutError: / },
    { attempt: 2, status: 200, body: '{"success":true}' }
  ])
  t.ok(Date.now() - began >= 95, 'gave up after timeoutMs')

  const refused = await fake.completeOnboarding(interviewId, { webhook: { url: `http://127.0.0.1:${await closedPort()}/hook`, attempts: 1 } })
  t.match(refused, [{ attempt: 1, status: 0, body: '', error: /ECONNREFUSED/ }])
  t.equal(refused.length, 1)
})

t.test('OAuth2: a client-credentials token before each delivery, then Authorization: Bearer', async (t) => {
  const fake = await startFake(t)
  const host = await startWebhookReceiver(t, {
    '/token': [
      { status: 200, body: '{"access_token":"first","token_type":"Bearer","expires_in":3600}' },
      { status: 200, body: '{"access_token":"second","token_type":"Bearer","expires_in":3600}' }
    ],
    '/hook': [{ status: 401 }]
  })
  const { interviewId } = await startAnswer(fake)
  const deliveries = await fake.completeOnboarding(interviewId, {
    webhook: { url: `${host.url}/hook`, oauth: { tokenUrl: `${host.url}/token`, clientId: 'incode', clientSecret: 's3cret:x' }, retryDelayMs: 0 }
  })
  t.same(deliveries, [
    { attempt: 1, status: 401, body: '', error: 'The webhook answered 401' },
    { attempt: 2, status: 200, body: '{"success":true}' }
  ])
  t.same(host.received.map((request) => request.path), ['/token', '/hook', '/token', '/hook'], 'a fresh token for each delivery')
  for (const tokenRequest of host.to('/token')) {
    t.match(tokenRequest.headers, {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from('incode:s3cret:x').toString('base64')}`
    })
    t.equal(tokenRequest.body, 'grant_type=client_credentials')
  }
  t.same(host.to('/hook').map((request) => request.headers.authorization), ['Bearer first', 'Bearer second'])
  t.equal(host.to('/hook')[0]?.headers['content-type'], 'application/json')
})

t.test('OAuth2: a token endpoint that fails is a failed delivery, and the webhook is not sent', async (t) => {
  const fake = await startFake(t)
  const host = await startWebhookReceiver(t, {
    '/token': [
      { status: 401, body: '{"error":"invalid_client"}' },
      { status: 200, body: '{"token_type":"Bearer"}' },
      { status: 200, body: 'not json' },
      { status: 200, body: '{"access_token":""}' },
      { status: 200, body: 'null' }
    ]
  })
  const { interviewId } = await startAnswer(fake)
  const oauth = { tokenUrl: `${host.url}/token`, clientId: 'incode', clientSecret: 'wrong' }
  const deliveries = await fake.completeOnboarding(interviewId, { webhook: { url: `${host.url}/hook`, oauth, attempts: 5, retryDelayMs: 0 } })
  const noToken = 'The token endpoint answered no access_token'
  t.same(deliveries, [
    { attempt: 1, status: 401, body: '{"error":"invalid_client"}', error: 'The token endpoint answered 401' },
    { attempt: 2, status: 200, body: '{"token_type":"Bearer"}', error: noToken },
    { attempt: 3, status: 200, body: 'not json', error: noToken },
    { attempt: 4, status: 200, body: '{"access_token":""}', error: noToken },
    { attempt: 5, status: 200, body: 'null', error: noToken }
  ])
  t.same(host.to('/hook'), [], 'never sent without a token')

  const unreachable = { ...oauth, tokenUrl: `http://127.0.0.1:${await closedPort()}/token` }
  const refused = await fake.completeOnboarding(interviewId, { webhook: { url: `${host.url}/hook`, oauth: unreachable, attempts: 1 } })
  t.match(refused, [{ attempt: 1, status: 0, body: '', error: /ECONNREFUSED/ }])
  t.same(host.to('/hook'), [])
})

t.test('a webhook Node or Incode could not send is refused before anything changes', async (t) => {
  const fake = await startFake(t)
  const host = await startWebhookReceiver(t)
  const { interviewId } = await startAnswer(fake)
  const url = `${host.url}/hook`
  const oauth = { tokenUrl: `${host.url}/token`, clientId: 'a', clientSecret: 'b' }
  const refused = [
    { webhook: { url: 'ftp://host.example/hook' }, error: { name: 'TypeError', message: 'webhook.url must be an http(s) URL, got ftp://host.example/hook' } },
    { webhook: { url: 'not a url' }, error: { name: 'TypeError', message: 'webhook.url must be an http(s) URL, got not a url' } },
    { webhook: { url, oauth: { ...oauth, tokenUrl: 'file:///etc/passwd' } }, error: { name: 'TypeError', message: /^webhook\.oauth\.tokenUrl must be an http\(s\) URL/ } },
    { webhook: { url, secretHeader: { name: 'bad header', value: 'x' } }, error: TypeError },
    { webhook: { url, secretHeader: { name: 'x-secret', value: 'line\nbreak' } }, error: TypeError },
    { webhook: { url, attempts: 0 }, error: { name: 'RangeError', message: `webhook.attempts must be an integer from 1 to ${2 ** 31 - 1}, got 0` } },
    { webhook: { url, attempts: 1.5 }, error: RangeError },
    { webhook: { url, retryDelayMs: -1 }, error: { name: 'RangeError', message: /^webhook\.retryDelayMs must be an integer from 0 to/ } },
    { webhook: { url, timeoutMs: 0 }, error: { name: 'RangeError', message: /^webhook\.timeoutMs must be an integer from 1 to/ } },
    { webhook: { url, timeoutMs: 2 ** 31 }, error: RangeError }
  ]
  for (const { webhook, error } of refused) {
    await t.rejects(fake.completeOnboarding(interviewId, { status: 'EXPIRED', webhook }), error, webhook.url)
  }
  t.same(host.received, [], 'nothing sent')
  t.equal(fake.sessions.get(interviewId)?.onboardingStatus, 'UNKNOWN', 'nothing changed')
})

t.test('close() aborts a delivery in progress and the redeliveries, and closes the webhook connections', async (t) => {
  const fake = await startFake(t)
  const host = await startWebhookReceiver(t, { '/hang': ['hang'], '/fail': [{ status: 500 }] })
  const first = await startAnswer(fake)
  const second = await startAnswer(fake)
  const hanging = fake.completeOnboarding(first.interviewId, { webhook: { url: `${host.url}/hang`, timeoutMs: 60_000 } })
  // Incode's own wait before a redelivery, 30 s by default.
  const waiting = fake.completeOnboarding(second.interviewId, { webhook: { url: `${host.url}/fail` } })
  await until(() => host.received.length === 2, 'both webhooks to arrive')
  await new Promise((resolve) => setTimeout(resolve, 20))
  t.ok(host.sockets.size > 0, 'the deliveries hold connections')
  const began = Date.now()
  await fake.close()
  t.match(await hanging, [{ attempt: 1, status: 0, body: '', error: 'Error: The fake Incode API was closed' }])
  t.same(await waiting, [{ attempt: 1, status: 500, body: '', error: 'The webhook answered 500' }], 'no redelivery after close')
  t.ok(Date.now() - began < 5000, 'at once, not after the timeout or the retry delay')
  await until(() => host.sockets.size === 0, 'the webhook connections to close')
  t.equal(host.received.length, 2)
  await t.rejects(fake.completeOnboarding(first.interviewId), { message: 'completeOnboarding: the fake Incode API is closed' })
})

t.test('sendWebhook: the other kinds Incode posts, built as it sends them, delivered and redelivered as the onboarding status', async (t) => {
  const host = await startWebhookReceiver(t, { '/account': [{ status: 503 }] })
  const fake = await startFake(t, { clientId: 'acme', webhook: { url: `${host.url}/account`, retryDelayMs: 0 } })
  const { interviewId } = await startAnswer(fake)
  const timestamp = new Date('2026-01-02T03:04:05.000Z')
  const event = sessionEvent({ eventType: 'SESSION_SUCCEEDED', interviewId, clientId: fake.clientId, flowId: 'flow-1', timestamp })
  t.same(event, { event_type: 'SESSION_SUCCEEDED', interviewId, clientId: 'acme', flowId: 'flow-1', timestamp: '2026-01-02T03:04:05.000Z' })
  t.same((await fake.sendWebhook(event)).map((delivery) => delivery.status), [503, 200], 'to the account\'s webhook, delivered again')
  t.same(host.to('/account').map((request) => JSON.parse(request.body)), [event, event])
  t.match(sessionEvent({ eventType: 'SESSION_STARTED', interviewId }), { clientId: 'fake-client', timestamp: /^\d{4}-\d\d-\d\dT/ })
  t.notOk('flowId' in sessionEvent({ eventType: 'SESSION_STARTED', interviewId }), 'no flowId unless given')

  const passed = faceAuthenticationResult({ transactionId: 'tx-1', customerId: 'identity-1', interviewId, verified: true })
  t.match(passed, { transactionId: 'tx-1', customerId: 'identity-1', interviewId, faceMatch: true, overallStatus: 'PASS', token: '', interviewToken: '' })
  t.notOk('errorCode' in passed)
  const failed = faceAuthenticationResult({ transactionId: 'tx-2', customerId: 'identity-1', interviewId, verified: false })
  t.match(failed, { faceMatch: false, overallStatus: 'FAIL', error: 'User is not recognized', errorCode: 4015, errorMessage: 'NA' })
  await fake.sendWebhook(failed, { webhook: { url: `${host.url}/own` } })
  t.same(host.to('/own').map((request) => JSON.parse(request.body)), [failed], 'to a webhook of its own')

  fake.setWebhook(undefined)
  t.same(await fake.sendWebhook(event), [], 'nothing without a webhook')
  await fake.close()
  await t.rejects(fake.sendWebhook(event), { message: 'sendWebhook: the fake Incode API is closed' })
})
