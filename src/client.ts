import { Pool, type Dispatcher } from 'undici'
import { InvalidOptionError, InvalidParamsError } from './errors.js'
import { optionalInteger, optionalString, requireHttpUrl, requireString } from './options.js'
import { checkToken, INTERVIEW_ID, startSessionBody, TOKEN, type StartSessionParams } from './params.js'
import { isObject, MAX_RESPONSE_BYTES, Transport, type CallSignal } from './transport.js'

export type { CallSignal } from './transport.js'
export type { StartSessionParams } from './params.js'

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
  /** Caps the open connections of the client's own pool, exactly. Default: no cap, as global `fetch`. */
  connections?: number
  /**
   * How long, in ms, a connection to Incode stays pooled while idle when Incode's answers do not
   * announce a keep-alive timeout (announced ones are honoured). Default 500: below the idle
   * timeout of any load balancer likely to sit in front of Incode, so a pooled connection is never
   * reused just as the other side closes it.
   */
  keepAliveTimeout?: number
  /** Use this undici dispatcher (a proxy agent, a test double) instead of an own pool; it is never closed. */
  dispatcher?: Dispatcher
}

/** Incode's whole `/omni/start` answer: `token` and `interviewId`, plus whatever else it sent. */
export interface StartSessionResult {
  token: string
  interviewId: string
  [field: string]: unknown
}

export interface CallOptions {
  /**
   * Cancels the call while its request has not been written. Once written, a `getOnboardingUrl`
   * request is aborted; a `startSession` request is left to finish (see `onLateSession`). The
   * promise rejects with the signal's reason either way.
   */
  signal?: CallSignal
}

export interface StartSessionOptions extends CallOptions {
  /**
   * Receives a session Incode created after the call had already failed with its deadline
   * (`FST_INCODE_UPSTREAM_TIMEOUT`) or been aborted by `signal`: the request had been written, so
   * Incode may still create (and bill) the session. Awaited by `close()`.
   */
  onLateSession?: (session: StartSessionResult) => unknown
}

const API_VERSION = '1.0'
const DEFAULT_KEEP_ALIVE_TIMEOUT = 500

export class IncodeClient {
  readonly apiUrl: string
  readonly configurationId: string
  readonly clientId: string | undefined
  readonly timeout: number
  readonly retries: number
  readonly #apiKey: string
  readonly #transport: Transport

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
    const connections = options.connections === undefined ? null : optionalInteger('connections', options.connections, 0, 1)
    const keepAliveTimeout = optionalInteger('keepAliveTimeout', options.keepAliveTimeout, DEFAULT_KEEP_ALIVE_TIMEOUT, 1)

    const origin = url.origin
    // Samples disagree on trailing slashes and on whether the base ends in the token-only "/0".
    const basePath = url.pathname.replace(/\/+$/, '').replace(/\/0$/, '')
    this.apiUrl = origin + basePath

    let dispatcher: Dispatcher
    if (options.dispatcher !== undefined) {
      if (options.dispatcher === null || typeof options.dispatcher.dispatch !== 'function') {
        throw new InvalidOptionError('dispatcher', 'must be an undici Dispatcher')
      }
      dispatcher = options.dispatcher
    } else {
      dispatcher = new Pool(origin, {
        // Unbounded, as global fetch is: at Incode's latency a cap is a queue (the rate limit is
        // what bounds spend); a host's cap is honoured exactly.
        connections,
        keepAliveTimeout,
        maxResponseSize: MAX_RESPONSE_BYTES,
        // A slow connect is retried, so it gets a share of the budget rather than all of it.
        connect: { timeout: Math.max(1, Math.floor(this.timeout / (this.retries + 1))) }
      })
    }
    this.#transport = new Transport({
      origin, basePath, dispatcher, ownsDispatcher: options.dispatcher === undefined, timeout: this.timeout, retries: this.retries
    })
  }

  /** Starts a new Incode session (`POST /omni/start`). Every call creates a session. */
  async startSession (params: StartSessionParams = {}, options: StartSessionOptions = {}): Promise<StartSessionResult> {
    const body = startSessionBody(params, this.configurationId)
    checkCallOptions(options)
    return await this.#transport.call({
      request: {
        method: 'POST',
        path: '/omni/start',
        headers: {
          'x-api-key': this.#apiKey,
          'api-version': API_VERSION,
          'content-type': 'application/json',
          accept: 'application/json'
        },
        body: JSON.stringify(body)
      },
      // What goes on into a header, the hook, a log line and the browser must be what it claims.
      readResult: (answer) => isObject(answer) && isMatch(TOKEN, answer.token) && isMatch(INTERVIEW_ID, answer.interviewId)
        ? answer as StartSessionResult
        : undefined,
      signal: options.signal,
      keepWhenSent: true,
      onLate: options.onLateSession
    })
  }

  /** Fetches the hosted onboarding URL of a session (`GET /0/omni/onboarding-url`). */
  async getOnboardingUrl (token: string, options: CallOptions = {}): Promise<string> {
    checkToken(token)
    checkCallOptions(options)
    const query = this.clientId === undefined ? '' : `?clientId=${encodeURIComponent(this.clientId)}`
    return await this.#transport.call({
      request: {
        method: 'GET',
        path: `/0/omni/onboarding-url${query}`,
        headers: {
          'x-incode-hardware-id': token,
          'api-version': API_VERSION,
          accept: 'application/json'
        }
      },
      readResult: (answer) => isObject(answer) && isHttpUrl(answer.url) ? answer.url : undefined,
      signal: options.signal,
      keepWhenSent: false
    })
  }

  /**
   * Waits for `startSession` requests still running after their deadline, then closes the client's
   * own pool; a dispatcher that was passed in is left open.
   */
  async close (): Promise<void> {
    await this.#transport.close()
  }
}

function isMatch (pattern: RegExp, value: unknown): value is string {
  return typeof value === 'string' && pattern.test(value)
}

function checkCallOptions (options: unknown): asserts options is StartSessionOptions {
  if (!isObject(options)) throw new InvalidParamsError('options', 'must be an object')
  const { signal, onLateSession } = options
  if (signal !== undefined && (!isObject(signal) || typeof signal.aborted !== 'boolean')) {
    throw new InvalidParamsError('signal', 'must be an AbortSignal')
  }
  if (onLateSession !== undefined && typeof onLateSession !== 'function') {
    throw new InvalidParamsError('onLateSession', 'must be a function')
  }
}

function isHttpUrl (value: unknown): value is string {
  return typeof value === 'string' && URL.canParse(value) && /^https?:$/.test(new URL(value).protocol)
}
