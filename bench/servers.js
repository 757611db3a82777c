// A server under benchmark, in its own process. argv: which one, the fake Incode API's URL and key,
// and optionally the deadline of an Incode call in ms (default: the plugin's, 10 s).
//   plugin  A: fastify-incode as a host registers it
//   pool    B: one hand-written route on an undici Pool of 16 connections (the plugin's old default)
//   fetch   B-fetch: one hand-written route on global fetch, no pool settings: what a user writes instead
import Fastify from 'fastify'
import fastifyIncode from 'fastify-incode'
import { Pool, request } from 'undici'
import { serveBenchmark } from './usage.js'

const [kind, apiUrl = '', apiKey = '', deadline] = process.argv.slice(2)
const configurationId = 'bench-flow'
const timeout = deadline === undefined ? 10_000 : Number(deadline)
const startRequest = {
  method: 'POST',
  headers: { 'x-api-key': apiKey, 'api-version': '1.0', 'content-type': 'application/json', accept: 'application/json' },
  body: JSON.stringify({ configurationId, language: 'en-US' })
}
// Sessions that reached the plugin's onSessionCreated, and those of them no browser received.
let recorded = 0
let undelivered = 0

/** @type {Map<string | undefined, (app: import('fastify').FastifyInstance) => Promise<void>>} */
const servers = new Map([
  ['plugin', async (app) => {
    await app.register(fastifyIncode, {
      apiUrl,
      apiKey,
      configurationId,
      rateLimit: false,
      // The default deadline, unless the soak shortens it.
      ...(deadline === undefined ? {} : { timeout }),
      onSessionCreated: async (session) => {
        recorded++
        if (!session.delivered) undelivered++
      }
    })
  }],
  ['pool', async (app) => {
    const pool = new Pool(apiUrl, { connections: 16 })
    app.addHook('onClose', () => pool.close())
    app.post('/incode/sessions', async (_request, reply) => {
      const { body } = await request(`${apiUrl}/omni/start`, { ...startRequest, dispatcher: pool })
      const { token, interviewId } = /** @type {{ token: string, interviewId: string }} */ (await body.json())
      return reply.code(201).send({ token, interviewId })
    })
  }],
  ['fetch', async (app) => {
    app.post('/incode/sessions', async (_request, reply) => {
      // A deadline, as a careful route has, and nothing else: Node's global dispatcher as it comes.
      const response = await fetch(`${apiUrl}/omni/start`, { ...startRequest, signal: AbortSignal.timeout(timeout) })
      if (!response.ok) return reply.code(502).send({ message: 'Incode did not start a session' })
      const { token, interviewId } = /** @type {{ token: string, interviewId: string }} */ (await response.json())
      return reply.code(201).send({ token, interviewId })
    })
  }]
])

const register = servers.get(kind)
if (register === undefined) {
  process.stderr.write(`bench/servers.js: unknown server "${kind}"; use plugin, pool or fetch\n`)
  process.exit(2)
}
const app = Fastify({ logger: { level: 'warn' } })
await register(app)
await serveBenchmark(app, () => kind === 'plugin' ? { recorded, undelivered } : {})
