import fp from 'fastify-plugin'
import { fastifyIncodePlugin } from './plugin.js'

/** The fastify-incode plugin: onboarding routes, the `fastify.incode` client and rate limiting. */
export const fastifyIncode = fp(fastifyIncodePlugin, { name: 'fastify-incode', fastify: '5.x' })
export default fastifyIncode

export {
  IncodeClient,
  type CallOptions,
  type CallSignal,
  type IncodeClientOptions,
  type StartSessionOptions,
  type StartSessionParams,
  type StartSessionResult
} from './client.js'
export {
  CallNotSentError,
  InvalidOptionError,
  RateLimitedError,
  RateLimitUnavailableError,
  RedirectNotAllowedError,
  SessionNotRecordedError,
  UpstreamBadResponseError,
  UpstreamError,
  UpstreamRejectedError,
  UpstreamTimeoutError,
  UpstreamUnreachableError,
  type IncodeCallError
} from './errors.js'
export type {
  ExternalCustomerIdResolver,
  FastifyIncodeOptions,
  IncodeRateLimitOptions,
  IncodeRouteOptions,
  IncodeSession,
  OnSessionCreated
} from './plugin.js'
