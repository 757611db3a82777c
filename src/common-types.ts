// The public types the plugin's options and the webhook's share: what every callback of yours is
// given, and a rate limit's options.
import type { RateLimitPluginOptions } from '@fastify/rate-limit'

/** The last argument of every callback of yours that the plugin awaits. */
export interface HostCallbackContext {
  /** Aborts when the callback's deadline (`hookTimeout`) passes or the server starts closing. */
  readonly signal: AbortSignal
}

/** `@fastify/rate-limit` options, less the ones fastify-incode sets itself. */
export interface IncodeRateLimitOptions extends Omit<RateLimitPluginOptions, 'global' | 'hook' | 'errorResponseBuilder'> {
  /** How long a request waits for the store (Redis) before it counts as unavailable, in ms. Default 1000. */
  storeTimeout?: number
}
