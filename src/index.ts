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
  RedirectNotAllowedError,
  RedirectTooLongError,
  SessionNotRecordedError,
  UpstreamBadResponseError,
  UpstreamError,
  UpstreamRejectedError,
  UpstreamTimeoutError,
  UnknownUniqueIdError,
  UpstreamUnreachableError,
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
  StartSessionOptions,
  StartSessionParams,
  StartSessionResult
} from './types.js'
