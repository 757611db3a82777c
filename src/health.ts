// Readiness: what the plugin needs besides Incode itself to serve its routes, each checked within
// its own bound (the rate-limit store within storeTimeout, the admin token within the call
// timeout). A failure says its error code and the error's fixed sentence; nothing secret.
import type { IncodeError } from './errors.js'

/** One check's result. */
export interface IncodeHealthCheck {
  ok: boolean
  /** How long the check took, in ms. */
  durationMs: number
  /** The error code of a failed check, e.g. `FST_INCODE_RATE_LIMIT_UNAVAILABLE`. */
  code?: string
  /** The error's fixed sentence. */
  message?: string
}

/** What `fastify.incode.health()` answers: `ok` when every check is. */
export interface IncodeHealth {
  ok: boolean
  /** By name: `rateLimitStore`, `webhookRateLimitStore`, `adminToken` — those that apply. */
  checks: Record<string, IncodeHealthCheck>
}

/** A check resolves when healthy, and rejects with one of the plugin's errors otherwise; it bounds itself. */
type HealthCheck = () => Promise<unknown>

const checksOf = new WeakMap<object, Map<string, HealthCheck>>()

/** Adds a check to what `health()` of `owner` (a client) runs. */
export function addHealthCheck (owner: object, name: string, check: HealthCheck): void {
  let checks = checksOf.get(owner)
  if (checks === undefined) {
    checks = new Map()
    checksOf.set(owner, checks)
  }
  checks.set(name, check)
}

/** Runs every check of `owner` at once. */
export async function runHealthChecks (owner: object): Promise<IncodeHealth> {
  const entries = [...(checksOf.get(owner) ?? new Map<string, HealthCheck>())]
  const results = await Promise.all(entries.map(async ([name, check]) => [name, await timed(check)] as const))
  return { ok: results.every(([, result]) => result.ok), checks: Object.fromEntries(results) }
}

async function timed (check: HealthCheck): Promise<IncodeHealthCheck> {
  const started = performance.now()
  const durationMs = (): number => Math.round(performance.now() - started)
  try {
    await check()
    return { ok: true, durationMs: durationMs() }
  } catch (err) {
    const { code, message } = err as IncodeError
    return { ok: false, durationMs: durationMs(), code, message }
  }
}
