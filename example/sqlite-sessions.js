// The sessions in SQLite (better-sqlite3), a file beside the app: the default, for one instance.
// better-sqlite3 is synchronous, so each method is done when it returns; it returns a promise all
// the same, as the PostgreSQL store does (postgres-sessions.js). See onboarding-sessions.js.
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import { APPROVAL_CLAIM_MS, MIGRATIONS, notLate, recordedSession } from './onboarding-sessions.js'

/** @typedef {import('./onboarding-sessions.js').SessionRow} SessionRow */

/**
 * Opens the database at `path`, creating the file, its folder and the tables when needed.
 * @param {string} path
 * @returns {import('./onboarding-sessions.js').OnboardingSessions}
 */
export function openSqliteSessions (path) {
  mkdirSync(dirname(path), { recursive: true })
  const db = new Database(path)
  // Readers (the sessions route, an operator's sqlite3 shell) never block the writer.
  db.pragma('journal_mode = WAL')
  db.transaction(() => {
    const version = /** @type {number} */ (db.pragma('user_version', { simple: true }))
    for (const migration of MIGRATIONS.slice(version)) {
      for (const statement of migration) db.exec(statement)
    }
    db.pragma(`user_version = ${MIGRATIONS.length}`)
  })()

  const insert = db.prepare(`insert into onboarding_sessions
    (interview_id, external_customer_id, route, created_at, unique_id, session_token) values (?, ?, ?, ?, ?, ?)`)
  const selectByUniqueId = db.prepare('select interview_id, session_token from onboarding_sessions where unique_id = ?')
  const selectOne = db.prepare('select * from onboarding_sessions where interview_id = ?')
  const selectFor = db.prepare(`select * from onboarding_sessions where external_customer_id = ?
    order by created_at desc, rowid desc limit ?`)
  // Only for a session this app recorded; a status already recorded (a redelivery) adds nothing.
  const insertEvent = db.prepare(`insert into onboarding_events (interview_id, onboarding_status, received_at)
    select interview_id, ?2, ?3 from onboarding_sessions where interview_id = ?1
    on conflict do nothing`)
  // A new status forgets the score: it was Incode's answer for the status before.
  const updateStatus = db.prepare(`update onboarding_sessions
    set onboarding_status = ?2, status_updated_at = ?3, score = null
    where interview_id = ?1 and ${notLate('?2')}`)
  // Only for the status it was fetched for: a newer status may have come in meanwhile.
  const updateScore = db.prepare(`update onboarding_sessions set score = ?
    where interview_id = ? and onboarding_status = ?`)
  const claim = db.prepare(`update onboarding_sessions set approval_claimed_at = ?2
    where interview_id = ?1 and approved_identity_id is null and data_deleted_at is null
      and (approval_claimed_at is null or approval_claimed_at < ?3)`)
  const selectApproved = db.prepare('select approved_identity_id from onboarding_sessions where interview_id = ?')
  const unclaim = db.prepare(`update onboarding_sessions
    set approval_claimed_at = null, approved_identity_id = coalesce(?2, approved_identity_id)
    where interview_id = ?1`)
  // Not once its data was deleted: a late redelivery of Incode's webhook brings nothing back.
  const updateIdentity = db.prepare(`update onboarding_sessions set identity_id = ?, masked_name = ?, birth_year = ?
    where interview_id = ? and data_deleted_at is null`)
  // The session is gone at Incode: what the row held of the person goes, and so does the token
  // (and uniqueId) that resumed it.
  const updateDataDeleted = db.prepare(`update onboarding_sessions
    set identity_id = null, masked_name = null, birth_year = null, unique_id = null, session_token = null,
      approved_identity_id = null, approval_claimed_at = null, data_deleted_at = ?
    where interview_id = ?`)
  /** @param {string} interviewId */
  const find = (interviewId) => /** @type {SessionRow | undefined} */ (selectOne.get(interviewId))
  // One writer at a time: the event and the row change together, or not at all.
  const recordStatus = db.transaction((/** @type {string} */ interviewId, /** @type {string} */ onboardingStatus, /** @type {string} */ receivedAt) => {
    const values = { 1: interviewId, 2: onboardingStatus, 3: receivedAt }
    if (insertEvent.run(values).changes === 1) updateStatus.run(values)
  })

  return {
    async record (session) {
      const { uniqueId } = session
      insert.run(session.interviewId, session.externalCustomerId, session.route, session.createdAt.toISOString(),
        uniqueId ?? null, uniqueId === undefined ? null : session.token)
    },
    async resume (uniqueId) {
      const row = /** @type {{ interview_id: string, session_token: string } | undefined} */ (selectByUniqueId.get(uniqueId))
      return row === undefined ? undefined : { token: row.session_token, interviewId: row.interview_id }
    },
    async find (interviewId) {
      const row = find(interviewId)
      return row === undefined ? undefined : recordedSession(row)
    },
    async recordStatus (interviewId, onboardingStatus, receivedAt) {
      recordStatus(interviewId, onboardingStatus, receivedAt.toISOString())
      const row = find(interviewId)
      return row === undefined ? undefined : recordedSession(row)
    },
    async recordScore (interviewId, onboardingStatus, overall) {
      updateScore.run(JSON.stringify(overall), interviewId, onboardingStatus)
    },
    async claimApproval (interviewId, claimedAt) {
      const staleBefore = new Date(claimedAt.getTime() - APPROVAL_CLAIM_MS).toISOString()
      const claimed = claim.run({ 1: interviewId, 2: claimedAt.toISOString(), 3: staleBefore }).changes === 1
      const row = /** @type {{ approved_identity_id: string | null } | undefined} */ (selectApproved.get(interviewId))
      return { claimed, identityId: row?.approved_identity_id ?? null }
    },
    async endApproval (interviewId, identityId) {
      unclaim.run({ 1: interviewId, 2: identityId })
    },
    async recordIdentity (interviewId, { identityId, maskedName, birthYear }) {
      updateIdentity.run(identityId, maskedName, birthYear, interviewId)
    },
    async recordDataDeleted (interviewId, deletedAt) {
      updateDataDeleted.run(deletedAt.toISOString(), interviewId)
    },
    async listFor (externalCustomerId, limit) {
      return /** @type {SessionRow[]} */ (selectFor.all(externalCustomerId, limit)).map(recordedSession)
    },
    async close () {
      db.close()
    }
  }
}
