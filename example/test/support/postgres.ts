// The example tests' PostgreSQL: a fresh database of their own on the server of DATABASE_URL (which
// CI sets), dropped when the test ends; and PGlite, PostgreSQL itself built to WebAssembly, in this
// process, for a machine without a server: the PostgreSQL store's code runs on real PostgreSQL
// either way. Outside CI, a missing DATABASE_URL skips what needs a server; CI must have one.
import { EventEmitter } from 'node:events'
import { randomBytes } from 'node:crypto'
import { PGlite } from '@electric-sql/pglite'
import pg from 'pg'
import type { Test } from 'tap'
import type { PostgresPool } from '../../postgres-sessions.js'

export const DATABASE_URL = process.env.DATABASE_URL || undefined

/** The reason to skip what needs a PostgreSQL server, or false: it runs with DATABASE_URL, and always in CI. */
export const skipWithoutPostgres: string | false = DATABASE_URL !== undefined || process.env.CI !== undefined
  ? false
  : 'DATABASE_URL is not set: the tests on a PostgreSQL server are skipped (CI runs them, and PGlite stands in for the rest)'

/** Runs one statement on the server's own database (the one DATABASE_URL names). */
async function administer (statement: string): Promise<void> {
  const admin = new pg.Client({ connectionString: DATABASE_URL })
  await admin.connect()
  try {
    await admin.query(statement)
  } finally {
    await admin.end()
  }
}

/**
 * A database of its own on the server of DATABASE_URL, empty, dropped when the test ends (after
 * whatever the test closes itself): its URL.
 */
export async function freshDatabase (t: Test): Promise<string> {
  if (DATABASE_URL === undefined) throw new Error('DATABASE_URL is not set: CI must run the tests on a PostgreSQL server')
  const name = `fastify_incode_example_${process.pid}_${randomBytes(6).toString('hex')}`
  await administer(`create database ${name}`)
  t.teardown(() => administer(`drop database if exists ${name} with (force)`))
  const url = new URL(DATABASE_URL)
  url.pathname = `/${name}`
  return url.href
}

/** The rows of a query on the database at `url`, through a connection of its own. */
export async function rowsOf (url: string, text: string, values: unknown[] = []): Promise<any[]> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return (await client.query(text, values)).rows
  } finally {
    await client.end()
  }
}

let pglite: Promise<PGlite> | undefined

/** Closes the PGlite of the test file, if it started one: for the file's own teardown. */
export async function closePGlite (): Promise<void> {
  await (await pglite)?.close()
}

/**
 * A pool of node-postgres's shape over PGlite (one for the whole test file: it takes seconds to
 * start), in a schema of its own: a new, empty one unless `schema` names one made before. PGlite
 * is one session: the tests give it one thing at a time, so that a transaction (the migrations')
 * is alone while it runs. `emit('error', …)` plays a connection breaking while idle.
 */
export async function pglitePool (schema = `test_${randomBytes(6).toString('hex')}`): Promise<PostgresPool & EventEmitter & { schema: string }> {
  pglite ??= PGlite.create()
  const db = await pglite
  await db.exec(`create schema if not exists ${schema}; set search_path to ${schema}`)
  const query = async (text: string, values: unknown[] = []) => {
    const result = await db.query<any>(text, values)
    return { rows: result.rows, rowCount: result.affectedRows ?? null }
  }
  const release = (err?: Error) => {
    // Closing a real connection would roll its transaction back; here the one session does.
    if (err !== undefined) db.exec('rollback').catch(() => {})
  }
  return Object.assign(new EventEmitter(), {
    schema,
    query,
    connect: async () => ({ query, release }),
    end: async () => {}
  })
}
