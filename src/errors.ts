import createError from '@fastify/error'

// Messages are fixed, client-safe sentences: they reach browsers and logs, so they never carry
// Incode's own text, the API key, a session token or a URL from Incode. The low-level error is
// kept as `cause` for the operator.

export const InvalidOptionError = createError<'FST_INCODE_INVALID_OPTION', 500, [string, string]>(
  'FST_INCODE_INVALID_OPTION', 'fastify-incode option "%s" %s', 500, TypeError)

// A programming error of the caller of IncodeClient (or of the host's externalCustomerId): thrown
// before anything is sent. Names the parameter, never its value.
export const InvalidParamsError = createError<'FST_INCODE_INVALID_PARAMS', 500, [string, string]>(
  'FST_INCODE_INVALID_PARAMS', 'Incode call parameter "%s" %s', 500, TypeError)

export const RedirectNotAllowedError = createError(
  'FST_INCODE_REDIRECT_NOT_ALLOWED', 'redirectionUrl is not one of the allowed redirection URLs', 400)

export const RateLimitedError = createError(
  'FST_INCODE_RATE_LIMITED', 'Too many verification sessions were started; retry later', 429)

export const RateLimitUnavailableError = createError(
  'FST_INCODE_RATE_LIMIT_UNAVAILABLE', 'Verification sessions cannot be started right now; retry later', 503)

export const UpstreamRejectedError = createError(
  'FST_INCODE_UPSTREAM_REJECTED', 'The identity verification service rejected the request', 502)

export const UpstreamError = createError(
  'FST_INCODE_UPSTREAM_ERROR', 'The identity verification service failed to answer', 502)

export const UpstreamBadResponseError = createError(
  'FST_INCODE_UPSTREAM_BAD_RESPONSE', 'The identity verification service sent an unusable answer', 502)

export const UpstreamUnreachableError = createError(
  'FST_INCODE_UPSTREAM_UNREACHABLE', 'The identity verification service could not be reached', 503)

export const UpstreamTimeoutError = createError(
  'FST_INCODE_UPSTREAM_TIMEOUT', 'The identity verification service did not answer in time', 504)

// Not Incode's fault: the request waited for a connection (the host's `connections` cap) or for a
// connect until its deadline, and was dropped before a byte of it was written.
export const CallNotSentError = createError(
  'FST_INCODE_CALL_NOT_SENT', 'The identity verification service could not be called in time; retry later', 503)

// The log line names the callback; the browser learns only that the request could not finish.
export const HookTimeoutError = createError(
  'FST_INCODE_HOOK_TIMEOUT', 'The request could not be completed in time', 500)

export const RedirectTooLongError = createError(
  'FST_INCODE_REDIRECT_TOO_LONG', 'redirectionUrl is over 2048 characters once normalised', 400)

export const SessionNotRecordedError = createError(
  'FST_INCODE_SESSION_NOT_RECORDED', 'The verification session could not be recorded', 500)

/** The error classes an Incode call can fail with. */
export type UpstreamErrorClass =
  | typeof UpstreamRejectedError
  | typeof UpstreamError
  | typeof UpstreamBadResponseError
  | typeof UpstreamUnreachableError
  | typeof UpstreamTimeoutError
  | typeof CallNotSentError

/** What every failed Incode call throws: a §6 error plus what an operator needs in a log line. */
export interface IncodeCallError extends Error {
  code: string
  statusCode: number
  /** Incode's HTTP status, when it answered at all. */
  upstreamStatus?: number
  /** Incode's own error code from the body (`status`, sometimes a 4-digit code), when it sent one. */
  incodeStatus?: number
  /** How many requests were sent to Incode for this call. */
  attempts: number
}

export function isIncodeCallError (err: unknown): err is IncodeCallError {
  return err instanceof UpstreamRejectedError ||
    err instanceof UpstreamError ||
    err instanceof UpstreamBadResponseError ||
    err instanceof UpstreamUnreachableError ||
    err instanceof UpstreamTimeoutError ||
    err instanceof CallNotSentError
}
