import { Writable } from 'node:stream'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import type { Test } from 'tap'
import fastifyIncode, { type FastifyIncodeOptions, type IncodeSession } from '../../src/index.js'
import { createFakeIncode, type FakeIncode, type FakeIncodeOptions } from '../../src/testing/index.js'

/** Every line the host's logger wrote, parsed. */
export interface CapturedLogs {
  lines: string[]
  records: Array<Record<string, unknown> & { level: number, msg?: string }>
}

export function captureLogs (): { stream: Writable, logs: CapturedLogs } {
  const logs: CapturedLogs = { lines: [], records: [] }
  const stream = new Writable({
    write (chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        logs.lines.push(line)
        logs.records.push(JSON.parse(line))
      }
      callback()
    }
  })
  return { stream, logs }
}

export interface Host {
  app: FastifyInstance
  fake: FakeIncode
  logs: CapturedLogs
  /** Every session the hook was given, in order. */
  recorded: IncodeSession[]
}

export interface HostOptions {
  plugin?: Partial<FastifyIncodeOptions>
  fake?: FakeIncodeOptions
  server?: FastifyServerOptions
  /** Runs on the host before the plugin is registered. */
  before?: (app: FastifyInstance) => Promise<void> | void
  /** Runs on the host after the plugin is registered. */
  after?: (app: FastifyInstance) => Promise<void> | void
}

/**
 * A host app as a user would write it: Fastify with a JSON logger at `trace`, the plugin pointed
 * at a fresh fake Incode API, and an `onSessionCreated` that records what it gets. Closed when
 * the test ends.
 */
export async function startHost (t: Test, options: HostOptions = {}): Promise<Host> {
  const fake = await createFakeIncode(options.fake)
  const { stream, logs } = captureLogs()
  const app = Fastify({ logger: { level: 'trace', stream }, ...options.server })
  const recorded: IncodeSession[] = []
  t.teardown(async () => {
    await app.close()
    await fake.close()
  })
  await options.before?.(app)
  await app.register(fastifyIncode, {
    apiUrl: fake.url,
    apiKey: fake.apiKey,
    configurationId: 'flow-1',
    onSessionCreated: async (session) => { recorded.push(session) },
    ...options.plugin
  })
  await options.after?.(app)
  await app.ready()
  return { app, fake, logs, recorded }
}

/**
 * The strings that must never reach a log line: the API key, every token, every URL Incode hands
 * out (the fake's onboarding pages). The API base itself is logged once, at start.
 */
export function secretsOf (host: Pick<Host, 'fake'>, extra: string[] = []): string[] {
  const secrets = [host.fake.apiKey, `${host.fake.url}/onboarding/`, ...extra]
  for (const session of host.fake.sessions.values()) {
    secrets.push(session.token, `${host.fake.url}/onboarding/${session.interviewId}`)
  }
  return secrets
}

/** Asserts that no captured log line contains a secret of this host. */
export function assertNoSecretsLogged (t: Test, host: Pick<Host, 'fake' | 'logs'>, extra: string[] = []): void {
  const secrets = secretsOf(host, extra)
  const leaks = host.logs.lines.filter((line) => secrets.some((secret) => line.includes(secret)))
  t.same(leaks, [], `no secret in any of ${host.logs.lines.length} log lines`)
}

export function post (app: FastifyInstance, url: string, payload?: unknown, headers: Record<string, string> = {}) {
  return app.inject({
    method: 'POST',
    url,
    headers,
    ...(payload === undefined ? {} : { payload: payload as string })
  })
}
