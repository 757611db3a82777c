// The sessions' two stores, method by method, on each database they run on: SQLite, PostgreSQL
// (PGlite in this process, and the server of DATABASE_URL when there is one; CI has one). The same
// calls give the same answers everywhere, deliveries at the same moment included.
import t from 'tap'
import Database from 'better-sqlite3'
import type { FastifyBaseLogger } from 'fastify'
import type { IncodeSession } from 'fastify-incode'
import type { Test } from 'tap'
import type { OnboardingSessions } from '../onboarding-sessions.js'
import { openPostgresSessions, postgresSessions } from '../postgres-sessions.js'
import { openSqliteSessions } from '../sqlite-sessions.js'
import { temporaryDatabasePath } from './support/database.js'
import { closePGlite, DATABASE_URL, freshDatabase, pglitePool, rowsOf, skipWithoutPostgres } from './support/postgres.js'

t.teardown(closePGlite)

/** A logger that keeps its warnings, for the pool's. */
function warnings (): { log: FastifyBaseLogger, lines: Array<{ fields: unknown, msg: string }> } {
  const lines: Array<{ fields: unknown, msg: string }> = []
  const log = { warn: (fields: unknown, msg: string) => { lines.push({ fields, msg }) } }
  return { log: log as unknown as FastifyBaseLogger, lines }
}

/** One empty database of a kind, which the store opens (again and again: several instances). */
interface EmptyDatabase {
  open: () => Promise<OnboardingSessions>
  /** Every row of a table, through a connection of its own (`rowid` left out). */
  rows: (table: 'onboarding_sessions' | 'onboarding_events') => Promise<Array<Record<string, unknown>>>
  version: () => Promise<number>
}

interface Kind {
  name: string
  skip: string | false
  postgres: boolean
  /** A server of its own: two stores on it really run at the same time. */
  server: boolean
  empty: (t: Test) => Promise<EmptyDatabase>
}

/** Opens a store, closed when the test ends. */
function closing (t: Test, open: () => Promise<OnboardingSessions>): () => Promise<OnboardingSessions> {
  return async () => {
    const sessions = await open()
    t.teardown(() => sessions.close())
    return sessions
  }
}

const ORDER = { onboarding_sessions: 'created_at, interview_id', onboarding_events: 'received_at, onboarding_status' }

const kinds: Kind[] = [
  {
    name: 'SQLite',
    skip: false,
    postgres: false,
    server: false,
    empty: async (t) => {
      const path = temporaryDatabasePath(t)
      const read = <T>(query: (db: Database.Database) => T): T => {
        const db = new Database(path, { readonly: true })
        try { return query(db) } finally { db.close() }
      }
      return {
        open: closing(t, async () => openSqliteSessions(path)),
        rows: async (table) => read((db) => db.prepare(`select * from ${table} order by ${ORDER[table]}`).all() as Array<Record<string, unknown>>),
        version: async () => read((db) => db.pragma('user_version', { simple: true }) as number)
      }
    }
  },
  {
    name: 'PostgreSQL (PGlite, in this process)',
    skip: false,
    postgres: true,
    server: false,
    empty: async (t) => {
      const { schema } = await pglitePool()
      const query = async (text: string) => (await (await pglitePool(schema)).query(text)).rows
      return {
        open: closing(t, async () => await postgresSessions(await pglitePool(schema), warnings())),
        rows: async (table) => (await query(`select * from ${table} order by ${ORDER[table]}`)).map(({ rowid, ...row }) => row),
        version: async () => (await query('select version from onboarding_schema'))[0].version
      }
    }
  },
  {
    name: 'PostgreSQL (the server of DATABASE_URL)',
    skip: skipWithoutPostgres,
    postgres: true,
    server: true,
    empty: async (t) => {
      const url = await freshDatabase(t)
      return {
        open: closing(t, async () => await openPostgresSessions(url, warnings())),
        rows: async (table) => (await rowsOf(url, `select * from ${table} order by ${ORDER[table]}`)).map(({ rowid, ...row }) => row),
        version: async () => (await rowsOf(url, 'select version from onboarding_schema'))[0].version
      }
    }
  }
]

const ID = (n: number) => String(n).padStart(24, 'a')
const UNIQUE_ID = '0192a7c4-1b2c-7d3e-8f40-5a6b7c8d9e0f'

/** A session as the plugin hands it to onSessionCreated. */
function session (n: number, fields: Partial<IncodeSession> = {}): IncodeSession {
  return {
    interviewId: ID(n),
    token: `token-${n}`,
    configurationId: 'flow',
    externalCustomerId: 'alice',
    language: 'en-US',
    createdAt: new Date(Date.UTC(2026, 0, 2, 3, 4, n)),
    route: 'sessions',
    delivered: true,
    response: {},
    ...fields
  } as IncodeSession
}

