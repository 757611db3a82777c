// One pass per scenario (Incode latency × browsers): fresh processes, a warm-up, then rounds of
// A, B, B-fetch and U under the same load. The runs of A and B-fetch, whose pools grow with the
// load, follow a top-up of the same load and the end of the calls it left in flight, so that each
// starts with its pool as full as that load keeps it: the upstream connections counted in a run
// are those a warm pool still opens (reconnects, growth), not its first fill nor the overlap with
// the calls of browsers gone.
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import autocannon from 'autocannon'
import { ChildProcesses } from './processes.js'

/** @typedef {import('./options.js').BenchOptions} BenchOptions */
/** @typedef {import('./options.js').Scenario} Scenario */
/** @typedef {import('./usage.js').Usage} Usage */
/** @typedef {'A' | 'B' | 'B-fetch' | 'U'} ServerName */
/**
 * @typedef {Usage & { connectionsOpened: number, activeConnections: number, sessionsCreated: number,
 *   requestsReceived: number }} FakeUsage what the fake reports, counted since its start or last reset
 */

/** In the order each round loads them. */
export const SERVERS = /** @type {const} */ (['A', 'B', 'B-fetch', 'U'])

// After a run, the load generator's closed connections still echo through the server: this long,
// so that the upstream connections they cause count against the run that caused them.
const SETTLE_MS = 250
// Long enough for every browser to have had a call, at least twice.
const TOP_UP_S = 1
// B's pool is 16 connections whatever the load, and a top-up would leave calls queued behind them
// for the run's browsers to wait out; U's connections are the load generator's, new with each run.
const TOPPED_UP = new Set(['A', 'B-fetch'])
const CHECK_TIMEOUT_MS = 10_000
// Longer than the plugin's default deadline (10 s), so that the plugin's 504 is what a slow call
// ends in, not the load generator giving up.
const LOAD_TIMEOUT_S = 15

/**
 * @typedef {object} Run one measured run of one server
 * @property {number} latencyMs
 * @property {number} browsers
 * @property {number} round from 1
 * @property {ServerName} server
 * @property {number} answers responses received, of any status
 * @property {number} requestsPerSecond 2xx answers per second
 * @property {number} p50 latency, ms; NaN without an answer
 * @property {number} p99 latency, ms; NaN without an answer
 * @property {number} errors non-2xx answers, socket errors and timeouts
 * @property {number} cpuPerRequest µs of CPU time per answer, of the process that answered: the
 *   server, or for U the fake itself
 * @property {number} peakRssMiB of the process that answered, since it started (its scenario's warm-up included)
 * @property {number} connectionsPer1k connections the fake Incode API accepted during the run, per 1000
 *   answers (for U, the load generator's own)
 */

/**
 * @typedef {object} Target
 * @property {ServerName} name
 * @property {import('./processes.js').Child} process the process that answers the load
 * @property {string} url
 * @property {{ method: 'POST', headers: Record<string, string>, body?: string }} request
 */

/**
 * @param {BenchOptions} options
 * @param {(line: string) => void} log progress
 * @returns {Promise<Run[]>}
 */
export async function runScenarios (options, log) {
  /** @type {Run[]} */
  const runs = []
  for (const scenario of options.scenarios) {
    const children = new ChildProcesses()
    try {
      runs.push(...await runScenario(children, options, scenario, log))
    } finally {
      await children.stopAll()
    }
  }
  return runs
}

/**
 * @param {ChildProcesses} children
 * @param {BenchOptions} options
 * @param {Scenario} scenario
 * @param {(line: string) => void} log
 * @returns {Promise<Run[]>}
 */
