// The soak: one server at Incode's latency for a while, with a share of Incode calls failing in
// mixed ways and a share of browsers leaving mid-call; then whether memory, sockets and sessions settle.
import { setTimeout as sleep } from 'node:timers/promises'
import { driveBrowsers } from './browsers.js'
import { ChildProcesses } from './processes.js'

/** @typedef {import('./options.js').BenchOptions} BenchOptions */
/** @typedef {import('./options.js').SoakServer} SoakServer */
/** @typedef {import('./benchmark.js').FakeUsage} FakeUsage */
/** @typedef {import('./usage.js').Usage & { recorded?: number, undelivered?: number }} ServerUsage */
/** @typedef {import('fastify-incode/testing').FakeIncodeFault} FakeIncodeFault */

export const FAULT_RATE = 0.05
export const LEAVE_RATE = 0.05
// Node's HTTP server, the fake's, closes a keep-alive connection after 5 s idle: any socket still
// open after that is a call nobody ended.
const IDLE_CLOSE_MS = 6000
const POLL_MS = 100

/** @type {Record<SoakServer, string>} */
const KINDS = { A: 'plugin', 'B-fetch': 'fetch' }

/**
 * @typedef {object} Soak
 * @property {SoakServer} server
 * @property {number} seconds of load, after the warm-up
 * @property {import('./options.js').Scenario} scenario
 * @property {number} timeoutMs the deadline of an Incode call
 * @property {import('./browsers.js').BrowsersResult} load what the browsers saw
 * @property {number} rssStartMiB after the warm-up, the background calls and a full GC
 * @property {number} rssEndMiB after the load, the background calls and a full GC
 * @property {number} heapStartMiB
 * @property {number} heapEndMiB
 * @property {number} eventLoopDelayP99Ms the server's, during the load
 * @property {number} socketsOpen connections still open at the fake once the load has stopped and settled
 * @property {number | undefined} sessionsCreated by the fake since it started, warm-up included
 * @property {number | undefined} sessionsRecorded by onSessionCreated since the server started (A only)
 * @property {number | undefined} undelivered of those, with `delivered === false` (A only)
 */

/**
 * The faults a failing call gets, one as often as another: Incode trouble (500), no answer at all,
 * a dropped connection, and an answer that comes after the deadline but well within twice it.
 * @param {number} timeoutMs
 * @returns {FakeIncodeFault[]}
 */
export function soakFaults (timeoutMs) {
  return [
    { type: 'status', status: 500, body: { status: 500, error: 'Internal Server Error', message: 'soak' } },
    { type: 'hang' },
    { type: 'drop' },
    { type: 'delay', ms: timeoutMs }
  ]
}

/**
 * @param {BenchOptions} options
 * @param {(line: string) => void} log progress
 * @returns {Promise<Soak[]>}
 */
export async function runSoaks (options, log) {
  /** @type {Soak[]} */
  const soaks = []
  for (const server of options.soakServers) {
    const children = new ChildProcesses()
    try {
      soaks.push(await runSoak(children, options, server, log))
    } finally {
      await children.stopAll()
    }
  }
  return soaks
}

/**
 * @param {ChildProcesses} children
 * @param {BenchOptions} options
 * @param {SoakServer} server
 * @param {(line: string) => void} log
 * @returns {Promise<Soak>}
 */
async function runSoak (children, options, server, log) {
  const { soakScenario: scenario, soakTimeout: timeoutMs, soak: seconds } = options
  const fake = await children.start('fake.js', [JSON.stringify({
    latencyMs: scenario.latencyMs,
    randomFaults: { faults: soakFaults(timeoutMs), rate: FAULT_RATE }
  })])
  // --expose-gc: memory is read after a full GC. Quiet: every failed call logs a line.
  const target = await children.start('servers.js', [KINDS[server], fake.ready.url, fake.ready.apiKey, String(timeoutMs)], {
    execArgv: ['--expose-gc'],
    quiet: true
  })
  /** @param {number} loadSeconds */
  const browse = (loadSeconds) => driveBrowsers({
    url: `http://127.0.0.1:${target.ready.port}/incode/sessions`,
    browsers: scenario.browsers,
    seconds: loadSeconds,
    leaveRate: LEAVE_RATE,
    // While the Incode call is in flight.
    leaveAfterMs: [scenario.latencyMs * 0.1, scenario.latencyMs * 0.9],
    answerTimeoutMs: timeoutMs + 5000
  })
  // A call past its deadline finishes in the background, for at most another deadline.
  const backgroundCalls = () => sleep(2 * timeoutMs)

  log(`Soak of ${server}: ${options.soakWarmup} s warm-up`)
  await browse(options.soakWarmup)
  await backgroundCalls()
  /** @type {ServerUsage} */
  const start = await target.ask({ gc: true })
  log(`Soak of ${server}: ${seconds} s at ${scenario.latencyMs} ms, ${scenario.browsers} browsers`)
  const load = await browse(seconds)
  /** @type {ServerUsage} */
  const during = await target.ask({})
  await backgroundCalls()
  /** @type {ServerUsage} */
  const settled = await target.ask({})
  /** @type {FakeUsage} */
  const { sessionsCreated } = await fake.ask({})
  const socketsOpen = await openSockets(fake)
  /** @type {ServerUsage} */
  const end = await target.ask({ gc: true })
  return {
    server,
    seconds,
    scenario,
    timeoutMs,
    load,
    rssStartMiB: start.rssMiB,
    rssEndMiB: end.rssMiB,
    heapStartMiB: start.heapUsedMiB,
    heapEndMiB: end.heapUsedMiB,
    eventLoopDelayP99Ms: during.eventLoopDelayP99Ms,
    socketsOpen,
    sessionsCreated,
    sessionsRecorded: settled.recorded,
    undelivered: settled.undelivered
  }
}

/**
 * The fake's open connections once idle keep-alive connections have had the time to close.
 * @param {import('./processes.js').Child} fake
 * @returns {Promise<number>}
 */
export async function openSockets (fake) {
  const until = Date.now() + IDLE_CLOSE_MS
  for (;;) {
    /** @type {FakeUsage} */
    const { activeConnections } = await fake.ask({})
    if (activeConnections === 0 || Date.now() >= until) return activeConnections
    await sleep(POLL_MS)
  }
}