const at = (seconds: number) => new Date(Date.UTC(2026, 0, 2, 4, 0, seconds))

for (const kind of kinds) {
  t.test(kind.name, { skip: kind.skip }, async (t) => {
    t.test('a session recorded, found, listed newest first (in the order written within a millisecond), resumed by its uniqueId alone', async (t) => {
      const sessions = await (await kind.empty(t)).open()
      await sessions.record(session(1))
      await sessions.record(session(2, { route: 'start', uniqueId: UNIQUE_ID }))
      const sameMoment = session(3).createdAt
      await sessions.record(session(4, { createdAt: sameMoment }))
      await sessions.record(session(3))
      await sessions.record(session(5, { externalCustomerId: 'bob' }))

      t.same(await sessions.find(ID(2)), {
        interviewId: ID(2),
        externalCustomerId: 'alice',
        route: 'start',
        createdAt: '2026-01-02T03:04:02.000Z',
        onboardingStatus: null,
        statusUpdatedAt: null,
        score: null,
        identityId: null,
        maskedName: null,
        birthYear: null,
        dataDeletedAt: null
      })
      t.equal(await sessions.find(ID(9)), undefined, 'unknown')
      t.same((await sessions.listFor('alice', 10)).map((s) => s.interviewId), [ID(3), ID(4), ID(2), ID(1)])
      t.same((await sessions.listFor('alice', 2)).map((s) => s.interviewId), [ID(3), ID(4)])
      t.same((await sessions.listFor('carol', 10)), [])
      t.same(await sessions.resume(UNIQUE_ID), { token: 'token-2', interviewId: ID(2) })
      t.equal(await sessions.resume('0192a7c4-1b2c-7d3e-8f40-000000000000'), undefined)
    })

    t.test('each status recorded once however often it comes; a step\'s status after a final one kept out of the row', async (t) => {
      const database = await kind.empty(t)
      const sessions = await database.open()
      await sessions.record(session(1))
      t.equal(await sessions.recordStatus(ID(9), 'ID_VALIDATION_FINISHED', at(1)), undefined, 'a session this app did not record')

      t.match(await sessions.recordStatus(ID(1), 'ID_VALIDATION_FINISHED', at(2)), { onboardingStatus: 'ID_VALIDATION_FINISHED', statusUpdatedAt: at(2).toISOString() })
      t.match(await sessions.recordStatus(ID(1), 'ID_VALIDATION_FINISHED', at(3)), { statusUpdatedAt: at(2).toISOString() }, 'a redelivery: not even the time')
      t.match(await sessions.recordStatus(ID(1), 'FACE_VALIDATION_FINISHED', at(4)), { onboardingStatus: 'FACE_VALIDATION_FINISHED' })
      t.match(await sessions.recordStatus(ID(1), 'ID_VALIDATION_FINISHED', at(5)), { onboardingStatus: 'FACE_VALIDATION_FINISHED', statusUpdatedAt: at(4).toISOString() },
        'an earlier step redelivered later: the row stays')
      await sessions.recordStatus(ID(1), 'ONBOARDING_FINISHED', at(6))
      await sessions.recordScore(ID(1), 'ONBOARDING_FINISHED', { value: '95.0', status: 'OK' })
      t.match(await sessions.recordStatus(ID(1), 'GOVERNMENT_VALIDATION_FINISHED', at(7)), { onboardingStatus: 'ONBOARDING_FINISHED', score: { status: 'OK' } },
        'late: the final status and its score stay')
      t.match(await sessions.recordStatus(ID(1), 'MANUAL_REVIEW_REJECTED', at(8)), { onboardingStatus: 'MANUAL_REVIEW_REJECTED', statusUpdatedAt: at(8).toISOString(), score: null },
        'another final status: the score was the last one\'s')

      t.same(await database.rows('onboarding_events'), [
        { interview_id: ID(1), onboarding_status: 'ID_VALIDATION_FINISHED', received_at: at(2).toISOString() },
        { interview_id: ID(1), onboarding_status: 'FACE_VALIDATION_FINISHED', received_at: at(4).toISOString() },
        { interview_id: ID(1), onboarding_status: 'ONBOARDING_FINISHED', received_at: at(6).toISOString() },
        { interview_id: ID(1), onboarding_status: 'GOVERNMENT_VALIDATION_FINISHED', received_at: at(7).toISOString() },
        { interview_id: ID(1), onboarding_status: 'MANUAL_REVIEW_REJECTED', received_at: at(8).toISOString() }
      ], 'every status Incode reported, once, the late one too; nothing of the unknown session')
    })

    t.test('a score only while the row holds the status it was read for', async (t) => {
      const sessions = await (await kind.empty(t)).open()
      await sessions.record(session(1))
      await sessions.recordStatus(ID(1), 'MANUAL_REVIEW_APPROVED', at(1))
      await sessions.recordScore(ID(1), 'ONBOARDING_FINISHED', { value: '30.0', status: 'FAIL' })
      t.match(await sessions.find(ID(1)), { score: null })
      await sessions.recordScore(ID(1), 'MANUAL_REVIEW_APPROVED', { value: '95.0', status: 'OK' })
      t.match(await sessions.find(ID(1)), { score: { value: '95.0', status: 'OK' } })
    })

    t.test('an approval claimed by one delivery at a time; its identity kept; a failed one, or one long gone, left to the next', async (t) => {
      const sessions = await (await kind.empty(t)).open()
      await sessions.record(session(1))
      t.same(await sessions.claimApproval(ID(9), at(0)), { claimed: false, identityId: null }, 'unknown')
      t.same(await sessions.claimApproval(ID(1), at(0)), { claimed: true, identityId: null })
      t.same(await sessions.claimApproval(ID(1), at(59)), { claimed: false, identityId: null }, 'another delivery, while the first approves')
      await sessions.endApproval(ID(1), null)
      t.same(await sessions.claimApproval(ID(1), at(60)), { claimed: true, identityId: null }, 'the first failed: the next may')
      t.same(await sessions.claimApproval(ID(1), new Date(at(60).getTime() + 60_001)), { claimed: true, identityId: null }, 'a claim older than a minute: its delivery is gone')
      await sessions.endApproval(ID(1), 'identity-1')
      t.same(await sessions.claimApproval(ID(1), at(180)), { claimed: false, identityId: 'identity-1' }, 'approved: the identity, and no new claim')
      await sessions.endApproval(ID(1), null)
      t.same(await sessions.claimApproval(ID(1), at(181)), { claimed: false, identityId: 'identity-1' }, 'ending a claim keeps the identity')
      t.match(await sessions.find(ID(1)), { identityId: null }, 'the row shows nobody until the document is read')
    })

    t.test('the identity recorded with the masked name and birth year; deleted data forgotten, and nothing brought back', async (t) => {
      const database = await kind.empty(t)
      const sessions = await database.open()
      await sessions.record(session(1, { route: 'start', uniqueId: UNIQUE_ID }))
      await sessions.claimApproval(ID(1), at(0))
      await sessions.endApproval(ID(1), 'identity-1')
      await sessions.recordIdentity(ID(1), { identityId: 'identity-1', maskedName: 'A*** S***', birthYear: 1990 })
      t.match(await sessions.find(ID(1)), { identityId: 'identity-1', maskedName: 'A*** S***', birthYear: 1990 })

      await sessions.recordDataDeleted(ID(1), at(5))
      await sessions.recordIdentity(ID(1), { identityId: 'identity-1', maskedName: 'A*** S***', birthYear: 1990 })
      t.match(await sessions.find(ID(1)), { identityId: null, maskedName: null, birthYear: null, dataDeletedAt: at(5).toISOString() })
      t.equal(await sessions.resume(UNIQUE_ID), undefined, 'the phone can no longer resume it')
      t.same(await sessions.claimApproval(ID(1), at(6)), { claimed: false, identityId: null }, 'nor can a late delivery approve it again')
      t.match(await database.rows('onboarding_sessions'), [{ unique_id: null, session_token: null, approved_identity_id: null, approval_claimed_at: null }])
    })

    t.test('deliveries at the same moment, on two instances: one status change, one event, one claim', async (t) => {
      const database = await kind.empty(t)
      const a = await database.open()
      const b = await database.open()
      await a.record(session(1))
      const both = (call: (sessions: OnboardingSessions, i: number) => Promise<unknown>) =>
        Promise.all(Array.from({ length: 10 }, async (_, i) => await call(i % 2 === 0 ? a : b, i)))
      await both((sessions, i) => sessions.recordStatus(ID(1), i < 6 ? 'ONBOARDING_FINISHED' : 'ID_VALIDATION_FINISHED', at(i)))
      t.match(await b.find(ID(1)), { onboardingStatus: 'ONBOARDING_FINISHED' }, 'the final status, whatever came first')
      const events = await database.rows('onboarding_events')
      t.same(events.map((event) => event.onboarding_status).sort(), ['ID_VALIDATION_FINISHED', 'ONBOARDING_FINISHED'], 'each status once')

      const claims = await both((sessions) => sessions.claimApproval(ID(1), at(30))) as Array<{ claimed: boolean }>
      t.equal(claims.filter((claim) => claim.claimed).length, 1, 'one delivery approves')
    })

    t.test('opened again, the tables are at the newest version and keep their rows', async (t) => {
      const database = await kind.empty(t)
      await (await database.open()).record(session(1))
      t.equal(await database.version(), 5)
      const again = await database.open()
      t.match(await again.find(ID(1)), { interviewId: ID(1) })
      t.equal(await database.version(), 5)
    })

    if (!kind.postgres) return

    t.test('a migration that fails leaves the database as it was, and the store does not open', async (t) => {
      // Someone else's table of that name, with a column the example would add.
      const pool = kind.server ? undefined : await pglitePool()
      const url = kind.server ? await freshDatabase(t) : undefined
      const run = async (text: string) => url === undefined ? (await (pool as NonNullable<typeof pool>).query(text)).rows : await rowsOf(url, text)
      await run('create table onboarding_sessions (interview_id text primary key, external_customer_id text, route text, created_at text, onboarding_status text)')
      const opening = url === undefined ? postgresSessions(pool as NonNullable<typeof pool>, warnings()) : openPostgresSessions(url, warnings())
      await t.rejects(opening, { message: /column "onboarding_status" of relation "onboarding_sessions" already exists/ })
      t.same(await run("select to_regclass('onboarding_schema') as schema, to_regclass('onboarding_events') as events"), [{ schema: null, events: null }],
        'rolled back: no version, no new table')
    })

    t.test('a connection of the pool that breaks while idle is logged, and the store goes on', async (t) => {
      const { log, lines } = warnings()
      let sessions: OnboardingSessions
      if (kind.server) {
        const url = await freshDatabase(t)
        sessions = await openPostgresSessions(url, { log })
        await sessions.record(session(1))
        // The server ends the pool's idle connections, as a restart or a failover does.
        const name = new URL(url).pathname.slice(1)
        await rowsOf(DATABASE_URL as string, 'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1', [name])
        for (let i = 0; i < 100 && lines.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20))
      } else {
        const pool = await pglitePool()
        sessions = await postgresSessions(pool, { log })
        await sessions.record(session(1))
        pool.emit('error', Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }))
      }
      t.teardown(() => sessions.close())
      t.match(lines[0], { fields: { err: { code: '57P01' } }, msg: 'A PostgreSQL connection of the pool broke while idle: the next query opens another' })
      t.match(await sessions.find(ID(1)), { interviewId: ID(1) }, 'the next query works')
    })

    if (!kind.server) return

    t.test('two instances starting at once on an empty database: one migrates, the other waits its turn', async (t) => {
      const database = await kind.empty(t)
      const [a, b] = await Promise.all([database.open(), database.open()])
      await a.record(session(1))
      t.match(await b.find(ID(1)), { interviewId: ID(1) })
      t.equal(await database.version(), 5)
    })
  })
}

