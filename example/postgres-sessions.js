// The sessions in PostgreSQL (node-postgres), for several instances of the app sharing one
// database (DATABASE_URL): the tables, columns and migrations of the SQLite store
// (sqlite-sessions.js), each method the same. What two instances may do at the same moment is
// left to the database: the schema is migrated under a lock, and each change is one statement, so
// a status delivered to both at once is recorded once and an approval is claimed by one delivery.
import pg from 'pg'
import { APPROVAL_CLAIM_MS, MIGRATIONS, notLate, recordedSession } from './onboarding-sessions.js'

/** @typedef {import('./onboarding-sessions.js').SessionRow} SessionRow */

/**
 * What the store needs of a pool of connections: node-postgres's Pool (a stand-in in the tests).
 * @typedef {object} PostgresPool
 * @property {(text: string, values?: unknown[]) => Promise<{ rows: any[], rowCount: number | null }>} query
 * @property {() => Promise<{ query: PostgresPool['query'], release: (err?: Error) => void }>} connect
 * @property {() => Promise<void>} end
 * @property {(event: 'error', listener: (err: Error & { code?: string }) => void) => unknown} on
 */

// node-postgres takes no AbortSignal: each query gives up after 4 s, within the plugin's hookTimeout (5 s).
const QUERY_TIMEOUT_MS = 4000
// A database that does not answer stops the start within seconds.
const CONNECT_TIMEOUT_MS = 5000
// The advisory lock the migrations are applied under: instances starting at once wait in turn.
const SCHEMA_LOCK = 4_711_202_605
// PostgreSQL has no implicit rowid, which the SQLite store lists sessions of one millisecond by:
// its table declares one, with the first migration.
const POSTGRES_MIGRATIONS = [
  [...(/** @type {string[]} */ (MIGRATIONS[0])), 'alter table onboarding_sessions add column rowid bigint generated always as identity'],
  ...MIGRATIONS.slice(1)
]

/**
 * Opens the database at `connectionString` (postgres://user:password@host:port/database), and
 * brings its tables to the newest version. Rejects when it cannot be reached or migrated.
 * @param {string} connectionString
 * @param {{ log: import('fastify').FastifyBaseLogger }} options
 */
export async function openPostgresSessions (connectionString, { log }) {
  const pool = new pg.Pool({ connectionString, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, query_timeout: QUERY_TIMEOUT_MS })
  try {
    return await postgresSessions(pool, { log })
  } catch (err) {
    await pool.end()
    throw err
  }
}

/**
 * Brings the schema to the newest version, in one transaction under an advisory lock: a second
 * instance starting at the same moment waits, then finds the tables up to date.
 * @param {PostgresPool} pool
 */
async function migrate (pool) {
  const client = await pool.connect()
  try {
    await client.query('begin')
    await client.query('select pg_advisory_xact_lock($1)', [SCHEMA_LOCK])
    await client.query('create table if not exists onboarding_schema (version integer not null)')
    const { rows: [schema] } = await client.query('select version from onboarding_schema')
    if (schema === undefined) await client.query('insert into onboarding_schema (version) values (0)')
    for (const migration of POSTGRES_MIGRATIONS.slice(schema?.version ?? 0)) {
      for (const statement of migration) await client.query(statement)
    }
    await client.query('update onboarding_schema set version = $1', [MIGRATIONS.length])
    await client.query('commit')
    client.release()
  } catch (err) {
    // The connection is closed rather than reused, and its transaction rolls back with it.
    client.release(/** @type {Error} */ (err))
    throw err
  }
}

/**
 * The store over a pool, its schema migrated first.
 * @param {PostgresPool} pool
 * @param {{ log: import('fastify').FastifyBaseLogger }} options
 * @returns {Promise<import('./onboarding-sessions.js').OnboardingSessions>}
 */
