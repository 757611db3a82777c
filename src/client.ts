import { EventEmitter } from 'node:events'
import { Pool, type Dispatcher } from 'undici'
import {
  UpstreamBadResponseError,
  UpstreamError,
  UpstreamRejectedError,
  UpstreamTimeoutError,
  UpstreamUnreachableError,
  type IncodeCallError,
  type UpstreamErrorClass
} from './errors.js'
import { InvalidOptionError } from './errors.js'
import { optionalInteger, optionalString, requireHttpUrl, requireString } from './options.js'

export interface IncodeClientOptions {
  /** Incode API base, e.g. `https://demo-api.incodesmile.com`; a trailing `/` or `/0` is dropped. */
  apiUrl: string
  /** Incode API key, sent as `x-api-key` on `/omni/start` only. */
  apiKey: string
  /** Flow id sent as `configurationId` on every `/omni/start`. */
  configurationId: string
  /** Sent as the `clientId` query parameter of onboarding-url calls when set. */
  clientId?: string
  /** One deadline per call, in ms, covering connect, headers, body, retries and backoff. Default 10000. */
  timeout?: number
  /** Extra attempts for failures Incode provably did not process, and for 429/503. Default 2. */
  retries?: number
  /** Upper bound of open connections of the client's own pool. Default 16. */
  connections?: number
  /** Use this undici dispatcher (a proxy agent, a test double) instead of an own pool; it is never closed. */
  dispatcher?: Dispatcher
}

export interface StartSessionParams {
  /** Overrides the configured flow id for this session. */
  configurationId?: string
  externalCustomerId?: string
  redirectionUrl?: string
  language?: string
  countryCode?: string
  customFields?: Record<string, string>
}

/** Incode's whole `/omni/start` answer: `token` and `interviewId`, plus whatever else it sent. */
export interface StartSessionResult {
  token: string
  interviewId: string
  [field: string]: unknown
}

/**
 * Aborts a call: an AbortSignal or, as undici accepts, an EventEmitter that emits 'abort' once it
 * has set `aborted` and `reason`.
 */
export type CallSignal = AbortSignal | (EventEmitter & { readonly aborted: boolean, readonly reason?: unknown })

export interface CallOptions {
  /** Aborting it aborts the call; the promise then rejects with the signal's reason. */
  signal?: CallSignal
}

const API_VERSION = '1.0'
const MAX_RESPONSE_BYTES = 1024 * 1024
const BACKOFF_BASE_MS = 100

// Errors that mean no connection was ever established, so Incode cannot have seen the request.
const NOT_CONNECTED_CODES = new Set([
  'ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT'
])
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT'])

/**
 * Ends a call early. undici takes an EventEmitter as a request's `signal`, at a fraction of the cost
 * of an AbortController and its listeners, which were the plugin's largest cost per request.
 */
export class CallAbort extends EventEmitter {
  aborted = false
  reason: unknown

  abort (reason: unknown): void {
    this.aborted = true
    this.reason = reason
    this.emit('abort')
  }
}

type Attempt<T> =
  | { ok: true, value: T }
  /** `retryable`: safe to send again, as Incode did not process it or asked us to come back (429/503). */
  | { ok: false, error: IncodeCallError, retryable: boolean }

interface Request {
  method: 'GET' | 'POST'
  path: string
  headers: Record<string, string>
  body?: string
}

export class IncodeClient {
  readonly apiUrl: string
  readonly configurationId: string
  readonly clientId: string | undefined
  readonly timeout: number
  readonly retries: number
  readonly #apiKey: string
  readonly #origin: string
  readonly #basePath: string
  readonly #dispatcher: Dispatcher
  readonly #ownsDispatcher: boolean
  #closing: Promise<void> | undefined

