import createError from '@fastify/error'

// Messages are fixed, client-safe sentences: they reach browsers and logs, so they never carry
// Incode's own text, the API key, a session token or a URL from Incode. The low-level error is
// kept as `cause` for the operator.

/** Every fastify-incode error: an `@fastify/error` with a literal code and status. */
export interface IncodeError<C extends string = string, S extends number = number> extends Error {
  name: string
  code: C
  statusCode: S
}

/** `new` or call it, as `@fastify/error` classes; the last argument may carry a `cause`. */
export interface IncodeErrorClass<E extends Error, A extends unknown[] = [options?: { cause?: unknown }]> {
  new (...args: A): E
  (...args: A): E
  readonly prototype: E
}

/**
 * The base of every error a failed Incode call throws (`err instanceof IncodeCallError`): its code
 * and the status a route answers with, plus what an operator needs in a log line.
 */
export class IncodeCallError extends Error {
  declare code: string
  declare statusCode: number
  /** How many requests were sent to Incode for this call. */
  declare attempts: number
  /** Incode's HTTP status, when it answered at all. */
  declare upstreamStatus?: number
  /** Incode's own error code from the body (`status`, sometimes a 4-digit code), when it sent one. */
  declare incodeStatus?: number
}

/** The plugin's own error classes, whose messages are fixed sentences: safe in a log line. */
const OWN_ERROR_CLASSES = new Set<unknown>()

function incodeError<C extends string, S extends number, A extends unknown[] = [options?: { cause?: unknown }]> (
  code: C, message: string, statusCode: S, Base: ErrorConstructor = Error
): IncodeErrorClass<IncodeError<C, S>, A> {
  const ErrorClass = createError(code, message, statusCode, Base)
  OWN_ERROR_CLASSES.add(ErrorClass)
  return ErrorClass as unknown as IncodeErrorClass<IncodeError<C, S>, A>
}

/** An error class of a failed Incode call, with IncodeCallError as its base. */
function callError<C extends string, S extends number, A extends unknown[] = [options?: { cause?: unknown }]> (code: C, message: string, statusCode: S):
IncodeErrorClass<IncodeCallError & IncodeError<C, S>, A> {
  return incodeError(code, message, statusCode, IncodeCallError as unknown as ErrorConstructor) as
    unknown as IncodeErrorClass<IncodeCallError & IncodeError<C, S>, A>
}

export const InvalidOptionError = incodeError<'FST_INCODE_INVALID_OPTION', 500, [string, string]>(
  'FST_INCODE_INVALID_OPTION', 'fastify-incode option "%s" %s', 500, TypeError)

// A programming error of the caller of IncodeClient (or of the host's externalCustomerId): thrown
// before anything is sent. Names the parameter, never its value.
export const InvalidParamsError = incodeError<'FST_INCODE_INVALID_PARAMS', 500, [string, string]>(
  'FST_INCODE_INVALID_PARAMS', 'Incode call parameter "%s" %s', 500, TypeError)

export const RedirectNotAllowedError = incodeError(
  'FST_INCODE_REDIRECT_NOT_ALLOWED', 'redirectionUrl is not one of the allowed redirection URLs', 400)

export const RedirectTooLongError = incodeError(
  'FST_INCODE_REDIRECT_TOO_LONG', 'redirectionUrl is over 2048 characters once normalised', 400)

export const RateLimitedError = incodeError(
  'FST_INCODE_RATE_LIMITED', 'Too many verification sessions were started; retry later', 429)

export const ReadRateLimitedError = incodeError(
  'FST_INCODE_READ_RATE_LIMITED', 'Too many requests; retry later', 429)

export const RateLimitUnavailableError = incodeError(
  'FST_INCODE_RATE_LIMIT_UNAVAILABLE', 'The rate limit cannot be checked right now; retry later', 503)

export const UpstreamRejectedError = callError(
  'FST_INCODE_UPSTREAM_REJECTED', 'The identity verification service rejected the request', 502)

export const UpstreamError = callError(
  'FST_INCODE_UPSTREAM_ERROR', 'The identity verification service failed to answer', 502)