export async function postgresSessions (pool, { log }) {
  // A connection that breaks while idle (a restarted server, a failover) would otherwise end the
  // process; the pool opens a new one for the next query.
  pool.on('error', (err) => {
    log.warn({ err: { name: err.name, code: err.code } }, 'A PostgreSQL connection of the pool broke while idle: the next query opens another')
  })
  await migrate(pool)
  /** @param {string} interviewId */
  const find = async (interviewId) => /** @type {SessionRow | undefined} */ (
    (await pool.query('select * from onboarding_sessions where interview_id = $1', [interviewId])).rows[0])

  return {
    async record (session) {
      const { uniqueId } = session
      await pool.query(`insert into onboarding_sessions
        (interview_id, external_customer_id, route, created_at, unique_id, session_token) values ($1, $2, $3, $4, $5, $6)`,
      [session.interviewId, session.externalCustomerId, session.route, session.createdAt.toISOString(),
        uniqueId ?? null, uniqueId === undefined ? null : session.token])
    },
    async resume (uniqueId) {
      const { rows: [row] } = await pool.query('select interview_id, session_token from onboarding_sessions where unique_id = $1', [uniqueId])
      return row === undefined ? undefined : { token: row.session_token, interviewId: row.interview_id }
    },
    async find (interviewId) {
      const row = await find(interviewId)
      return row === undefined ? undefined : recordedSession(row)
    },
    async recordStatus (interviewId, onboardingStatus, receivedAt) {
      // One statement: the event is inserted only by its first delivery (the primary key waits for
      // any other one in flight), and only that delivery moves the row.
      await pool.query(`with event as (
          insert into onboarding_events (interview_id, onboarding_status, received_at)
          select interview_id, cast($2 as text), cast($3 as text) from onboarding_sessions where interview_id = $1
          on conflict do nothing
          returning interview_id)
        update onboarding_sessions set onboarding_status = $2, status_updated_at = $3, score = null
        where interview_id = (select interview_id from event) and ${notLate('$2')}`,
      [interviewId, onboardingStatus, receivedAt.toISOString()])
      const row = await find(interviewId)
      return row === undefined ? undefined : recordedSession(row)
    },
    async recordScore (interviewId, onboardingStatus, overall) {
      await pool.query('update onboarding_sessions set score = $1 where interview_id = $2 and onboarding_status = $3',
        [JSON.stringify(overall), interviewId, onboardingStatus])
    },
    async claimApproval (interviewId, claimedAt) {
      const staleBefore = new Date(claimedAt.getTime() - APPROVAL_CLAIM_MS).toISOString()
      const { rowCount } = await pool.query(`update onboarding_sessions set approval_claimed_at = $2
        where interview_id = $1 and approved_identity_id is null and data_deleted_at is null
          and (approval_claimed_at is null or approval_claimed_at < $3)`, [interviewId, claimedAt.toISOString(), staleBefore])
      const { rows: [row] } = await pool.query('select approved_identity_id from onboarding_sessions where interview_id = $1', [interviewId])
      return { claimed: rowCount === 1, identityId: row?.approved_identity_id ?? null }
    },
    async endApproval (interviewId, identityId) {
      await pool.query(`update onboarding_sessions
        set approval_claimed_at = null, approved_identity_id = coalesce(cast($2 as text), approved_identity_id)
        where interview_id = $1`, [interviewId, identityId])
    },
    async recordIdentity (interviewId, { identityId, maskedName, birthYear }) {
      await pool.query(`update onboarding_sessions set identity_id = $1, masked_name = $2, birth_year = $3
        where interview_id = $4 and data_deleted_at is null`, [identityId, maskedName, birthYear, interviewId])
    },
    async recordDataDeleted (interviewId, deletedAt) {
      await pool.query(`update onboarding_sessions
        set identity_id = null, masked_name = null, birth_year = null, unique_id = null, session_token = null,
          approved_identity_id = null, approval_claimed_at = null, data_deleted_at = $1
        where interview_id = $2`, [deletedAt.toISOString(), interviewId])
    },
    async listFor (externalCustomerId, limit) {
      const { rows } = await pool.query(`select * from onboarding_sessions where external_customer_id = $1
        order by created_at desc, rowid desc limit $2`, [externalCustomerId, limit])
      return rows.map(recordedSession)
    },
    async close () {
      await pool.end()
    }
  }
}
