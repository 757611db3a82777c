// The fake Incode API under benchmark load, in its own process so that it never shares a server's
// event loop. argv: its settings as JSON, a FakeSettings.
import { createFakeIncode } from 'fastify-incode/testing'
import { answerQuestions } from './usage.js'

/**
 * @typedef {object} FakeSettings
 * @property {number} latencyMs the latency of every answer
 * @property {{ faults: import('fastify-incode/testing').FakeIncodeFault[], rate: number }} [randomFaults]
 *   this share of `/omni/start` calls get one of these faults
 * @property {number} [maxRecorded] how many requests and sessions the fake keeps (its default: 5 000)
 */

const { latencyMs, randomFaults, maxRecorded } = /** @type {FakeSettings} */ (JSON.parse(String(process.argv[2])))
const fake = await createFakeIncode({ latencyMs, ...(maxRecorded === undefined ? {} : { maxRecorded }) })
if (randomFaults !== undefined) fake.failRandomly(randomFaults.faults, { rate: randomFaults.rate, path: '/omni/start' })

// Counted since the start or the last reset. A reset also forgets the recorded requests and sessions.
answerQuestions(async ({ reset, finish = [] }) => {
  // No webhook is set on the account, so finishing delivers nothing: the benchmark delivers.
  for (const interviewId of finish) await fake.completeOnboarding(interviewId, {})
  const counts = {
    connectionsOpened: fake.connectionsOpened,
    activeConnections: fake.activeConnections,
    peakConnections: fake.peakConnections,
    sessionsCreated: fake.sessionsCreated,
    requestsReceived: fake.requestsReceived,
    // Of the requests kept (maxRecorded).
    scoreReads: fake.requestsTo('/omni/get/score').length,
    approvals: fake.requestsTo('/omni/process/approve').length
  }
  if (reset === true) fake.reset()
  return counts
})
process.once('disconnect', () => fake.close())
process.send?.({ url: fake.url, apiKey: fake.apiKey, clientId: fake.clientId, adminEmail: fake.adminEmail, adminPassword: fake.adminPassword })
