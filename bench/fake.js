// The fake Incode API under benchmark load, in its own process so that it never shares a server's
// event loop. argv: the latency of every answer, in ms.
import { createFakeIncode } from 'fastify-incode/testing'

const fake = await createFakeIncode({ latencyMs: Number(process.argv[2]) })

// The one question, asked before and after each run: connections opened since the last time.
// Resetting also forgets the recorded requests, which would otherwise grow for the whole benchmark.
process.on('message', () => {
  process.send?.({ connectionsOpened: fake.connectionsOpened })
  fake.reset()
})
process.once('disconnect', () => fake.close())
process.send?.({ url: fake.url, apiKey: fake.apiKey })
