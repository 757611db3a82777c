// A TypeScript host of the packed package, the same in every setup of test/consumers/*/: it
// registers the plugin against the fake Incode API, starts a session, and uses the error types.
import Fastify from 'fastify'
import fastifyIncode, { IncodeCallError, isIncodeCallError, UpstreamTimeoutError, type IncodeSession } from 'fastify-incode'
import { createFakeIncode } from 'fastify-incode/testing'

async function main (): Promise<void> {
  const incode = await createFakeIncode()
  const recorded: IncodeSession[] = []
  const app = Fastify()
  await app.register(fastifyIncode, {
    apiUrl: incode.url,
    apiKey: incode.apiKey,
    configurationId: 'flow-1',
    onSessionCreated: async (session) => { recorded.push(session) }
  })
  const res = await app.inject({ method: 'POST', url: '/incode/sessions' })
  const timeout = new UpstreamTimeoutError()
  const code: 'FST_INCODE_UPSTREAM_TIMEOUT' = timeout.code
  const attempts: number = timeout.attempts ?? 0
  const failed: boolean = isIncodeCallError(timeout) && timeout instanceof IncodeCallError
  await app.close()
  await incode.close()
  if (res.statusCode !== 201 || recorded.length !== 1 || !failed) throw new Error(`unexpected: ${res.statusCode}`)
  console.log(`ok ${code} ${attempts}`)
}

main().catch((err: unknown) => {
  console.error(err)
  process.exitCode = 1
})
