// The runs of each scenario reduced to one figure per server (the median over the rounds) and to
// the ratios that the targets and the tables compare (the median of the rounds' ratios).
import { SERVERS } from './benchmark.js'

/** @typedef {import('./benchmark.js').Run} Run */
/** @typedef {import('./benchmark.js').ServerName} ServerName */
/**
 * @typedef {'answers' | 'requestsPerSecond' | 'p50' | 'p99' | 'errors' | 'cpuPerRequest' | 'peakRssMiB' |
 *   'connectionsPer1k'} Figure
 */
/** @typedef {Record<Figure, number>} Figures */
/** @typedef {'A/B' | 'A/B-fetch'} Comparison */

/** @type {Figure[]} */
export const FIGURES = ['answers', 'requestsPerSecond', 'p50', 'p99', 'errors', 'cpuPerRequest', 'peakRssMiB', 'connectionsPer1k']

/** @type {Record<Comparison, ServerName>} what A is divided by */
export const COMPARISONS = { 'A/B': 'B', 'A/B-fetch': 'B-fetch' }

/**
 * @typedef {object} ScenarioSummary
 * @property {number} latencyMs
 * @property {number} browsers
 * @property {number} limit the most sessions per second `browsers` can start when each waits
 *   `latencyMs` for Incode: browsers ÷ latency (Infinity at 0 ms)
 * @property {Record<ServerName, Figures>} servers the median of each figure over the rounds, errors added up
 * @property {Record<Comparison, Figures>} ratios the median over the rounds of A's figure ÷ the other's
 *   (NaN for errors, which have no meaningful ratio)
 */

/**
 * One summary per scenario, in the order they ran.
 * @param {Run[]} runs
 * @returns {ScenarioSummary[]}
 */
export function summarize (runs) {
  const scenarios = new Map(runs.map((run) => [`${run.latencyMs}x${run.browsers}`, run]))
  return [...scenarios.values()].map(({ latencyMs, browsers }) => {
    const ofScenario = runs.filter((run) => run.latencyMs === latencyMs && run.browsers === browsers)
    /** @param {ServerName} server */
    const runsOf = (server) => ofScenario.filter((run) => run.server === server).sort((x, y) => x.round - y.round)
    const servers = /** @type {Record<ServerName, Figures>} */ (Object.fromEntries(SERVERS.map((server) => [
      server,
      figuresOf((figure) => (figure === 'errors' ? sum : median)(runsOf(server).map((run) => run[figure])))
    ])))
    const ratios = /** @type {Record<Comparison, Figures>} */ (Object.fromEntries(Object.entries(COMPARISONS)
      .map(([comparison, other]) => {
        const [a, b] = [runsOf('A'), runsOf(other)]
        return [comparison, figuresOf((figure) => figure === 'errors'
          ? Number.NaN
          : median(a.map((run, i) => ratio(run[figure], Number(b[i]?.[figure])))))]
      })))
    return { latencyMs, browsers, limit: browsers / latencyMs * 1000, servers, ratios }
  })
}

/**
 * @param {(figure: Figure) => number} valueOf
 * @returns {Figures}
 */
function figuresOf (valueOf) {
  return /** @type {Figures} */ (Object.fromEntries(FIGURES.map((figure) => [figure, valueOf(figure)])))
}

/**
 * x ÷ y, where two zeros are equal (no upstream connection opened by either, say) and a figure
 * that could not be measured (a server that answered nothing has no CPU per answer) compares to nothing.
 * @param {number} x
 * @param {number} y
 */
function ratio (x, y) {
  if (!Number.isFinite(x) || !Number.isFinite(y)) return Number.NaN
  return x === 0 && y === 0 ? 1 : x / y
}

/** @param {number[]} values */
export function median (values) {
  const sorted = values.toSorted((x, y) => x - y)
  const middle = (sorted.length - 1) / 2
  // One middle value for an odd count, the mean of the two middle ones for an even count.
  return (Number(sorted[Math.floor(middle)]) + Number(sorted[Math.ceil(middle)])) / 2
}

/** @param {number[]} values */
function sum (values) {
  return values.reduce((total, value) => total + value, 0)
}
