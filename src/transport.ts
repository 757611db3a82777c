// One Incode call under one deadline. What may be cancelled depends on whether the request was
// written: an unwritten one is dropped (Incode never saw it, so it is also safe to retry); a written
// `/omni/start` is never aborted, because Incode may create the session anyway (SPEC §6, "sent
// means recorded"): the caller gets its error on time and the late answer goes to `onLate`.
import type { Dispatcher } from 'undici'
import {
  CallNotSentError,
  UpstreamBadResponseError,
  UpstreamError,
  UpstreamRejectedError,
  UpstreamTimeoutError,
  UpstreamUnreachableError,
  type IncodeCallError,
  type UpstreamErrorClass
} from './errors.js'
import type { IncodeMetrics } from './metrics.js'
import { isObject } from './params.js'

/** An HTTP request to Incode, its path relative to the API base. */
export interface IncodeRequest {
  method: 'GET' | 'POST' | 'DELETE'
  path: string
  headers: Record<string, string>
  body?: string
}

/** Aborts a call: a caller's AbortSignal, or the routes' cheaper CallAbort. */
export type CallSignal = AbortSignal | CallAbort

export interface CallPlan<T> {
  /** What the call is, as its metrics name it: `start`, `score`, `admin-log-in` … */
  name: string
  request: IncodeRequest
  /** Turns the parsed JSON of a 2xx answer into the result, or into undefined when it lacks what is needed. */
  readResult: (body: unknown) => T | undefined
  signal?: CallSignal | undefined
  /** Never abort the request once written (it creates something at Incode); see `onLate`. */
  keepWhenSent: boolean
  /**
   * A read, which creates nothing: also safe to send again after a written request failed
   * (a reset, a timeout of the dispatcher's own, a 5xx). Default false.
   */
  idempotent?: boolean
  /** Receives a result that arrived after the call had already failed (deadline) or been aborted. */
  onLate?: ((value: T) => unknown) | undefined
  /** `onLate` bounds its own work (the routes' recording, under `hookTimeout`): no limit of the transport's. */
  onLateBounded?: boolean
  /** What is left of a deadline the caller started earlier (a read that first waited for its admin token), in ms. Default `timeout`. */
  budget?: number
}

export interface TransportSettings {
  origin: string
  basePath: string
  dispatcher: Dispatcher
  ownsDispatcher: boolean
  timeout: number
  retries: number
  metrics: IncodeMetrics
}

export const MAX_RESPONSE_BYTES = 1024 * 1024
const BACKOFF_BASE_MS = 100

// Failures before a byte was written that another attempt cannot mend.
const FINAL_UNSENT_CODES = new Set(['UND_ERR_CLOSED', 'UND_ERR_DESTROYED', 'UND_ERR_INVALID_ARG'])
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT'])

/** What a call listens with, as `addEventListener` takes it: an object with `handleEvent`. */
interface AbortListener {
  handleEvent: () => void
}

/**
 * Ends a route's calls early, when its browser leaves. An AbortController and its listeners were
 * the plugin's largest cost per request; this is a flag and one listener, as a route's calls run
 * one after another.
 */
export class CallAbort {
  aborted = false
  reason: unknown
  /** The call under way, if any. */
  listener: AbortListener | undefined

  abort (reason: unknown): void {
    this.aborted = true
    this.reason = reason
    this.listener?.handleEvent()
  }
}

export class Transport {
  readonly settings: TransportSettings
  /** Written `/omni/start` calls still running after their caller got an answer. */
  readonly #background = new Set<Promise<void>>()
  #closing: Promise<void> | undefined

  constructor (settings: TransportSettings) {
    this.settings = settings
  }

  async call<T> (plan: CallPlan<T>): Promise<T> {
    return await new Promise<T>((resolve, reject) => {
      new Call(this.settings, plan, resolve, reject, (finished) => this.#runInBackground(finished)).start()
    })
  }

  /** Waits for the calls left running in the background, then closes an own dispatcher. */
  async close (): Promise<void> {
    this.#closing ??= this.#shutDown()
    await this.#closing
  }

  async #shutDown (): Promise<void> {
    while (this.#background.size > 0) await Promise.all(this.#background)
    if (this.settings.ownsDispatcher) await this.settings.dispatcher.close()
  }

  #runInBackground (finished: Promise<void>): void {
    this.#background.add(finished)
    // `finished` never rejects.
    finished.then(() => this.#background.delete(finished), () => {})
  }
}

type Attempt<T> =
  | { ok: true, value: T }
  /** `retryable`: safe to send again, as Incode did not see it or asked us to come back (429/503). */
  | { ok: false, error: IncodeCallError, retryable: boolean }

/** One call: its attempts, its deadline, and the caller's signal. */
class Call<T> implements AbortListener {
  readonly #settings: TransportSettings
  readonly #plan: CallPlan<T>
  readonly #resolve: (value: T) => void
  readonly #reject: (reason: unknown) => void
  readonly #runInBackground: (finished: Promise<void>) => void
  #started = 0
  /** The call's whole deadline, in ms from its start. */
  readonly #budget: number
  #attempts = 0
  #exchange: Exchange | undefined
  #lastError: IncodeCallError | undefined
  #answered = false
  #deadline: NodeJS.Timeout | undefined
  #backoff: NodeJS.Timeout | undefined
  /** Set while a written request runs on after the caller was answered. */
  #backgroundDone: (() => void) | undefined

