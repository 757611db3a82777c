// The webhook burst: Incode delivers ONBOARDING_FINISHED for many sessions at once, each event
// twice, to fastify-incode's webhook route with `approve: 'when-ok'`; then what Incode was asked
// (one score read per delivery, one approval per event), whether any work was left after the
// answers, and how many connections, how much latency and memory the burst took.
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { deliverEvents } from './deliveries.js'
import { ChildProcesses } from './processes.js'
import { openSockets } from './soak.js'

/** @typedef {import('./options.js').WebhookBurstSettings} WebhookBurstSettings */
/** @typedef {import('./benchmark.js').FakeUsage & { peakConnections: number, scoreReads: number, approvals: number }} FakeCounts */
/** @typedef {import('./usage.js').Usage & import('./webhook-server.js').OutcomeCounts} ServerCounts */

const CONFIGURATION_ID = 'bench-flow'
const SECRET_HEADER = { name: 'x-incode-webhook-secret', value: 'bench-webhook-secret-of-at-least-32-characters' }
// Sessions started at once before the bursts (never more than a burst has events, so that the
// bursts, not their preparation, open the most connections at the fake).
const SESSIONS_AT_ONCE = 50
// Past the last answer, two Incode latencies and this long: time for a call the server would still
// make, and for one it would make once that one was answered, to reach the fake.
const SETTLE_MS = 250
const ANSWER_TIMEOUT_MS = 30_000
const CALL_TIMEOUT_MS = 10_000

/**
 * @typedef {object} WebhookBurst
 * @property {number} latencyMs
 * @property {number} events sessions whose ONBOARDING_FINISHED was delivered in the burst, each twice
 * @property {number} deliveries in the burst
 * @property {import('./deliveries.js').DeliveriesResult} warmUp what the deliveries of the first burst saw
 * @property {import('./deliveries.js').DeliveriesResult} load what the deliveries of the burst saw
 * @property {number} scoreReads requests the fake received to read a score, during the burst
 * @property {number} approvals requests the fake received to approve a session, during the burst
 * @property {number} callsAfterAnswers requests the fake received after the burst's last answer
 * @property {number} outcomes onOnboardingFinished's calls during the burst
 * @property {number} identities of those, with the identity the person became
 * @property {number} alreadyApproved of those, of an event the server had approved before
 * @property {number} serverCpuMs CPU time the server used during the burst
 * @property {number} fakeCpuMs CPU time the fake used during the burst
 * @property {number} connectionsBefore open at the fake when the burst began
 * @property {number} connectionsOpened by the server at the fake, during the burst and its settling
 * @property {number} peakConnections most open at once at the fake, either burst
 * @property {number} socketsOpen connections still open at the fake once idle ones have closed, after the burst
 * @property {number} rssBeforeMiB the server's, before the burst, after a full GC
 * @property {number} rssAfterMiB the server's, after the burst and a full GC
 * @property {number} peakRssMiB the server's peak since it started
 * @property {number} heapBeforeMiB the server's heap in use, before the burst, after a full GC
 * @property {number} heapAfterMiB the server's heap in use, after the burst and a full GC
 * @property {number} eventLoopDelayP99Ms the server's, during the burst
 */

/**
 * @param {WebhookBurstSettings} settings
 * @param {(line: string) => void} log progress
 * @returns {Promise<WebhookBurst>}
 */
export async function runWebhookBurst (settings, log) {
  const children = new ChildProcesses()
  try {
    return await measureBurst(children, settings, log)
  } finally {
    await children.stopAll()
  }
}

/**
 * Two bursts of the same size, on sessions of their own: the first warms the server up (its code
 * compiled, an admin token, its pool grown to what a burst needs, which undici keeps), so that
 * what the second leaves in memory is what a burst adds, not what a server's first burst sets up.
 * @param {ChildProcesses} children
 * @param {WebhookBurstSettings} settings
 * @param {(line: string) => void} log
 * @returns {Promise<WebhookBurst>}
 */
