// The account's webhook, as Incode's dashboard holds one: the webhook option and setWebhook, completeOnboarding's default, and a bad target refused.
import t from 'tap'
import { createFakeIncode } from '../src/testing/index.js'
import { startAnswer, startFake } from './support/raw-http.js'
import { startWebhookReceiver } from './support/webhook-receiver.js'

t.test('completeOnboarding without a webhook of its own delivers to the account\'s; one of its own wins', async (t) => {
  const host = await startWebhookReceiver(t)
  const fake = await startFake(t, { webhook: { url: `${host.url}/account`, secretHeader: { name: 'x-secret', value: 'shh' } } })
  const { interviewId } = await startAnswer(fake)

  t.same(await fake.completeOnboarding(interviewId), [{ attempt: 1, status: 200, body: '{"success":true}' }])
  t.match(host.to('/account'), [{ headers: { 'x-secret': 'shh' } }])
  t.match(JSON.parse(host.to('/account')[0]?.body ?? ''), { interviewId, onboardingStatus: 'ONBOARDING_FINISHED' })

  await fake.completeOnboarding(interviewId, { status: 'EXPIRED', webhook: { url: `${host.url}/own` } })
  t.equal(host.to('/account').length, 1, 'the account\'s webhook is not sent then')
  t.match(JSON.parse(host.to('/own')[0]?.body ?? ''), { interviewId, onboardingStatus: 'EXPIRED' })
  t.equal(host.to('/own')[0]?.headers['x-secret'], undefined, 'nor its secret header')
})

t.test('setWebhook: set once the host listens, replaced, removed; reset() keeps it', async (t) => {
  const fake = await startFake(t)
  const host = await startWebhookReceiver(t)
  const { interviewId } = await startAnswer(fake)
  t.same(await fake.completeOnboarding(interviewId), [], 'no webhook until one is set')

  fake.setWebhook({ url: `${host.url}/first` })
  await fake.completeOnboarding(interviewId)
  fake.setWebhook({ url: `${host.url}/second` })
  await fake.completeOnboarding(interviewId)
  t.same(host.received.map((request) => request.path), ['/first', '/second'])

  fake.reset()
  const again = await startAnswer(fake)
  t.equal((await fake.completeOnboarding(again.interviewId)).length, 1, 'reset() forgets sessions, not the account\'s webhook')
  fake.setWebhook(undefined)
  t.same(await fake.completeOnboarding(again.interviewId), [], 'undefined: no webhook from now on')
  t.equal(host.received.length, 3)
})

t.test('a bad account webhook is refused as completeOnboarding refuses one: createFakeIncode rejects, setWebhook throws and keeps the old', async (t) => {
  const host = await startWebhookReceiver(t)
  const url = `${host.url}/hook`
  const refused = [
    { webhook: { url: 'ftp://host.example/hook' }, error: { name: 'TypeError', message: 'webhook.url must be an http(s) URL, got ftp://host.example/hook' } },
    { webhook: { url, oauth: { tokenUrl: 'file:///etc/passwd', clientId: 'a', clientSecret: 'b' } }, error: { name: 'TypeError', message: /^webhook\.oauth\.tokenUrl must be an http\(s\) URL/ } },
    { webhook: { url, secretHeader: { name: 'bad header', value: 'x' } }, error: TypeError },
    { webhook: { url, attempts: 0 }, error: { name: 'RangeError', message: `webhook.attempts must be an integer from 1 to ${2 ** 31 - 1}, got 0` } },
    { webhook: { url, timeoutMs: 0 }, error: { name: 'RangeError', message: /^webhook\.timeoutMs must be an integer from 1 to/ } }
  ]
  const fake = await startFake(t, { webhook: { url } })
  const { interviewId } = await startAnswer(fake)
  for (const { webhook, error } of refused) {
    await t.rejects(createFakeIncode({ webhook }), error, `createFakeIncode: ${JSON.stringify(webhook)}`)
    await t.rejects(fake.completeOnboarding(interviewId, { webhook }), error, `completeOnboarding: ${JSON.stringify(webhook)}`)
    t.throws(() => fake.setWebhook(webhook), error, `setWebhook: ${JSON.stringify(webhook)}`)
  }
  t.equal(fake.sessions.get(interviewId)?.onboardingStatus, 'UNKNOWN', 'nothing changed')
  t.same(host.received, [], 'nothing sent')
  t.equal((await fake.completeOnboarding(interviewId)).length, 1, 'the webhook set before is still the account\'s')
  t.equal(host.to('/hook').length, 1)
})
