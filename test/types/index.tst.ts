// Type tests of the public surface, as built (dist/): what a TypeScript host can and cannot write.
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify'
import { expect } from 'tstyche'
import fastifyIncode, {
  fastifyIncode as namedFastifyIncode,
  IncodeCallError,
  IncodeClient,
  isIncodeCallError,
  UpstreamTimeoutError,
  UpstreamRejectedError,
  SessionNotRecordedError,
  AdminLoginFailedError,
  type FastifyIncodeOptions,
  type IncodeScore,
  type IncodeWebhookEvent,
  type OnboardingStatusResult,
  type HostCallbackContext,
  type IncodeSession,
  type StartSessionResult,
  type ApproveSessionResult,
  type FaceLoginResult,
  type IncodeImages,
  type IncodeOcrData,
  type OnboardingOutcome,
  type IncodeHealth,
  type IncodeHealthCheck,
  type IncodeMetrics,
  type MetricFamily
} from 'fastify-incode'
import promClient from 'prom-client'
import { createFakeIncode, DEFAULT_OCR_DATA, faceAuthenticationResult, sessionEvent, type FakeIncode, type WebhookDelivery } from 'fastify-incode/testing'

const app = Fastify()
const required = { apiUrl: 'https://demo-api.incodesmile.com', apiKey: 'key', configurationId: 'flow' }

expect(namedFastifyIncode).type.toBe(fastifyIncode)
expect(app.register(fastifyIncode, required)).type.not.toRaiseError()
expect(app.register(fastifyIncode, { ...required, rateLimit: { max: 5, timeWindow: '1 minute', storeTimeout: 500 } })).type.not.toRaiseError()
expect(app.register(fastifyIncode, { ...required, rateLimit: false, hookTimeout: 1000, keepAliveTimeout: 500 })).type.not.toRaiseError()

// A wrong type or an unknown key is a compile error.
expect(app.register(fastifyIncode, { ...required, timeout: '10s' })).type.toRaiseError()
expect(app.register(fastifyIncode, { ...required, rateLimit: true })).type.toRaiseError()
expect(app.register(fastifyIncode, { ...required, onSessionCreated: 'store it' })).type.toRaiseError()
expect(app.register(fastifyIncode, { ...required, apiKey: undefined })).type.toRaiseError()
expect(app.register(fastifyIncode, { apiUrl: 'x', apiKey: 'k', configurationId: 'f', retrys: 2 })).type.toRaiseError()

// onSessionCreated: `this` is the instance; the session, the request and the context are typed.
const options: FastifyIncodeOptions = {
  ...required,
  onSessionCreated: async function (session, request, context) {
    expect(this).type.toBe<FastifyInstance>()
    expect(session).type.toBe<IncodeSession>()
    expect(session.interviewId).type.toBe<string>()
    expect(session.delivered).type.toBe<boolean>()
    expect(session.route).type.toBe<'sessions' | 'onboarding-url' | 'start'>()
    expect(session.uniqueId).type.toBe<string | undefined>()
    expect(session.response).type.toBe<StartSessionResult>()
    expect(request).type.toBe<FastifyRequest>()
    expect(context).type.toBe<HostCallbackContext>()
    expect(context.signal).type.toBe<AbortSignal>()
  },
  externalCustomerId: (request, { signal }) => {
    expect(request).type.toBe<FastifyRequest>()
    expect(signal).type.toBe<AbortSignal>()
    return undefined
  }
}
expect(options).type.toBeAssignableTo<FastifyIncodeOptions>()
expect({ ...options, decorator: 'incodeEu', routePrefix: '/incode-eu' }).type.toBeAssignableTo<FastifyIncodeOptions>()
expect({ ...options, decorator: 42 }).type.not.toBeAssignableTo<FastifyIncodeOptions>()

// The decorator.
expect(app.incode).type.toBe<IncodeClient>()
expect(app.incode.startSession()).type.toBe<Promise<StartSessionResult>>()
expect(app.incode.startSession({ language: 'es-ES' }, { signal: AbortSignal.timeout(1000), onLateSession: () => {} })).type.not.toRaiseError()
expect(app.incode.startSession({ language: 42 })).type.toRaiseError()
expect(app.incode.startSession({ redirectUrl: 'https://x.test/' })).type.toRaiseError()
// The public calls take an AbortSignal only; the routes' own ways in are not part of the surface.
expect(app.incode.startSession({}, { signal: { aborted: false, reason: undefined } })).type.toRaiseError()
expect(app.incode.getOnboardingUrl('token', { signal: { aborted: false } })).type.toRaiseError()
expect(app.incode).type.not.toHaveProperty('startSessionForRoute')
expect(app.incode).type.not.toHaveProperty('getOnboardingUrlForRoute')
expect(new IncodeClient({ apiUrl: 'https://demo-api.incodesmile.com', apiKey: 'key', configurationId: 'flow' })).type.toBe<IncodeClient>()
expect(IncodeClient).type.toBeConstructableWith({ apiUrl: 'https://demo-api.incodesmile.com', apiKey: 'key', configurationId: 'flow' })
expect(IncodeClient).type.not.toBeConstructableWith({ origin: 'https://demo-api.incodesmile.com', basePath: '', apiKey: 'key', configurationId: 'flow' })
expect(app.incode.getOnboardingUrl('token')).type.toBe<Promise<string>>()
expect(app.incode.getOnboardingUrl('token', { signal: new AbortController().signal })).type.not.toRaiseError()
expect(app.incode.close()).type.toBe<Promise<void>>()
expect(new IncodeClient(required).configurationId).type.toBe<string>()

