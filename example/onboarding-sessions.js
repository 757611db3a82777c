// Where the example keeps its Incode sessions: one row per session in SQLite, written when the
// session is created (onSessionCreated), then by Incode's webhook (status) and the score it leads to,
// and, once the person is verified, their Incode identity with their name and birth date masked.
// A session started through GET /incode/start (Incode's sample front ends) also keeps its uniqueId
// and token, so that another device can resume it (resumeSession). "Delete my data" empties a row
// of all that and marks when.
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'

/**
 * Statuses that end an onboarding: a step's status delivered after one of them is late, and kept out.
 * @type {Set<string | null>}
 */
const FINAL_STATUSES = new Set(['ONBOARDING_FINISHED', 'MANUAL_REVIEW_APPROVED', 'MANUAL_REVIEW_REJECTED', 'EXPIRED'])

// Each entry brings the schema from the version before it (`pragma user_version`) to its own, so
// that a database written by an older example keeps its rows.
const MIGRATIONS = [
  `create table if not exists onboarding_sessions (
    interview_id text primary key,
    external_customer_id text not null,
    route text not null,
    created_at text not null
  )`,
  `alter table onboarding_sessions add column onboarding_status text;
   alter table onboarding_sessions add column status_updated_at text;
   alter table onboarding_sessions add column score text`,
  // Sessions started through GET /incode/start: the uniqueId the front end hands to another
  // device, and the session token that device resumes with (a secret: whoever holds it can act
  // as the person in front of Incode's capture).
  `alter table onboarding_sessions add column unique_id text;
   alter table onboarding_sessions add column session_token text;
   create unique index onboarding_sessions_unique_id on onboarding_sessions (unique_id)`,
  // A verified person: the identity Incode's approval made of them, and only the masked forms of
  // their name and birth date that the page shows (masked-identity.js); when "Delete my data" erased it all.
  `alter table onboarding_sessions add column identity_id text;
   alter table onboarding_sessions add column masked_name text;
   alter table onboarding_sessions add column birth_year integer;
   alter table onboarding_sessions add column data_deleted_at text`
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
 */

/** @param {SessionRow} row @returns {RecordedSession} */
function recordedSession (row) {
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

/** @typedef {ReturnType<typeof openOnboardingSessions>} OnboardingSessions */

/**
 * Opens the database at `path`, creating the file, its folder and the table when needed.
 * The session token is stored only with a uniqueId (GET /incode/start), for resuming: the other
 * routes' tokens are the browser's alone.
 * @param {string} path
 */
export function openOnboardingSessions (path) {
  mkdirSync(dirname(path), { recursive: true })
  const db = new Database(path)
  // Readers (the sessions route, an operator's sqlite3 shell) never block the writer.
  db.pragma('journal_mode = WAL')
  db.transaction(() => {
    const version = /** @type {number} */ (db.pragma('user_version', { simple: true }))
    for (const migration of MIGRATIONS.slice(version)) db.exec(migration)
    db.pragma(`user_version = ${MIGRATIONS.length}`)
  })()

  const insert = db.prepare(`insert into onboarding_sessions
    (interview_id, external_customer_id, route, created_at, unique_id, session_token) values (?, ?, ?, ?, ?, ?)`)
  const selectByUniqueId = db.prepare('select interview_id, session_token from onboarding_sessions where unique_id = ?')
  const selectOne = db.prepare('select * from onboarding_sessions where interview_id = ?')
  const selectFor = db.prepare(`select * from onboarding_sessions where external_customer_id = ?
    order by created_at desc, rowid desc limit ?`)
  // A new status forgets the score: it was Incode's answer for the status before.
  const updateStatus = db.prepare(`update onboarding_sessions
    set onboarding_status = ?, status_updated_at = ?, score = null
    where interview_id = ?`)
  // Only for the status it was fetched for: a newer status may have come in meanwhile.
  const updateScore = db.prepare(`update onboarding_sessions set score = ?
    where interview_id = ? and onboarding_status = ?`)
  // Not once its data was deleted: a late redelivery of Incode's webhook brings nothing back.
  const updateIdentity = db.prepare(`update onboarding_sessions set identity_id = ?, masked_name = ?, birth_year = ?
    where interview_id = ? and data_deleted_at is null`)
  // The session is gone at Incode: what the row held of the person goes, and so does the token
  // (and uniqueId) that resumed it.
  const updateDataDeleted = db.prepare(`update onboarding_sessions
    set identity_id = null, masked_name = null, birth_year = null, unique_id = null, session_token = null, data_deleted_at = ?
    where interview_id = ?`)
  /** @param {string} interviewId */
  const find = (interviewId) => /** @type {SessionRow | undefined} */ (selectOne.get(interviewId))

  return {
    /** @param {import('fastify-incode').IncodeSession} session */
    record (session) {
      const { uniqueId } = session
      insert.run(session.interviewId, session.externalCustomerId, session.route, session.createdAt.toISOString(),
        uniqueId ?? null, uniqueId === undefined ? null : session.token)
    },
    /**
     * The plugin's `resumeSession`: the session stored under a uniqueId (a UUID the plugin has
     * checked), or undefined for one this app never handed out.
     * @param {string} uniqueId
     * @returns {{ token: string, interviewId: string } | undefined}
     */
    resume (uniqueId) {
      const row = /** @type {{ interview_id: string, session_token: string } | undefined} */ (selectByUniqueId.get(uniqueId))
      return row === undefined ? undefined : { token: row.session_token, interviewId: row.interview_id }
    },
    /**
     * One session, or undefined when this app did not record it.
     * @param {string} interviewId
     */
    find (interviewId) {
      const row = find(interviewId)
      return row === undefined ? undefined : recordedSession(row)
    },
    /**
     * Records a status from Incode's webhook and returns the session as it now is, or undefined
     * for a session this app did not record. The same status again (a redelivery) changes
     * nothing, nor does a step's status after a final one.
     * @param {string} interviewId
     * @param {string} onboardingStatus
     * @param {Date} receivedAt
     */
    recordStatus (interviewId, onboardingStatus, receivedAt) {
      const row = find(interviewId)
      if (row === undefined) return undefined
      const late = FINAL_STATUSES.has(row.onboarding_status) && !FINAL_STATUSES.has(onboardingStatus)
      if (row.onboarding_status !== onboardingStatus && !late) {
        updateStatus.run(onboardingStatus, receivedAt.toISOString(), interviewId)
      }
      return recordedSession(/** @type {SessionRow} */ (find(interviewId)))
    },
    /**
     * Records Incode's overall score, fetched for `onboardingStatus`.
     * @param {string} interviewId
     * @param {string} onboardingStatus
     * @param {import('fastify-incode').IncodeScoreValue} overall
     */
    recordScore (interviewId, onboardingStatus, overall) {
      updateScore.run(JSON.stringify(overall), interviewId, onboardingStatus)
    },
    /**
     * Records the identity a verified session made, with the person's name and birth date as masked
     * as the page shows them; nothing once the session's data was deleted.
     * @param {string} interviewId
     * @param {import('./masked-identity.js').MaskedIdentity} identity
     */
    recordIdentity (interviewId, { identityId, maskedName, birthYear }) {
      updateIdentity.run(identityId, maskedName, birthYear, interviewId)
    },
    /**
     * Marks the session's data deleted (at Incode, by the caller) and forgets what the row held of the person.
     * @param {string} interviewId
     * @param {Date} deletedAt
     */
    recordDataDeleted (interviewId, deletedAt) {
      updateDataDeleted.run(deletedAt.toISOString(), interviewId)
    },
    /**
     * The newest sessions of one customer.
     * @param {string} externalCustomerId
     * @param {number} limit
     * @returns {RecordedSession[]}
     */
    listFor (externalCustomerId, limit) {
      return /** @type {SessionRow[]} */ (selectFor.all(externalCustomerId, limit)).map(recordedSession)
    },
    close () {
      db.close()
    }
  }
}
