// The webhook burst's load generator: Incode delivering events to the webhook route all at once,
// each event twice, as Incode does when it did not see an answer (a timeout on its side, a
// network fault): half the events' second delivery alongside the first, half once the first was
// answered. Loopback only.
import { Pool } from 'undici'
import { loopbackUrl, percentile } from './browsers.js'

/**
 * @typedef {object} DeliveriesOptions
 * @property {string} url the webhook route, on loopback
 * @property {Record<string, string>} headers sent with every delivery (the webhook's credential)
 * @property {object[]} events one JSON body per event; each is delivered twice
 * @property {number} answerTimeoutMs a delivery gives up on an answer after this; it counts as an error
 */

/**
 * @typedef {object} DeliveriesResult
 * @property {number} sent deliveries started
 * @property {Record<string, number>} statuses answers by status code
 * @property {number} errors socket errors and timeouts
 * @property {number} p50 ms, of the answered deliveries; NaN without an answer
 * @property {number} p99 ms, likewise
 * @property {number} seconds from the first delivery sent to the last one ended
 * @property {number} mostInFlight the most deliveries sent and not yet ended at once
 */

/**
 * Delivers every event twice, all events at once: the even-numbered events' second delivery
 * alongside the first, the odd-numbered ones' once the first has ended. Resolves when every
 * delivery has ended.
 * @param {DeliveriesOptions} options
 * @returns {Promise<DeliveriesResult>}
 */
export async function deliverEvents ({ url, headers, events, answerTimeoutMs }) {
  const target = loopbackUrl(url)
  // One connection per delivery in flight, as Incode's deliveries come on connections of their own.
  const pool = new Pool(target.origin, { connections: 2 * events.length, headersTimeout: answerTimeoutMs, bodyTimeout: answerTimeoutMs })
  /** @type {DeliveriesResult} */
  const result = { sent: 0, statuses: {}, errors: 0, p50: Number.NaN, p99: Number.NaN, seconds: 0, mostInFlight: 0 }
  /** @type {number[]} */
  const durations = []
  let inFlight = 0

  /** @param {string} body */
  async function deliver (body) {
    result.sent++
    result.mostInFlight = Math.max(result.mostInFlight, ++inFlight)
    const started = performance.now()
    try {
      const answer = await pool.request({
        path: target.pathname,
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body
      })
      await answer.body.text()
      durations.push(performance.now() - started)
      result.statuses[answer.statusCode] = (result.statuses[answer.statusCode] ?? 0) + 1
    } catch {
      result.errors++
    } finally {
      inFlight--
    }
  }

  /**
   * @param {object} event
   * @param {number} i
   */
  async function deliverTwice (event, i) {
    const body = JSON.stringify(event)
    if (i % 2 === 0) {
      await Promise.all([deliver(body), deliver(body)])
    } else {
      await deliver(body)
      await deliver(body)
    }
  }

  const started = performance.now()
  try {
    await Promise.all(events.map(deliverTwice))
  } finally {
    await pool.destroy()
  }
  result.seconds = (performance.now() - started) / 1000
  result.p50 = percentile(durations, 0.5)
  result.p99 = percentile(durations, 0.99)
  return result
}