export const UpstreamBadResponseError = callError(
  'FST_INCODE_UPSTREAM_BAD_RESPONSE', 'The identity verification service sent an unusable answer', 502)

export const UpstreamUnreachableError = callError(
  'FST_INCODE_UPSTREAM_UNREACHABLE', 'The identity verification service could not be reached', 503)

export const UpstreamTimeoutError = callError(
  'FST_INCODE_UPSTREAM_TIMEOUT', 'The identity verification service did not answer in time', 504)

// Not Incode's fault: the request waited for a connection (the host's `connections` cap) or for a
// connect until its deadline, and was dropped before a byte of it was written.
export const CallNotSentError = callError(
  'FST_INCODE_CALL_NOT_SENT', 'The identity verification service could not be called in time; retry later', 503)

// After a refused log-in the client's error adds how long it waits before the next one (repeated
// refusals could lock the admin account): `…failed; no new log-in for 4 s`.
export const AdminLoginFailedError = callError(
  'FST_INCODE_ADMIN_LOGIN_FAILED', 'The administrator log-in to the identity verification service failed', 502)

export const WebhookUnauthorizedError = incodeError(
  'FST_INCODE_WEBHOOK_UNAUTHORIZED', 'Missing or wrong webhook credentials', 401)

export const WebhookNotProcessedError = incodeError(
  'FST_INCODE_WEBHOOK_NOT_PROCESSED', 'The webhook could not be processed; deliver it again', 500)

export const WebhookBodyTooDeepError = incodeError(
  'FST_INCODE_WEBHOOK_BODY_TOO_DEEP', 'The webhook body is nested more than 32 levels deep', 400)

export const WebhookRateLimitedError = incodeError(
  'FST_INCODE_WEBHOOK_RATE_LIMITED', 'Too many webhook requests; retry later', 429)

export const CrossSiteRefusedError = incodeError(
  'FST_INCODE_CROSS_SITE_REFUSED', 'Requests from another site are refused', 403)

export const SessionNotFoundError = incodeError(
  'FST_INCODE_SESSION_NOT_FOUND', 'No session of yours has this interviewId', 404)

export const UnknownUniqueIdError = incodeError(
  'FST_INCODE_UNKNOWN_UNIQUE_ID', 'uniqueId does not name a session to resume', 400)

// The log line names the callback (`hook`); the browser learns only that the request could not finish.
export const HookTimeoutError = incodeError(
  'FST_INCODE_HOOK_TIMEOUT', 'The request could not be completed in time', 500)

export const SessionNotRecordedError = incodeError(
  'FST_INCODE_SESSION_NOT_RECORDED', 'The verification session could not be recorded', 500)

/** The error classes an Incode call can fail with. */
export type UpstreamErrorClass = IncodeErrorClass<IncodeCallError>

/** Whether the error is one of this plugin's own (not the host's, nor one it wraps). */
export function isOwnError (err: unknown): err is IncodeError {
  return err instanceof Error && OWN_ERROR_CLASSES.has(err.constructor)
}

/** Was this an Incode call failure? The same as `err instanceof IncodeCallError`. */
export function isIncodeCallError (err: unknown): err is IncodeCallError {
  return err instanceof IncodeCallError
}

/** Why a request's calls were cut short: its browser went away before the answer. */
export class ClientClosedError extends Error {
  override name = 'AbortError'
}

/** What a failed Incode call learnt: Incode's status and its own code, the error below. */
export interface FailureDetails {
  status?: number
  incodeStatus?: number | undefined
  cause?: unknown
}

/** An Incode call's error with what went wrong: the attempts made, Incode's status and its own. */
export function failure (ErrorClass: UpstreamErrorClass, attempts: number, details: FailureDetails): IncodeCallError {
  return withCallDetails(details.cause === undefined ? new ErrorClass() : new ErrorClass({ cause: details.cause }), attempts, details)
}

/** Puts the attempts made, Incode's status and its own on an Incode call's error. */
export function withCallDetails (error: IncodeCallError, attempts: number, details: FailureDetails): IncodeCallError {
  error.attempts = attempts
  error.upstreamStatus = details.status
  error.incodeStatus = details.incodeStatus
  return error
}
