// One pass per latency of the fake Incode API: fresh processes, a warm-up, then rounds of A, B, U
// under the same load.
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import autocannon from 'autocannon'
import { ChildProcesses, cpuTimeMs, peakRssMiB, resetPeakRss } from './processes.js'

/** @typedef {import('./options.js').BenchOptions} BenchOptions */
/** @typedef {'A' | 'B' | 'U'} TargetName */

// After a run, the load generator's closed connections still echo through the server (aborted
// upstream calls, reconnects): this long, so that they count against the run that caused them.
const SETTLE_MS = 250
const CHECK_TIMEOUT_MS = 10_000

/**
 * @typedef {object} Run one measured run of one target
 * @property {number} latencyMs
 * @property {number} round from 1
 * @property {TargetName} target
 * @property {number} requestsPerSecond
 * @property {number} p50 latency, ms
 * @property {number} p99 latency, ms
 * @property {number} errors socket errors, timeouts and non-2xx answers
 * @property {number} cpuPerRequest µs of CPU time per request, of the process that answered: the
 *   server, or for U the fake itself
 * @property {number} peakRssMiB of the process that answered
 * @property {number} connectionsPer1k connections the fake Incode API accepted, per 1000 requests
 */

/**
 * @typedef {object} Target
 * @property {TargetName} name
 * @property {number} pid the process that answers the load
 * @property {string} url
 * @property {{ method: 'POST', headers: Record<string, string>, body?: string }} request
 */

/**
 * @param {BenchOptions} options
 * @param {(line: string) => void} log progress
 * @returns {Promise<Run[]>}
 */
export async function runBenchmark (options, log) {
  /** @type {Run[]} */
  const runs = []
  for (const latencyMs of options.latencies) {
    const children = new ChildProcesses()
    try {
      runs.push(...await runAtLatency(children, options, latencyMs, log))
    } finally {
      await children.stopAll()
    }
  }
  return runs
}

/**
 * @param {ChildProcesses} children
 * @param {BenchOptions} options
 * @param {number} latencyMs
 * @param {(line: string) => void} log
 * @returns {Promise<Run[]>}
 */
async function runAtLatency (children, options, latencyMs, log) {
  const fake = await children.start('fake.js', [String(latencyMs)])
  const { url, apiKey } = fake.ready
  const [plugin, bare] = await Promise.all([
    children.start('servers.js', ['plugin', url, apiKey]),
    children.start('servers.js', ['bare', url, apiKey])
  ])
  /** @type {Target['request']} */
  const session = { method: 'POST', headers: {} }
  /** @type {Target[]} */
  const targets = [
    { name: 'A', pid: plugin.pid, url: `http://127.0.0.1:${plugin.ready.port}/incode/sessions`, request: session },
    { name: 'B', pid: bare.pid, url: `http://127.0.0.1:${bare.ready.port}/incode/sessions`, request: session },
    {
      name: 'U',
      pid: fake.pid,
      url: `${url}/omni/start`,
      request: {
        method: 'POST',
        headers: { 'x-api-key': apiKey, 'api-version': '1.0', 'content-type': 'application/json' },
        body: JSON.stringify({ configurationId: 'bench-flow', language: 'en-US' })
      }
    }
  ]
  await Promise.all(targets.map(checkAnswer))
  // All three at once: the warm-up is there to compile hot code and open connections, not to measure.
  await Promise.all(targets.map((target) => load(target, options.connections, options.warmup)))

  /** @type {Run[]} */
  const runs = []
  for (let round = 1; round <= options.rounds; round++) {
    for (const target of targets) {
      await fake.ask('count')
      resetPeakRss(target.pid)
      const cpuBefore = cpuTimeMs(target.pid)
      const result = await load(target, options.connections, options.duration)
      const cpuDuring = cpuTimeMs(target.pid) - cpuBefore
      await sleep(SETTLE_MS)
      const { connectionsOpened } = await fake.ask('count')
      const run = {
        latencyMs,
        round,
        target: target.name,
        requestsPerSecond: result.requests.total / result.duration,
        p50: result.latency.p50,
        p99: result.latency.p99,
        errors: result.errors + result.non2xx,
        cpuPerRequest: cpuDuring * 1000 / result.requests.total,
        peakRssMiB: peakRssMiB(target.pid),
        connectionsPer1k: connectionsOpened / result.requests.total * 1000
      }
      log(`Incode latency ${latencyMs} ms, round ${round}/${options.rounds}, ${target.name}: ` +
        `${Math.round(run.requestsPerSecond)} req/s, p99 ${run.p99} ms, ${run.errors} errors`)
      runs.push(run)
    }
  }
  return runs
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
  return await autocannon({ url: target.url, ...target.request, connections, duration, sampleInt: 100 })
}
