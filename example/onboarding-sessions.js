// Where the example keeps its Incode sessions: one row per session, written when the session is
// created (onSessionCreated), then by Incode's webhook (status) and the score it leads to, and, once
// the person is verified, their Incode identity with their name and birth date masked. A session
// started through GET /incode/start (Incode's sample front ends) also keeps its uniqueId and token,
// so that another device can resume it (resumeSession). "Delete my data" empties a row of all that
// and marks when. Every status Incode reported is kept once in onboarding_events.
//
// Two stores, one interface, the same tables, columns and migrations: SQLite (sqlite-sessions.js),
// a file for one instance, the default; and PostgreSQL (postgres-sessions.js, DATABASE_URL), one
// database for every instance of the app. This file holds what they share.

/**
 * Statuses that end an onboarding: a step's status delivered after one of them is late, and kept
 * out of the session's row.
 */
export const FINAL_STATUSES = ['ONBOARDING_FINISHED', 'MANUAL_REVIEW_APPROVED', 'MANUAL_REVIEW_REJECTED', 'EXPIRED']
const FINAL_LIST = FINAL_STATUSES.map((status) => `'${status}'`).join(', ')

/**
 * The late-status rule in SQL, for a status update's `where`: the row takes the new status unless it
 * is a step's status and the row holds a final one already. `status` is the new status's placeholder.
 * @param {string} status
 */
export function notLate (status) {
  return `(onboarding_status is null or onboarding_status not in (${FINAL_LIST}) or ${status} in (${FINAL_LIST}))`
}

/**
 * How long a delivery may take to approve a session before another may try (it died, say): well
 * beyond the Incode call's own deadline.
 */
export const APPROVAL_CLAIM_MS = 60_000

// Each entry brings the schema from the version before it to its own (SQLite keeps the version in
// `pragma user_version`, PostgreSQL in the table onboarding_schema), so that a database written by
// an older example keeps its rows. One statement a line, in the SQL both databases speak.
export const MIGRATIONS = [
  [`create table if not exists onboarding_sessions (
    interview_id text primary key,
    external_customer_id text not null,
    route text not null,
    created_at text not null
  )`],
  ['alter table onboarding_sessions add column onboarding_status text',
    'alter table onboarding_sessions add column status_updated_at text',
    'alter table onboarding_sessions add column score text'],
  // Sessions started through GET /incode/start: the uniqueId the front end hands to another
  // device, and the session token that device resumes with (a secret: whoever holds it can act
  // as the person in front of Incode's capture).
  ['alter table onboarding_sessions add column unique_id text',
    'alter table onboarding_sessions add column session_token text',
    'create unique index onboarding_sessions_unique_id on onboarding_sessions (unique_id)'],
  // A verified person: the identity Incode's approval made of them, and only the masked forms of
  // their name and birth date that the page shows (masked-identity.js); when "Delete my data" erased it all.
  ['alter table onboarding_sessions add column identity_id text',
    'alter table onboarding_sessions add column masked_name text',
    'alter table onboarding_sessions add column birth_year integer',
    'alter table onboarding_sessions add column data_deleted_at text'],
  // Several instances: the approval claimed by one delivery at a time, and the identity it made,
  // kept as soon as Incode answers (so no redelivery approves again); every status Incode reported,
  // once each, under the key of the plugin's dedupeKey (interviewId:onboardingStatus).
  ['alter table onboarding_sessions add column approval_claimed_at text',
    'alter table onboarding_sessions add column approved_identity_id text',
    'update onboarding_sessions set approved_identity_id = identity_id',
    `create table onboarding_events (
      interview_id text not null,
      onboarding_status text not null,
      received_at text not null,
      primary key (interview_id, onboarding_status)
    )`,
    `insert into onboarding_events (interview_id, onboarding_status, received_at)
      select interview_id, onboarding_status, coalesce(status_updated_at, created_at) from onboarding_sessions
      where onboarding_status is not null`]
]

/**
 * One recorded session, as the sessions route shows it.
 * @typedef {object} RecordedSession
 * @property {string} interviewId
 * @property {string} externalCustomerId
 * @property {'sessions' | 'onboarding-url' | 'start'} route
 * @property {string} createdAt ISO 8601
 * @property {string | null} onboardingStatus the latest from Incode's webhook; null until the first
 * @property {string | null} statusUpdatedAt ISO 8601, when that status arrived
 * @property {import('fastify-incode').IncodeScoreValue | null} score Incode's overall score, once fetched for that status
 * @property {string | null} identityId the Incode identity the person became when their session was approved
 * @property {string | null} maskedName the verified name as the page shows it, e.g. "A*** S***"
 * @property {number | null} birthYear the year of the verified birth date, the only part of it kept
 * @property {string | null} dataDeletedAt ISO 8601, when "Delete my data" erased the session at Incode and here
 */

