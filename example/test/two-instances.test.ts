// Two instances of the example behind one address, as production runs it: one Incode (a fake of the
// test's own, configured as real Incode), one PostgreSQL database (a fresh one on the server of
// DATABASE_URL) and one Redis (REDIS_URL, under a name space of this run's) for both, each instance
// listening on a port of its own. Whichever instance answers, the person and Incode see one app:
// a session started on A resumes on B, the limit counts both, a token from A's token endpoint
// opens B's webhook, and every event is recorded once however many deliveries reach both.
import t from 'tap'
import { createFakeIncode, type FakeWebhookTarget, type WebhookDelivery } from 'fastify-incode/testing'
import { buildApp } from '../app.js'
import { DATABASE_URL, freshDatabase, rowsOf } from './support/postgres.js'
import { WEBHOOK_SECRET } from './support/example.js'
import { freshNameSpace, REDIS_URL } from './support/redis.js'

// Outside CI a machine without both skips; CI has both, and runs it.
const skip = (DATABASE_URL !== undefined && REDIS_URL !== undefined) || process.env.CI !== undefined
  ? false
  : 'DATABASE_URL or REDIS_URL is not set: the test of two instances on one PostgreSQL and one Redis is skipped (CI runs it)'

const OAUTH = { clientId: 'incode', clientSecret: 'example-test-oauth-client-secret-0123456789' }
const alice = { cookie: 'demo-user=alice' }

interface Answer { status: number, body: any }

/** GETs from (or, with `body`, POSTs to) an instance, and reads the JSON answer. */
async function call (url: string, headers: Record<string, string> = {}, body?: string): Promise<Answer> {
  const res = await fetch(url, body === undefined ? { headers } : { method: 'POST', headers, body })
  return { status: res.status, body: await res.json() }
}

