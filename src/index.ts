import fp from 'fastify-plugin'
import { fastifyIncodePlugin } from './plugin.js'

/** The fastify-incode plugin: onboarding routes, the `fastify.incode` client and rate limiting. */
export const fastifyIncode = fp(fastifyIncodePlugin, { name: 'fastify-incode', fastify: '5.x' })
export default fastifyIncode

export { IncodeClient } from './client.js'
export { incodeOpenApi } from './openapi.js'
export type { IncodeHealth, IncodeHealthCheck } from './health.js'
export type { IncodeMetrics, MetricFamily, MetricValue, PrometheusRegistry } from './metrics.js'
export {
  AdminLoginFailedError,
  CallNotSentError,
  CrossSiteRefusedError,
  HookTimeoutError,
  IncodeCallError,
  InvalidOptionError,
  InvalidParamsError,
  isIncodeCallError,
  RateLimitedError,
  RateLimitUnavailableError,
  ReadRateLimitedError,
  RedirectNotAllowedError,
  RedirectTooLongError,
  SessionNotFoundError,
  SessionNotRecordedError,
  UpstreamBadResponseError,
  UpstreamError,
  UpstreamRejectedError,
  UpstreamTimeoutError,
  UnknownUniqueIdError,
  UpstreamUnreachableError,
  WebhookBodyTooDeepError,
  WebhookNotProcessedError,
  WebhookRateLimitedError,
  WebhookUnauthorizedError
} from './errors.js'
export type {
  ApproveSessionResult,
  CallOptions,
  DeleteSessionsOptions,
  ExternalCustomerIdResolver,
  FaceAuthenticationParams,
  FaceAuthenticationResult,
  FaceLoginResult,
  FastifyIncodeOptions,
  FinishStatusResult,
  HostCallbackContext,
  IncodeClientOptions,
  IncodeCompatRoutesOptions,
  IncodeImageKind,
  IncodeImages,
  IncodeOcrData,
  IncodeOcrName,
  IncodeRateLimitOptions,
  IncodeRouteOptions,
  IncodeScore,
  IncodeScoreValue,
  IncodeSession,
  IncodeWebhookEvent,
  IncodeWebhookOptions,
  IncodeWebhookSettings,
  FaceAuthenticationEvent,
  OnboardingOutcome,
  OnboardingStatusEvent,
  OnboardingStatusResult,
  OnOnboardingFinished,
  OnSessionCreated,
  OtherWebhookEvent,
  SessionEvent,
  OnWebhook,
  ResumedSession,
  ResumeSession,
  OwnsSession,
  ClaimFaceLogin,
  FaceLoginSession,
  ResumeSessionContext,
  StartSessionOptions,
  StartSessionParams,
  StartSessionResult
} from './types.js'
