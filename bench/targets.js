// What the benchmark promises, checked on the figures of one run. The servers' targets are ratios of
// figures measured side by side, so that a slow or busy machine slows A and its baseline alike; the
// webhook burst's are counts, and bounds derived from the burst's own figures.

/** @typedef {import('./summary.js').ScenarioSummary} ScenarioSummary */
/** @typedef {import('./soak.js').Soak} Soak */
/** @typedef {import('./webhook-burst.js').WebhookBurst} WebhookBurst */
/** @typedef {'≥' | '≤' | '<' | '='} Relation */

/**
 * @typedef {object} Verdict
 * @property {boolean} passed
 * @property {string} text what was measured against what was promised
 */

export const TARGETS = {
  /** A's req/s ÷ the baseline's, at least */
  throughput: 0.95,
  /** A's p99 ÷ the baseline's, at most */
  p99: 1.25,
  /** A's CPU per request ÷ B's at 0 ms, at most */
  cpu: 1.05,
  /**
   * A's upstream connections per 1 000 requests, at most B-fetch's plus this many connections per
   * run: with warm pools both are near 0, where one reconnect is no trend.
   */
  connectionsPerRun: 1,
  /** the soak's growth of A's RSS after the warm-up, below */
  rssGrowth: 0.10
}

/** The webhook burst's bounds on memory; its other targets are counts, or bounds derived from the burst's own figures. */
export const WEBHOOK_TARGETS = {
  /**
   * KiB of heap the server still holds after the burst and a full GC, per delivery, at most: the
   * approvals it remembers are a fraction of that, a request kept per delivery about 3.4 KiB more
   */
  retainedKiBPerDelivery: 2,
  /** the server's RSS growth over the burst, after a full GC, below */
  rssGrowth: 0.10
}

/** From this upstream latency on, a scenario is Incode-like: the servers wait, they do not work. */
export const INCODE_LIKE_MS = 100

/**
 * @param {ScenarioSummary[]} summaries
 * @param {Soak[]} soaks
 * @returns {Verdict[]}
 */
export function evaluateTargets (summaries, soaks) {
  /** @type {Verdict[]} */
  const verdicts = []
  /** @type {(...args: Parameters<typeof verdictOf>) => void} */
  const check = (...args) => { verdicts.push(verdictOf(...args)) }
  for (const { latencyMs, browsers, servers, ratios } of summaries) {
    const where = `${latencyMs} ms, ${browsers} browsers`
    if (latencyMs >= INCODE_LIKE_MS) {
      check(where, 'A/B-fetch throughput', ratios['A/B-fetch'].requestsPerSecond, '≥', TARGETS.throughput)
      check(where, 'A/B-fetch p99', ratios['A/B-fetch'].p99, '≤', TARGETS.p99)
      check(where, 'A failed requests', servers.A.errors, '=', 0, String)
    }
    if (latencyMs === 0) {
      check(where, 'A/B throughput', ratios['A/B'].requestsPerSecond, '≥', TARGETS.throughput)
      check(where, 'A/B CPU per request', ratios['A/B'].cpuPerRequest, '≤', TARGETS.cpu)
    }
    const [own, baseline] = [servers.A.connectionsPer1k, servers['B-fetch'].connectionsPer1k]
    const slack = TARGETS.connectionsPerRun * 1000 / servers.A.answers
    check(where, 'A upstream connections per 1 000 requests', own, '≤', baseline + slack, hundredths,
      ` (B-fetch's ${hundredths(baseline)} and ${TARGETS.connectionsPerRun} per run)`)
  }
  for (const soak of soaks.filter(({ server }) => server === 'A')) {
    const where = `soak of A, ${soak.seconds} s`
    check(where, 'RSS growth after warm-up', soak.rssEndMiB / soak.rssStartMiB - 1, '<', TARGETS.rssGrowth, percent)
    // undefined (a fake or a plugin that does not count) is never equal: the target fails, visibly.
    verdicts.push({
      passed: soak.sessionsCreated !== undefined && soak.sessionsCreated === soak.sessionsRecorded,
      text: `${where}: sessions created at Incode ${soak.sessionsCreated ?? '–'}, recorded by onSessionCreated ` +
        `${soak.sessionsRecorded ?? '–'}, target equal`
    })
  }
  return verdicts
}

