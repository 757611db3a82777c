// What a URL must be, wherever one comes in: an option, a parameter of a call, a browser's
// redirect target, Incode's hosted onboarding URL.

export const MAX_REDIRECTION_URL_LENGTH = 2048
// Printable ASCII only: a browser sends URLs percent-encoded, and control or bidi characters in
// a redirect target are a trick, never a need.
export const REDIRECTION_URL_PATTERN = '^[Hh][Tt][Tt][Pp][Ss]?://[\\x21-\\x7e]+$'
const REDIRECTION_URL = new RegExp(REDIRECTION_URL_PATTERN)

/** An absolute http(s) URL, parsed; undefined for anything else. */
export function parseHttpUrl (value: unknown): URL | undefined {
  if (typeof value !== 'string' || !URL.canParse(value)) return undefined
  const url = new URL(value)
  return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined
}

/** An absolute http(s) URL. */
export function isHttpUrl (value: unknown): value is string {
  return parseHttpUrl(value) !== undefined
}

/** An absolute http(s) URL without a user name or a password, parsed; undefined for anything else. */
export function parseCredentialFreeUrl (value: unknown): URL | undefined {
  const url = parseHttpUrl(value)
  return url === undefined || url.username !== '' || url.password !== '' ? undefined : url
}

/** What a redirect target must be, by the rule it broke: `form` (credentials, or not printable ASCII once normalised), `length`. */
export const REDIRECTION_URL_RULES = {
  form: 'must be an absolute http(s) URL of printable ASCII without credentials',
  // Normalising can grow it (`{` becoming `%7B`): what is sent is what must fit.
  length: `must be at most ${MAX_REDIRECTION_URL_LENGTH} characters once normalised`
} as const

/** A redirect target parsed and normalised as it will be sent, or the rule it breaks (`url` is then whatever parsed). */
export function readRedirectionUrl (value: unknown):
  | { url: URL, fault: undefined }
  | { url: URL | undefined, fault: keyof typeof REDIRECTION_URL_RULES } {
  const url = parseHttpUrl(value)
  if (url === undefined || url.username !== '' || url.password !== '' || !REDIRECTION_URL.test(url.href)) return { url, fault: 'form' }
  return url.href.length > MAX_REDIRECTION_URL_LENGTH ? { url, fault: 'length' } : { url, fault: undefined }
}
