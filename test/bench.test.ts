import t from 'tap'
import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

// bench/ is plain JavaScript run by plain Node, as `npm run bench` runs it: every test starts it
// in a child process (never imports it here), so the code measured is the code that runs.
const run = promisify(execFile)
const root = fileURLToPath(new URL('..', import.meta.url))

t.test('the quick benchmark loads A, B and U without an error, and RESULTS.md says where, how and when', async (t) => {
  const results = `${t.testdir()}/RESULTS.md`
  const { stdout } = await run(process.execPath, ['bench/run.js', '--quick', '--connections=20'], {
    cwd: root,
    env: { ...process.env, BENCH_RESULTS: results, BENCH_DURATION: '0.5', BENCH_WARMUP: '0.25', BENCH_CONNECTIONS: '99' },
    timeout: 60_000
  })
  const rows = stdout.split('\n').filter((line) => line.startsWith('|'))
    .map((line) => line.split('|').slice(1, -1).map((cell) => cell.trim()))
  t.same(rows[0], ['Incode latency', 'server', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'CPU µs / req', 'peak RSS MiB', 'upstream conns / 1k req'])
  for (const latency of ['0 ms', '25 ms']) {
    for (const server of ['A', 'B', 'U']) {
      const row = rows.find(([rowLatency, rowServer]) => rowLatency === latency && rowServer === server)
      t.ok(Number(row?.[2]) > 0, `${server} at ${latency} answered requests`)
      t.equal(row?.[5], '0', `${server} at ${latency}: no errors`)
      t.ok(Number(row?.[6]) > 0, `${server} at ${latency}: CPU time per request`)
      t.ok(Number(row?.[7]) > 0, `${server} at ${latency}: a peak RSS`)
    }
    t.ok(rows.some(([rowLatency, rowServer]) => rowLatency === latency && rowServer === 'A/B'), `A/B ratios at ${latency}`)
  }

  const report = await readFile(results, 'utf8')
  t.match(report, /^- Date: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/m)
  t.match(report, new RegExp(`^- Machine: ${availableParallelism()} cores .*, Node ${process.version}$`, 'm'))
  t.match(report, /^- Packages: fastify-incode \d+\.\d+\.\d+, fastify 5\./m)
  t.match(report, /^- Command: `BENCH_.*node bench\/run\.js --quick --connections=20`$/m)
  // Arguments win over BENCH_* variables, which win over --quick, which wins over the defaults.
  t.match(report, /^- Settings: 20 connections, 0\.5 s per run, 1 round\(s\) of A, B, U after a 0\.25 s warm-up of the three at once/m)
  t.ok(report.includes(stdout.trim()), 'the table of stdout')
})

t.test('a setting that makes no sense stops the benchmark before it starts', async (t) => {
  for (const [args, message] of [
    [['--duration=0'], /--duration \(BENCH_DURATION\) must be a positive number of seconds, got "0"/],
    [['--quick', '--latencies=0,,25'], /--latencies \(BENCH_LATENCIES\) must be made of integers of at least 0, got ""/],
    [['--latency=25'], /Unknown option '--latency'/]
  ] as const) {
    await t.rejects(run(process.execPath, ['bench/run.js', ...args], { cwd: root }), { code: 1, stderr: message }, args.join(' '))
  }
})

t.test('a child process that dies before it is ready fails the benchmark, it does not hang it', async (t) => {
  const dir = t.testdir({
    'dies-early.mjs': `
      import { ChildProcesses } from '${new URL('../bench/processes.js', import.meta.url)}'
      const children = new ChildProcesses()
      await children.start('servers.js', ['nonsense']).catch((err) => console.log(err.cause.message))
      await children.stopAll()
    `
  })
  const { stdout, stderr } = await run(process.execPath, [`${dir}/dies-early.mjs`], { timeout: 30_000 })
  t.equal(stdout, 'bench/servers.js exited (code 2, signal null)\n')
  t.equal(stderr, 'bench/servers.js: unknown server "nonsense"; use plugin or bare\n')
})