// The error classes: literal codes, the call's fields, one check for "an Incode call failed".
const timeout = new UpstreamTimeoutError()
expect(timeout.code).type.toBe<'FST_INCODE_UPSTREAM_TIMEOUT'>()
expect(timeout.statusCode).type.toBe<504>()
expect(timeout.attempts).type.toBe<number>()
expect(timeout.upstreamStatus).type.toBe<number | undefined>()
expect(timeout.incodeStatus).type.toBe<number | undefined>()
expect(timeout).type.toBeAssignableTo<IncodeCallError>()
expect(new UpstreamRejectedError().code).type.toBe<'FST_INCODE_UPSTREAM_REJECTED'>()
expect(new SessionNotRecordedError({ cause: new Error('x') }).statusCode).type.toBe<500>()
const unknownError: unknown = timeout
if (isIncodeCallError(unknownError)) expect(unknownError).type.toBe<IncodeCallError>()
if (unknownError instanceof IncodeCallError) expect(unknownError.attempts).type.toBe<number>()

// Results and the webhook.
expect(app.incode.getScore('660ee696a9b89db96502d8db')).type.toBe<Promise<IncodeScore>>()
expect(app.incode.getOnboardingStatus('660ee696a9b89db96502d8db')).type.toBe<Promise<OnboardingStatusResult>>()
expect(app.register(fastifyIncode, { ...required, adminEmail: 'a@b.c', adminPassword: 'p' })).type.not.toRaiseError()
expect(app.register(fastifyIncode, {
  ...required,
  webhook: {
    secretHeader: { name: 'x-secret', value: 's'.repeat(32) },
    onWebhook: async function (event, request, { signal }) {
      expect(this).type.toBe<FastifyInstance>()
      expect(event).type.toBe<IncodeWebhookEvent>()
      expect(event.dedupeKey).type.toBe<string>()
      expect(request).type.toBe<FastifyRequest>()
      expect(signal).type.toBe<AbortSignal>()
    }
  }
})).type.not.toRaiseError()
expect(app.register(fastifyIncode, { ...required, webhook: { secretHeader: { name: 'x', value: 'y' } } })).type.toRaiseError()
expect(new AdminLoginFailedError().code).type.toBe<'FST_INCODE_ADMIN_LOGIN_FAILED'>()
expect(new AdminLoginFailedError()).type.toBeAssignableTo<IncodeCallError>()

// The testing entry.
expect(createFakeIncode()).type.toBe<Promise<FakeIncode>>()
expect(createFakeIncode({ latencyMs: 300, maxRecorded: 100 })).type.not.toRaiseError()
expect(createFakeIncode({ latency: 300 })).type.toRaiseError()

// What the fake recorded is typed by the endpoint: a start request's body has its keys.
declare const fake: FakeIncode
expect(fake.requestsTo('/omni/start').at(-1)?.body.externalCustomerId).type.toBe<string | undefined>()
expect(fake.requestsTo('/executive/log-in')[0]?.body.email).type.toBe<string | undefined>()
expect(fake.requestsTo('/omni/get/score')[0]?.body).type.toBe<undefined>()
expect(fake.requestsTo('/elsewhere')[0]?.body).type.toBe<unknown>()
expect(fake.requests[0]?.body).type.toBe<unknown>()
expect(fake.sessions.get('id')?.body.configurationId).type.toBe<string | undefined>()

// The compat routes: a read limit of their own, and resumeSession told when its id was issued.
expect(app.register(fastifyIncode, { ...required, compatRoutes: { readRateLimit: { max: 30, timeWindow: '1 minute' } }, resumeMaxAge: 600_000 })).type.not.toRaiseError()
expect(app.register(fastifyIncode, { ...required, compatRoutes: { readRateLimit: false } })).type.not.toRaiseError()
expect(app.register(fastifyIncode, { ...required, compatRoutes: { readRateLimit: { keyGenerator: () => 'k' } } })).type.toRaiseError()
expect(app.register(fastifyIncode, {
  ...required,
  compatRoutes: true,
  resumeSession: async (_uniqueId, _request, context) => {
    expect(context.issuedAt).type.toBe<Date>()
    expect(context.signal).type.toBe<AbortSignal>()
    return undefined
  }
})).type.not.toRaiseError()

