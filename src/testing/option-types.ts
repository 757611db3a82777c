// The public types of the fake's options.
import type { FakeWebhookTarget } from './onboarding-types.js'

export interface FakeIncodeOptions {
  /**
   * The key the API-key endpoints (`/omni/start`, `/executive/log-in`, `/omni/get/…`,
   * `/omni/process/approve`, `/omni/interviews`, `/omni/authentication/verify`) accept in `x-api-key`. Default: a random `fake-api-key-<hex>`.
   */
  apiKey?: string
  /** When given, `/omni/start` answers 400 for any other `configurationId`. Default: any non-empty string. */
  configurationIds?: string[]
  /** Reported as `clientId` in start answers; a different `?clientId=` on onboarding-url is a 400. Default `'fake-client'`. */
  clientId?: string
  /** Delays every answer, faulted or not (but not the 413 for a body over 1 MiB), by this many ms. Default 0. */
  latencyMs?: number
  /** Default 0: a free port. */
  port?: number
  /**
   * How many of the newest requests `requests` keeps, and of the newest sessions `sessions`
   * keeps (and admin tokens the fake accepts); older ones are dropped. A dropped session's token
   * is unknown again (401 on onboarding-url), its onboarding page a 404, and its interviewId
   * unknown to `completeOnboarding`. An integer ≥ 1; default 5000.
   */
  maxRecorded?: number
  /**
   * Ends a connection once it has been idle (no request in progress, the last answer sent) this
   * many ms, as a load balancer does, and never announces it: no `Keep-Alive` header. An integer
   * ≥ 1. Default: Node's own keep-alive handling (`Keep-Alive: timeout=5`, closed after 5 s).
   */
  idleTimeoutMs?: number
  /**
   * How an idle connection ends (needs `idleTimeoutMs`). `'fin'` (default): the fake closes it,
   * as a load balancer closing an idle connection. `'reset'`: the fake forgets it without a word,
   * as a load balancer that dropped its state, and answers the next bytes the client sends on it
   * with a TCP RST; they are never read or recorded. Until then it still counts in
   * `activeConnections`.
   */
  idleClose?: IdleClose
  /** The email `POST /executive/log-in` accepts. Default `'admin@fake-incode.test'`. */
  adminEmail?: string
  /** The password `POST /executive/log-in` accepts. Default: a random `fake-admin-password-<hex>`. */
  adminPassword?: string
  /**
   * How long an admin token from `POST /executive/log-in` is accepted, in ms; its JWT-shaped
   * claims say the same (`exp - iat`, rounded up to a second). An integer ≥ 1. Default 24 h, as
   * Incode's. The newest `maxRecorded` tokens are kept; an older one is unknown (401).
   */
  adminTokenTtlMs?: number
  /**
   * The account's onboarding-status webhook, as Incode's dashboard holds one per account: where
   * `completeOnboarding` without a `webhook` of its own, and the onboarding page's finish, deliver
   * it. Checked at once as `completeOnboarding` checks its own (`createFakeIncode` rejects with the
   * same errors). Change it later with `setWebhook`, for a host whose URL is known only once it
   * listens. Default: none, and nothing is delivered.
   */
  webhook?: FakeWebhookTarget
}

/** `fin`: close the connection. `reset`: forget it, and answer whatever comes next with a TCP RST. */
export type IdleClose = 'fin' | 'reset'