  constructor (options: IncodeClientOptions) {
    if (options === null || typeof options !== 'object') {
      throw new InvalidOptionError('options', 'must be an object')
    }
    const url = requireHttpUrl('apiUrl', options.apiUrl)
    if (url.search !== '' || url.hash !== '') {
      throw new InvalidOptionError('apiUrl', 'must not have a query or a fragment')
    }
    this.#apiKey = requireString('apiKey', options.apiKey)
    this.configurationId = requireString('configurationId', options.configurationId)
    this.clientId = optionalString('clientId', options.clientId)
    this.timeout = optionalInteger('timeout', options.timeout, 10_000, 1)
    this.retries = optionalInteger('retries', options.retries, 2, 0)
    const connections = optionalInteger('connections', options.connections, 16, 1)

    this.#origin = url.origin
    // Samples disagree on trailing slashes and on whether the base ends in the token-only "/0".
    this.#basePath = url.pathname.replace(/\/+$/, '').replace(/\/0$/, '')
    this.apiUrl = this.#origin + this.#basePath

    if (options.dispatcher !== undefined) {
      if (options.dispatcher === null || typeof options.dispatcher.request !== 'function') {
        throw new InvalidOptionError('dispatcher', 'must be an undici Dispatcher')
      }
      this.#dispatcher = options.dispatcher
      this.#ownsDispatcher = false
    } else {
      this.#dispatcher = new Pool(this.#origin, {
        connections,
        maxResponseSize: MAX_RESPONSE_BYTES,
        // A slow connect is retried, so it gets a share of the budget rather than all of it.
        connect: { timeout: Math.max(1, Math.floor(this.timeout / (this.retries + 1))) }
      })
      this.#ownsDispatcher = true
    }
  }

  /** Starts a new Incode session (`POST /omni/start`). Every call creates a session. */
  async startSession (params: StartSessionParams = {}, options: CallOptions = {}): Promise<StartSessionResult> {
    const body: Record<string, unknown> = { configurationId: params.configurationId ?? this.configurationId }
    for (const key of ['externalCustomerId', 'redirectionUrl', 'language', 'countryCode', 'customFields'] as const) {
      if (params[key] !== undefined) body[key] = params[key]
    }
    return await this.#call({
      method: 'POST',
      path: '/omni/start',
      headers: {
        'x-api-key': this.#apiKey,
        'api-version': API_VERSION,
        'content-type': 'application/json',
        accept: 'application/json'
      },
      body: JSON.stringify(body)
    }, options.signal, (answer) => {
      return isObject(answer) && isNonEmptyString(answer.token) && isNonEmptyString(answer.interviewId)
        ? answer as StartSessionResult
        : undefined
    })
  }

  /** Fetches the hosted onboarding URL of a session (`GET /0/omni/onboarding-url`). */
  async getOnboardingUrl (token: string, options: CallOptions = {}): Promise<string> {
    const query = this.clientId === undefined ? '' : `?clientId=${encodeURIComponent(this.clientId)}`
    return await this.#call({
      method: 'GET',
      path: `/0/omni/onboarding-url${query}`,
      headers: {
        'x-incode-hardware-id': token,
        'api-version': API_VERSION,
        accept: 'application/json'
      }
    }, options.signal, (answer) => isObject(answer) && isHttpUrl(answer.url) ? answer.url : undefined)
  }

  /** Closes the client's own pool; a dispatcher that was passed in is left open. */
  async close (): Promise<void> {
    if (this.#ownsDispatcher) {
      this.#closing ??= this.#dispatcher.close()
      await this.#closing
    }
  }

  /**
   * Sends a request under one deadline, retrying as SPEC §6 allows. `accept` turns the parsed 2xx
   * JSON into the result, or into undefined when Incode left out what the caller needs.
   */
  async #call<T> (request: Request, signal: CallSignal | undefined, accept: (body: unknown) => T | undefined): Promise<T> {
    if (isAborted(signal)) throw (signal as CallSignal).reason
    const started = Date.now()
    // The deadline and the caller's signal both end the call through this one.
    const abort = new CallAbort()
    const timer = setTimeout(() => {
      abort.abort(new DOMException(`Incode call exceeded ${this.timeout} ms`, 'TimeoutError'))
    }, this.timeout)
    const stopForwarding = signal === undefined ? undefined : onAbort(signal, () => abort.abort(signal.reason))
    const attemptOnce = async (attempt: number): Promise<Attempt<T>> => {
      try {
        return await this.#attempt(request, abort, attempt, accept)
      } catch (err) {
        // The deadline and the caller's signal end the call whatever the attempt was doing.
        if (isAborted(signal)) throw (signal as CallSignal).reason
        throw failure(UpstreamTimeoutError, attempt, { cause: err })
      }
    }
    try {
      let attempt = 1
      let outcome = await attemptOnce(attempt)
      while (!outcome.ok) {
        const backoff = BACKOFF_BASE_MS * 2 ** (attempt - 1) * (0.5 + Math.random() / 2)
        if (!outcome.retryable || attempt > this.retries || Date.now() - started + backoff >= this.timeout) {
          throw outcome.error
        }
        await pause(backoff, signal)
        if (isAborted(signal)) throw (signal as CallSignal).reason
        outcome = await attemptOnce(++attempt)
      }
      return outcome.value
    } finally {
      clearTimeout(timer)
      stopForwarding?.()
    }
  }

  /**
   * One request. Resolves to the accepted result of a 2xx, or to the failure it became; rejects
   * only when `signal` aborted it.
   */
  async #attempt<T> (
    request: Request, signal: CallAbort, attempt: number, accept: (body: unknown) => T | undefined
  ): Promise<Attempt<T>> {
    let response: Dispatcher.ResponseData
    try {
      response = await this.#dispatcher.request({
        origin: this.#origin,
        path: this.#basePath + request.path,
        method: request.method,
        headers: request.headers,
        body: request.body,
        signal
      })
    } catch (err) {
      if (signal.aborted) throw err
      const code = errorCode(err)
      if (TIMEOUT_CODES.has(code)) return rejected(UpstreamTimeoutError, attempt, { cause: err })
      return { ok: false, error: failure(UpstreamUnreachableError, attempt, { cause: err }), retryable: NOT_CONNECTED_CODES.has(code) }
    }

    const status = response.statusCode
    // A body cut short reads as empty, which no caller accepts.
    let text = ''
    let readError: unknown
    try {
      text = await response.body.text()
    } catch (err) {
      if (signal.aborted) throw err
      readError = err
    }
    if (TIMEOUT_CODES.has(errorCode(readError))) return rejected(UpstreamTimeoutError, attempt, { status, cause: readError })

    if (status >= 200 && status < 300) {
      const value = accept(parseJson(text))
      if (value !== undefined) return { ok: true, value }
      return rejected(UpstreamBadResponseError, attempt, { status, cause: readError })
    }
    const details = { status, incodeStatus: incodeErrorStatus(text), cause: readError }
    if (status === 429 || status === 503) return { ok: false, error: failure(UpstreamError, attempt, details), retryable: true }
    if (status >= 400 && status < 500) return rejected(UpstreamRejectedError, attempt, details)
    if (status >= 500) return rejected(UpstreamError, attempt, details)
    return rejected(UpstreamBadResponseError, attempt, details)
  }
}

