/** A plain object (not null, not an array): what an option, a parameter or an answer of Incode must be to be read. */
export function isObject (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
