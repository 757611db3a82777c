// Incode posts several kinds of webhook to the one URL: each is told apart by its keys and tagged
// with a `kind`, so that the host's onWebhook can tell them apart and none is refused (a refusal is
// delivered again, up to five times).
import { createHash } from 'node:crypto'
import { INTERVIEW_ID, isMatch } from './incode-shapes.js'
import type { IncodeWebhookEvent } from './types.js'

/** A JSON object a webhook route accepted (an onboarding-status one is checked by its schema already). */
export function webhookEvent (body: Record<string, unknown>): IncodeWebhookEvent {
  if (typeof body.onboardingStatus === 'string') {
    return { ...body, kind: 'onboarding-status', interviewId: body.interviewId as string, onboardingStatus: body.onboardingStatus, dedupeKey: `${String(body.interviewId)}:${body.onboardingStatus}` }
  }
  if (typeof body.event_type === 'string') {
    return { ...body, kind: 'session-event', eventType: body.event_type, interviewId: idIn(body), dedupeKey: digest(body) }
  }
  if (typeof body.transactionId === 'string' && ('faceMatch' in body || 'overallStatus' in body || 'errorCode' in body)) {
    const verified = body.faceMatch === true && body.overallStatus === 'PASS' && body.errorCode === undefined
    return { ...body, kind: 'face-authentication', transactionId: body.transactionId, interviewId: idIn(body), verified, dedupeKey: body.transactionId }
  }
  return { ...body, kind: 'other', dedupeKey: digest(body) }
}

/** What an operator may read of an event: its kind and ids, never its data. */
export function describeEvent (event: IncodeWebhookEvent): Record<string, unknown> {
  switch (event.kind) {
    case 'onboarding-status': return { kind: event.kind, interviewId: event.interviewId, onboardingStatus: event.onboardingStatus }
    case 'session-event': return { kind: event.kind, eventType: event.eventType, interviewId: event.interviewId }
    case 'face-authentication': return { kind: event.kind, interviewId: event.interviewId, verified: event.verified }
    default: return { kind: event.kind }
  }
}

/** The body's interviewId when it is one (it may reach a log line); undefined otherwise. */
function idIn (body: Record<string, unknown>): string | undefined {
  return isMatch(INTERVIEW_ID, body.interviewId) ? body.interviewId : undefined
}

/** The same for the same body whatever the order of its keys. */
function digest (body: Record<string, unknown>): string {
  return createHash('sha256').update(canonicalJson(body)).digest('base64url').slice(0, 32)
}

function canonicalJson (value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (typeof value === 'object' && value !== null) {
    return `{${Object.keys(value).sort().map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`).join(',')}}`
  }
  return JSON.stringify(value)
}
