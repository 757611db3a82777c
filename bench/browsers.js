// The soak's load generator: browsers that wait for their session, a share of which leave mid-call
// (a closed tab), which autocannon cannot do. Loopback only, bounded in count and in time.
import { Pool } from 'undici'

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]'])
// A bound on the request loops however fast the server answers.
const MAX_REQUESTS_PER_SECOND = 20_000

/**
 * @typedef {object} BrowsersOptions
 * @property {string} url where each browser POSTs, on loopback
 * @property {number} browsers how many browsers, each with one connection and one request at a time
 * @property {number} seconds no request starts after this
 * @property {number} leaveRate the share of requests a browser abandons mid-call
 * @property {[number, number]} leaveAfterMs an abandoned request is cut after a delay, uniform in this range
 * @property {number} answerTimeoutMs a browser gives up on an answer after this; it counts as an error
 */

/**
 * @typedef {object} BrowsersResult
 * @property {number} sent requests started
 * @property {Record<string, number>} statuses answers by status code
 * @property {number} left requests abandoned on purpose before their answer
 * @property {number} errors socket errors and timeouts of requests not abandoned
 * @property {number} p99 ms, of the answered requests
 */

/**
 * Runs the browsers until `seconds` have passed and every request has ended.
 * @param {BrowsersOptions} options
 * @returns {Promise<BrowsersResult>}
 */
export async function driveBrowsers ({ url, browsers, seconds, leaveRate, leaveAfterMs, answerTimeoutMs }) {
  const target = loopbackUrl(url)
  const pool = new Pool(target.origin, { connections: browsers, headersTimeout: answerTimeoutMs, bodyTimeout: answerTimeoutMs })
  const endAt = Date.now() + seconds * 1000
  const maxRequests = Math.ceil(seconds * MAX_REQUESTS_PER_SECOND)
  /** @type {BrowsersResult} */
  const result = { sent: 0, statuses: {}, left: 0, errors: 0, p99: Number.NaN }
  /** @type {number[]} */
  const durations = []
  const [leaveMin, leaveMax] = leaveAfterMs

  async function browse () {
    while (Date.now() < endAt && result.sent < maxRequests) {
      result.sent++
      const leaving = Math.random() < leaveRate ? new AbortController() : undefined
      const timer = leaving && setTimeout(() => leaving.abort(), leaveMin + Math.random() * (leaveMax - leaveMin))
      const started = performance.now()
      try {
        const { statusCode, body } = await pool.request({ path: target.pathname, method: 'POST', signal: leaving?.signal })
        await body.text()
        durations.push(performance.now() - started)
        result.statuses[statusCode] = (result.statuses[statusCode] ?? 0) + 1
      } catch {
        if (leaving?.signal.aborted === true) result.left++
        else result.errors++
      } finally {
        clearTimeout(timer)
      }
    }
  }

  try {
    await Promise.all(Array.from({ length: browsers }, browse))
  } finally {
    await pool.destroy()
  }
  result.p99 = percentile(durations, 0.99)
  return result
}

/**
 * The benchmark's load generators load the benchmark's own servers, never another host.
 * @param {string} url
 */
export function loopbackUrl (url) {
  const target = new URL(url)
  if (!LOOPBACK.has(target.hostname)) throw new RangeError(`the benchmark loads loopback addresses only, not ${target.hostname}`)
  return target
}

/**
 * The nearest-rank percentile: the smallest value that `share` of the values are at or below; NaN of none.
 * @param {number[]} values
 * @param {number} share from 0 (excluded) to 1
 */
export function percentile (values, share) {
  const sorted = values.toSorted((x, y) => x - y)
  return sorted[Math.ceil(sorted.length * share) - 1] ?? Number.NaN
}
