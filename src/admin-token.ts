// Incode's admin (executive) token lives 24 hours. Logged in on first use, kept, renewed an hour
// early and once for a token Incode refused, and shared: concurrent callers wait for one log-in,
// not one each. A failed log-in is not tried again at once: repeated failures could lock the
// admin account, so the next one waits, longer after each failure.
import { AdminLoginFailedError, CallNotSentError, InvalidOptionError, type IncodeCallError } from './errors.js'
import { failure } from './transport.js'

const RENEW_AFTER_MS = 23 * 60 * 60 * 1000
const FIRST_BACKOFF_MS = 1000
const MAX_BACKOFF_MS = 5 * 60 * 1000

export type LogIn = (email: string, password: string) => Promise<string>

/** How long a caller may wait for the token: until its call's deadline, and while its signal allows. */
export interface TokenWait {
  deadline: number
  signal?: AbortSignal | undefined
}

export class AdminToken {
  readonly #credentials: { email: string, password: string } | undefined
  readonly #logIn: LogIn
  #token: string | undefined
  #renewAt = Infinity
  #pending: Promise<string> | undefined
  #failures = 0
  /** No log-in before this time (ms), after a failed one. */
  #nextLogInAt = 0
  #lastFailure: IncodeCallError | undefined

  constructor (settings: { token?: string | undefined, email?: string | undefined, password?: string | undefined }, logIn: LogIn) {
    this.#token = settings.token
    this.#credentials = settings.email === undefined || settings.password === undefined
      ? undefined
      : { email: settings.email, password: settings.password }
    this.#logIn = logIn
  }

  /** Whether a token that Incode refused can be replaced by logging in again. */
  get renewable (): boolean {
    return this.#credentials !== undefined
  }

  /** The token to call with: the one held, or a new log-in's (shared with every caller waiting). */
  async get (wait: TokenWait): Promise<string> {
    if (this.#token !== undefined && Date.now() < this.#renewAt) return this.#token
    return await this.#waitFor(this.#loggedIn(), wait)
  }

  /**
   * A token in place of `refused`, which Incode turned down: a new log-in, unless another caller
   * that held the same token has started one (it is then shared) or finished it (its token is
   * given). A token the host gave is kept: there is nothing to replace it with.
   */
  async renew (refused: string, wait: TokenWait): Promise<string> {
    if (this.#token === refused) this.#token = undefined
    return await this.get(wait)
  }

  #loggedIn (): Promise<string> {
    const credentials = this.#credentials
    if (credentials === undefined) {
      return Promise.reject(new InvalidOptionError('adminToken', 'must be set, or adminEmail and adminPassword, to read onboarding statuses and scores'))
    }
    if (this.#pending !== undefined) return this.#pending
    if (Date.now() < this.#nextLogInAt) return Promise.reject(this.#loginFailed(this.#lastFailure as IncodeCallError))
    this.#pending = this.#logIn(credentials.email, credentials.password).then((token) => {
      this.#token = token
      this.#renewAt = Date.now() + RENEW_AFTER_MS
      this.#failures = 0
      return token
    }, (cause: IncodeCallError) => {
      this.#failures++
      this.#nextLogInAt = Date.now() + Math.min(FIRST_BACKOFF_MS * 2 ** (this.#failures - 1), MAX_BACKOFF_MS)
      this.#lastFailure = cause
      throw this.#loginFailed(cause)
    }).finally(() => { this.#pending = undefined })
    return this.#pending
  }

  /** The error of a failed log-in, saying when the next may be made; Incode's answer is its cause. */
  #loginFailed (cause: IncodeCallError): IncodeCallError {
    const error = new AdminLoginFailedError(Math.max(1, Math.ceil((this.#nextLogInAt - Date.now()) / 1000)), { cause })
    error.attempts = cause.attempts
    error.upstreamStatus = cause.upstreamStatus
    error.incodeStatus = cause.incodeStatus
    return error
  }

  /** Waits for a log-in no longer than the caller's deadline and signal allow; the log-in goes on for the others. */
  async #waitFor (loggedIn: Promise<string>, { deadline, signal }: TokenWait): Promise<string> {
    if (signal?.aborted === true) throw signal.reason
    let timer: NodeJS.Timeout | undefined
    let onAbort: (() => void) | undefined
    try {
      return await Promise.race([
        loggedIn,
        new Promise<never>((resolve, reject) => {
          // The call waiting for the token was never sent: Incode did not see it.
          timer = setTimeout(() => reject(failure(CallNotSentError, 0, {})), deadline - Date.now())
          onAbort = () => reject(signal?.reason)
          signal?.addEventListener('abort', onAbort, { once: true })
        })
      ])
    } finally {
      clearTimeout(timer)
      if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort)
    }
  }
}
