// The benchmark's figures as Markdown: medians per server, A/B ratios, the machine and the command.
import { createRequire } from 'node:module'
import os from 'node:os'

/** @typedef {import('./benchmark.js').Run} Run */
/** @typedef {import('./options.js').BenchOptions} BenchOptions */
/** @typedef {'requestsPerSecond' | 'p50' | 'p99' | 'errors' | 'cpuPerRequest' | 'peakRssMiB' | 'connectionsPer1k'} Figure */
/** @typedef {{ labels: string[], values: number[], ratio?: boolean }} Row */

/** @type {Array<[Figure, string, number]>} each figure, its column title and decimals */
const FIGURES = [
  ['requestsPerSecond', 'req/s', 0],
  // autocannon records latencies in whole milliseconds.
  ['p50', 'p50 ms', 0],
  ['p99', 'p99 ms', 0],
  ['errors', 'errors', 0],
  ['cpuPerRequest', 'CPU µs / req', 1],
  ['peakRssMiB', 'peak RSS MiB', 1],
  ['connectionsPer1k', 'upstream conns / 1k req', 2]
]

/**
 * One row per latency and server with the median of each figure over the rounds (errors: their
 * sum), then an A/B row with the median of the rounds' A/B ratios.
 * @param {Run[]} runs
 * @returns {Row[]}
 */
export function summarize (runs) {
  /** @type {Row[]} */
  const rows = []
  for (const latencyMs of new Set(runs.map((run) => run.latencyMs))) {
    /** @param {string} target */
    const runsOf = (target) => runs.filter((run) => run.latencyMs === latencyMs && run.target === target)
    for (const target of ['A', 'B', 'U']) {
      rows.push({
        labels: [`${latencyMs} ms`, target],
        values: FIGURES.map(([figure]) => (figure === 'errors' ? sum : median)(runsOf(target).map((run) => run[figure])))
      })
    }
    const [a, b] = [runsOf('A'), runsOf('B')]
    rows.push({
      labels: [`${latencyMs} ms`, 'A/B'],
      values: FIGURES.map(([figure]) => median(a.map((run, i) => run[figure] / /** @type {Run} */ (b[i])[figure]))),
      ratio: true
    })
  }
  return rows
}

/**
 * Every run, in the order it ran.
 * @param {Run[]} runs
 * @returns {Row[]}
 */
export function listRuns (runs) {
  return runs.map((run) => ({
    labels: [`${run.latencyMs} ms`, String(run.round), run.target],
    values: FIGURES.map(([figure]) => run[figure])
  }))
}

/**
 * A Markdown table, padded so that it also reads in a terminal.
 * @param {string[]} labelTitles
 * @param {Row[]} rows
 */
export function formatTable (labelTitles, rows) {
  const header = [...labelTitles, ...FIGURES.map(([, title]) => title)]
  const body = rows.map((row) => [
    ...row.labels,
    ...FIGURES.map(([, , decimals], i) => formatNumber(row.values[i], row.ratio ? 2 : decimals))
  ])
  const widths = header.map((_, column) => Math.max(...[header, ...body].map((cells) => String(cells[column]).length)))
  const rule = widths.map((width, column) => column < labelTitles.length ? '-'.repeat(width) : '-'.repeat(width - 1) + ':')
  return [header, rule, ...body]
    .map((cells) => `| ${cells.map((cell, column) => cell.padStart(Number(widths[column]))).join(' | ')} |`)
    .join('\n')
}

/**
 * @param {number | undefined} value
 * @param {number} decimals
 */
function formatNumber (value, decimals) {
  const number = Number(value)
  return Number.isFinite(number) ? number.toFixed(decimals) : '–'
}

/** @param {number[]} values */
function median (values) {
  const sorted = values.toSorted((x, y) => x - y)
  const middle = (sorted.length - 1) / 2
  // One middle value for an odd count, the mean of the two middle ones for an even count.
  return (Number(sorted[Math.floor(middle)]) + Number(sorted[Math.ceil(middle)])) / 2
}

/** @param {number[]} values */
function sum (values) {
  return values.reduce((total, value) => total + value, 0)
}

export function describeMachine () {
  const models = [...new Set(os.cpus().map((cpu) => cpu.model.trim()))].join(', ')
  const memory = (os.totalmem() / 2 ** 30).toFixed(1)
  return `${os.availableParallelism()} cores (${models}), ${memory} GiB RAM, ${os.type()} ${os.release()}, Node ${process.version}`
}

/** The versions that decide the figures, as installed. */
export function describePackages () {
  const require = createRequire(import.meta.url)
  return ['fastify-incode', 'fastify', 'undici', 'autocannon']
    .map((name) => `${name} ${require(`${name}/package.json`).version}`).join(', ')
}

/**
 * bench/RESULTS.md
 * @param {{ runs: Run[], options: BenchOptions, command: string, date: Date, machine: string, packages: string, load: number[] }} report
 */
export function formatResults ({ runs, options, command, date, machine, packages, load }) {
  return `# fastify-incode benchmark results

- Date: ${date.toISOString()}
- Machine: ${machine}
- Packages: ${packages}
- Load average (1 min) at the start and at the end: ${load.map((value) => value.toFixed(2)).join(', ')}
- Command: \`${command}\`
- Settings: ${options.connections} connections, ${options.duration} s per run, ${options.rounds} round(s) of A, B, U ` +
  `after a ${options.warmup} s warm-up of the three at once, fake Incode API latency ${options.latencies.join(' and ')} ms

A: fastify-incode (\`POST /incode/sessions\`, rate limit off, async no-op \`onSessionCreated\`, logger at
\`warn\`). B: the floor, one hand-written Fastify route calling \`/omni/start\` through an undici pool of
16 connections. U: the load generator straight at the fake Incode API. The servers, the fake and the
load generator each run in their own process. Figures are the median over the rounds (errors: their
sum); A/B is the median of the rounds' A/B ratios. CPU time and peak RSS are the answering
process's (for U, the fake's); upstream connections are those the fake accepted.

${formatTable(['Incode latency', 'server'], summarize(runs))}

## Every run

${formatTable(['Incode latency', 'round', 'server'], listRuns(runs))}
`
}
