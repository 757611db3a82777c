// What the example does with Incode's webhook: the session's row takes the new status and, once the
// onboarding has ended with a result, the score Incode gives it (read with the admin token). A
// finished onboarding that scored OK is approved, once for all the instances of the app (the
// database says which delivery approves): the row then takes the identity the person became, and
// their name and birth date masked (masked-identity.js).
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
    const session = await sessions.recordStatus(interviewId, onboardingStatus, new Date())
    if (session === undefined) {
      // Started elsewhere: another app on the same Incode account, or Incode's dashboard.
      request.log.warn({ interviewId, onboardingStatus }, 'Incode webhook for a session this app did not record: ignored')
      return
    }
    if (adminCredentials && session.score === null && session.dataDeletedAt === null && REVIEWED_STATUSES.has(session.onboardingStatus)) {
      const { overall } = await this.incode.getScore(interviewId, { signal })
      await sessions.recordScore(interviewId, /** @type {string} */ (session.onboardingStatus), overall)
    }
  }
}

/**
 * Another delivery of the same event, on this instance or another, is approving the session right
 * now: this one answers 500, and Incode's redelivery finds the person recorded.
 */
export class ApprovalInProgressError extends Error {
  /** @override */
  name = 'ApprovalInProgressError'
  code = 'EXAMPLE_APPROVAL_IN_PROGRESS'
  constructor () {
    super('Another delivery of this event is approving the session')
  }
}

/**
 * The plugin's `webhook.onOnboardingFinished`, after `onWebhook` recorded ONBOARDING_FINISHED: the
 * score the plugin read and, when it is OK, the approval (the person becomes an Incode identity)
 * and what Incode read off their document, masked. Only what the page shows is kept; the
 * identity's customerToken (a long-lived secret) is never stored nor logged. A throw answers 500:
 * Incode delivers again.
 *
 * The example approves, not the plugin (whose `approve: 'when-ok'` approves once per instance):
 * the database lets one delivery at a time approve, and keeps the identity as soon as Incode
 * answers, so that no redelivery, to this instance or another, approves the session again.
 * @param {import('./onboarding-sessions.js').OnboardingSessions} sessions
 * @returns {NonNullable<import('fastify-incode').IncodeWebhookOptions['onOnboardingFinished']>}
 */
export function recordVerifiedIdentity (sessions) {
  return async function onOnboardingFinished ({ interviewId, score }, request, { signal }) {
    const session = await sessions.find(interviewId)
    // onWebhook has warned about a session this app did not record.
    if (session === undefined) return
    await sessions.recordScore(interviewId, 'ONBOARDING_FINISHED', score.overall)
    // Not OK: nobody is verified. Recorded already (a redelivery), or erased: nothing more is read.
    if (score.overall.status !== 'OK' || session.identityId !== null || session.dataDeletedAt !== null) return
    const identityId = await approvedIdentity(this, sessions, interviewId)
    const ocr = await this.incode.getOcrData(interviewId, { signal })
    await sessions.recordIdentity(interviewId, maskedIdentity(identityId, ocr))
    request.log.info({ interviewId }, 'Verified identity recorded, its name and birth date masked')
  }
}

/**
 * The identity the session's approval made: an earlier delivery's (whose document read failed,
 * say), or this one's, under the claim the database gives one delivery at a time. The approval
 * gets no signal: once sent, Incode may approve whether or not the answer is awaited, so it runs
 * to its end (under the client's own deadline) and its identity is kept.
 * @param {import('fastify').FastifyInstance} app
 * @param {import('./onboarding-sessions.js').OnboardingSessions} sessions
 * @param {string} interviewId
 */
async function approvedIdentity (app, sessions, interviewId) {
  const claim = await sessions.claimApproval(interviewId, new Date())
  if (claim.identityId !== null) return claim.identityId
  if (!claim.claimed) throw new ApprovalInProgressError()
  /** @type {string | null} */
  let identityId = null
  try {
    identityId = (await app.incode.approveSession(interviewId)).identityId
  } finally {
    // A failed approval leaves the session to the next delivery.
    await sessions.endApproval(interviewId, identityId)
  }
  return identityId
}
