// The options of a rate limit: @fastify/rate-limit's own, less those the plugin sets, with its
// storeTimeout; and a limit's max and timeWindow wherever one is given.
import { parse as parseDuration } from '@lukeed/ms'
import { InvalidOptionError } from './errors.js'
import { isObject } from './is-object.js'
import { optionalInteger } from './option-checks.js'
import type { IncodeRateLimitOptions } from './types.js'

/** The rate-limit options with the plugin's own settled. */
export type CheckedRateLimitOptions = IncodeRateLimitOptions & { storeTimeout: number }

export const DEFAULT_STORE_TIMEOUT = 1000
const SESSION_RATE_LIMIT_DEFAULTS = { max: 10, timeWindow: '1 minute', storeTimeout: DEFAULT_STORE_TIMEOUT }
const RATE_LIMIT_OWN_KEYS = ['global', 'hook', 'errorResponseBuilder']

export function checkRateLimit (value: unknown, name = 'rateLimit', defaults = SESSION_RATE_LIMIT_DEFAULTS): false | CheckedRateLimitOptions {
  if (value === false) return false
  if (value === undefined) return { ...defaults }
  if (!isObject(value)) throw new InvalidOptionError(name, 'must be false or an object of @fastify/rate-limit options')
  for (const key of RATE_LIMIT_OWN_KEYS) {
    if (key in value) throw new InvalidOptionError(`${name}.${key}`, 'is set by fastify-incode and cannot be changed')
  }
  const storeTimeout = optionalInteger(`${name}.storeTimeout`, value.storeTimeout, defaults.storeTimeout, 1)
  checkLimit(name, value, true)
  return { ...defaults, ...value, storeTimeout }
}

/** A limit's `max` (a whole number ≥ 0) and `timeWindow` (ms > 0, or a duration such as "1 minute"), or functions of them. */
export function checkLimit (name: string, { max, timeWindow }: Record<string, unknown>, functions: boolean): void {
  const or = functions ? ', or a function' : ''
  if (max !== undefined && !(functions && typeof max === 'function') && !(Number.isSafeInteger(max) && (max as number) >= 0)) {
    throw new InvalidOptionError(`${name}.max`, `must be a non-negative integer${or}`)
  }
  if (timeWindow !== undefined && !(functions && typeof timeWindow === 'function') &&
      !(typeof timeWindow === 'number' && Number.isFinite(timeWindow) && timeWindow > 0) &&
      !(typeof timeWindow === 'string' && (parseDuration(timeWindow) ?? 0) > 0)) {
    throw new InvalidOptionError(`${name}.timeWindow`, `must be a positive number of ms, a duration such as "1 minute"${or}`)
  }
}
