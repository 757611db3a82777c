import t, { type Test } from 'tap'
import { access, readFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { percentile } from '../browsers.js'
import type { DeliveriesResult, deliverEvents } from '../deliveries.js'
import type { parseOptions } from '../options.js'
import type { formatResults, formatWebhookBurst, formatWebhookConsole } from '../report.js'
import type { evaluateTargets, evaluateWebhookTargets, formatVerdict, Verdict } from '../targets.js'
import type { WebhookBurst } from '../webhook-burst.js'
import { callBench, createCutter, listenOnLoopback, root, run, tableRows } from './support/bench.js'
import { checkQuickWebhookSection } from './support/webhook-section.js'

t.test('--webhook-only runs the webhook burst alone, prints its table and targets, and writes no file', async (t) => {
  const dir = t.testdir()
  const { stdout, stderr } = await run(process.execPath, ['bench/run.js', '--webhook-only', '--quick'], {
    cwd: root,
    env: { ...process.env, BENCH_RESULTS: `${dir}/RESULTS.md`, BENCH_CHART: `${dir}/results.svg` },
    timeout: 60_000
  })
  t.match(stdout, /^\| webhook burst +\| +A \|\n/, 'the burst\'s table and nothing before it')
  checkQuickWebhookSection(t, stdout)
  t.match(stderr, /(^|\n)Webhook burst: 40 sessions started through the plugin and finished at the fake\n/)
  t.match(stderr, /\nWebhook burst: 40 deliveries of 20 events at 100 ms\n/)
  await t.rejects(access(`${dir}/RESULTS.md`), { code: 'ENOENT' }, 'RESULTS.md is the full run\'s, never a burst\'s alone')
  await t.rejects(access(`${dir}/results.svg`), { code: 'ENOENT' })
})

t.test('--webhook-burst=0 skips the burst: nothing printed of it, RESULTS.md says it was skipped', async (t) => {
  const dir = t.testdir()
  const { stdout } = await run(process.execPath, ['bench/run.js', '--quick', '--scenarios=0x1', '--soak=0', '--webhook-burst=0'], {
    cwd: root,
    env: { ...process.env, BENCH_RESULTS: `${dir}/RESULTS.md`, BENCH_CHART: `${dir}/results.svg` },
    timeout: 60_000
  })
  t.notMatch(stdout, /webhook burst/)
  t.match(stdout, /^\| Incode latency /, 'the headline is printed')
  const report = await readFile(`${dir}/RESULTS.md`, 'utf8')
  t.match(report, /^- Settings: .*; no soak; no webhook burst$/m)
  t.match(report, /\n## Webhook burst\n\nSkipped \(`--webhook-burst=0`\)\.\n\n## Every run\n/)
})

t.test('options: the webhook burst\'s latency and deliveries, and --webhook-only', async (t) => {
  const parse = (argv: string[], env: Record<string, string> = {}) => callBench<typeof parseOptions>('options.js', 'parseOptions', argv, env)
  t.match(await parse([]), { webhookBurst: { latencyMs: 300, deliveries: 600 }, webhookOnly: false })
  t.match(await parse(['--quick']), { webhookBurst: { latencyMs: 100, deliveries: 40 } })
  t.match(await parse(['--quick'], { BENCH_WEBHOOK_BURST: '1000x1200' }), { webhookBurst: { latencyMs: 1000, deliveries: 1200 } })
  t.match(await parse(['--webhook-burst=50x4'], { BENCH_WEBHOOK_BURST: '1000x1200' }), { webhookBurst: { latencyMs: 50, deliveries: 4 } })
  t.equal((await parse([], { BENCH_WEBHOOK_BURST: '0' })).webhookBurst, undefined, '0 skips the burst')
  t.match(await parse(['--webhook-only', '--quick']), { webhookOnly: true, webhookBurst: { latencyMs: 100, deliveries: 40 } })

  const shape = 'must be <Incode latency ms>x<deliveries>, e.g. 300x600, with a latency of at least 1 ms ' +
    'and an even number of at least 4 deliveries, or 0 to skip'
  for (const [argv, message] of [
    [['--webhook-burst=300x601'], `--webhook-burst (BENCH_WEBHOOK_BURST) ${shape}, got "300x601"`],
    [['--webhook-burst=300x2'], `--webhook-burst (BENCH_WEBHOOK_BURST) ${shape}, got "300x2"`],
    [['--webhook-burst=0x600'], `--webhook-burst (BENCH_WEBHOOK_BURST) ${shape}, got "0x600"`],
    [['--webhook-burst=600'], `--webhook-burst (BENCH_WEBHOOK_BURST) ${shape}, got "600"`],
    [['--webhook-only', '--webhook-burst=0'], '--webhook-burst (BENCH_WEBHOOK_BURST) must not be 0 with --webhook-only, got "0"']
  ] as const) {
    await t.rejects(parse([...argv]), { message }, argv.join(' '))
  }
})

/** What the deliveries of a burst saw: 600 deliveries of 300 events, all answered 200. */
function deliveries (values: Partial<DeliveriesResult> = {}): DeliveriesResult {
  return { sent: 600, statuses: { 200: 600 }, errors: 0, p50: 903, p99: 964, seconds: 1.5, mostInFlight: 450, ...values }
}

/** A burst that meets every target, then these figures. */
function burst (values: Partial<WebhookBurst> = {}): WebhookBurst {
  return {
    latencyMs: 300,
    events: 300,
    deliveries: 600,
    warmUp: deliveries({ p99: 1264 }),
    load: deliveries(),
    scoreReads: 600,
    approvals: 300,
    callsAfterAnswers: 0,
    outcomes: 600,
    identities: 600,
    alreadyApproved: 300,
    serverCpuMs: 544,
    fakeCpuMs: 248,
    connectionsBefore: 0,
    connectionsOpened: 488,
    peakConnections: 579,
    socketsOpen: 0,
    rssBeforeMiB: 122.1,
    rssAfterMiB: 122.5,
    peakRssMiB: 124.6,
    heapBeforeMiB: 20,
    heapAfterMiB: 20.25,
    eventLoopDelayP99Ms: 64,
    ...values
  }
}

async function verdictsOf (figures: WebhookBurst): Promise<string[]> {
  const verdicts = await callBench<typeof evaluateWebhookTargets>('targets.js', 'evaluateWebhookTargets', figures)
  return await Promise.all(verdicts.map((verdict) => callBench<typeof formatVerdict>('targets.js', 'formatVerdict', verdict)))
}

const WHERE = 'webhook burst, 300 ms, 600 deliveries'

t.test('webhook targets: every delivery answered after one score read, one approval per event, nothing left after the answers', async (t) => {
  t.same(await verdictsOf(burst()), [
    `PASS  ${WHERE}: answers 200 600, target = 600`,
    `PASS  ${WHERE}: score reads at Incode 600, target = 600 (one per delivery)`,
    `PASS  ${WHERE}: approvals at Incode 300, target = 300 (one per event)`,
    `PASS  ${WHERE}: outcomes with an identity 600, target = 600`,
    `PASS  ${WHERE}: outcomes already approved 300, target = 300 (every delivery but the first of each event)`,
    `PASS  ${WHERE}: Incode calls after the last answer 0, target = 0`,
    // 2 × 300 ms + 544 ms + 248 ms.
    `PASS  ${WHERE}: p99 964 ms, target ≤ 1392 ms (2 Incode latencies, and the CPU time the server and the fake spent on the burst)`,
    // 0 + 450 + 300 + 1.
    `PASS  ${WHERE}: peak connections at Incode 579, target ≤ 751 (0 open before, 450 deliveries in flight at most, one per approval, one log-in)`,
    // 0.25 MiB over 600 deliveries.
    `PASS  ${WHERE}: heap retained per delivery 0.43 KiB, target ≤ 2.00 KiB`,
    `PASS  ${WHERE}: RSS growth over the burst 0.3%, target < 10.0%`
  ])

  t.same((await verdictsOf(burst({
    load: deliveries({ p99: 1392 }),
    peakConnections: 751,
    // 1.171875 MiB is 1 200 KiB: 2 KiB per delivery.
    heapAfterMiB: 21.171875
  }))).slice(6, 9), [
    `PASS  ${WHERE}: p99 1392 ms, target ≤ 1392 ms (2 Incode latencies, and the CPU time the server and the fake spent on the burst)`,
    `PASS  ${WHERE}: peak connections at Incode 751, target ≤ 751 (0 open before, 450 deliveries in flight at most, one per approval, one log-in)`,
    `PASS  ${WHERE}: heap retained per delivery 2.00 KiB, target ≤ 2.00 KiB`
  ], 'each bound is met when reached')
})

/** The verdicts of a burst that fail, each target evaluated. */
async function failuresOf (t: Test, figures: WebhookBurst): Promise<string[]> {
  const verdicts = await verdictsOf(figures)
  t.equal(verdicts.length, 10, 'every target evaluated')
  return verdicts.filter((line) => line.startsWith('FAIL'))
}

t.test('webhook targets: a double approval, a redelivery that is not recognised, work left after the answers, a queue, fail', async (t) => {
  // Every delivery approved, none recognised as already approved, a background call still running.
  t.same(await failuresOf(t, burst({ approvals: 600, alreadyApproved: 0, callsAfterAnswers: 3 })), [
    `FAIL  ${WHERE}: approvals at Incode 600, target = 300 (one per event)`,
    `FAIL  ${WHERE}: outcomes already approved 0, target = 300 (every delivery but the first of each event)`,
    `FAIL  ${WHERE}: Incode calls after the last answer 3, target = 0`
  ])

  // Incode calls queued behind 16 connections; requests kept after their answer; a pool that
  // never reuses a connection.
  t.same(await failuresOf(t, burst({
    load: deliveries({ p99: 14925, mostInFlight: 440 }),
    warmUp: deliveries({ mostInFlight: 460 }),
    peakConnections: 900,
    heapAfterMiB: 22.05,
    rssAfterMiB: 134.4
  })), [
    `FAIL  ${WHERE}: p99 14925 ms, target ≤ 1392 ms (2 Incode latencies, and the CPU time the server and the fake spent on the burst)`,
    // The most deliveries in flight of either burst: the peak is over both.
    `FAIL  ${WHERE}: peak connections at Incode 900, target ≤ 761 (0 open before, 460 deliveries in flight at most, one per approval, one log-in)`,
    `FAIL  ${WHERE}: heap retained per delivery 3.50 KiB, target ≤ 2.00 KiB`,
    `FAIL  ${WHERE}: RSS growth over the burst 10.1%, target < 10.0%`
  ])

  // Nothing answered 200, nothing measured: no figure passes unseen.
  t.same(await failuresOf(t, burst({
    load: deliveries({ statuses: { 500: 600 }, p50: Number.NaN, p99: Number.NaN }),
    identities: 0,
    alreadyApproved: 0,
    heapAfterMiB: Number.NaN,
    rssAfterMiB: Number.NaN
  })), [
    `FAIL  ${WHERE}: answers 200 0, target = 600`,
    `FAIL  ${WHERE}: outcomes with an identity 0, target = 600`,
    `FAIL  ${WHERE}: outcomes already approved 0, target = 300 (every delivery but the first of each event)`,
    `FAIL  ${WHERE}: p99 NaN, target ≤ 1392 ms (2 Incode latencies, and the CPU time the server and the fake spent on the burst)`,
    `FAIL  ${WHERE}: heap retained per delivery NaN, target ≤ 2.00 KiB`,
    `FAIL  ${WHERE}: RSS growth over the burst NaN, target < 10.0%`
  ])

  t.same(await callBench<typeof evaluateTargets>('targets.js', 'evaluateTargets', [], []), [], 'the servers\' targets do not include the burst\'s')
})

t.test('report: the webhook burst\'s table, its console section, and its section of RESULTS.md', async (t) => {
  const figures = burst({ load: deliveries({ statuses: { 200: 598, 500: 2 }, errors: 1, p50: 903.4, p99: 964.6 }) })
  const table = await callBench<typeof formatWebhookBurst>('report.js', 'formatWebhookBurst', figures)
  // Less the rule under the header.
  t.same(tableRows(table).filter((_, i) => i !== 1).map(([name, value]) => `${name}: ${value}`), [
    'webhook burst: A',
    'Incode latency, ms: 300',
    'events (sessions), deliveries: 300, 600',
    'answers by status: 200: 598, 500: 2',
    'socket errors and timeouts: 1',
    'p50, p99 of the answers, ms: 903, 965',
    'deliveries per second: 400',
    'deliveries in flight at most: 450',
    'first burst (warm-up): answers by status; p99, ms: 200: 600; 1264',
    'score reads at Incode: 600',
    'approvals at Incode: 300',
    'Incode calls after the last answer: 0',
    'outcomes; with an identity; already approved: 600; 600; 300',
    'CPU time of the server; of the fake, ms: 544; 248',
    'server event-loop delay p99, ms: 64.0',
    'connections at the fake: open before; opened: 0; 488',
    'most connections open at once at the fake, either burst: 579',
    'sockets open at the fake after settling: 0',
    'server RSS before → after, MiB: 122.1 → 122.5',
    'server peak RSS, MiB: 124.6',
    'server heap used before → after, MiB: 20.00 → 20.25'
  ])

  const verdicts: Verdict[] = [{ passed: true, text: 'one target' }, { passed: false, text: 'another' }]
  t.equal(await callBench<typeof formatWebhookConsole>('report.js', 'formatWebhookConsole', figures, verdicts),
    `${table}\n\nPASS  one target\nFAIL  another\n`)

  const options = await callBench<typeof parseOptions>('options.js', 'parseOptions', ['--quick', '--soak=0'], {})
  const report = await callBench<typeof formatResults>('report.js', 'formatResults', {
    runs: [],
    summaries: [],
    soaks: [],
    verdicts: [],
    burst: figures,
    burstVerdicts: verdicts,
    options,
    command: 'node bench/run.js --quick --soak=0',
    date: new Date(0),
    machine: 'a machine',
    packages: 'some packages',
    load: [0, 0],
    chart: 'results.svg'
  })
  t.match(report, /^- Settings: .*; no soak; webhook burst: 40 deliveries of 20 events at 100 ms$/m)
  const section = report.slice(report.indexOf('## Webhook burst\n'), report.indexOf('## Every run'))
  t.ok(section.startsWith(`## Webhook burst\n\n${table}\n\n`), 'the table first')
  t.match(section, /the fake Incode API answering in\s+300 ms\. 300 sessions were started/, 'what was loaded, in words')
  t.match(section, /\n- PASS {2}one target\n- FAIL {2}another\n\n$/, 'then the targets')
})

t.test('the deliveries: every event twice, half the second deliveries alongside the first, half once it was answered', async (t) => {
  // Answers after 50 ms, 200 but for event d (500); records when each delivery came and was answered.
  const seen: Array<{ interviewId: string, headers: Record<string, unknown>, method?: string, url?: string, at: number, answeredAt?: number }> = []
  const server = createServer((request, response) => {
    let body = ''
    request.on('data', (chunk: Buffer) => { body += chunk.toString() })
    request.on('end', () => {
      const delivery = { ...JSON.parse(body) as { interviewId: string }, headers: request.headers, method: request.method, url: request.url, at: performance.now() }
      seen.push(delivery)
      setTimeout(() => {
        Object.assign(delivery, { answeredAt: performance.now() })
        response.writeHead(delivery.interviewId === 'd' ? 500 : 200, { 'content-type': 'application/json' }).end('{}')
      }, 50)
    })
  })
  const [recorder, cutter] = await Promise.all([listenOnLoopback(t, server), listenOnLoopback(t, createCutter())])
  const deliver = (to: string) => callBench<typeof deliverEvents>('deliveries.js', 'deliverEvents', {
    url: to,
    headers: { 'x-webhook-secret': 'a secret' },
    events: ['a', 'b', 'c', 'd'].map((interviewId) => ({ interviewId })),
    answerTimeoutMs: 5000
  })

  const result = await deliver(`${recorder}/incode/webhook`)
  t.match(result, { sent: 8, statuses: { 200: 6, 500: 2 }, errors: 0, mostInFlight: 6 }, 'the second of b and d waited for the first')
  t.ok(result.p50 >= 50 && result.p99 >= result.p50, 'the latency of the answers')
  t.ok(result.seconds >= 0.1, 'b and d took two answers each, one after the other')
  for (const delivery of seen) {
    t.match(delivery, { method: 'POST', url: '/incode/webhook', headers: { 'x-webhook-secret': 'a secret', 'content-type': 'application/json' } })
  }
  const of = (interviewId: string) => seen.filter((delivery) => delivery.interviewId === interviewId)
  for (const interviewId of ['a', 'c']) {
    const [first, second] = of(interviewId)
    t.ok(second !== undefined && Number(second.at) < Number(first?.answeredAt), `${interviewId}: the second delivery came before the first was answered`)
  }
  for (const interviewId of ['b', 'd']) {
    const [first, second] = of(interviewId)
    t.ok(second !== undefined && Number(second.at) >= Number(first?.answeredAt), `${interviewId}: the second delivery came once the first was answered`)
  }
  t.equal(seen.length, 8, 'two deliveries per event, no more')

  const cut = await deliver(`${cutter}/incode/webhook`)
  t.match(cut, { sent: 8, statuses: {}, errors: 8, p50: Number.NaN, p99: Number.NaN }, 'a cut connection is an error; its event is delivered again all the same')
  await t.rejects(deliver('http://192.0.2.1/incode/webhook'), new RangeError('the benchmark loads loopback addresses only, not 192.0.2.1'))
})

t.test('percentile: the nearest rank, whatever the order, and none of nothing', async (t) => {
  const of = (values: number[], share: number) => callBench<typeof percentile>('browsers.js', 'percentile', values, share)
  t.equal(await of([3, 1, 4, 2], 0.5), 2)
  t.equal(await of(Array.from({ length: 100 }, (_, i) => 100 - i), 0.99), 99)
  t.equal(await of([7], 0.99), 7)
  t.ok(Number.isNaN(await of([], 0.5)))
})