async function runScenario (children, options, { latencyMs, browsers }, log) {
  const fake = await children.start('fake.js', [JSON.stringify({ latencyMs })])
  const { url, apiKey } = fake.ready
  /** @param {string} kind */
  const startServer = (kind) => children.start('servers.js', [kind, url, apiKey])
  const [plugin, pool, fetchServer] = await Promise.all([startServer('plugin'), startServer('pool'), startServer('fetch')])
  /** @type {Target['request']} */
  const session = { method: 'POST', headers: {} }
  /** @param {import('./processes.js').Child} child */
  const sessionsUrl = (child) => `http://127.0.0.1:${child.ready.port}/incode/sessions`
  /** @type {Target[]} */
  const targets = [
    { name: 'A', process: plugin, url: sessionsUrl(plugin), request: session },
    { name: 'B', process: pool, url: sessionsUrl(pool), request: session },
    { name: 'B-fetch', process: fetchServer, url: sessionsUrl(fetchServer), request: session },
    {
      name: 'U',
      process: fake,
      url: `${url}/omni/start`,
      request: {
        method: 'POST',
        headers: { 'x-api-key': apiKey, 'api-version': '1.0', 'content-type': 'application/json' },
        body: JSON.stringify({ configurationId: 'bench-flow', language: 'en-US' })
      }
    }
  ]
  await Promise.all(targets.map(checkAnswer))
  // All at once: the warm-up is there to compile hot code and open connections, not to measure.
  await Promise.all(targets.map((target) => load(target, browsers, options.warmup)))

  const topUp = Math.min(options.duration, Math.max(TOP_UP_S, 2 * latencyMs / 1000))
  /** @type {Run[]} */
  const runs = []
  for (let round = 1; round <= options.rounds; round++) {
    for (const target of targets) {
      if (TOPPED_UP.has(target.name)) {
        await load(target, browsers, topUp)
        await sleep(latencyMs + SETTLE_MS)
      }
      /** @type {Usage} */
      const before = await target.process.ask({})
      await fake.ask({ reset: true })
      const result = await load(target, browsers, options.duration)
      /** @type {Usage} */
      const after = await target.process.ask({})
      await sleep(SETTLE_MS)
      /** @type {FakeUsage} */
      const { connectionsOpened } = await fake.ask({ reset: true })
      /** @type {Run} */
      const run = {
        latencyMs,
        browsers,
        round,
        server: target.name,
        ...measure(result, after.cpuMicros - before.cpuMicros, connectionsOpened),
        peakRssMiB: after.maxRssMiB
      }
      log(`Incode latency ${latencyMs} ms, ${browsers} browsers, round ${round}/${options.rounds}, ${target.name}: ` +
        `${Math.round(run.requestsPerSecond)} req/s, p99 ${run.p99} ms, ${run.errors} errors`)
      runs.push(run)
    }
  }
  return runs
}

/**
 * @typedef {{ requests: { total: number }, '2xx': number, non2xx: number, errors: number, duration: number,
 *   latency: { p50: number, p99: number } }} LoadResult what the figures are made of, of autocannon's result
 */

/**
 * A run's figures from what the load generator saw, the CPU time the answering process used and
 * the connections the fake accepted.
 * @param {LoadResult} result
 * @param {number} cpuMicros
 * @param {number} connectionsOpened
 * @returns {Omit<Run, 'latencyMs' | 'browsers' | 'round' | 'server' | 'peakRssMiB'>}
 */
export function measure (result, cpuMicros, connectionsOpened) {
  const answers = result.requests.total
  return {
    answers,
    requestsPerSecond: result['2xx'] / result.duration,
    // autocannon says 0 when nothing was answered.
    p50: answers === 0 ? Number.NaN : result.latency.p50,
    p99: answers === 0 ? Number.NaN : result.latency.p99,
    errors: result.errors + result.non2xx,
    cpuPerRequest: cpuMicros / answers,
    connectionsPer1k: connectionsOpened / answers * 1000
  }
}

/**
 * A target that does not answer a session is a broken benchmark, not a slow server.
 * @param {Target} target
 */
async function checkAnswer (target) {
  const response = await fetch(target.url, { ...target.request, signal: AbortSignal.timeout(CHECK_TIMEOUT_MS) })
  const body = /** @type {{ token?: unknown, interviewId?: unknown }} */ (await response.json())
  assert.ok(response.ok, `${target.name} answered ${response.status}`)
  assert.equal(typeof body.token, 'string', `${target.name} answered no token`)
  assert.equal(typeof body.interviewId, 'string', `${target.name} answered no interviewId`)
}

/**
 * @param {Target} target
 * @param {number} connections
 * @param {number} duration seconds
 */
async function load (target, connections, duration) {
  // autocannon ends a run on its next sample: sampling every 100 ms lets a run last `duration`
  // rather than `duration` rounded up to a whole second.
  return await autocannon({
    url: target.url,
    ...target.request,
    connections,
    duration,
    sampleInt: 100,
    timeout: LOAD_TIMEOUT_S
  })
}
