// The metrics a host exports, read after a run against the fake as a host reads them: by value,
// as Prometheus text, and through a real prom-client registry.
import t from 'tap'
import { request } from 'undici'
import promClient from 'prom-client'
import { IncodeClient } from '../src/index.js'
import { createFakeIncode } from '../src/testing/index.js'
import { post, secretsOf, startHost } from './support/host.js'
import { until } from './support/wait.js'

const SECRET_HEADER = { name: 'x-incode-webhook-secret', value: 'a-webhook-secret-of-at-least-32-characters' }
const ADMIN = { adminEmail: 'admin@host.test', adminPassword: 'admin-password' }

t.test('sessions created, recorded, not recorded and recorded late, by route', async (t) => {
  let failNext = false
  const host = await startHost(t, {
    plugin: {
      timeout: 300,
      rateLimit: false,
      onSessionCreated: async () => {
        if (failNext) {
          failNext = false
          throw new Error('database down')
        }
      }
    }
  })
  const { metrics } = host.app.incode
  t.equal((await post(host.app, '/incode/sessions')).statusCode, 201)
  t.equal((await post(host.app, '/incode/sessions')).statusCode, 201)
  t.equal((await post(host.app, '/incode/onboarding-url')).statusCode, 201)
  failNext = true
  t.equal((await post(host.app, '/incode/sessions')).statusCode, 500)
  // Incode answers after the deadline: the browser gets a 504, the session is recorded late.
  host.fake.failNext({ type: 'delay', ms: 450 }, { path: '/omni/start' })
  t.equal((await post(host.app, '/incode/sessions')).statusCode, 504)
  await until(() => metrics.value('incode_sessions_recorded_total', { delivered: 'false' }) === 1, 'the late session recorded')

  t.equal(metrics.value('incode_sessions_created_total', { route: 'sessions' }), 4)
  t.equal(metrics.value('incode_sessions_created_total', { route: 'onboarding-url' }), 1)
  t.equal(metrics.value('incode_sessions_recorded_total', { route: 'sessions', delivered: 'true' }), 2)
  t.equal(metrics.value('incode_sessions_recorded_total', { route: 'onboarding-url' }), 1)
  t.equal(metrics.value('incode_sessions_recorded_total', { route: 'sessions', delivered: 'false' }), 1, 'the late one')
  t.equal(metrics.value('incode_sessions_not_recorded_total', { route: 'sessions', delivered: 'true' }), 1)
  t.equal(metrics.value('incode_calls_total', { call: 'start', outcome: 'ok' }), 4)
  t.equal(metrics.value('incode_calls_total', { call: 'start', outcome: 'FST_INCODE_UPSTREAM_TIMEOUT' }), 1)
  t.equal(metrics.value('incode_calls_total', { call: 'onboarding-url', outcome: 'ok' }), 1)
  t.equal(metrics.value('incode_call_duration_seconds', { call: 'start' }), 5, 'every answer timed')
})

t.test('Incode calls by endpoint and outcome, with a latency histogram in seconds', async (t) => {
  const host = await startHost(t, { plugin: { retries: 0, rateLimit: false } })
  const { metrics } = host.app.incode
  host.fake.failNext({ type: 'status', status: 500, body: { status: 5000 } }, { path: '/omni/start' })
  t.equal((await post(host.app, '/incode/sessions')).statusCode, 502)
  host.fake.failNext({ type: 'status', status: 403, body: { status: 4031 } }, { path: '/omni/start' })
  t.equal((await post(host.app, '/incode/sessions')).statusCode, 502)
  host.fake.failNext({ type: 'garbage' }, { path: '/omni/start' })
  t.equal((await post(host.app, '/incode/sessions')).statusCode, 502)
  host.fake.failNext({ type: 'delay', ms: 120 }, { path: '/omni/start' })
  t.equal((await post(host.app, '/incode/sessions')).statusCode, 201)

  const calls = (outcome: string): number => metrics.value('incode_calls_total', { call: 'start', outcome })
  t.same(['ok', 'FST_INCODE_UPSTREAM_ERROR', 'FST_INCODE_UPSTREAM_REJECTED', 'FST_INCODE_UPSTREAM_BAD_RESPONSE'].map(calls), [1, 1, 1, 1])

  const histogram = metrics.families().find((family) => family.name === 'incode_call_duration_seconds')
  const buckets = (histogram?.values ?? []).filter((series) => series.metricName === 'incode_call_duration_seconds_bucket' &&
    series.labels.outcome === 'ok')
  const bucket = (le: number | string): number | undefined => buckets.find((series) => series.labels.le === le)?.value
  t.equal(bucket(0.1), 0, 'the delayed answer took over 100 ms')
  t.equal(bucket(0.25), 1, 'and under 250 ms')
  t.equal(bucket('+Inf'), 1)
  const sum = histogram?.values.find((series) => series.metricName === 'incode_call_duration_seconds_sum' && series.labels.outcome === 'ok')
  t.ok((sum?.value ?? 0) >= 0.12 && (sum?.value ?? 1) < 0.25, `sum in seconds: ${sum?.value}`)
})