// The outcome: approval, the verified data, erasure, the finished-onboarding flow.
expect(app.incode.approveSession('660ee696a9b89db96502d8db')).type.toBe<Promise<ApproveSessionResult>>()
declare const approval: ApproveSessionResult
expect(approval.identityId).type.toBe<string>()
expect(approval.customerToken).type.toBe<string>()
expect(approval.existingCustomer).type.toBe<boolean>()
expect(approval.somethingIncodeAdds).type.toBe<unknown>()
expect(app.incode.getOcrData('660ee696a9b89db96502d8db')).type.toBe<Promise<IncodeOcrData>>()
declare const ocr: IncodeOcrData
expect(ocr.name?.fullName).type.toBe<string | undefined>()
expect(ocr.birthDate).type.toBe<number | undefined>()
expect(app.incode.getImages('660ee696a9b89db96502d8db', ['croppedFace', 'selfie'])).type.toBe<Promise<IncodeImages>>()
declare const images: IncodeImages
expect(images.croppedFace).type.toBe<Buffer | undefined>()
expect(app.incode.getImages('660ee696a9b89db96502d8db', 'selfie')).type.toRaiseError()
expect(app.incode.deleteSessions(['660ee696a9b89db96502d8db'], { piiOnly: true })).type.toBe<Promise<void>>()
expect(app.incode.deleteSessions('660ee696a9b89db96502d8db')).type.toRaiseError()
expect(app.incode.verifyFaceLogin('token', '660ee696a9b89db96502d8db')).type.toBe<Promise<FaceLoginResult>>()
expect(app.register(fastifyIncode, {
  ...required,
  adminEmail: 'a@b.c',
  adminPassword: 'p',
  webhook: {
    secretHeader: { name: 'x-secret', value: 's'.repeat(32) },
    approve: 'when-ok',
    onOnboardingFinished: async function (outcome, request, { signal }) {
      expect(this).type.toBe<FastifyInstance>()
      expect(outcome).type.toBe<OnboardingOutcome>()
      expect(outcome.identity).type.toBe<ApproveSessionResult | undefined>()
      expect(outcome.alreadyApproved).type.toBe<boolean>()
      expect(outcome.event.onboardingStatus).type.toBe<string>()
      expect(request).type.toBe<FastifyRequest>()
      expect(signal).type.toBe<AbortSignal>()
    }
  }
})).type.not.toRaiseError()
expect(app.register(fastifyIncode, { ...required, webhook: { secretHeader: { name: 'x', value: 'y' }, approve: 'always', onWebhook: async () => {} } })).type.toRaiseError()
expect(app.register(fastifyIncode, {
  ...required,
  webhook: {
    secretHeader: { name: 'x-secret', value: 's'.repeat(32) },
    onWebhook: async (event) => {
      if (event.kind === 'onboarding-status') expect(event.interviewId).type.toBe<string>()
      if (event.kind === 'face-authentication') expect(event.verified).type.toBe<boolean>()
      if (event.kind === 'session-event') expect(event.eventType).type.toBe<string>()
    }
  }
})).type.not.toRaiseError()

// The fake's outcome: who finished, and the other kinds of webhook.
expect(fake.completeOnboarding('id', { person: { face: 'alex', ocr: { name: { fullName: 'ROBIN ROE' } } }, authentication: { identityId: 'i' } })).type.toBe<Promise<WebhookDelivery[]>>()
expect(fake.sendWebhook(sessionEvent({ eventType: 'SESSION_SUCCEEDED', interviewId: 'id' }))).type.toBe<Promise<WebhookDelivery[]>>()
expect(faceAuthenticationResult({ transactionId: 't', customerId: 'c', interviewId: 'i', verified: true })).type.toBe<Record<string, unknown>>()
expect(DEFAULT_OCR_DATA.birthDate).type.toBe<number | undefined>()
expect(fake.requestsTo('/omni/interviews')[0]?.body.config?.deletePiiDataOnly).type.toBe<boolean | undefined>()

// Running in production: the metrics as read or exported, the readiness check; the plugin's own
// recording methods are not in the published types.
expect(app.incode.metrics.value('incode_calls_total', { call: 'start', outcome: 'ok' })).type.toBe<number>()
expect(app.incode.metrics.prometheus()).type.toBe<string>()
expect(app.incode.metrics.families()).type.toBe<MetricFamily[]>()
expect(app.incode.metrics.registerOn(promClient.register)).type.toBe<void>()
expect(app.incode.metrics.registerOn({})).type.toRaiseError()
expect(app.incode.metrics).type.not.toHaveProperty('sessionCreated')
expect(app.incode.metrics).type.not.toHaveProperty('callAnswered')
expect(app.incode.health()).type.toBe<Promise<IncodeHealth>>()
expect<IncodeHealth['checks'][string]>().type.toBe<IncodeHealthCheck>()
expect(new IncodeClient(required).metrics).type.toBe<IncodeMetrics>()
