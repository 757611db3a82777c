// One Incode call under one deadline. What may be cancelled depends on whether the request was
// written: an unwritten one is dropped (Incode never saw it, so it is also safe to retry); a written
// `/omni/start` is never aborted, because Incode may create the session anyway, and a session
// Incode created must reach the host: the caller gets its error on time and the late answer goes
// to `onLate`.
import { Pool, type Dispatcher } from 'undici'
import { AttemptHandler, MAX_RESPONSE_BYTES } from './attempt-handler.js'
import type { ClientSettings } from './client-options.js'
import { CallNotSentError, failure, UpstreamTimeoutError, type IncodeCallError } from './errors.js'
import { classify, type Attempt, type AttemptReading } from './failure-policy.js'
import type { IncodeMetrics } from './metrics.js'

/** An HTTP request to Incode, its path relative to the API base. */
interface IncodeRequest {
  method: 'GET' | 'POST' | 'DELETE'
  path: string
  headers: Record<string, string>
  body?: string
}

/** Aborts a call: a caller's AbortSignal, or the routes' cheaper CallAbort. */
export type CallSignal = AbortSignal | CallAbort

interface CallPlan<T> extends AttemptReading<T> {
  /** What the call is, as its metrics name it: `start`, `score`, `admin-log-in` … */
  name: string
  request: IncodeRequest
  signal?: CallSignal | undefined
  /** Never abort the request once written (it creates something at Incode); see `onLate`. */
  keepWhenSent: boolean
  /** Receives a result that arrived after the call had already failed (deadline) or been aborted. */
  onLate?: ((value: T) => unknown) | undefined
  /** `onLate` bounds its own work (the routes' recording, under `hookTimeout`): no limit of the transport's. */
  onLateBounded?: boolean
  /** What is left of a deadline the caller started earlier (a read that first waited for its admin token), in ms. Default `timeout`. */
  budget?: number
}

interface TransportSettings {
  origin: string
  basePath: string
  dispatcher: Dispatcher
  ownsDispatcher: boolean
  timeout: number
  retries: number
  metrics: IncodeMetrics
}

const BACKOFF_BASE_MS = 100

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

  /** The transport of a client: through the host's dispatcher, or through a pool of its own. */
  static for (settings: ClientSettings, metrics: IncodeMetrics): Transport {
    const { origin, basePath, timeout, retries } = settings
    const dispatcher = settings.dispatcher ?? new Pool(origin, {
      // Unbounded, as global fetch is: at Incode's latency a cap is a queue (the rate limit is
      // what bounds spend); a host's cap is honoured exactly.
      connections: settings.connections,
      keepAliveTimeout: settings.keepAliveTimeout,
      maxResponseSize: MAX_RESPONSE_BYTES,
      // A slow connect is retried, so it gets a share of the budget rather than all of it.
      connect: { timeout: Math.max(1, Math.floor(timeout / (retries + 1))) }
    })
    return new Transport({ origin, basePath, dispatcher, ownsDispatcher: settings.dispatcher === undefined, timeout, retries, metrics })
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
  #handler: AttemptHandler | undefined
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
    this.#handler = new AttemptHandler((outcome) => this.#onOutcome(classify(outcome, attempt, this.#plan)))
    dispatcher.dispatch({ origin, path: basePath + path, method, headers, body }, this.#handler)
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
    // Incode's Retry-After when it gives one (a retry it would refuse is no retry), else a jittered
    // backoff. After Incode's wait, the attempt must still have a fair share of the deadline: one
    // sent with a moment left would turn Incode's clean refusal into a timeout.
    const backoff = attempt.retryAfter ?? BACKOFF_BASE_MS * 2 ** (this.#attempts - 1) * (0.5 + Math.random() / 2)
    const reserve = attempt.retryAfter === undefined ? 0 : this.#settings.timeout / (this.#settings.retries + 1)
    if (!attempt.retryable || this.#attempts > this.#settings.retries ||
        Date.now() - this.#started + backoff + reserve >= this.#budget) {
      this.#answer(attempt.error)
      return
    }
    this.#handler = undefined
    clearTimeout(this.#deadline)
    this.#backoff = setTimeout(() => this.#send(), backoff)
  }

  #onDeadline (): void {
    const sent = !(this.#handler as AttemptHandler).drop()
    this.#giveUp(sent
      ? failure(UpstreamTimeoutError, this.#attempts, {})
      // Never written: waiting for a connection (a `connections` cap) or for a connect.
      : failure(CallNotSentError, this.#attempts - 1, { cause: this.#lastError }), sent)
  }

  /** The caller's signal aborted. */
  handleEvent (): void {
    clearTimeout(this.#backoff)
    this.#giveUp((this.#plan.signal as CallSignal).reason, this.#handler?.drop() === false)
  }

  /** Answers the caller now; a written request is aborted, or left to finish when it creates something. */
  #giveUp (reason: unknown, sent: boolean): void {
    this.#answer(reason)
    const handler = this.#handler
    if (!sent || handler === undefined) return
    if (this.#plan.keepWhenSent) this.#finishInBackground(handler)
    else handler.abort(reason as Error)
  }

  /** Lets a written request run on for at most one more `timeout`, then aborts it. */
  #finishInBackground (handler: AttemptHandler): void {
    const limit = setTimeout(() => {
      handler.abort(new DOMException('Incode answered neither before nor after the deadline', 'TimeoutError'))
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
