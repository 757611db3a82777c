import type { FastifyBaseLogger } from 'fastify'
import type {
  FastifyRateLimitOptions,
  FastifyRateLimitStore,
  FastifyRateLimitStoreCtor,
  RateLimitPluginOptions
} from '@fastify/rate-limit'
import type { IncodeClient } from './client.js'
import { RateLimitedError, RateLimitUnavailableError, type IncodeErrorClass } from './errors.js'
import { addHealthCheck } from './health.js'
import type { HostCallbacks } from './host-callback.js'
import type { CheckedRateLimitOptions } from './rate-limit-options.js'
import { MemoryStore, RedisStore, type RedisCommands } from './rate-limit-stores.js'

// @fastify/rate-limit throws a failing store's own error from the route hook, or waits as long as
// the store does. Wrapping the store is the one place where a failure can become
// FST_INCODE_RATE_LIMIT_UNAVAILABLE within a bounded time, so every store is built here: the
// host's, or one of rate-limit-stores.ts (in memory, or in Redis with the host's client).
type IncrCallback = Parameters<FastifyRateLimitStore['incr']>[1]

// The key health() counts under, in the store's own namespace: no client's key looks like it.
const HEALTH_PROBE_KEY = 'fastify-incode:health'

interface StoreParams extends FastifyRateLimitOptions {
  continueExceeding: boolean
  exponentialBackoff: boolean
}

/** Whether the store is failing, shared by the stores of every route one limit serves: one log line an outage. */
class StoreHealth {
  #down = false

  /** `routes`: what the limit serves, as the lines name it ("the session routes"). */
  constructor (readonly log: FastifyBaseLogger, readonly failOpen: boolean, readonly routes: string) {}

