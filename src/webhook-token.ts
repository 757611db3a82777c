// Bearer tokens for Incode's webhook calls, signed rather than stored: every instance with the same
// oauth settings issues and accepts the same tokens, with no shared store, and a token expires.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

const VERSION = 'v1'

export class WebhookTokens {
  readonly #clientId: string
  readonly #clientSecret: string
  readonly #key: Buffer
  readonly #ttlSeconds: number

  constructor (oauth: { clientId: string, clientSecret: string, tokenTtlSeconds: number }) {
    this.#clientId = oauth.clientId
    this.#clientSecret = oauth.clientSecret
    // A key of its own, derived from the secret: a token never reveals or reuses the secret itself.
    this.#key = createHmac('sha256', oauth.clientSecret).update(`fastify-incode webhook token\0${oauth.clientId}`).digest()
    this.#ttlSeconds = oauth.tokenTtlSeconds
  }

  /** Whether these are the client credentials; both are compared, in constant time. */
  isClient (clientId: string, clientSecret: string): boolean {
    // `&`, not `&&`: the secret is compared even when the id is wrong.
    return (Number(sameSecret(clientId, this.#clientId)) & Number(sameSecret(clientSecret, this.#clientSecret))) === 1
  }

  issue (): { token: string, expiresIn: number } {
    const payload = `${VERSION}.${Date.now() + this.#ttlSeconds * 1000}.${randomBytes(12).toString('base64url')}`
    return { token: `${payload}.${this.#sign(payload)}`, expiresIn: this.#ttlSeconds }
  }

  /** Whether `token` was issued with these settings and has not expired. */
  verify (token: string): boolean {
    const dot = token.lastIndexOf('.')
    const payload = token.slice(0, Math.max(dot, 0))
    if (!sameSecret(token.slice(dot + 1), this.#sign(payload))) return false
    const [version, expires] = payload.split('.')
    return version === VERSION && Number(expires) > Date.now()
  }

  #sign (payload: string): string {
    return createHmac('sha256', this.#key).update(payload).digest('base64url')
  }
}

/** Compares two secrets in constant time whatever their lengths: both are hashed first. */
export function sameSecret (given: string, expected: string): boolean {
  return timingSafeEqual(createHash('sha256').update(given).digest(), createHash('sha256').update(expected).digest())
}
