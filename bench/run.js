// npm run bench: fastify-incode (A) against hand-written routes on global fetch (B-fetch) and on an
// undici Pool of 16 (B), and the fake Incode API alone (U), at several Incode latencies; then a soak;
// then a burst of Incode's webhook deliveries to A's webhook route.
// The headline table and the targets go to stdout, progress to stderr, the report to
// bench/RESULTS.md and the chart to bench/results.svg. Exit code 0 whether targets pass or fail;
// anything else means the benchmark itself broke. `--webhook-only` runs the burst alone and writes no file.
import { mkdir, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { runScenarios } from './benchmark.js'
import { buildChart } from './chart.js'
import { ENV_PREFIX, parseOptions } from './options.js'
import { describeMachine, describePackages, formatConsole, formatResults, formatWebhookConsole } from './report.js'
import { runSoaks } from './soak.js'
import { summarize } from './summary.js'
import { evaluateTargets, evaluateWebhookTargets } from './targets.js'
import { runWebhookBurst } from './webhook-burst.js'

const options = parseOptions(process.argv.slice(2), process.env)
/** @param {string} line */
const log = (line) => process.stderr.write(`${line}\n`)

if (options.webhookOnly) {
  // Checked by parseOptions: --webhook-only with no burst is refused.
  const burst = await runWebhookBurst(/** @type {import('./options.js').WebhookBurstSettings} */ (options.webhookBurst), log)
  process.stdout.write(formatWebhookConsole(burst, evaluateWebhookTargets(burst)))
} else {
  await runEverything()
}

async function runEverything () {
  const variables = Object.entries(process.env).filter(([name]) => name.startsWith(ENV_PREFIX))
  const command = [...variables.map(([name, value]) => `${name}=${value}`), 'node bench/run.js', ...process.argv.slice(2)].join(' ')
  const date = new Date()
  const loadAtStart = os.loadavg()[0]

  const runs = await runScenarios(options, log)
  const soaks = await runSoaks(options, log)
  const burst = options.webhookBurst === undefined ? undefined : await runWebhookBurst(options.webhookBurst, log)
  const summaries = summarize(runs)
  const verdicts = evaluateTargets(summaries, soaks)
  const burstVerdicts = burst === undefined ? [] : evaluateWebhookTargets(burst)
  const machine = describeMachine()
  process.stdout.write(formatConsole(summaries, soaks, verdicts))
  if (burst !== undefined) process.stdout.write(`\n${formatWebhookConsole(burst, burstVerdicts)}`)

  await Promise.all([options.results, options.chart].map((file) => mkdir(path.dirname(file), { recursive: true })))
  await writeFile(options.chart, buildChart(summaries, { subtitle: `${date.toISOString().slice(0, 10)}, ${machine}` }))
  await writeFile(options.results, formatResults({
    runs,
    summaries,
    soaks,
    verdicts,
    burst,
    burstVerdicts,
    options,
    command,
    date,
    machine,
    packages: describePackages(),
    load: [Number(loadAtStart), Number(os.loadavg()[0])],
    chart: path.relative(path.dirname(options.results), options.chart).split(path.sep).join('/')
  }))
  log(`Written to ${options.results} and ${options.chart}`)
}
