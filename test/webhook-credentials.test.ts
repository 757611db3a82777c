import t from 'tap'
import { request } from 'undici'
import type { IncodeWebhookEvent } from '../src/index.js'
import { assertNoSecretsLogged, startHost } from './support/host.js'
import { basic } from './support/http-basic.js'

// The OAuth2 client credentials of Incode's webhook, written every way a client may write them:
// as Incode sends them (HTTP Basic of the id and secret as they are), form-encoded before the
// Basic encoding as RFC 6749 §2.3.1 has it, and in the form body; with the characters that read
// differently in each (`%`, `+`, `:`, non-ASCII).

const SECRETS = {
  'a percent sign': '100%-sure-secret-%41%zz-of-at-least-32-chars',
  'a plus sign': 'a+plus+secret+that+is+at+least+32+characters',
  colons: 'colon:separated:secret:of:at:least:32:characters',
  'non-ASCII characters': 'ein-geheimnis-über-32-zeichen-lang-ünd-mehr-é'
}
const CLIENT_ID = 'incode-webhooks'

const formEncoded = (value: string): string => new URLSearchParams({ value }).toString().slice('value='.length)

async function tokenStatus (url: string, form: string, authorization?: string): Promise<number> {
  const res = await request(`${url}/incode/webhook/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(authorization === undefined ? {} : { authorization }) },
    body: form
  })
  await res.body.dump()
  return res.statusCode
}

for (const [what, secret] of Object.entries(SECRETS)) {
  t.test(`a client secret with ${what}: accepted as Incode sends it, form-encoded, and in the form; a near miss is not`, async (t) => {
    const events: IncodeWebhookEvent[] = []
    const host = await startHost(t, {
      plugin: { webhook: { oauth: { clientId: CLIENT_ID, clientSecret: secret }, onWebhook: async (event) => { events.push(event) } } }
    })
    const url = await host.app.listen({ port: 0, host: '127.0.0.1' })
    const grant = 'grant_type=client_credentials'

    t.equal(await tokenStatus(url, grant, basic(CLIENT_ID, secret)), 200, 'HTTP Basic of the secret as it is')
    t.equal(await tokenStatus(url, grant, basic(formEncoded(CLIENT_ID), formEncoded(secret))), 200, 'form-encoded, then Basic')
    t.equal(await tokenStatus(url, `${grant}&client_id=${formEncoded(CLIENT_ID)}&client_secret=${formEncoded(secret)}`), 200, 'in the form body')
    for (const miss of [secret.slice(0, -1), `${secret} `, secret.toUpperCase(), formEncoded(formEncoded(secret))]) {
      if (miss === secret || miss === formEncoded(secret)) continue
      t.equal(await tokenStatus(url, grant, basic(CLIENT_ID, miss)), 401, `not ${JSON.stringify(miss)}`)
    }

    // End to end: the fake gets its token as Incode's dashboard does, then delivers.
    const { interviewId } = (await host.app.inject({ method: 'POST', url: '/incode/sessions' })).json()
    const deliveries = await host.fake.completeOnboarding(interviewId, {
      webhook: { url: `${url}/incode/webhook`, oauth: { tokenUrl: `${url}/incode/webhook/token`, clientId: CLIENT_ID, clientSecret: secret } }
    })
    t.same(deliveries.map((delivery) => delivery.status), [200], 'the webhook is delivered, not lost')
    t.equal(events[0]?.interviewId, interviewId)
    assertNoSecretsLogged(t, host, [secret, formEncoded(secret)])
  })
}

t.test('a client id with a colon, or a client secret with a control character, fails ready()', async (t) => {
  const onWebhook = async (): Promise<void> => {}
  for (const [option, oauth] of [
    ['webhook.oauth.clientId', { clientId: 'incode:webhooks', clientSecret: SECRETS.colons }],
    ['webhook.oauth.clientSecret', { clientId: CLIENT_ID, clientSecret: `${SECRETS.colons}\n` }],
    ['webhook.oauth.clientSecret', { clientId: CLIENT_ID, clientSecret: 'é'.repeat(31) }]
  ] as const) {
    await t.rejects(startHost(t, { plugin: { webhook: { oauth, onWebhook } } }), { code: 'FST_INCODE_INVALID_OPTION', message: new RegExp(`"${option.replaceAll('.', '\\.')}"`) }, option)
  }
  await t.resolves(startHost(t, { plugin: { webhook: { oauth: { clientId: CLIENT_ID, clientSecret: 'é'.repeat(32) }, onWebhook } } }), '32 characters, not 32 bytes')
})