/**
 * Whether each delivery of the webhook burst was answered after one score read, each event
 * approved once, and the burst's latency, connections and memory bounded (see bench/README.md).
 * @param {WebhookBurst} burst
 * @returns {Verdict[]}
 */
export function evaluateWebhookTargets (burst) {
  const { latencyMs, events, deliveries, load } = burst
  const where = `webhook burst, ${latencyMs} ms, ${deliveries} deliveries`
  const mostInFlight = Math.max(burst.warmUp.mostInFlight, load.mostInFlight)
  return [
    verdictOf(where, 'answers 200', load.statuses[200] ?? 0, '=', deliveries, String),
    verdictOf(where, 'score reads at Incode', burst.scoreReads, '=', deliveries, String, ' (one per delivery)'),
    verdictOf(where, 'approvals at Incode', burst.approvals, '=', events, String, ' (one per event)'),
    verdictOf(where, 'outcomes with an identity', burst.identities, '=', deliveries, String),
    verdictOf(where, 'outcomes already approved', burst.alreadyApproved, '=', deliveries - events, String,
      ' (every delivery but the first of each event)'),
    verdictOf(where, 'Incode calls after the last answer', burst.callsAfterAnswers, '=', 0, String),
    verdictOf(where, 'p99', load.p99, '≤', 2 * latencyMs + burst.serverCpuMs + burst.fakeCpuMs, milliseconds,
      ' (2 Incode latencies, and the CPU time the server and the fake spent on the burst)'),
    // A delivery holds one connection at a time, and for its approval maybe the score read's too,
    // not yet free again in undici's pool when the approval is sent; the first burst also logs in.
    verdictOf(where, 'peak connections at Incode', burst.peakConnections, '≤', burst.connectionsBefore + mostInFlight + events + 1, String,
      ` (${burst.connectionsBefore} open before, ${mostInFlight} deliveries in flight at most, one per approval, one log-in)`),
    verdictOf(where, 'heap retained per delivery', (burst.heapAfterMiB - burst.heapBeforeMiB) * 1024 / deliveries, '≤',
      WEBHOOK_TARGETS.retainedKiBPerDelivery, kibibytes),
    verdictOf(where, 'RSS growth over the burst', burst.rssAfterMiB / burst.rssBeforeMiB - 1, '<', WEBHOOK_TARGETS.rssGrowth, percent)
  ]
}

/**
 * @param {string} where
 * @param {string} what
 * @param {number} value
 * @param {Relation} relation
 * @param {number} bound
 * @param {(value: number) => string} [show]
 * @param {string} [why] how the bound was reached
 * @returns {Verdict}
 */
function verdictOf (where, what, value, relation, bound, show = times, why = '') {
  const passed = relation === '≥'
    ? value >= bound
    : relation === '≤' ? value <= bound : relation === '<' ? value < bound : value === bound
  return { passed, text: `${where}: ${what} ${show(value)}, target ${relation} ${show(bound)}${why}` }
}

/** @param {Verdict} verdict */
export function formatVerdict ({ passed, text }) {
  return `${passed ? 'PASS' : 'FAIL'}  ${text}`
}

/**
 * A ratio, to a precision at which 0.949 does not read as 0.95.
 * @param {number} value
 */
function times (value) {
  return Number.isFinite(value) ? value.toFixed(3) : String(value)
}

/** @param {number} value */
function hundredths (value) {
  return Number.isFinite(value) ? value.toFixed(2) : String(value)
}

/** @param {number} value */
function percent (value) {
  return Number.isFinite(value) ? `${(value * 100).toFixed(1)}%` : String(value)
}

/** @param {number} value */
function milliseconds (value) {
  return Number.isFinite(value) ? `${value.toFixed(0)} ms` : String(value)
}

/** @param {number} value */
function kibibytes (value) {
  return Number.isFinite(value) ? `${value.toFixed(2)} KiB` : String(value)
}
