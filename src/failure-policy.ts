// How an Incode call's failures are read: which error each one is (what the caller and the
// browser get), and which may be sent again. A request Incode provably did not see may always be
// retried; one it may have seen only when it creates nothing.
import type { Outcome } from './attempt-handler.js'
import {
  failure,
  UpstreamBadResponseError,
  UpstreamError,
  UpstreamRejectedError,
  UpstreamTimeoutError,
  UpstreamUnreachableError,
  type FailureDetails,
  type IncodeCallError,
  type UpstreamErrorClass
} from './errors.js'
import { isObject } from './is-object.js'

export type Attempt<T> =
  | { ok: true, value: T }
  /**
   * `retryable`: safe to send again, as Incode did not see it or asked us to come back (429/503);
   * `retryAfter`: when Incode asked to (its `Retry-After`, in ms from now).
   */
  | { ok: false, error: IncodeCallError, retryable: boolean, retryAfter?: number | undefined }

/** What reading an attempt needs of its call. */
export interface AttemptReading<T> {
  /** Turns the parsed JSON of a 2xx answer into the result, or into undefined when it lacks what is needed. */
  readResult: (body: unknown) => T | undefined
  /** A read, which creates nothing: also safe to send again after a written request failed. */
  idempotent?: boolean | undefined
}

// Failures before a byte was written that another attempt cannot mend.
const FINAL_UNSENT_CODES = new Set(['UND_ERR_CLOSED', 'UND_ERR_DESTROYED', 'UND_ERR_INVALID_ARG'])
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT'])
// An HTTP date as servers send it (IMF-fixdate): `Wed, 02 Dec 2026 10:00:00 GMT`.
const HTTP_DATE = /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/

/**
 * What one attempt's outcome is: the call's result, or its error and whether another attempt may
 * be sent. What was never written, and a 429 or 503, may be sent again; a written request that
 * failed only when it is a read, which creates nothing.
 */
export function classify<T> (outcome: Outcome, attempt: number, { readResult, idempotent }: AttemptReading<T>): Attempt<T> {
  const { status, error } = outcome
  const read = idempotent === true
  if (error !== undefined) {
    const code = errorCode(error)
    if (!outcome.sent) return failed(UpstreamUnreachableError, attempt, { cause: error }, !FINAL_UNSENT_CODES.has(code))
    if (TIMEOUT_CODES.has(code)) return failed(UpstreamTimeoutError, attempt, { status, cause: error }, read)
    // Written, and cut off before an answer: Incode may have seen it.
    if (status === 0) return failed(UpstreamUnreachableError, attempt, { cause: error }, read)
  }
  if (status >= 200 && status < 300) {
    // A body cut short reads as empty, which no caller accepts.
    const value = readResult(parseJson(outcome.text))
    if (value !== undefined) return { ok: true, value }
    return failed(UpstreamBadResponseError, attempt, { status, cause: error }, false)
  }
  const details = { status, incodeStatus: incodeErrorStatus(outcome.text), cause: error }
  if (status === 429 || status === 503) return failed(UpstreamError, attempt, details, true, retryAfterMs(outcome.retryAfter))
  if (status >= 400 && status < 500) return failed(UpstreamRejectedError, attempt, details, false)
  if (status >= 500) return failed(UpstreamError, attempt, details, read)
  return failed(UpstreamBadResponseError, attempt, details, false)
}

function failed (ErrorClass: UpstreamErrorClass, attempts: number, details: FailureDetails, retryable: boolean, retryAfter?: number): Attempt<never> {
  return { ok: false, error: failure(ErrorClass, attempts, details), retryable, retryAfter }
}

function errorCode (err: unknown): string {
  return isObject(err) && typeof err.code === 'string' ? err.code : ''
}

function parseJson (text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

function incodeErrorStatus (text: string): number | undefined {
  const body = parseJson(text)
  return isObject(body) && typeof body.status === 'number' ? body.status : undefined
}

/** `Retry-After` in ms from now: a whole number of seconds, or an HTTP date; undefined for anything else. */
function retryAfterMs (header: string | undefined): number | undefined {
  if (header === undefined) return undefined
  if (/^\d{1,9}$/.test(header)) return Number(header) * 1000
  if (!HTTP_DATE.test(header)) return undefined
  return Math.max(0, Date.parse(header) - Date.now())
}