// A function, so TypeScript does not take `aborted` for a constant after the first check.
function isAborted (signal: CallSignal | undefined): boolean {
  return signal?.aborted === true
}

/** Calls `listener` once, when `signal` aborts; returns what stops listening. */
function onAbort (signal: CallSignal, listener: () => void): () => void {
  if (signal instanceof EventEmitter) {
    signal.once('abort', listener)
    return () => signal.removeListener('abort', listener)
  }
  signal.addEventListener('abort', listener, { once: true })
  return () => signal.removeEventListener('abort', listener)
}

/** Waits `ms`, or less when `signal` aborts first. */
async function pause (ms: number, signal: CallSignal | undefined): Promise<void> {
  await new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms)
    const stopListening = signal === undefined ? undefined : onAbort(signal, done)
    function done (): void {
      clearTimeout(timer)
      stopListening?.()
      resolve()
    }
  })
}

interface FailureDetails {
  status?: number
  incodeStatus?: number | undefined
  cause?: unknown
}

function rejected (ErrorClass: UpstreamErrorClass, attempts: number, details: FailureDetails): Attempt<never> {
  return { ok: false, error: failure(ErrorClass, attempts, details), retryable: false }
}

function failure (ErrorClass: UpstreamErrorClass, attempts: number, details: FailureDetails): IncodeCallError {
  const error = details.cause === undefined ? new ErrorClass() : new ErrorClass({ cause: details.cause })
  return Object.assign(error, {
    statusCode: error.statusCode,
    upstreamStatus: details.status,
    incodeStatus: details.incodeStatus,
    attempts
  })
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

function isObject (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isNonEmptyString (value: unknown): value is string {
  return typeof value === 'string' && value !== ''
}

function isHttpUrl (value: unknown): value is string {
  return typeof value === 'string' && URL.canParse(value) && /^https?:$/.test(new URL(value).protocol)
}
