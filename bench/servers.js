// A server under benchmark, in its own process. argv: which one, the fake Incode API's URL and key.
//   plugin  A: fastify-incode as a host registers it
//   bare    B: the floor, what a user would write by hand instead: one route, one undici pool
import Fastify from 'fastify'
import fastifyIncode from 'fastify-incode'
import { Pool, request } from 'undici'

const [kind, apiUrl, apiKey] = process.argv.slice(2)
const configurationId = 'bench-flow'

/** @type {Map<string | undefined, (app: import('fastify').FastifyInstance) => Promise<void>>} */
const servers = new Map([
  ['plugin', async (app) => {
    await app.register(fastifyIncode, {
      apiUrl: /** @type {string} */ (apiUrl),
      apiKey: /** @type {string} */ (apiKey),
      configurationId,
      rateLimit: false,
      onSessionCreated: async () => {}
    })
  }],
  ['bare', async (app) => {
    // The plugin's default pool bound, and the same request to /omni/start.
    const pool = new Pool(/** @type {string} */ (apiUrl), { connections: 16 })
    app.addHook('onClose', () => pool.close())
    app.post('/incode/sessions', async (_request, reply) => {
      const { body } = await request(`${apiUrl}/omni/start`, {
        dispatcher: pool,
        method: 'POST',
        headers: {
          'x-api-key': /** @type {string} */ (apiKey),
          'api-version': '1.0',
          'content-type': 'application/json',
          accept: 'application/json'
        },
        body: JSON.stringify({ configurationId, language: 'en-US' })
      })
      const { token, interviewId } = /** @type {{ token: string, interviewId: string }} */ (await body.json())
      return reply.code(201).send({ token, interviewId })
    })
  }]
])

const register = servers.get(kind)
if (register === undefined) {
  process.stderr.write(`bench/servers.js: unknown server "${kind}"; use plugin or bare\n`)
  process.exit(2)
}
const app = Fastify({ logger: { level: 'warn' } })
await register(app)
await app.listen({ host: '127.0.0.1', port: 0 })
process.once('disconnect', () => app.close())
const { port } = /** @type {import('node:net').AddressInfo} */ (app.server.address())
process.send?.({ port })
