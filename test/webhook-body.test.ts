import t from 'tap'
import type { IncodeWebhookEvent } from '../src/index.js'
import { startHost } from './support/host.js'

// What an authenticated caller may put in a webhook's body: Incode's keys and unknown ones, kept,
// but nothing nested so deep that a host walking the event would overflow its stack.

const SECRET_HEADER = { name: 'x-incode-webhook-secret', value: 'w'.repeat(40) }

/** JSON of `depth` objects one inside the other, written out (JSON.stringify itself overflows deep down). */
function nested (depth: number): string {
  return `${'{"next":'.repeat(depth)}"leaf"${'}'.repeat(depth)}`
}

t.test('unknown keys nested up to 32 levels pass; deeper is a 400 that never reaches onWebhook', async (t) => {
  const events: IncodeWebhookEvent[] = []
  const host = await startHost(t, { plugin: { webhook: { secretHeader: SECRET_HEADER, onWebhook: async (event) => { events.push(event) } } } })
  const deliver = async (extra: string) => await host.app.inject({
    method: 'POST',
    url: '/incode/webhook',
    headers: { [SECRET_HEADER.name]: SECRET_HEADER.value, 'content-type': 'application/json' },
    payload: `{"interviewId":"0123456789abcdef01234567","onboardingStatus":"ONBOARDING_FINISHED","extra":${extra}}`
  })
  t.equal((await deliver(nested(31))).statusCode, 200, 'the body and 31 levels below it: 32')
  // 30 000 arrays one inside the other fit in the 64 KiB limit.
  for (const [depth, json] of [[32, nested(32)], [30_000, `${'['.repeat(30_000)}${']'.repeat(30_000)}`]] as const) {
    const res = await deliver(json)
    t.same([res.statusCode, res.json()], [400, {
      statusCode: 400, code: 'FST_INCODE_WEBHOOK_BODY_TOO_DEEP', error: 'Bad Request', message: 'The webhook body is nested more than 32 levels deep'
    }], `${depth + 1} levels`)
  }
  t.equal(events.length, 1, 'onWebhook saw only the first')
})