  constructor (
    settings: TransportSettings,
    plan: CallPlan<T>,
    resolve: (value: T) => void,
    reject: (reason: unknown) => void,
    runInBackground: (finished: Promise<void>) => void
  ) {
    this.#settings = settings
    this.#plan = plan
    this.#resolve = resolve
    this.#reject = reject
    this.#runInBackground = runInBackground
    this.#budget = Math.min(plan.budget ?? settings.timeout, settings.timeout)
  }

  start (): void {
    const { signal } = this.#plan
    if (signal?.aborted === true) {
      this.#reject(signal.reason)
      return
    }
    this.#started = Date.now()
    if (signal instanceof CallAbort) signal.listener = this
    else signal?.addEventListener('abort', this, { once: true })
    this.#send()
  }

  #send (): void {
    this.#backoff = undefined
    // Armed per attempt, for what is left of the budget: a backoff is never cut by the deadline
    // (it starts only if it ends in time), so the deadline always finds a request under way.
    this.#deadline = setTimeout(() => this.#onDeadline(), this.#budget - (Date.now() - this.#started))
    const attempt = ++this.#attempts
    const { origin, basePath, dispatcher } = this.#settings
    const { method, path, headers, body } = this.#plan.request
    this.#exchange = new Exchange((outcome) => this.#onOutcome(classify(outcome, attempt, this.#plan)))
    dispatcher.dispatch({ origin, path: basePath + path, method, headers, body }, this.#exchange)
  }

  #onOutcome (attempt: Attempt<T>): void {
    if (this.#answered) {
      if (attempt.ok) this.#deliverLate(attempt.value)
      else this.#backgroundDone?.()
      return
    }
    if (attempt.ok) {
      this.#answer(undefined, attempt.value)
      return
    }
    this.#lastError = attempt.error
    const backoff = BACKOFF_BASE_MS * 2 ** (this.#attempts - 1) * (0.5 + Math.random() / 2)
    if (!attempt.retryable || this.#attempts > this.#settings.retries ||
        Date.now() - this.#started + backoff >= this.#budget) {
      this.#answer(attempt.error)
      return
    }
    this.#exchange = undefined
    clearTimeout(this.#deadline)
    this.#backoff = setTimeout(() => this.#send(), backoff)
  }

  #onDeadline (): void {
    const sent = !(this.#exchange as Exchange).drop()
    this.#giveUp(sent
      ? failure(UpstreamTimeoutError, this.#attempts, {})
      // Never written: waiting for a connection (a `connections` cap) or for a connect.
      : failure(CallNotSentError, this.#attempts - 1, { cause: this.#lastError }), sent)
  }

  /** The caller's signal aborted. */
  handleEvent (): void {
    clearTimeout(this.#backoff)
    this.#giveUp((this.#plan.signal as CallSignal).reason, this.#exchange?.drop() === false)
  }

  /** Answers the caller now; a written request is aborted, or left to finish when it creates something. */
  #giveUp (reason: unknown, sent: boolean): void {
    this.#answer(reason)
    const exchange = this.#exchange
    if (!sent || exchange === undefined) return
    if (this.#plan.keepWhenSent) this.#finishInBackground(exchange)
    else exchange.abort(reason as Error)
  }

  /** Lets a written request run on for at most one more `timeout`, then aborts it. */
  #finishInBackground (exchange: Exchange): void {
    const limit = setTimeout(() => {
      exchange.abort(new DOMException('Incode answered neither before nor after the deadline', 'TimeoutError'))
    }, this.#settings.timeout)
    this.#runInBackground(new Promise<void>((resolve) => {
      this.#backgroundDone = () => {
        clearTimeout(limit)
        resolve()
      }
    }))
  }

  #deliverLate (value: T): void {
    const done = this.#backgroundDone as () => void
    const { onLate } = this.#plan
    if (onLate === undefined) {
      done()
      return
    }
    // The caller's own callback: awaited so that close() waits for it, for at most one more
    // `timeout` unless it bounds itself; its failure is its own.
    const limit = this.#plan.onLateBounded === true ? undefined : setTimeout(done, this.#settings.timeout)
    const finish = (): void => {
      clearTimeout(limit)
      done()
    }
    Promise.resolve().then(() => onLate(value)).then(finish, finish)
  }

