import fp from 'fastify-plugin'
import { fastifyIncodePlugin } from './plugin.js'

/** The fastify-incode plugin: onboarding routes, the `fastify.incode` client and rate limiting. */
export const fastifyIncode = fp(fastifyIncodePlugin, { name: 'fastify-incode', fastify: '5.x' })
export default fastifyIncode

export { IncodeClient } from './client.js'
export { incodeOpenApi } from './openapi.js'
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
  CallOptions,
  ExternalCustomerIdResolver,
  FaceAuthenticationParams,
  FaceAuthenticationResult,
  FastifyIncodeOptions,
  FinishStatusResult,
  HostCallbackContext,
  IncodeClientOptions,
  IncodeCompatRoutesOptions,
  IncodeRateLimitOptions,
  IncodeRouteOptions,
  IncodeScore,
  IncodeScoreValue,
  IncodeSession,
  IncodeWebhookEvent,
  IncodeWebhookOptions,
  OnboardingStatusResult,
  OnSessionCreated,
  OnWebhook,
  ResumedSession,
  ResumeSession,
  ResumeSessionContext,
  StartSessionOptions,
  StartSessionParams,
  StartSessionResult
} from './types.js'
