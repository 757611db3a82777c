// The account's admin: its log-in, and the executive tokens `/executive/log-in` hands out, each until it expires.
import { randomBytes } from 'node:crypto'
import { createJwtShapedToken } from './tokens.js'

export interface AdminOptions {
  adminEmail?: string
  adminPassword?: string
  adminTokenTtlMs?: number
  maxRecorded: number
}

// Incode's executive tokens live 24 hours.
const DEFAULT_TTL_MS = 24 * 60 * 60 * 1000

export class AdminTokens {
  readonly email: string
  readonly password: string
  readonly #ttlMs: number
  readonly #maxKept: number
  // token → when it expires (epoch ms); oldest first, as a Map keeps them.
  readonly #expiries = new Map<string, number>()

  constructor ({ adminEmail, adminPassword, adminTokenTtlMs, maxRecorded }: AdminOptions) {
    this.email = adminEmail ?? 'admin@fake-incode.test'
    this.password = adminPassword ?? `fake-admin-password-${randomBytes(8).toString('hex')}`
    this.#ttlMs = adminTokenTtlMs ?? DEFAULT_TTL_MS
    if (!Number.isInteger(this.#ttlMs) || this.#ttlMs < 1) {
      throw new RangeError(`adminTokenTtlMs must be a positive integer, got ${this.#ttlMs}`)
    }
    this.#maxKept = maxRecorded
  }

  /** A fresh token for the right credentials, undefined for wrong ones. */
  logIn (email: string, password: string): string | undefined {
    if (email !== this.email || password !== this.password) return undefined
    const issuedAt = new Date()
    const token = createJwtShapedToken({ externalUserId: this.email, role: 'ADMIN' }, issuedAt, Math.ceil(this.#ttlMs / 1000))
    this.#expiries.set(token, issuedAt.getTime() + this.#ttlMs)
    // Only the newest are kept, as sessions are: a client logs in once a day, a loop may not.
    if (this.#expiries.size > this.#maxKept) this.#expiries.delete(this.#expiries.keys().next().value as string)
    return token
  }

  isValid (token: string | undefined): boolean {
    const expiresAt = token === undefined ? undefined : this.#expiries.get(token)
    return expiresAt !== undefined && Date.now() < expiresAt
  }

  /** Every token issued so far is unknown from now on. */
  clear (): void {
    this.#expiries.clear()
  }
}
