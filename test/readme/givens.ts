// What the README's samples take as given, built for real: an app, the fake Incode API, your
// database and session store (in memory, every write kept for the test to read), set as the
// globals test/readme/prelude.d.ts declares, and gone when the test ends.
import Fastify, { type FastifyInstance } from 'fastify'
import type { Test } from 'tap'
import { createFakeIncode, type FakeIncode, type FakeIncodeOptions } from 'fastify-incode/testing'

export interface DatabaseWrite {
  op: 'insert' | 'upsert' | 'update' | 'insertOrphan'
  table?: string
  key?: string
  row?: Record<string, unknown>
}

/** "Your database" of the samples: each write is kept, in order. */
export class RecordingDatabase {
  readonly writes: DatabaseWrite[] = []

  async insert (table: string, row: Record<string, unknown>): Promise<void> {
    this.writes.push({ op: 'insert', table, row })
  }

  async upsert (table: string, row: Record<string, unknown>): Promise<void> {
    this.writes.push({ op: 'upsert', table, row })
  }

  async update (table: string, key: string, row: Record<string, unknown>): Promise<void> {
    this.writes.push({ op: 'update', table, key, row })
  }

  async insertOrphan (interviewId: string): Promise<void> {
    this.writes.push({ op: 'insertOrphan', key: interviewId })
  }
}

/** "Your session store" of the compat sample: what was put under a uniqueId. */
export class SessionStore {
  readonly #sessions = new Map<string, { token: string, interviewId: string }>()

  async put (uniqueId: string, session: { token: string, interviewId: string }): Promise<void> {
    this.#sessions.set(uniqueId, session)
  }

  async get (uniqueId: string): Promise<{ token: string, interviewId: string } | undefined> {
    return this.#sessions.get(uniqueId)
  }
}

/** A fake Incode API, closed when the test ends. */
export async function fakeIncode (t: Test, options?: FakeIncodeOptions): Promise<FakeIncode> {
  const fake = await createFakeIncode(options)
  t.teardown(() => fake.close())
  return fake
}

/** A Fastify app with nothing registered, closed when the test ends (before the fake). */
export function emptyApp (t: Test): FastifyInstance {
  const app = Fastify()
  t.teardown(() => app.close())
  return app
}

/** The settings a sample reaches the fake with (`apiUrl`, `apiKey`, `configurationId`, the admin's). */
export function settingsOf (fake: FakeIncode) {
  return { apiUrl: fake.url, apiKey: fake.apiKey, configurationId: 'readme-flow', adminEmail: fake.adminEmail, adminPassword: fake.adminPassword }
}

/** Sets the samples' givens as globals until the test ends. */
export function setGlobals (t: Test, values: Record<string, unknown>): void {
  Object.assign(globalThis, values)
  t.teardown(() => {
    for (const name of Object.keys(values)) Reflect.deleteProperty(globalThis, name)
  })
}
