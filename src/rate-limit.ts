import { createRequire } from 'node:module'
import type {
  FastifyRateLimitOptions,
  FastifyRateLimitStore,
  FastifyRateLimitStoreCtor,
  RateLimitPluginOptions
} from '@fastify/rate-limit'
import { RateLimitedError, RateLimitUnavailableError } from './errors.js'
import type { IncodeRateLimitOptions } from './plugin.js'

// @fastify/rate-limit builds its stores itself and throws a failing store's own error from the
// route hook. Wrapping the store is the one place where such an error can become
// FST_INCODE_RATE_LIMIT_UNAVAILABLE, so the built-in stores are constructed here as it would.
const require = createRequire(import.meta.url)
const LocalStore = require('@fastify/rate-limit/store/LocalStore.js') as BuiltInStoreCtor
const RedisStore = require('@fastify/rate-limit/store/RedisStore.js') as BuiltInStoreCtor

type BuiltInStoreCtor = new (continueExceeding: boolean, exponentialBackoff: boolean, ...rest: unknown[]) => FastifyRateLimitStore

interface StoreParams extends FastifyRateLimitOptions {
  continueExceeding: boolean
  exponentialBackoff: boolean
}

class GuardedStore implements FastifyRateLimitStore {
  readonly #inner: FastifyRateLimitStore

  constructor (inner: FastifyRateLimitStore) {
    this.#inner = inner
  }

  incr (key: string, callback: Parameters<FastifyRateLimitStore['incr']>[1], timeWindow: number, max: number): void {
    this.#inner.incr(key, (error, result) => {
      if (error) callback(new RateLimitUnavailableError({ cause: error }))
      else callback(null, result)
    }, timeWindow, max)
  }

  child (routeOptions: Parameters<FastifyRateLimitStore['child']>[0]): FastifyRateLimitStore {
    return new GuardedStore(this.#inner.child(routeOptions))
  }
}

/** The `@fastify/rate-limit` settings of the session-creating routes. */
export function rateLimitSettings (options: IncodeRateLimitOptions): RateLimitPluginOptions {
  const { store: CustomStore, redis, nameSpace, cache, ...rest } = options
  const Store = class {
    constructor (params: FastifyRateLimitOptions) {
      const { continueExceeding, exponentialBackoff } = params as StoreParams
      const inner = CustomStore !== undefined
        ? new CustomStore(params)
        : redis !== undefined
          ? new RedisStore(continueExceeding, exponentialBackoff, redis, nameSpace)
          : new LocalStore(continueExceeding, exponentialBackoff, cache)
      return new GuardedStore(inner)
    }
  } as unknown as FastifyRateLimitStoreCtor
  return {
    ...rest,
    store: Store,
    global: true,
    // After the host's own preHandler hooks, so a keyGenerator can use what its auth found.
    hook: 'preHandler',
    errorResponseBuilder: () => new RateLimitedError()
  }
}
