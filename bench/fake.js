// The fake Incode API under benchmark load, in its own process so that it never shares a server's
// event loop. argv: its settings as JSON, a FakeSettings.
import { createFakeIncode } from 'fastify-incode/testing'
import { answerQuestions } from './usage.js'

/**
 * @typedef {object} FakeSettings
 * @property {number} latencyMs the latency of every answer
 * @property {{ faults: import('fastify-incode/testing').FakeIncodeFault[], rate: number }} [randomFaults]
 *   this share of `/omni/start` calls get one of these faults
 */

const { latencyMs, randomFaults } = /** @type {FakeSettings} */ (JSON.parse(String(process.argv[2])))
const fake = await createFakeIncode({ latencyMs })
if (randomFaults !== undefined) fake.failRandomly(randomFaults.faults, { rate: randomFaults.rate, path: '/omni/start' })

// Counted since the start or the last reset. A reset also forgets the recorded requests and sessions.
answerQuestions(({ reset }) => {
  const counts = {
    connectionsOpened: fake.connectionsOpened,
    activeConnections: fake.activeConnections,
    sessionsCreated: fake.sessionsCreated,
    requestsReceived: fake.requestsReceived
  }
  if (reset === true) fake.reset()
  return counts
})
process.once('disconnect', () => fake.close())
process.send?.({ url: fake.url, apiKey: fake.apiKey })
