// Incode's admin (executive) token lives 24 hours. Logged in on first use, kept, renewed an hour
// early and once after a 401, and shared: concurrent callers wait for one log-in, not one each.
import { AdminLoginFailedError, InvalidOptionError, type IncodeCallError } from './errors.js'
import { failure } from './transport.js'

const RENEW_AFTER_MS = 23 * 60 * 60 * 1000

export type LogIn = (email: string, password: string) => Promise<string>

export class AdminToken {
  readonly #credentials: { email: string, password: string } | undefined
  readonly #logIn: LogIn
  #token: string | undefined
  #renewAt = Infinity
  #pending: Promise<string> | undefined

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

  async get (): Promise<string> {
    if (this.#token !== undefined && Date.now() < this.#renewAt) return this.#token
    const credentials = this.#credentials
    if (credentials === undefined) {
      throw new InvalidOptionError('adminToken', 'must be set, or adminEmail and adminPassword, to read onboarding statuses and scores')
    }
    this.#pending ??= this.#logIn(credentials.email, credentials.password).then((token) => {
      this.#token = token
      this.#renewAt = Date.now() + RENEW_AFTER_MS
      return token
    }, (cause: IncodeCallError) => {
      throw failure(AdminLoginFailedError, cause.attempts, { status: cause.upstreamStatus, incodeStatus: cause.incodeStatus, cause })
    }).finally(() => { this.#pending = undefined })
    return await this.#pending
  }

  /**
   * Forgets `token` after Incode refused it, unless another caller has already replaced it. A
   * token the host gave is kept: there is nothing to replace it with, and the refusal may pass.
   */
  refused (token: string): void {
    if (this.renewable && this.#token === token) this.#token = undefined
  }
}
