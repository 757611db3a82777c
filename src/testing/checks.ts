// Checks on the options the fake is given, shared by its parts.

// setTimeout fires at once, with a warning, for anything longer.
export const MAX_TIMER_MS = 2 ** 31 - 1

/** `value` when it is an integer from `min` to `MAX_TIMER_MS`; else throws a RangeError naming `name`. */
export function checkInteger (name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min || value > MAX_TIMER_MS) {
    throw new RangeError(`${name} must be an integer from ${min} to ${MAX_TIMER_MS}, got ${value}`)
  }
  return value
}