t.test('two instances on one PostgreSQL and one Redis behave as one app', { skip }, async (t) => {
  const fake = await createFakeIncode({ configurationIds: ['real-flow'] })
  t.teardown(() => fake.close())
  const databaseUrl = await freshDatabase(t)
  const nameSpace = freshNameSpace(t)
  // What every instance is given alike.
  const env = {
    INCODE_API_URL: fake.url,
    INCODE_API_KEY: fake.apiKey,
    INCODE_FLOW_ID: 'real-flow',
    INCODE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    INCODE_WEBHOOK_OAUTH_CLIENT_ID: OAUTH.clientId,
    INCODE_WEBHOOK_OAUTH_CLIENT_SECRET: OAUTH.clientSecret,
    INCODE_ADMIN_EMAIL: fake.adminEmail,
    INCODE_ADMIN_PASSWORD: fake.adminPassword,
    DATABASE_URL: databaseUrl,
    REDIS_URL: REDIS_URL as string,
    RATE_LIMIT_NAMESPACE: nameSpace
  }
  // Started together, as a deployment starts them: both migrate the empty database, in turn.
  const apps = await Promise.all([buildApp(env, { logger: false }), buildApp(env, { logger: false })])
  t.teardown(() => Promise.all(apps.map((app) => app.close())))
  const [a, b] = await Promise.all(apps.map((app) => app.listen({ port: 0, host: '127.0.0.1' }))) as [string, string]
  t.not(a, b, 'each on a port of its own')
  const rows = (interviewId: string) => rowsOf(databaseUrl, 'select * from onboarding_sessions where interview_id = $1', [interviewId])

  let started: Answer
  t.test('a session started on A (Incode\'s sample front end) is resumed on B, as a phone would after the QR code', async (t) => {
    started = await call(`${a}/incode/start`, alice)
    t.match(started, { status: 200, body: { token: /\S/, interviewId: /^[0-9a-f]{24}$/, uniqueId: /^[0-9a-f-]{36}$/ } })
    const resumed = await call(`${b}/incode/start?uniqueId=${started.body.uniqueId}`)
    t.same(resumed, started, 'the same token and interviewId')
    t.equal(fake.requestsTo('/omni/start').length, 1, 'B started no session: it found the one A recorded')
    t.match((await call(`${b}/example/sessions`, { 'x-demo-user': 'alice' })).body.sessions, [{ interviewId: started.body.interviewId, route: 'start' }],
      'B lists it for alice')
  })

  const carols: string[] = []
  t.test('the limit counts the sessions of both: 10 a minute for carol, wherever they land', async (t) => {
    const before = fake.requestsTo('/omni/start').length
    const carol = { 'x-demo-user': 'carol' }
    const answers: number[] = []
    for (let i = 0; i < 12; i++) {
      const res = await fetch(`${i % 2 === 0 ? a : b}/incode/sessions`, { method: 'POST', headers: carol })
      answers.push(res.status)
      if (res.status === 201) carols.push((await res.json() as { interviewId: string }).interviewId)
    }
    t.same(answers, [...Array(10).fill(201), 429, 429], '5 on each, then refused on both')
    t.equal(fake.requestsTo('/omni/start').length - before, 10, 'the refused ones never reached Incode')
    t.equal((await fetch(`${b}/incode/sessions`, { method: 'POST', headers: { 'x-demo-user': 'dave' } })).status, 201, 'dave has his own limit')
  })

  t.test('a token from A\'s token endpoint opens B\'s webhook; a made-up one does not', async (t) => {
    const basic = Buffer.from(`${OAUTH.clientId}:${OAUTH.clientSecret}`).toString('base64')
    const issued = await call(`${a}/incode/webhook/token`, { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
      'grant_type=client_credentials')
    t.match(issued, { status: 200, body: { access_token: /\S/, token_type: 'Bearer', expires_in: 3600 } })
    const deliver = (token: string) => call(`${b}/incode/webhook`, { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      JSON.stringify({ interviewId: carols[0], onboardingStatus: 'ID_VALIDATION_FINISHED' }))
    t.same(await deliver(issued.body.access_token), { status: 200, body: { success: true } })
    t.match(await rows(carols[0] as string), [{ onboarding_status: 'ID_VALIDATION_FINISHED' }], 'B recorded the status')
    t.match(await deliver(`${issued.body.access_token.slice(0, -4)}AAAA`), { status: 401 })
  })

  t.test('deliveries of one session\'s events to both, at once and again: each status recorded once, the person approved once', async (t) => {
    const { interviewId } = started.body as { interviewId: string }
    // Incode's dashboard holds one webhook URL: here A with the secret header, there B with OAuth2,
    // its token from A (the token URL and the webhook URL land on different instances).
    const toA: FakeWebhookTarget = { url: `${a}/incode/webhook`, secretHeader: { name: 'x-incode-webhook-secret', value: WEBHOOK_SECRET }, retryDelayMs: 20 }
    const toB: FakeWebhookTarget = { url: `${b}/incode/webhook`, oauth: { tokenUrl: `${a}/incode/webhook/token`, ...OAUTH }, retryDelayMs: 20 }
    const event = (onboardingStatus: string) => ({ interviewId, onboardingStatus, externalId: 'alice', clientId: fake.clientId, flowId: 'real-flow' })
    /** The same event delivered three times to each instance, all at once. */
    const toBoth = (onboardingStatus: string) => Promise.all([toA, toB, toA, toB, toA, toB].map((webhook) => fake.sendWebhook(event(onboardingStatus), { webhook })))
    const deliveries: WebhookDelivery[][] = []

    deliveries.push(...await toBoth('ID_VALIDATION_FINISHED'))
    deliveries.push(await fake.sendWebhook(event('FACE_VALIDATION_FINISHED'), { webhook: toB }))
    deliveries.push(await fake.sendWebhook(event('FACE_VALIDATION_FINISHED'), { webhook: toA }))
    // The person is through: Incode scores the session OK, then tells both instances at once.
    t.same(await fake.completeOnboarding(interviewId), [], 'no webhook of the fake\'s own: the test delivers')
    deliveries.push(...await toBoth('ONBOARDING_FINISHED'))
    // Late, and again: a step's redelivery, and the finish once more.
    deliveries.push(await fake.sendWebhook(event('ID_VALIDATION_FINISHED'), { webhook: toB }))
    deliveries.push(await fake.sendWebhook(event('ONBOARDING_FINISHED'), { webhook: toB }))

    t.same(deliveries.map((attempts) => attempts.at(-1)?.status), Array(deliveries.length).fill(200), 'every delivery answered 200 in the end')
    const redelivered = deliveries.filter((attempts) => attempts.length > 1).length
    t.comment(`${redelivered} of ${deliveries.length} deliveries answered 500 first (another delivery was approving) and were made again`)

    const events = await rowsOf(databaseUrl, 'select onboarding_status, count(*)::int as times from onboarding_events where interview_id = $1 group by 1 order by 1', [interviewId])
    t.same(events, [
      { onboarding_status: 'FACE_VALIDATION_FINISHED', times: 1 },
      { onboarding_status: 'ID_VALIDATION_FINISHED', times: 1 },
      { onboarding_status: 'ONBOARDING_FINISHED', times: 1 }
    ], 'each status Incode reported, recorded once')
    const approvals = fake.requestsTo('/omni/process/approve')
    t.same(approvals.map((request) => request.query), [{ interviewId }], 'the session approved once at Incode, by one instance')
    const [row] = await rows(interviewId)
    t.match(row, {
      onboarding_status: 'ONBOARDING_FINISHED',
      score: JSON.stringify({ value: '95.0', status: 'OK' }),
      identity_id: /^[0-9a-f]{24}$/,
      masked_name: 'A*** S***',
      birth_year: 1990,
      approval_claimed_at: null
    }, 'the final status, its score and the person verified')
    t.equal(row.approved_identity_id, row.identity_id)
    const listed = await Promise.all([a, b].map(async (url) => (await call(`${url}/example/sessions`, { 'x-demo-user': 'alice' })).body))
    t.same(listed[0], listed[1], 'both instances show alice the same')
  })
})
