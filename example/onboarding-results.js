// What the example does with Incode's webhook: the session's row takes the new status and, once the
// onboarding has ended with a result, the score Incode gives it (read with the admin token). A
// finished onboarding that scored OK is approved by the plugin (`approve: 'when-ok'`): the row then
// takes the identity the person became, and their name and birth date masked (masked-identity.js).
import { maskedIdentity } from './masked-identity.js'

/**
 * The final statuses of a manual review, after which Incode has a new score worth keeping. The
 * score of ONBOARDING_FINISHED comes with the finished-onboarding flow: the plugin reads it, not this.
 * @type {Set<string | null>}
 */
const REVIEWED_STATUSES = new Set(['MANUAL_REVIEW_APPROVED', 'MANUAL_REVIEW_REJECTED'])

/**
 * The plugin's `webhook.onWebhook`. A throw (the database, the score call) answers 500, so Incode
 * delivers the event again; the redelivery records what is still missing and nothing twice.
 * @param {import('./onboarding-sessions.js').OnboardingSessions} sessions
 * @param {{ adminCredentials: boolean }} options `adminCredentials`: false when scores cannot be read
 * @returns {import('fastify-incode').OnWebhook}
 */
export function recordOnboardingResults (sessions, { adminCredentials }) {
  return async function onWebhook (event, request, { signal }) {
    // Only the onboarding-status webhook names a session's status; the others (session events,
    // face log-ins) are Incode's to send and this example's to ignore.
    if (event.kind !== 'onboarding-status') return
    const { interviewId, onboardingStatus } = event
    const session = sessions.recordStatus(interviewId, onboardingStatus, new Date())
    if (session === undefined) {
      // Started elsewhere: another app on the same Incode account, or Incode's dashboard.
      request.log.warn({ interviewId, onboardingStatus }, 'Incode webhook for a session this app did not record: ignored')
      return
    }
    if (adminCredentials && session.score === null && session.dataDeletedAt === null && REVIEWED_STATUSES.has(session.onboardingStatus)) {
      const { overall } = await this.incode.getScore(interviewId, { signal })
      sessions.recordScore(interviewId, /** @type {string} */ (session.onboardingStatus), overall)
    }
  }
}

/**
 * The plugin's `webhook.onOnboardingFinished`, after `onWebhook` recorded ONBOARDING_FINISHED:
 * the score the plugin read, then, for a person it approved, the identity and what Incode read
 * off their document, masked. Only what the page shows is kept; the identity's customerToken (a
 * long-lived secret) is never stored nor logged. A throw answers 500: Incode delivers again.
 * @param {import('./onboarding-sessions.js').OnboardingSessions} sessions
 * @returns {NonNullable<import('fastify-incode').IncodeWebhookOptions['onOnboardingFinished']>}
 */
export function recordVerifiedIdentity (sessions) {
  return async function onOnboardingFinished ({ interviewId, score, identity }, request, { signal }) {
    const session = sessions.find(interviewId)
    // onWebhook has warned about a session this app did not record.
    if (session === undefined) return
    sessions.recordScore(interviewId, 'ONBOARDING_FINISHED', score.overall)
    // Not approved (its score is not OK): nobody was verified. Recorded already (a redelivery):
    // the person's data is not read again.
    if (identity === undefined || session.identityId === identity.identityId) return
    const ocr = await this.incode.getOcrData(interviewId, { signal })
    sessions.recordIdentity(interviewId, maskedIdentity(identity, ocr))
    request.log.info({ interviewId }, 'Verified identity recorded, its name and birth date masked')
  }
}
