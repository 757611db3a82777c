// The account the fake plays, and the checks Incode makes of who is calling: API key, admin token, session token.
import type { AdminTokens } from './admin-tokens.js'
import type { Exchange } from './exchange.js'
import { sendError } from './incode-http.js'
import type { Onboardings } from './onboardings.js'
import type { Identities } from './people.js'
import type { SessionRecords } from './session-records.js'
import type { FakeSession } from './types.js'

/** The account the fake plays: the sessions and admin tokens it keeps, its onboardings and their webhook, its identities. */
export interface IncodeAccount {
  apiKey: string
  clientId: string
  /** Undefined: any non-empty `configurationId`. */
  configurationIds: readonly string[] | undefined
  sessions: SessionRecords
  admin: AdminTokens
  onboardings: Onboardings
  /** The identities approvals made, one per face. */
  identities: Identities
}

/** True when the caller sent the account's `x-api-key`; else answers 403. */
export function checkApiKey (exchange: Exchange, account: IncodeAccount): boolean {
  if (exchange.recorded.headers['x-api-key'] === account.apiKey) return true
  sendError(exchange, 403, 'Invalid or missing API key')
  return false
}

/** True when `X-Incode-Hardware-Id` is a live admin token; else answers 401. */
export function checkAdminToken (exchange: Exchange, account: IncodeAccount): boolean {
  if (account.admin.isValid(hardwareId(exchange))) return true
  sendError(exchange, 401, 'Invalid, expired or missing admin token')
  return false
}

/** The session whose token is in `X-Incode-Hardware-Id`; undefined after answering 401. */
export function sessionOfCaller (exchange: Exchange, account: IncodeAccount): FakeSession | undefined {
  const token = hardwareId(exchange)
  const session = token === undefined ? undefined : account.sessions.withToken(token)
  if (session === undefined) sendError(exchange, 401, 'Invalid or missing session token')
  return session
}

export function hardwareId (exchange: Exchange): string | undefined {
  // Node joins a repeated custom header into one string: it is never an array here.
  return exchange.recorded.headers['x-incode-hardware-id'] as string | undefined
}

/** The session the query's `name` (default `id`) names; undefined after answering 400. */
export function sessionOfQuery (exchange: Exchange, account: IncodeAccount, name = 'id'): FakeSession | undefined {
  const id = exchange.recorded.query[name]
  if (id === undefined || id === '') {
    sendError(exchange, 400, `${name} is required`)
    return undefined
  }
  const session = account.sessions.get(id)
  if (session === undefined) sendError(exchange, 400, 'Unknown interview id')
  return session
}
