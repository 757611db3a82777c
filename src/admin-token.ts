// Incode's admin (executive) token lives 24 hours. Logged in on first use, kept, renewed an hour
// early and once for a token Incode refused, and shared: concurrent callers wait for one log-in,
// not one each. A refused log-in is not tried again at once: repeated refusals could lock the
// admin account, so the next one waits, longer after each refusal.
import {
  AdminLoginFailedError,
  CallNotSentError,
  failure,
  InvalidOptionError,
  UpstreamRejectedError,
  withCallDetails,
  type IncodeCallError
} from './errors.js'
import type { AdminCredentials } from './client-options.js'

const TOKEN_LIFE_MS = 24 * 60 * 60 * 1000
const RENEW_AFTER_MS = 23 * 60 * 60 * 1000
const FIRST_BACKOFF_MS = 1000
const MAX_BACKOFF_MS = 5 * 60 * 1000

type LogIn = (email: string, password: string) => Promise<string>

/** How long a caller may wait for the token: until its call's deadline, and while its signal allows. */
interface TokenWait {
  deadline: number
  signal?: AbortSignal | undefined
}

export class AdminToken {
  readonly #credentials: { email: string, password: string } | undefined
  readonly #logIn: LogIn
  #token: string | undefined
  #renewAt = Infinity
  /** Until when Incode accepts the token held (a host's: for ever, as far as the client knows). */
  #expiresAt = Infinity
  #pending: Promise<string> | undefined
  #refusals = 0
  /** No log-in before this time (ms), after a refused one. */
  #nextLogInAt = 0
  #lastRefusal: IncodeCallError | undefined

  constructor (settings: AdminCredentials, logIn: LogIn) {
    this.#token = settings.token
    this.#credentials = settings.email === undefined || settings.password === undefined
      ? undefined
      : { email: settings.email, password: settings.password }
    this.#logIn = logIn
  }

  /**
   * Runs `call` with the token, all under one deadline of `timeout` ms: the wait for a log-in, the
   * call, and after a 401 the renewal and the call once more. A call is sent only with time left
   * for its answer (`budget`, in ms). A renewed token Incode refuses too is the call's error, and
   * stays: Incode refusing every token is no reason for more log-ins.
   */
  async use<T> (timeout: number, signal: AbortSignal | undefined, call: (token: string, budget: number) => Promise<T>): Promise<T> {
    const deadline = Date.now() + timeout
    const wait = { deadline, signal }
    const callInTime = async (token: string): Promise<T> => {
      const budget = deadline - Date.now()
      if (budget <= 0) throw failure(CallNotSentError, 0, {})
      return await call(token, budget)
    }
    const token = await this.get(wait)
    try {
      return await callInTime(token)
    } catch (err) {
      if (!(isRefusedToken(err) && this.#credentials !== undefined)) throw err
      return await callInTime(await this.#renew(token, wait))
    }
  }

  /**
   * The token to call with: the one held, or a new log-in's (shared with every caller waiting).
   * A renewal due early that fails leaves the token held, while it lives.
   */
  async get (wait: TokenWait): Promise<string> {
    const held = this.#token
    if (held !== undefined && Date.now() < this.#renewAt) return held
    if (wait.signal?.aborted === true) throw wait.signal.reason
    try {
      return await this.#waitFor(this.#loggedIn(), wait)
    } catch (err) {
      if (held !== undefined && this.#token === held && Date.now() < this.#expiresAt) return held
      throw err
    }
  }

  /**
   * A token in place of `refused`, which Incode turned down: a new log-in, unless another caller
   * that held the same token has started one (it is then shared) or finished it (its token is
   * given). A token the host gave is kept: there is nothing to replace it with.
   */
  async #renew (refused: string, wait: TokenWait): Promise<string> {
    if (this.#token === refused) this.#token = undefined
    return await this.get(wait)
  }

  #loggedIn (): Promise<string> {
    const credentials = this.#credentials
    if (credentials === undefined) {
      return Promise.reject(new InvalidOptionError('adminToken', 'must be set, or adminEmail and adminPassword, to read onboarding statuses and scores'))
    }
    if (this.#pending !== undefined) return this.#pending
    // Backing off: no call is made, so none is counted and Incode answered nothing; the refusal is the cause.
    if (Date.now() < this.#nextLogInAt) return Promise.reject(this.#loginFailed(this.#lastRefusal as IncodeCallError, false))
    this.#pending = this.#logIn(credentials.email, credentials.password).then((token) => {
      this.#token = token
      this.#renewAt = Date.now() + RENEW_AFTER_MS
      this.#expiresAt = Date.now() + TOKEN_LIFE_MS
      this.#refusals = 0
      return token
    }, (cause: IncodeCallError) => {
      // Only a refusal backs off: a log-in that did not get through cannot lock the account.
      if (cause instanceof UpstreamRejectedError) {
        this.#refusals++
        this.#nextLogInAt = Date.now() + Math.min(FIRST_BACKOFF_MS * 2 ** (this.#refusals - 1), MAX_BACKOFF_MS)
        this.#lastRefusal = cause
      }
      throw this.#loginFailed(cause, true)
    }).finally(() => { this.#pending = undefined })
    return this.#pending
  }

  /** The error of a failed log-in (`sent`: this one, not an earlier one), saying when the next may be made. */
  #loginFailed (cause: IncodeCallError, sent: boolean): IncodeCallError {
    const error = withCallDetails(new AdminLoginFailedError({ cause }), sent ? cause.attempts : 0,
      sent ? { status: cause.upstreamStatus, incodeStatus: cause.incodeStatus } : {})
    const wait = this.#nextLogInAt - Date.now()
    if (wait > 0) error.message += `; no new log-in for ${Math.ceil(wait / 1000)} s`
    return error
  }

  /** Waits for a log-in no longer than the caller's deadline and signal allow; the log-in goes on for the others. */
  async #waitFor (loggedIn: Promise<string>, { deadline, signal }: TokenWait): Promise<string> {
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

function isRefusedToken (err: unknown): boolean {
  return err instanceof UpstreamRejectedError && err.upstreamStatus === 401
}
