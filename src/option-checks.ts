// The checks every option goes through: each throws FST_INCODE_INVALID_OPTION naming the option
// and what it must be, and never echoes the value (it may be a secret).
import { InvalidOptionError } from './errors.js'
import { parseCredentialFreeUrl } from './urls.js'

export function requireString (name: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new InvalidOptionError(name, 'must be a non-empty string')
  }
  return value
}

export function optionalString (name: string, value: unknown): string | undefined {
  return value === undefined ? undefined : requireString(name, value)
}

export function optionalInteger (name: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new InvalidOptionError(name, `must be an integer of at least ${min}`)
  }
  return value
}

export function optionalBoolean (name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback
  if (typeof value !== 'boolean') throw new InvalidOptionError(name, 'must be a boolean')
  return value
}

export function optionalFunction<F extends (...args: never[]) => unknown> (name: string, value: unknown): F | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'function') throw new InvalidOptionError(name, 'must be a function')
  return value as F
}

/** Parses an absolute http(s) URL without credentials; `what` completes "must be …". */
export function requireHttpUrl (name: string, value: unknown, what = 'an absolute http(s) URL'): URL {
  const url = parseCredentialFreeUrl(requireString(name, value))
  if (url === undefined) throw new InvalidOptionError(name, `must be ${what}`)
  return url
}
