// Traces as a host gets them with the standard OpenTelemetry packages and no code of its own:
// @opentelemetry/instrumentation-undici sees every Incode call (the client's undici publishes on
// node:diagnostics_channel), and @fastify/otel's span of the route is its parent.
import t, { type Test } from 'tap'
import { SpanKind, SpanStatusCode } from '@opentelemetry/api'
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node'
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base'
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici'
import { FastifyOtelInstrumentation } from '@fastify/otel'
import { request } from 'undici'
import type { OnboardingOutcome } from '../src/index.js'
import { post, secretsOf, startHost, type HostOptions } from './support/host.js'

const exporter = new InMemorySpanExporter()
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
provider.register()
const undici = new UndiciInstrumentation()
undici.setTracerProvider(provider)
undici.enable()
const fastifyOtel = new FastifyOtelInstrumentation()
fastifyOtel.setTracerProvider(provider)
t.teardown(async () => {
  undici.disable()
  await provider.shutdown()
})

const SECRET_HEADER = { name: 'x-incode-webhook-secret', value: 'a-webhook-secret-of-at-least-32-characters' }
const ADMIN = { adminEmail: 'admin@host.test', adminPassword: 'admin-password' }

/** A host traced by @fastify/otel; the exporter emptied first. */
async function tracedHost (t: Test, options: HostOptions = {}): ReturnType<typeof startHost> {
  exporter.reset()
  return await startHost(t, { ...options, before: async (app) => { await app.register(fastifyOtel.plugin()) } })
}

function clientSpans (): ReadableSpan[] {
  return exporter.getFinishedSpans().filter((span) => span.kind === SpanKind.CLIENT)
}

/** The span's ancestors, nearest first, among the finished spans. */
function ancestors (span: ReadableSpan): ReadableSpan[] {
  const byId = new Map(exporter.getFinishedSpans().map((each) => [each.spanContext().spanId, each]))
  const chain: ReadableSpan[] = []
  for (let parent = byId.get(span.parentSpanContext?.spanId ?? ''); parent !== undefined; parent = byId.get(parent.parentSpanContext?.spanId ?? '')) {
    chain.push(parent)
  }
  return chain
}

/** The request span @fastify/otel made for `path`. */
function requestSpan (path: string): ReadableSpan | undefined {
  return exporter.getFinishedSpans().find((span) => span.name === 'request' && span.attributes['url.path'] === path)
}

t.test('each Incode call of a route is an HTTP client span under the route\'s request span', async (t) => {
  const host = await tracedHost(t)
  t.equal((await post(host.app, '/incode/onboarding-url')).statusCode, 201)

  const [start, url] = clientSpans()
  const route = requestSpan('/incode/onboarding-url')
  t.ok(route, 'the route has its request span')
  t.match(start?.attributes, {
    'http.request.method': 'POST',
    'url.full': `${host.fake.url}/omni/start`,
    'url.path': '/omni/start',
    'server.address': '127.0.0.1',
    'http.response.status_code': 200
  })
  t.match(url?.attributes, { 'http.request.method': 'GET', 'url.path': '/0/omni/onboarding-url', 'http.response.status_code': 200 })
  for (const span of [start, url]) {
    t.ok(ancestors(span as ReadableSpan).includes(route as ReadableSpan), `${span?.attributes['url.path']} under the route`)
    t.equal(span?.spanContext().traceId, route?.spanContext().traceId)
  }
  // The trace goes on at Incode: the context is propagated in a traceparent header.
  const sent = host.fake.requestsTo('/omni/start')[0]?.headers.traceparent
  t.match(sent, new RegExp(`^00-${route?.spanContext().traceId}-[0-9a-f]{16}-0[01]$`))
})

t.test('a retried call is a span per attempt; a failed one is marked an error', async (t) => {
  const host = await tracedHost(t, { plugin: { retries: 1 } })
  host.fake.failNext({ type: 'status', status: 503, body: { status: 5030 } }, { path: '/omni/start' })
  t.equal((await post(host.app, '/incode/sessions')).statusCode, 201)
  host.fake.failNext({ type: 'status', status: 400, body: { status: 4000 } }, { path: '/omni/start' })
  t.equal((await post(host.app, '/incode/sessions')).statusCode, 502)

  const statuses = clientSpans().map((span) => span.attributes['http.response.status_code'])
  t.same(statuses, [503, 200, 400])
  t.same(clientSpans().map((span) => span.status.code), [SpanStatusCode.ERROR, SpanStatusCode.UNSET, SpanStatusCode.ERROR])
})

t.test('the finished-onboarding flow\'s calls are under the webhook\'s span, and no span holds a secret', async (t) => {
  const outcomes: OnboardingOutcome[] = []
  const host = await tracedHost(t, {
    fake: ADMIN,
    plugin: {
      ...ADMIN,
      webhook: { secretHeader: SECRET_HEADER, approve: 'when-ok', onOnboardingFinished: async (outcome: OnboardingOutcome) => { outcomes.push(outcome) } }
    }
  })
  const url = await host.app.listen({ port: 0, host: '127.0.0.1' })
  const { interviewId } = (await post(host.app, '/incode/sessions')).json()
  await host.fake.completeOnboarding(interviewId)
  const res = await request(`${url}/incode/webhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [SECRET_HEADER.name]: SECRET_HEADER.value },
    body: JSON.stringify({ interviewId, onboardingStatus: 'ONBOARDING_FINISHED' })
  })
  t.equal(res.statusCode, 200)
  await res.body.dump()
  t.equal(outcomes.length, 1)

  const webhook = requestSpan('/incode/webhook')
  const paths = clientSpans().filter((span) => ancestors(span).includes(webhook as ReadableSpan)).map((span) => span.attributes['url.path'])
  t.same(paths, ['/executive/log-in', '/omni/get/score', '/omni/process/approve'])

  const identity = outcomes[0]?.identity
  const secrets = [...secretsOf(host), ADMIN.adminPassword, SECRET_HEADER.value, String(identity?.customerToken),
    ...host.fake.requestsTo('/omni/get/score').map((call) => String(call.headers['x-incode-hardware-id']))]
  const attributes = exporter.getFinishedSpans().map((span) => JSON.stringify({ name: span.name, attributes: span.attributes, events: span.events }))
  t.same(secrets.filter((secret) => attributes.some((text) => text.includes(secret))), [], 'no key, token, password, secret or Incode URL')
})
