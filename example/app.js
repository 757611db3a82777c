// The example host: Fastify + fastify-incode. With no INCODE_API_KEY it runs against the fake
// Incode API from fastify-incode/testing, so it works without credentials.
import Fastify from 'fastify'
import fastifyIncode from 'fastify-incode'
import { createFakeIncode } from 'fastify-incode/testing'

/**
 * Builds the example app from an environment (process.env by default).
 * @param {Record<string, string | undefined>} env
 * @param {import('fastify').FastifyServerOptions} [serverOptions]
 */
export async function buildApp (env = process.env, serverOptions = { logger: true }) {
  const fake = env.INCODE_API_KEY ? undefined : await createFakeIncode()
  const app = Fastify(serverOptions)
  if (fake) {
    app.log.info('No INCODE_API_KEY set: using the built-in fake Incode API. Set INCODE_API_URL, ' +
      'INCODE_API_KEY, INCODE_FLOW_ID (and optionally INCODE_CLIENT_ID) to talk to real Incode.')
    app.addHook('onClose', async () => await fake.close())
  }

  /** @type {Array<{ interviewId: string, route: string, createdAt: Date }>} */
  const sessions = []
  await app.register(fastifyIncode, {
    // Missing variables fail app.ready() with FST_INCODE_INVALID_OPTION naming the option.
    apiUrl: fake ? fake.url : /** @type {string} */ (env.INCODE_API_URL),
    apiKey: fake ? fake.apiKey : /** @type {string} */ (env.INCODE_API_KEY),
    configurationId: env.INCODE_FLOW_ID ?? 'example-flow',
    clientId: env.INCODE_CLIENT_ID,
    onSessionCreated: async (session) => {
      // A real host writes this to its database; issue #4 grows this example to SQLite.
      sessions.push({ interviewId: session.interviewId, route: session.route, createdAt: session.createdAt })
    }
  })
  app.get('/example/sessions', async () => ({ sessions }))
  return app
}