  #answer (error: unknown, value?: T): void {
    this.#answered = true
    clearTimeout(this.#deadline)
    this.#settings.metrics.callAnswered(this.#plan.name, error, (Date.now() - this.#started) / 1000)
    const { signal } = this.#plan
    if (signal instanceof CallAbort) signal.listener = undefined
    else signal?.removeEventListener('abort', this)
    if (error === undefined) this.#resolve(value as T)
    else this.#reject(error)
  }
}

/** What became of one request: the answer's status and text, or the error that ended it. */
interface Outcome {
  /** Whether any byte of the request was written to a connection. */
  sent: boolean
  /** The answer's status, 0 if none came. */
  status: number
  text: string
  error?: Error
}

/** The undici handler of one request: tells when it is written, and reads the answer up to a cap. */
class Exchange implements Dispatcher.DispatchHandler {
  #sent = false
  #dropped: Error | undefined
  #controller: Dispatcher.DispatchController | undefined
  #status = 0
  #size = 0
  #chunks: Buffer[] = []
  readonly #settle: (outcome: Outcome) => void

  constructor (settle: (outcome: Outcome) => void) {
    this.#settle = settle
  }

  /** Drops the request unless a byte of it was written; says whether it did. */
  drop (): boolean {
    if (this.#sent) return false
    this.#dropped = new Error('dropped before it was sent')
    return true
  }

  abort (reason: Error): void {
    this.#controller?.abort(reason)
  }

  onRequestStart (controller: Dispatcher.DispatchController): void {
    // Throwing rather than aborting: undici then fails the request without destroying the socket,
    // which stays pooled for the next one.
    if (this.#dropped !== undefined) throw this.#dropped
    this.#sent = true
    this.#controller = controller
  }

  onResponseStart (_controller: Dispatcher.DispatchController, statusCode: number): void {
    this.#status = statusCode
  }

  onResponseData (controller: Dispatcher.DispatchController, chunk: Buffer): void {
    // Capped here rather than by the pool, so a host's own dispatcher is capped too.
    this.#size += chunk.length
    if (this.#size > MAX_RESPONSE_BYTES) controller.abort(new RangeError(`Incode's answer is over ${MAX_RESPONSE_BYTES} bytes`))
    else this.#chunks.push(chunk)
  }

  onResponseEnd (): void {
    const chunks = this.#chunks
    const body = chunks.length === 1 ? chunks[0] as Buffer : Buffer.concat(chunks)
    this.#settle({ sent: true, status: this.#status, text: body.toString('utf8') })
  }

  onResponseError (_controller: Dispatcher.DispatchController, error: Error): void {
    this.#settle({ sent: this.#sent, status: this.#status, text: '', error })
  }
}

/**
 * Classifies one request's outcome as SPEC §6 does. What was never written, and a 429 or 503, may
 * be sent again; a written request that failed only when it is a read, which creates nothing.
 */
function classify<T> (outcome: Outcome, attempt: number, plan: CallPlan<T>): Attempt<T> {
  const { status, error } = outcome
  const read = plan.idempotent === true
  if (error !== undefined) {
    const code = errorCode(error)
    if (!outcome.sent) return failed(UpstreamUnreachableError, attempt, { cause: error }, !FINAL_UNSENT_CODES.has(code))
    if (TIMEOUT_CODES.has(code)) return failed(UpstreamTimeoutError, attempt, { status, cause: error }, read)
    // Written, and cut off before an answer: Incode may have seen it.
    if (status === 0) return failed(UpstreamUnreachableError, attempt, { cause: error }, read)
  }
  if (status >= 200 && status < 300) {
    // A body cut short reads as empty, which no caller accepts.
    const value = plan.readResult(parseJson(outcome.text))
    if (value !== undefined) return { ok: true, value }
    return failed(UpstreamBadResponseError, attempt, { status, cause: error }, false)
  }
  const details = { status, incodeStatus: incodeErrorStatus(outcome.text), cause: error }
  if (status === 429 || status === 503) return failed(UpstreamError, attempt, details, true)
  if (status >= 400 && status < 500) return failed(UpstreamRejectedError, attempt, details, false)
  if (status >= 500) return failed(UpstreamError, attempt, details, read)
  return failed(UpstreamBadResponseError, attempt, details, false)
}

interface FailureDetails {
  status?: number
  incodeStatus?: number | undefined
  cause?: unknown
}

function failed (ErrorClass: UpstreamErrorClass, attempts: number, details: FailureDetails, retryable: boolean): Attempt<never> {
  return { ok: false, error: failure(ErrorClass, attempts, details), retryable }
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