  failed (cause: unknown): void {
    if (this.#down) return
    this.#down = true
    this.log.warn({ err: cause },
      `The rate-limit store of ${this.routes} is unavailable: they fail ${this.failOpen ? 'open (not limited)' : 'closed (503)'} until it is back`)
  }

  succeeded (): void {
    if (!this.#down) return
    this.#down = false
    this.log.info(`The rate-limit store of ${this.routes} is back: they are limited again`)
  }
}

/**
 * Holds a store's commands while its Redis client is not connected. A command given to such a
 * client waits in the client's offline queue, which some settings (maxRetriesPerRequest: null, as
 * BullMQ requires) never empty: memory grows for the whole outage, and the backlog inflates the
 * counters when Redis returns. Here a request waits (within storeTimeout) without a command.
 */
class RedisConnection {
  readonly #client: RedisLike | undefined
  readonly #waiting = new Set<() => void>()

  constructor (client: RedisLike | undefined) {
    this.#client = client
  }

  /** Runs `send` now if the client sends at once, else when it is ready; returns what cancels the wait. */
  whenReady (send: () => void): () => void {
    const status = this.#client?.status
    // `wait` (lazyConnect, never used) connects on the first command; a client that reports no
    // state (not ioredis) is taken at its word; and without `redis` the store is not Redis's.
    if (status === undefined || status === 'ready' || status === 'wait') {
      send()
      return () => {}
    }
    if (this.#waiting.size === 0) (this.#client as RedisLike).once('ready', () => this.#release())
    this.#waiting.add(send)
    return () => this.#waiting.delete(send)
  }

  #release (): void {
    const waiting = [...this.#waiting]
    this.#waiting.clear()
    for (const send of waiting) send()
  }
}

interface RedisLike {
  status?: unknown
  once: (event: 'ready', listener: () => void) => unknown
}

class GuardedStore implements FastifyRateLimitStore {
  readonly #inner: FastifyRateLimitStore
  readonly #health: StoreHealth
  readonly #timeout: number
  readonly #connection: RedisConnection

  constructor (inner: FastifyRateLimitStore, health: StoreHealth, timeout: number, connection: RedisConnection) {
    this.#inner = inner
    this.#health = health
    this.#timeout = timeout
    this.#connection = connection
  }

  incr (key: string, callback: IncrCallback, timeWindow: number, max: number): void {
    let settled = false
    let cancelWait = (): unknown => undefined
    const settle = (error: unknown, result?: { current: number, ttl: number }): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      cancelWait()
      if (result === undefined) {
        this.#health.failed(error)
        callback(new RateLimitUnavailableError({ cause: error }))
      } else {
        this.#health.succeeded()
        callback(null, result)
      }
    }
    // A store that never answers (a Redis that hangs or stays away) must not hold the request.
    const timer = setTimeout(() => settle(new Error(`The rate-limit store did not answer within ${this.#timeout} ms`)), this.#timeout)
    cancelWait = this.#connection.whenReady(() => {
      this.#inner.incr(key, (error, result) => settle(error, error ? undefined : result), timeWindow, max)
    })
  }

  child (routeOptions: Parameters<FastifyRateLimitStore['child']>[0]): FastifyRateLimitStore {
    return new GuardedStore(this.#inner.child(routeOptions), this.#health, this.#timeout, this.#connection)
  }
}

/**
 * The `@fastify/rate-limit` settings of one limit: the session routes' (the defaults, which also
 * serves the compat routes' read limit), or the webhook routes' (their own `LimitedError`). Every
 * context that registers them counts in one store.
 */
export function rateLimitSettings (
  options: CheckedRateLimitOptions,
  log: FastifyBaseLogger,
  callbacks: HostCallbacks,
  { client, LimitedError = RateLimitedError, global = true, routes = 'the session routes', limit = 'sessions' }: {
    /** Whose metrics count the refusals, and whose health() checks the store. */
    client: IncodeClient
    LimitedError?: IncodeErrorClass<Error>
    /** `false`: only the routes whose `config.rateLimit` asks for a limit are limited. */
    global?: boolean
    /** What the limit serves, as its log lines name it. */
    routes?: string
    /** What the limit serves, as its metrics and its health check name it. */
    limit?: 'sessions' | 'webhooks'
  }
): RateLimitPluginOptions {
  const { store: CustomStore, redis, nameSpace, cache, storeTimeout, ...rest } = options
  // @fastify/rate-limit awaits these per request: each gets the host-callback deadline, but not
  // the context's signal, as they are called with @fastify/rate-limit's own arguments.
  for (const name of ['keyGenerator', 'max', 'timeWindow', 'allowList'] as const) {
    const callback = rest[name]
    if (typeof callback === 'function') {
      Object.assign(rest, { [name]: async (...args: unknown[]) => await callbacks.run(name, () => (callback as (...a: unknown[]) => unknown)(...args)) })
    }
  }
  const health = new StoreHealth(log, rest.skipOnError === true, routes)
  const connection = new RedisConnection(CustomStore === undefined ? redis as RedisLike | undefined : undefined)
  let shared: GuardedStore | undefined
  const Store = class {
    constructor (params: FastifyRateLimitOptions) {
      if (shared !== undefined) return shared
      const { continueExceeding, exponentialBackoff } = params as StoreParams
      const exceeding = { continueExceeding, exponentialBackoff }
      const inner = CustomStore !== undefined
        ? new CustomStore(params)
        : redis !== undefined
          ? new RedisStore(exceeding, redis as RedisCommands, nameSpace)
          : new MemoryStore(exceeding, cache)
      const store = shared = new GuardedStore(inner, health, storeTimeout, connection)
      addHealthCheck(client, limit === 'sessions' ? 'rateLimitStore' : 'webhookRateLimitStore', async () => await probe(store))
      return store
    }
  } as unknown as FastifyRateLimitStoreCtor
  return {
    ...rest,
    store: Store,
    global,
    // @fastify/rate-limit appends its hook to the route's own hooks of that name (addRouteRateHook),
    // so a request those hooks refuse is not counted. Both limits use preHandler: the session
    // routes' after the host's preHandler hooks, so a keyGenerator can use what its auth found; the
    // webhook routes' after their credential checks, so only Incode's own calls are counted.
    hook: 'preHandler',
    errorResponseBuilder: () => {
      client.metrics.rateLimited(limit)
      return new LimitedError()
    }
  }
}

/**
 * Counts a request of a key no client has, as the routes' requests are counted: the store answers
 * within storeTimeout, or the probe rejects with FST_INCODE_RATE_LIMIT_UNAVAILABLE. The key lives a second.
 */
async function probe (store: FastifyRateLimitStore): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    store.incr(HEALTH_PROBE_KEY, (error) => error === null ? resolve() : reject(error), 1000, 1)
  })
}
