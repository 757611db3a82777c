// The stores a limit counts in when the host gives none of its own: in memory, or in Redis when it
// gives a client. Written here, with @fastify/rate-limit's semantics (a window per key from its
// first request, `continueExceeding`, `exponentialBackoff`, a child per route with a limit of its
// own, Redis keys under `nameSpace`), because that package exports neither of its own.
import type { FastifyRateLimitStore } from '@fastify/rate-limit'

type IncrCallback = Parameters<FastifyRateLimitStore['incr']>[1]
type ChildOptions = Parameters<FastifyRateLimitStore['child']>[0]
/** What @fastify/rate-limit passes to `child`: the route's limit, merged with the plugin's, and the route. */
interface RouteLimit {
  continueExceeding?: boolean
  exponentialBackoff?: boolean
  cache?: number
  routeInfo: { method?: unknown, url?: string }
}

/** How a key's window moves once its count is over `max`. */
interface Exceeding {
  /** Each request over the limit starts the window again. */
  continueExceeding: boolean
  /** Each request over the limit doubles the window. */
  exponentialBackoff: boolean
}

interface Window {
  current: number
  startedAt: number
  ttl: number
}

const DEFAULT_CACHE = 5000

/** Counts in this process, for at most `cache` keys (the least recently counted go first). */
export class MemoryStore implements FastifyRateLimitStore {
  readonly #exceeding: Exceeding
  readonly #cache: number
  readonly #windows = new Map<string, Window>()

  constructor (exceeding: Exceeding, cache = DEFAULT_CACHE) {
    this.#exceeding = exceeding
    this.#cache = cache
  }

  incr (key: string, callback: IncrCallback, timeWindow: number, max: number): void {
    const now = Date.now()
    let window = this.#windows.get(key)
    this.#windows.delete(key)
    if (window === undefined || window.startedAt + timeWindow <= now) {
      window = { current: 1, startedAt: now, ttl: timeWindow }
    } else {
      window.current++
      const over = window.current > max
      if (over && this.#exceeding.continueExceeding) {
        window.startedAt = now
        window.ttl = timeWindow
      } else if (over && this.#exceeding.exponentialBackoff) {
        window.startedAt = now
        window.ttl = Math.min(timeWindow * 2 ** (window.current - max - 1), Number.MAX_SAFE_INTEGER)
      } else {
        window.ttl = timeWindow - (now - window.startedAt)
      }
    }
    this.#windows.set(key, window)
    if (this.#windows.size > this.#cache) this.#windows.delete(this.#windows.keys().next().value as string)
    callback(null, { current: window.current, ttl: window.ttl })
  }

  child (routeOptions: ChildOptions): FastifyRateLimitStore {
    const limit = routeOptions as unknown as RouteLimit
    return new MemoryStore(exceedingOf(limit), limit.cache)
  }
}

// The script @fastify/rate-limit's own Redis store runs, so that instances on either count alike.
const INCR_SCRIPT = `
  local key = KEYS[1]
  local timeWindow = tonumber(ARGV[1])
  local max = tonumber(ARGV[2])
  local continueExceeding = ARGV[3] == 'true'
  local exponentialBackoff = ARGV[4] == 'true'
  local MAX_SAFE_INTEGER = (2^53) - 1
  local current = redis.call('INCR', key)
  if current == 1 or (continueExceeding and current > max) then
    redis.call('PEXPIRE', key, timeWindow)
  elseif exponentialBackoff and current > max then
    timeWindow = math.min(timeWindow * (2 ^ (current - max - 1)), MAX_SAFE_INTEGER)
    redis.call('PEXPIRE', key, timeWindow)
  else
    timeWindow = redis.call('PTTL', key)
  end
  return {current, timeWindow}
`
const COMMAND = 'fastifyIncodeRateLimit'

/** The part of an ioredis client the store uses. */
export interface RedisCommands {
  defineCommand: (name: string, definition: { numberOfKeys: number, lua: string }) => void
}

type RunScript = (key: string, timeWindow: number, max: number, continueExceeding: boolean, exponentialBackoff: boolean,
  callback: (error: Error | null | undefined, result: [number, number]) => void) => void

/** Counts in Redis, one key per client key under `nameSpace`, in one script call per request. */
export class RedisStore implements FastifyRateLimitStore {
  readonly #exceeding: Exceeding
  readonly #redis: RedisCommands & Record<string, unknown>
  readonly #nameSpace: string

  constructor (exceeding: Exceeding, redis: RedisCommands, nameSpace = 'fastify-rate-limit-') {
    this.#exceeding = exceeding
    this.#redis = redis as RedisCommands & Record<string, unknown>
    this.#nameSpace = nameSpace
    if (typeof this.#redis[COMMAND] !== 'function') redis.defineCommand(COMMAND, { numberOfKeys: 1, lua: INCR_SCRIPT })
  }

  incr (key: string, callback: IncrCallback, timeWindow: number, max: number): void {
    const { continueExceeding, exponentialBackoff } = this.#exceeding
    const run = this.#redis[COMMAND] as RunScript
    run.call(this.#redis, this.#nameSpace + key, timeWindow, max, continueExceeding, exponentialBackoff, (error, result) => {
      if (error == null) callback(null, { current: result[0], ttl: result[1] })
      else callback(error)
    })
  }

  child (routeOptions: ChildOptions): FastifyRateLimitStore {
    const limit = routeOptions as unknown as RouteLimit
    const { method, url } = limit.routeInfo
    return new RedisStore(exceedingOf(limit), this.#redis, `${this.#nameSpace}${String(method)}${String(url)}-`)
  }
}

function exceedingOf (options: Partial<Exceeding>): Exceeding {
  return { continueExceeding: options.continueExceeding === true, exponentialBackoff: options.exponentialBackoff === true }
}
