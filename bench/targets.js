// What the benchmark promises (issue #9), checked on the figures of one run: each target a ratio of
// figures measured side by side, so that a slow or busy machine slows A and its baseline alike.

/** @typedef {import('./summary.js').ScenarioSummary} ScenarioSummary */
/** @typedef {import('./soak.js').Soak} Soak */

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
  /**
   * @param {string} where
   * @param {string} what
   * @param {number} value
   * @param {'≥' | '≤' | '<' | '='} relation
   * @param {number} bound
   * @param {(value: number) => string} show
   * @param {string} [why] how the bound was reached
   */
  const check = (where, what, value, relation, bound, show = times, why = '') => {
    const passed = relation === '≥'
      ? value >= bound
      : relation === '≤' ? value <= bound : relation === '<' ? value < bound : value === bound
    verdicts.push({ passed, text: `${where}: ${what} ${show(value)}, target ${relation} ${show(bound)}${why}` })
  }
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