/**
 * @typedef {object} SessionRow
 * @property {string} interview_id
 * @property {string} external_customer_id
 * @property {'sessions' | 'onboarding-url' | 'start'} route
 * @property {string} created_at
 * @property {string | null} onboarding_status
 * @property {string | null} status_updated_at
 * @property {string | null} score the overall score as JSON
 * @property {string | null} unique_id GET /incode/start's uniqueId; null for the other routes
 * @property {string | null} session_token with unique_id, for resuming; null otherwise
 * @property {string | null} identity_id
 * @property {string | null} masked_name
 * @property {number | null} birth_year
 * @property {string | null} data_deleted_at
 * @property {string | null} approval_claimed_at ISO 8601, when a delivery began approving the session
 * @property {string | null} approved_identity_id the identity Incode's approval made, kept until its document is read
 */

/** @param {SessionRow} row @returns {RecordedSession} */
export function recordedSession (row) {
  return {
    interviewId: row.interview_id,
    externalCustomerId: row.external_customer_id,
    route: row.route,
    createdAt: row.created_at,
    onboardingStatus: row.onboarding_status,
    statusUpdatedAt: row.status_updated_at,
    score: row.score === null ? null : JSON.parse(row.score),
    identityId: row.identity_id,
    maskedName: row.masked_name,
    birthYear: row.birth_year,
    dataDeletedAt: row.data_deleted_at
  }
}

/**
 * What a delivery learns when it asks to approve a session: whether it may (`claimed`), or the
 * identity an approval made already.
 * @typedef {{ claimed: boolean, identityId: string | null }} ApprovalClaim
 */

/**
 * The sessions, in either store. Every method is one statement or one transaction, so that two
 * instances (or two deliveries) doing the same at once leave the row as one of them would.
 * The session token is stored only with a uniqueId (GET /incode/start), for resuming: the other
 * routes' tokens are the browser's alone.
 * @typedef {object} OnboardingSessions
 * @property {(session: import('fastify-incode').IncodeSession) => Promise<void>} record
 * @property {(uniqueId: string) => Promise<{ token: string, interviewId: string } | undefined>} resume
 *   The plugin's `resumeSession`: the session stored under a uniqueId (a UUID the plugin has
 *   checked), or undefined for one this app never handed out.
 * @property {(interviewId: string) => Promise<RecordedSession | undefined>} find
 *   One session, or undefined when this app did not record it.
 * @property {(interviewId: string, onboardingStatus: string, receivedAt: Date) => Promise<RecordedSession | undefined>} recordStatus
 *   Records a status from Incode's webhook, once however often and wherever it is delivered: its
 *   first delivery is kept in onboarding_events and moves the row to it, unless it is a step's
 *   status after a final one (late); a new status clears the score. Returns the session as it now
 *   is, or undefined (and records nothing) for a session this app did not record.
 * @property {(interviewId: string, onboardingStatus: string, overall: import('fastify-incode').IncodeScoreValue) => Promise<void>} recordScore
 *   Records Incode's overall score, fetched for `onboardingStatus`: only while the row still holds
 *   that status (a newer one may have come in meanwhile).
 * @property {(interviewId: string, claimedAt: Date) => Promise<ApprovalClaim>} claimApproval
 *   Claims the approval of a session for one delivery: claimed when no approval was made, no
 *   other delivery has been approving it for the last APPROVAL_CLAIM_MS, and its data was not
 *   deleted; otherwise the identity an earlier approval made, if any.
 * @property {(interviewId: string, identityId: string | null) => Promise<void>} endApproval
 *   Ends a delivery's claim: with the identity Incode's approval made, or null when it failed
 *   (another delivery may then try).
 * @property {(interviewId: string, identity: import('./masked-identity.js').MaskedIdentity) => Promise<void>} recordIdentity
 *   Records the identity a verified session made, with the person's name and birth date as
 *   masked as the page shows them; nothing once the session's data was deleted.
 * @property {(interviewId: string, deletedAt: Date) => Promise<void>} recordDataDeleted
 *   Marks the session's data deleted (at Incode, by the caller) and forgets what the row held of
 *   the person, with the token (and uniqueId) that resumed it.
 * @property {(externalCustomerId: string, limit: number) => Promise<RecordedSession[]>} listFor
 *   The newest sessions of one customer.
 * @property {() => Promise<void>} close
 */
