import { createRequire } from 'node:module'
import type { FastifyBaseLogger } from 'fastify'
import type {
  FastifyRateLimitOptions,
  FastifyRateLimitStore,
  FastifyRateLimitStoreCtor,
  RateLimitPluginOptions
} from '@fastify/rate-limit'
import { RateLimitedError, RateLimitUnavailableError } from './errors.js'
import type { CheckedRateLimitOptions } from './plugin.js'

// @fastify/rate-limit builds its stores itself and throws a failing store's own error from the
// route hook, or waits as long as the store does. Wrapping the store is the one place where a
// failure can become FST_INCODE_RATE_LIMIT_UNAVAILABLE within a bounded time, so the built-in
// stores are constructed here as the plugin would.
const require = createRequire(import.meta.url)
const LocalStore = require('@fastify/rate-limit/store/LocalStore.js') as BuiltInStoreCtor
const RedisStore = require('@fastify/rate-limit/store/RedisStore.js') as BuiltInStoreCtor

type BuiltInStoreCtor = new (continueExceeding: boolean, exponentialBackoff: boolean, ...rest: unknown[]) => FastifyRateLimitStore
type IncrCallback = Parameters<FastifyRateLimitStore['incr']>[1]

interface StoreParams extends FastifyRateLimitOptions {
  continueExceeding: boolean
  exponentialBackoff: boolean
}

/** Whether the store is failing, shared by the stores of both routes: one log line an outage. */
class StoreHealth {
  #down = false

  constructor (readonly log: FastifyBaseLogger, readonly failOpen: boolean) {}

  failed (cause: unknown): void {
    if (this.#down) return
    this.#down = true
    this.log.warn({ err: cause }, `The rate-limit store is unavailable: session creation fails ${this.failOpen ? 'open (not limited)' : 'closed (503)'} until it is back`)
  }

  succeeded (): void {
    if (!this.#down) return
    this.#down = false
    this.log.info('The rate-limit store is back: session creation is limited again')
  }
}

class GuardedStore implements FastifyRateLimitStore {
  readonly #inner: FastifyRateLimitStore
  readonly #health: StoreHealth
  readonly #timeout: number

  constructor (inner: FastifyRateLimitStore, health: StoreHealth, timeout: number) {
    this.#inner = inner
    this.#health = health
    this.#timeout = timeout
  }

  incr (key: string, callback: IncrCallback, timeWindow: number, max: number): void {
    let settled = false
    const settle = (error: unknown, result?: { current: number, ttl: number }): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      if (result === undefined) {
        this.#health.failed(error)
        callback(new RateLimitUnavailableError({ cause: error }))
      } else {
        this.#health.succeeded()
        callback(null, result)
      }
    }
    // A store that never answers (a Redis that hangs, or queues commands while it reconnects)
    // must not hold the request.
    const timer = setTimeout(() => settle(new Error(`The rate-limit store did not answer within ${this.#timeout} ms`)), this.#timeout)
    this.#inner.incr(key, (error, result) => settle(error, error ? undefined : result), timeWindow, max)
  }

  child (routeOptions: Parameters<FastifyRateLimitStore['child']>[0]): FastifyRateLimitStore {
    return new GuardedStore(this.#inner.child(routeOptions), this.#health, this.#timeout)
  }
}

/** The `@fastify/rate-limit` settings of the session-creating routes. */
export function rateLimitSettings (options: CheckedRateLimitOptions, log: FastifyBaseLogger): RateLimitPluginOptions {
  const { store: CustomStore, redis, nameSpace, cache, storeTimeout, ...rest } = options
  const health = new StoreHealth(log, rest.skipOnError === true)
  const Store = class {
    constructor (params: FastifyRateLimitOptions) {
      const { continueExceeding, exponentialBackoff } = params as StoreParams
      const inner = CustomStore !== undefined
        ? new CustomStore(params)
        : redis !== undefined
          ? new RedisStore(continueExceeding, exponentialBackoff, redis, nameSpace)
          : new LocalStore(continueExceeding, exponentialBackoff, cache)
      return new GuardedStore(inner, health, storeTimeout)
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
