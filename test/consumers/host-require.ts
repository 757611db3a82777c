// A CommonJS TypeScript host written the CommonJS way (test/consumers/*-cjs/, node10/): require()
// gives the plugin itself, typed by `export =`, with every export of the package on it.
import fastifyIncode = require('fastify-incode')
import testing = require('fastify-incode/testing')
import Fastify = require('fastify')

async function main (): Promise<void> {
  const incode = await testing.createFakeIncode()
  const options: fastifyIncode.FastifyIncodeOptions = { apiUrl: incode.url, apiKey: incode.apiKey, configurationId: 'flow-1' }
  const app = Fastify()
  await app.register(fastifyIncode, options)
  const res = await app.inject({ method: 'POST', url: '/incode/sessions' })
  const client: boolean = app.incode instanceof fastifyIncode.IncodeClient
  const aliases: boolean = fastifyIncode.default === fastifyIncode.fastifyIncode && typeof fastifyIncode === 'function'
  const failed: boolean = fastifyIncode.isIncodeCallError(new fastifyIncode.UpstreamTimeoutError())
  await app.close()
  await incode.close()
  if (res.statusCode !== 201 || !client || !aliases || !failed) throw new Error(`unexpected: ${res.statusCode}`)
  console.log('ok require')
}

main().catch((err: unknown) => {
  console.error(err)
  process.exitCode = 1
})