t.test('SQLite: a database of version 4 gains the approval\'s columns and the events, from the rows it has', async (t) => {
  const path = temporaryDatabasePath(t)
  const old = new Database(path)
  old.exec(`create table onboarding_sessions (interview_id text primary key, external_customer_id text not null,
    route text not null, created_at text not null, onboarding_status text, status_updated_at text, score text,
    unique_id text, session_token text, identity_id text, masked_name text, birth_year integer, data_deleted_at text);
    insert into onboarding_sessions (interview_id, external_customer_id, route, created_at, onboarding_status, status_updated_at, identity_id)
      values ('${ID(1)}', 'alice', 'sessions', '2026-01-02T03:04:05.000Z', 'ONBOARDING_FINISHED', '2026-01-02T03:09:00.000Z', 'identity-1'),
        ('${ID(2)}', 'alice', 'sessions', '2026-01-02T03:04:06.000Z', null, null, null);
    pragma user_version = 4`)
  old.close()
  const sessions = openSqliteSessions(path)
  t.teardown(() => sessions.close())
  t.same(await sessions.claimApproval(ID(1), at(0)), { claimed: false, identityId: 'identity-1' }, 'a person verified before: approved already')
  t.match(await sessions.recordStatus(ID(1), 'ONBOARDING_FINISHED', at(1)), { statusUpdatedAt: '2026-01-02T03:09:00.000Z' }, 'its status recorded already')
  t.same(await sessions.claimApproval(ID(2), at(0)), { claimed: true, identityId: null })
})
