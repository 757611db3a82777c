// npm run bench: fastify-incode (A) against hand-written routes on global fetch (B-fetch) and on an
// undici Pool of 16 (B), and the fake Incode API alone (U), at several Incode latencies; then a soak.
// The headline table and the targets go to stdout, progress to stderr, the report to
// bench/RESULTS.md and the chart to bench/results.svg. Exit code 0 whether targets pass or fail;
// anything else means the benchmark itself broke.
import { mkdir, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { runScenarios } from './benchmark.js'
import { buildChart } from './chart.js'
import { ENV_PREFIX, parseOptions } from './options.js'
import { describeMachine, describePackages, formatConsole, formatResults } from './report.js'
import { runSoaks } from './soak.js'
import { summarize } from './summary.js'
import { evaluateTargets } from './targets.js'

const options = parseOptions(process.argv.slice(2), process.env)
const variables = Object.entries(process.env).filter(([name]) => name.startsWith(ENV_PREFIX))
const command = [...variables.map(([name, value]) => `${name}=${value}`), 'node bench/run.js', ...process.argv.slice(2)].join(' ')
const date = new Date()
const loadAtStart = os.loadavg()[0]
/** @param {string} line */
const log = (line) => process.stderr.write(`${line}\n`)

const runs = await runScenarios(options, log)
const soaks = await runSoaks(options, log)
const summaries = summarize(runs)
const verdicts = evaluateTargets(summaries, soaks)
const machine = describeMachine()
process.stdout.write(formatConsole(summaries, soaks, verdicts))

await Promise.all([options.results, options.chart].map((file) => mkdir(path.dirname(file), { recursive: true })))
await writeFile(options.chart, buildChart(summaries, { subtitle: `${date.toISOString().slice(0, 10)}, ${machine}` }))
await writeFile(options.results, formatResults({
  runs,
  summaries,
  soaks,
  verdicts,
  options,
  command,
  date,
  machine,
  packages: describePackages(),
  load: [Number(loadAtStart), Number(os.loadavg()[0])],
  chart: path.relative(path.dirname(options.results), options.chart).split(path.sep).join('/')
}))
log(`Written to ${options.results} and ${options.chart}`)
