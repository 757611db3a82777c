// A child process's side of the benchmark: what it reports about itself when the benchmark asks,
// read by the process itself (no /proc), so the figures are the same wherever Node runs; and, for
// a server, listening on loopback and closing when the benchmark goes.
import { monitorEventLoopDelay } from 'node:perf_hooks'

const MiB = 1024 * 1024

/**
 * @typedef {object} Usage
 * @property {number} cpuMicros user and system CPU time since the process started, µs (process.resourceUsage)
 * @property {number} maxRssMiB peak resident set size since the process started (process.resourceUsage().maxRSS)
 * @property {number} rssMiB resident set size now
 * @property {number} heapUsedMiB V8 heap in use now
 * @property {number} eventLoopDelayP99Ms p99 of the event loop's delay since the previous question
 */

/**
 * @typedef {object} Question
 * @property {boolean} [gc] run a full garbage collection first (the process must run with --expose-gc)
 * @property {boolean} [reset] the fake forgets what it recorded and counted, after answering
 * @property {string[]} [finish] the fake completes these sessions' onboardings (score OK), delivering no webhook, first
 */

/**
 * Answers each message from the benchmark with this process's Usage and what `more` adds, once it has.
 * @param {(question: Question) => object | Promise<object>} more
 */
export function answerQuestions (more) {
  // 10 ms, Node's default: finer makes the histogram's own timer a load of its own.
  const eventLoopDelay = monitorEventLoopDelay({ resolution: 10 })
  eventLoopDelay.enable()
  process.on('message', async (message) => {
    const question = /** @type {Question} */ (message)
    // Without --expose-gc this throws: a benchmark that asks for a GC it cannot have is broken.
    if (question.gc === true) /** @type {() => void} */ (globalThis.gc)()
    const { userCPUTime, systemCPUTime, maxRSS } = process.resourceUsage()
    const { rss, heapUsed } = process.memoryUsage()
    /** @type {Usage} */
    const usage = {
      cpuMicros: userCPUTime + systemCPUTime,
      // maxRSS is in KiB.
      maxRssMiB: maxRSS / 1024,
      rssMiB: rss / MiB,
      heapUsedMiB: heapUsed / MiB,
      eventLoopDelayP99Ms: eventLoopDelay.percentile(99) / 1e6
    }
    process.send?.({ ...usage, ...await more(question) })
    eventLoopDelay.reset()
  })
}

/**
 * Listens on loopback, answers the benchmark's questions, sends it the port, and closes when the
 * benchmark goes (its IPC channel closes).
 * @param {import('fastify').FastifyInstance} app
 * @param {(question: Question) => object | Promise<object>} more
 */
export async function serveBenchmark (app, more) {
  await app.listen({ host: '127.0.0.1', port: 0 })
  process.once('disconnect', () => app.close())
  answerQuestions(more)
  const { port } = /** @type {import('node:net').AddressInfo} */ (app.server.address())
  process.send?.({ port })
}