async function measureBurst (children, { latencyMs, deliveries }, log) {
  const events = deliveries / 2
  // Every request of both bursts kept, so that each is counted: session starts, score reads, approvals.
  const fake = await children.start('fake.js', [JSON.stringify({ latencyMs, maxRecorded: 4 * deliveries + 100 })])
  const { url: apiUrl, apiKey, clientId, adminEmail, adminPassword } = fake.ready
  // --expose-gc: memory is read after a full GC.
  const server = await children.start('webhook-server.js', [JSON.stringify({
    apiUrl, apiKey, adminEmail, adminPassword, configurationId: CONFIGURATION_ID, secretHeader: SECRET_HEADER
  })], { execArgv: ['--expose-gc'] })
  const routes = `http://127.0.0.1:${server.ready.port}/incode`

  log(`Webhook burst: ${2 * events} sessions started through the plugin and finished at the fake`)
  const interviewIds = await startSessions(`${routes}/sessions`, 2 * events, Math.min(SESSIONS_AT_ONCE, events))
  await fake.ask({ finish: interviewIds })
  /** @param {string[]} ids */
  const deliver = (ids) => deliverEvents({
    url: `${routes}/webhook`,
    headers: { [SECRET_HEADER.name]: SECRET_HEADER.value },
    events: ids.map((interviewId) => ({ interviewId, onboardingStatus: 'ONBOARDING_FINISHED', clientId, flowId: CONFIGURATION_ID })),
    answerTimeoutMs: ANSWER_TIMEOUT_MS
  })
  log(`Webhook burst: a first burst of ${deliveries} deliveries, to warm up`)
  const warmUp = await deliver(interviewIds.slice(0, events))
  // Memory is read with no connection open at the fake, before the burst and after it: what the
  // server holds then is what it keeps, not its idle connections' buffers.
  await openSockets(fake)

  /** @type {FakeCounts} */
  const fakeBefore = await fake.ask({})
  /** @type {ServerCounts} */
  const serverBefore = await server.ask({ gc: true })
  log(`Webhook burst: ${deliveries} deliveries of ${events} events at ${latencyMs} ms`)
  const load = await deliver(interviewIds.slice(events))
  /** @type {FakeCounts} */
  const fakeAnswered = await fake.ask({})
  /** @type {ServerCounts} */
  const serverAnswered = await server.ask({})
  await sleep(2 * latencyMs + SETTLE_MS)
  /** @type {FakeCounts} */
  const fakeSettled = await fake.ask({})
  const socketsOpen = await openSockets(fake)
  /** @type {ServerCounts} */
  const serverAfter = await server.ask({ gc: true })
  return {
    latencyMs,
    events,
    deliveries,
    warmUp,
    load,
    scoreReads: fakeAnswered.scoreReads - fakeBefore.scoreReads,
    approvals: fakeAnswered.approvals - fakeBefore.approvals,
    callsAfterAnswers: fakeSettled.requestsReceived - fakeAnswered.requestsReceived,
    outcomes: serverAnswered.outcomes - serverBefore.outcomes,
    identities: serverAnswered.identities - serverBefore.identities,
    alreadyApproved: serverAnswered.alreadyApproved - serverBefore.alreadyApproved,
    serverCpuMs: (serverAnswered.cpuMicros - serverBefore.cpuMicros) / 1000,
    fakeCpuMs: (fakeAnswered.cpuMicros - fakeBefore.cpuMicros) / 1000,
    connectionsBefore: fakeBefore.activeConnections,
    connectionsOpened: fakeSettled.connectionsOpened - fakeBefore.connectionsOpened,
    peakConnections: fakeSettled.peakConnections,
    socketsOpen,
    rssBeforeMiB: serverBefore.rssMiB,
    rssAfterMiB: serverAfter.rssMiB,
    peakRssMiB: serverAfter.maxRssMiB,
    heapBeforeMiB: serverBefore.heapUsedMiB,
    heapAfterMiB: serverAfter.heapUsedMiB,
    eventLoopDelayP99Ms: serverAnswered.eventLoopDelayP99Ms
  }
}

/**
 * Starts sessions through the plugin's route, `atOnce` at a time.
 * @param {string} url
 * @param {number} count
 * @param {number} atOnce
 * @returns {Promise<string[]>} their interviewIds, in the order they were asked for
 */
async function startSessions (url, count, atOnce) {
  /** @type {string[]} */
  const interviewIds = []
  for (let first = 0; first < count; first += atOnce) {
    const batch = Array.from({ length: Math.min(atOnce, count - first) }, async () => {
      const response = await fetch(url, { method: 'POST', signal: AbortSignal.timeout(CALL_TIMEOUT_MS) })
      const { interviewId } = /** @type {{ interviewId: string }} */ (await response.json())
      // A session the plugin did not start is a broken benchmark, not a finding.
      assert.equal(response.status, 201, 'POST /incode/sessions starts a session')
      return interviewId
    })
    interviewIds.push(...await Promise.all(batch))
  }
  return interviewIds
}
