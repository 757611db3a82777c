// npm run bench: fastify-incode (A) against a hand-written proxy route (B) and the fake Incode API
// alone (U). The table goes to stdout, progress to stderr, the report to bench/RESULTS.md.
import { writeFile } from 'node:fs/promises'
import os from 'node:os'
import { runBenchmark } from './benchmark.js'
import { ENV_PREFIX, parseOptions } from './options.js'
import { describeMachine, describePackages, formatResults, formatTable, summarize } from './report.js'

const options = parseOptions(process.argv.slice(2), process.env)
const variables = Object.entries(process.env).filter(([name]) => name.startsWith(ENV_PREFIX))
const command = [...variables.map(([name, value]) => `${name}=${value}`), 'node bench/run.js', ...process.argv.slice(2)].join(' ')
const date = new Date()
const loadAtStart = os.loadavg()[0]

const runs = await runBenchmark(options, (line) => process.stderr.write(`${line}\n`))
process.stdout.write(`${formatTable(['Incode latency', 'server'], summarize(runs))}\n`)
await writeFile(options.results, formatResults({
  runs,
  options,
  command,
  date,
  machine: describeMachine(),
  packages: describePackages(),
  load: [Number(loadAtStart), Number(os.loadavg()[0])]
}))
process.stderr.write(`Written to ${options.results}\n`)
