// How the example's tests boot it: as `npm start` does (buildApp), on a temporary database, with
// its log captured, against a fake Incode API over real sockets; closed when the test ends.
import type { FastifyInstance } from 'fastify'
import type { ApproveSessionResult } from 'fastify-incode'
import { createFakeIncode, type FakeIncode } from 'fastify-incode/testing'
import type { Test } from 'tap'
import { buildApp } from '../../app.js'
import { temporaryDatabasePath } from './database.js'

export const alice = { 'x-demo-user': 'alice' }
// Long enough for the plugin (32 characters at least), and found in no other string of a test.
export const WEBHOOK_SECRET = 'example-test-webhook-secret-0123456789'

/** Every line the example logged, as written and parsed. */
export interface Logs {
  lines: string[]
  records: Array<Record<string, unknown> & { level: number, msg?: string }>
}

export interface Example {
  app: FastifyInstance
  databasePath: string
  logs: Logs
  /** `http://127.0.0.1:<port>` when started with `listen`, else '' (use `app.inject`). */
  url: string
}

/** The example on a temporary database (or `env.DATABASE_PATH`), its log at `trace`. */
export async function startExample (t: Test, env: Record<string, string> = {}, { listen = false } = {}): Promise<Example> {
  const databasePath = env.DATABASE_PATH ?? temporaryDatabasePath(t)
  const logs: Logs = { lines: [], records: [] }
  // pino writes each log line with one call to write().
  const stream = { write (line: string) { logs.lines.push(line); logs.records.push(JSON.parse(line)) } }
  const app = await buildApp({ DATABASE_PATH: databasePath, ...env }, { logger: { level: 'trace', stream } })
  t.teardown(() => app.close())
  const url = listen ? await app.listen({ port: 0, host: '127.0.0.1' }) : ''
  await app.ready()
  return { app, databasePath, logs, url }
}

/**
 * A fake of the test's own, and the INCODE_* variables pointing at it the way real Incode would be
 * configured: the webhook's secret and the admin log-in included, unless `env` empties them.
 */
export async function realIncode (t: Test, env: Record<string, string> = {}): Promise<{ fake: FakeIncode, env: Record<string, string> }> {
  const fake = await createFakeIncode({ clientId: 'acme', configurationIds: ['real-flow'] })
  t.teardown(() => fake.close())
  return {
    fake,
    env: {
      INCODE_API_URL: fake.url,
      INCODE_API_KEY: fake.apiKey,
      INCODE_FLOW_ID: 'real-flow',
      INCODE_CLIENT_ID: '',
      INCODE_WEBHOOK_SECRET: WEBHOOK_SECRET,
      INCODE_ADMIN_EMAIL: fake.adminEmail,
      INCODE_ADMIN_PASSWORD: fake.adminPassword,
      ...env
    }
  }
}

/** POSTs to the example as alice (or with these headers), through inject. */
export function post (app: FastifyInstance, url: string, headers: Record<string, string> = alice) {
  return app.inject({ method: 'POST', url, headers })
}

/**
 * The identity a finished session made, its customer token included, to make sure the token is
 * nowhere it should not be: approving the session again hands back the same identity (the fake
 * makes one per face).
 */
export async function identityOf (app: FastifyInstance, interviewId: string): Promise<ApproveSessionResult> {
  return await app.incode.approveSession(interviewId)
}
