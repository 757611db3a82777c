// Where the example keeps what onSessionCreated is given: one row per Incode session, in SQLite.
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'

/**
 * One recorded session, as the sessions route shows it.
 * @typedef {object} RecordedSession
 * @property {string} interviewId
 * @property {string} externalCustomerId
 * @property {'sessions' | 'onboarding-url'} route
 * @property {string} createdAt ISO 8601
 */

/**
 * Opens the database at `path`, creating the file, its folder and the table when needed.
 * The session token is not stored: it is the browser's, and it expires.
 * @param {string} path
 */
export function openOnboardingSessions (path) {
  mkdirSync(dirname(path), { recursive: true })
  const db = new Database(path)
  // Readers (the sessions route, an operator's sqlite3 shell) never block the writer.
  db.pragma('journal_mode = WAL')
  db.exec(`create table if not exists onboarding_sessions (
    interview_id text primary key,
    external_customer_id text not null,
    route text not null,
    created_at text not null
  )`)
  const insert = db.prepare(`insert into onboarding_sessions
    (interview_id, external_customer_id, route, created_at) values (?, ?, ?, ?)`)
  const selectFor = db.prepare(`select interview_id as interviewId, external_customer_id as externalCustomerId,
      route, created_at as createdAt
    from onboarding_sessions where external_customer_id = ?
    order by created_at desc, rowid desc limit ?`)

  return {
    /** @param {import('fastify-incode').IncodeSession} session */
    record (session) {
      insert.run(session.interviewId, session.externalCustomerId, session.route, session.createdAt.toISOString())
    },
    /**
     * The newest sessions of one customer.
     * @param {string} externalCustomerId
     * @param {number} limit
     * @returns {RecordedSession[]}
     */
    listFor (externalCustomerId, limit) {
      return /** @type {RecordedSession[]} */ (selectFor.all(externalCustomerId, limit))
    },
    close () {
      db.close()
    }
  }
}
