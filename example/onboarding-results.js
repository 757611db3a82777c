// What the example does with Incode's webhook: the session's row takes the new status and, once the
// onboarding has ended with a result, the score Incode gives it (read with the admin token).

/**
 * The statuses after which Incode has a score worth keeping.
 * @type {Set<string | null>}
 */
const SCORED_STATUSES = new Set(['ONBOARDING_FINISHED', 'MANUAL_REVIEW_APPROVED', 'MANUAL_REVIEW_REJECTED'])

/**
 * The plugin's `webhook.onWebhook`. A throw (the database, the score call) answers 500, so Incode
 * delivers the event again; the redelivery records what is still missing and nothing twice.
 * @param {ReturnType<typeof import('./onboarding-sessions.js').openOnboardingSessions>} sessions
 * @param {{ fetchScores: boolean }} options `fetchScores`: false without admin credentials
 * @returns {import('fastify-incode').OnWebhook}
 */
export function recordOnboardingResults (sessions, { fetchScores }) {
  return async function onWebhook (event, request, { signal }) {
    const { interviewId, onboardingStatus } = event
    const session = sessions.recordStatus(interviewId, onboardingStatus, new Date())
    if (session === undefined) {
      // Started elsewhere: another app on the same Incode account, or Incode's dashboard.
      request.log.warn({ interviewId, onboardingStatus }, 'Incode webhook for a session this app did not record: ignored')
      return
    }
    if (fetchScores && session.score === null && SCORED_STATUSES.has(session.onboardingStatus)) {
      const { overall } = await this.incode.getScore(interviewId, { signal })
      sessions.recordScore(interviewId, /** @type {string} */ (session.onboardingStatus), overall)
    }
  }
}