t.test('the limits\' refusals and the webhooks by kind and answer', async (t) => {
  const host = await startHost(t, {
    plugin: {
      rateLimit: { max: 1 },
      webhook: { secretHeader: SECRET_HEADER, onWebhook: async () => {}, rateLimit: { max: 3 } }
    }
  })
  const { metrics } = host.app.incode
  t.same([(await post(host.app, '/incode/sessions')).statusCode, (await post(host.app, '/incode/onboarding-url')).statusCode], [201, 429])

  const url = await host.app.listen({ port: 0, host: '127.0.0.1' })
  const deliver = async (body: Record<string, unknown>, secret = SECRET_HEADER.value): Promise<number> => {
    const res = await request(`${url}/incode/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [SECRET_HEADER.name]: secret },
      body: JSON.stringify(body)
    })
    await res.body.dump()
    return res.statusCode
  }
  const interviewId = 'a'.repeat(24)
  t.same([
    await deliver({ interviewId, onboardingStatus: 'ONBOARDING_FINISHED' }),
    await deliver({ interviewId, onboardingStatus: 'ONBOARDING_FINISHED' }, 'a wrong secret of the same great length'),
    await deliver({ interviewId, event_type: 'SESSION_STARTED' }),
    await deliver({ interviewId, onboardingStatus: 'ID_VALIDATION_FINISHED' }),
    await deliver({ interviewId, onboardingStatus: 'ONBOARDING_FINISHED' })
  ], [200, 401, 200, 200, 429])

  t.equal(metrics.value('incode_rate_limited_total', { limit: 'sessions' }), 1)
  t.equal(metrics.value('incode_rate_limited_total', { limit: 'webhooks' }), 1)
  t.equal(metrics.value('incode_webhooks_total', { kind: 'onboarding-status', status: 200 }), 2)
  t.equal(metrics.value('incode_webhooks_total', { kind: 'session-event', status: 200 }), 1)
  t.equal(metrics.value('incode_webhooks_total', { kind: 'unknown', status: 401 }), 1, 'refused before its body was read')
  t.equal(metrics.value('incode_webhooks_total', { status: 429 }), 1)
  t.equal(metrics.value('incode_webhooks_total'), 5)
})

t.test('the compat routes\' read limit counts as its own', async (t) => {
  const host = await startHost(t, { plugin: { compatRoutes: { readRateLimit: { max: 1, timeWindow: 60_000 } } } })
  const { token } = (await host.app.inject({ method: 'GET', url: '/incode/start' })).json()
  const score = async (): Promise<number> => (await host.app.inject({ method: 'GET', url: '/incode/fetch-score', headers: { 'x-token': token } })).statusCode
  t.same([await score(), await score()], [200, 429])
  t.equal(host.app.incode.metrics.value('incode_rate_limited_total', { limit: 'compat-reads' }), 1)
  t.equal(host.app.incode.metrics.value('incode_rate_limited_total', { limit: 'sessions' }), 0)
})

t.test('admin log-ins are counted as calls of their own, with their outcome', async (t) => {
  const fake = await createFakeIncode(ADMIN)
  t.teardown(async () => await fake.close())
  const wrong = new IncodeClient({ apiUrl: fake.url, apiKey: fake.apiKey, configurationId: 'flow-1', adminEmail: ADMIN.adminEmail, adminPassword: 'not-the-password' })
  const right = new IncodeClient({ apiUrl: fake.url, apiKey: fake.apiKey, configurationId: 'flow-1', ...ADMIN })
  t.teardown(async () => await Promise.all([wrong.close(), right.close()]))
  const { interviewId } = await right.startSession()
  await t.rejects(wrong.getScore(interviewId), { code: 'FST_INCODE_ADMIN_LOGIN_FAILED' })
  await right.getScore(interviewId)
  await right.getScore(interviewId)
  t.equal(wrong.metrics.value('incode_calls_total', { call: 'admin-log-in', outcome: 'FST_INCODE_UPSTREAM_REJECTED' }), 1)
  t.equal(wrong.metrics.value('incode_calls_total', { call: 'score' }), 0, 'no score read without the token')
  t.equal(right.metrics.value('incode_calls_total', { call: 'admin-log-in', outcome: 'ok' }), 1, 'one log-in, the token kept')
  t.equal(right.metrics.value('incode_calls_total', { call: 'score', outcome: 'ok' }), 2)
  t.equal(right.metrics.value('incode_sessions_created_total'), 0, 'a session the client started directly is no route\'s')

  const aborted = new AbortController()
  aborted.abort()
  const { token } = await right.startSession()
  const leaving = new AbortController()
  const read = right.getScoreForToken(token, { signal: leaving.signal })
  leaving.abort()
  await t.rejects(read)
  t.equal(right.metrics.value('incode_calls_total', { call: 'score-for-token', outcome: 'aborted' }), 1, 'a caller\'s abort is its own outcome')
  await t.rejects(right.getScore(interviewId, { signal: aborted.signal }))
  t.equal(right.metrics.value('incode_calls_total', { call: 'score' }), 2, 'a call aborted before it started is no call')
  t.throws(() => right.metrics.value('incode_no_such_metric'), { name: 'RangeError', message: /incode_no_such_metric/ })
})

t.test('Prometheus text and a prom-client registry show the same counts, and no secret', async (t) => {
  const host = await startHost(t, { plugin: { rateLimit: { max: 2 } } })
  for (let i = 0; i < 3; i++) await post(host.app, '/incode/sessions')
  await post(host.app, '/incode/onboarding-url')

  const text = host.app.incode.metrics.prometheus()
  t.match(text, /^# HELP incode_sessions_created_total .+\n# TYPE incode_sessions_created_total counter\nincode_sessions_created_total\{route="sessions"\} 2\n/m)
  t.match(text, /^incode_rate_limited_total\{limit="sessions"\} 2$/m)
  t.match(text, /^incode_call_duration_seconds_bucket\{call="start",outcome="ok",le="\+Inf"\} 2$/m)
  t.match(text, /^incode_call_duration_seconds_count\{call="start",outcome="ok"\} 2$/m)
  t.ok(text.endsWith('\n'))

  const registry = new promClient.Registry()
  host.app.incode.metrics.registerOn(registry)
  const scraped = await registry.metrics()
  for (const line of ['incode_sessions_created_total{route="sessions"} 2', 'incode_sessions_recorded_total{route="sessions",delivered="true"} 2',
    'incode_calls_total{call="start",outcome="ok"} 2', 'incode_call_duration_seconds_bucket{call="start",outcome="ok",le="+Inf"} 2',
    'incode_rate_limited_total{limit="sessions"} 2']) {
    t.ok(scraped.split('\n').includes(line), `the registry serves ${line}`)
  }
  const json = await registry.getMetricsAsJSON()
  t.same(json.map((metric) => metric.name).sort(), host.app.incode.metrics.families().map((family) => family.name).sort())

  // Collected on each scrape, not copied once.
  await post(host.app, '/incode/sessions')
  t.match(await registry.metrics(), /^incode_rate_limited_total\{limit="sessions"\} 3$/m)
  t.throws(() => host.app.incode.metrics.registerOn(registry), /already been registered/, 'twice on one registry is prom-client\'s own error')
  const openMetrics = new promClient.Registry<typeof promClient.Registry.OPENMETRICS_CONTENT_TYPE>()
  openMetrics.setContentType(promClient.Registry.OPENMETRICS_CONTENT_TYPE)
  host.app.incode.metrics.registerOn(openMetrics)
  const open = await openMetrics.metrics()
  t.match(open, /^# TYPE incode_calls counter$/m, 'OpenMetrics names a counter without _total, as prom-client does')
  t.match(open, /^incode_calls_total\{call="start",outcome="ok"\} \d+$/m, 'and its series with it')

  registry.resetMetrics()
  t.equal(host.app.incode.metrics.value('incode_rate_limited_total'), 0, 'the registry\'s reset empties them')

  const secrets = [...secretsOf(host), ...[...host.fake.sessions.values()].map((session) => session.interviewId), host.fake.url]
  t.same(secrets.filter((secret) => text.includes(secret) || scraped.includes(secret)), [], 'no key, token, interviewId or Incode URL')
})
