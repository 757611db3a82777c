import t from 'tap'
import { readFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import { availableParallelism } from 'node:os'
import type { measure, Run, ServerName } from '../benchmark.js'
import type { driveBrowsers } from '../browsers.js'
import type { buildChart, logTicks } from '../chart.js'
import type { parseOptions } from '../options.js'
import type { formatConsole, formatResults, formatSoaks } from '../report.js'
import type { Soak } from '../soak.js'
import type { Figures, summarize } from '../summary.js'
import type { evaluateTargets, formatVerdict } from '../targets.js'
import { callBench, createCutter, listenOnLoopback, root, run, tableRows } from './support/bench.js'
import { checkQuickWebhookSection } from './support/webhook-section.js'

t.test('the quick benchmark runs every server, the soak and the webhook burst, prints the headline and the targets, writes RESULTS.md and the chart', async (t) => {
  const dir = t.testdir()
  const { stdout } = await run(process.execPath, ['bench/run.js', '--quick', '--rounds=1'], {
    cwd: root,
    env: { ...process.env, BENCH_RESULTS: `${dir}/RESULTS.md`, BENCH_CHART: `${dir}/chart/results.svg`, BENCH_ROUNDS: '2' },
    timeout: 120_000
  })
  // The webhook burst's section comes last, after the other targets.
  const [main = '', webhook = ''] = stdout.split(/\n(?=\| webhook burst )/)
  const rows = tableRows(main)
  t.same(rows[0], ['Incode latency', 'browsers', 'limit req/s', 'A req/s', 'B-fetch req/s', 'B req/s',
    'A p99 ms', 'B-fetch p99 ms', 'B p99 ms', 'A errors'])
  for (const [latency, browsers, limit] of [['0 ms', '20', '–'], ['100 ms', '50', '500']]) {
    const row = rows.find(([rowLatency, rowBrowsers]) => rowLatency === latency && rowBrowsers === browsers)
    t.equal(row?.[2], limit, `the limit at ${latency}`)
    for (const column of [3, 4, 5]) t.ok(Number(row?.[column]) > 0, `${rows[0]?.[column]} at ${latency}`)
    t.equal(row?.[9], '0', `A at ${latency}: no errors`)
  }
  const soak = new Map(rows.filter((row) => row.length === 2).map(([name, value]) => [name, value]))
  t.equal(soak.get('soak'), 'A', 'the quick soak loads A')
  t.equal(soak.get('Incode latency, browsers'), '100 ms, 20')
  t.equal(soak.get('deadline (`timeout`), ms'), '500')
  t.ok(Number(soak.get('requests sent')) > 0, 'the soak sent requests')
  t.match(soak.get('RSS at start → end, MiB'), /^\d+\.\d → \d+\.\d$/)
  t.match(soak.get('sockets open at the fake after settling'), /^\d+$/)
  t.ok(Number(soak.get('sessions created at the fake')) > 0, 'the fake counted sessions')
  t.match(soak.get('sessions recorded by onSessionCreated'), /^\d+$/)
  // Whether a target passes in a run this short says nothing: only that each is evaluated.
  const verdicts = main.split('\n').filter((line) => /^(PASS|FAIL) {2}/.test(line))
  const number = String.raw`(\d+\.\d+|Infinity|NaN)`
  const connections = (where: string) => new RegExp(`^(PASS|FAIL) {2}${where}: A upstream connections per 1 000 requests ${number}, ` +
    `target ≤ ${number} \\(B-fetch's ${number} and 1 per run\\)$`)
  const expected = [
    new RegExp(`^(PASS|FAIL) {2}0 ms, 20 browsers: A/B throughput ${number}, target ≥ 0\\.950$`),
    new RegExp(`^(PASS|FAIL) {2}0 ms, 20 browsers: A/B CPU per request ${number}, target ≤ 1\\.050$`),
    connections('0 ms, 20 browsers'),
    new RegExp(`^(PASS|FAIL) {2}100 ms, 50 browsers: A/B-fetch throughput ${number}, target ≥ 0\\.950$`),
    new RegExp(`^(PASS|FAIL) {2}100 ms, 50 browsers: A/B-fetch p99 ${number}, target ≤ 1\\.250$`),
    /^(PASS|FAIL) {2}100 ms, 50 browsers: A failed requests \d+, target = 0$/,
    connections('100 ms, 50 browsers'),
    /^(PASS|FAIL) {2}soak of A, 1 s: RSS growth after warm-up -?\d+\.\d%, target < 10\.0%$/,
    /^(PASS|FAIL) {2}soak of A, 1 s: sessions created at Incode \d+, recorded by onSessionCreated \d+, target equal$/
  ]
  t.equal(verdicts.length, expected.length, 'one line per target, scenario by scenario, then the soak')
  expected.forEach((pattern, i) => t.match(verdicts[i], pattern))
  checkQuickWebhookSection(t, webhook)

  const report = await readFile(`${dir}/RESULTS.md`, 'utf8')
  t.match(report, /^- Date: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/m)
  t.match(report, new RegExp(`^- Machine: ${availableParallelism()} cores .*, Node ${process.version}$`, 'm'))
  t.match(report, /^- Packages: fastify-incode \d+\.\d+\.\d+, fastify 5\..*, Node's undici \(global fetch\) \d/m)
  t.match(report, /^- Command: `BENCH_.*node bench\/run\.js --quick --rounds=1`$/m)
  // Arguments win over BENCH_* variables, which win over --quick, which wins over the defaults.
  t.match(report, /^- Settings: 1 round\(s\) of A, B, B-fetch, U, 0\.5 s per run, .*scenarios \(Incode latency × browsers\): 0 ms × 20, 100 ms × 50; soak of A: 1 s after a 0\.25 s warm-up, at 100 ms × 20 browsers, deadline 500 ms; webhook burst: 40 deliveries of 20 events at 100 ms$/m)
  t.match(report, /^!\[[^\]]+\]\(chart\/results\.svg\)$/m, 'the chart, linked relative to RESULTS.md')
  t.ok(report.includes(stdout.split('\n\n')[0] ?? '-'), 'the headline of stdout')
  for (const line of verdicts) t.ok(report.includes(`- ${line}\n`), `RESULTS.md lists "${line.slice(0, 40)}…"`)
  const burstSection = report.slice(report.indexOf('## Webhook burst'), report.indexOf('## Every run'))
  t.ok(burstSection.includes(webhook.split('\n\n')[0] ?? '-'), 'RESULTS.md has the webhook burst\'s table of stdout')
  checkQuickWebhookSection(t, burstSection)
  const runs = tableRows(report.slice(report.indexOf('## Every run')))
  t.same(runs.slice(2).map((row) => row.slice(0, 4).join(' ')), [
    '0 ms 20 1 A', '0 ms 20 1 B', '0 ms 20 1 B-fetch', '0 ms 20 1 U',
    '100 ms 50 1 A', '100 ms 50 1 B', '100 ms 50 1 B-fetch', '100 ms 50 1 U'
  ], 'every run, in order')

  const chart = parseXml(await readFile(`${dir}/chart/results.svg`, 'utf8'))
  t.same(chart.problems, [], 'the chart is well-formed XML')
})

t.test('options: defaults, --quick, then BENCH_* variables, then arguments', async (t) => {
  const parse = (argv: string[], env: Record<string, string> = {}) => callBench<typeof parseOptions>('options.js', 'parseOptions', argv, env)
  const defaults = await parse([])
  t.match(defaults, {
    duration: 10,
    warmup: 5,
    rounds: 3,
    scenarios: [
      { latencyMs: 0, browsers: 50 },
      { latencyMs: 25, browsers: 50 },
      { latencyMs: 300, browsers: 200 },
      { latencyMs: 300, browsers: 600 },
      { latencyMs: 1000, browsers: 600 }
    ],
    soak: 60,
    soakWarmup: 20,
    soakScenario: { latencyMs: 300, browsers: 200 },
    soakTimeout: 2000,
    soakServers: ['A', 'B-fetch']
  })
  t.match(defaults.results, /bench\/RESULTS\.md$/)
  t.match(defaults.chart, /bench\/results\.svg$/)
  t.match(await parse(['--quick']), { duration: 0.5, rounds: 1, soak: 1, soakServers: ['A'] })
  t.match(await parse(['--quick', '--soak-scenario=50x10', '--soak-servers=B-fetch,A', '--soak=2'], {
    BENCH_SOAK: '0',
    BENCH_SOAK_SCENARIO: '1000x1',
    BENCH_SCENARIOS: '1000x600, 0x1'
  }), {
    duration: 0.5,
    soak: 2,
    soakScenario: { latencyMs: 50, browsers: 10 },
    soakServers: ['B-fetch', 'A'],
    scenarios: [{ latencyMs: 1000, browsers: 600 }, { latencyMs: 0, browsers: 1 }]
  })
  t.match(await parse([], { BENCH_SOAK: '0' }), { soak: 0, soakServers: [] }, 'no soak, no server soaked')
})

t.test('options: a setting that makes no sense is refused with the option, its variable and the value', async (t) => {
  for (const [argv, message] of [
    [['--duration=0'], '--duration (BENCH_DURATION) must be a positive number of seconds, got "0"'],
    [['--soak=-1'], '--soak (BENCH_SOAK) must be a number of seconds, 0 to skip, got "-1"'],
    [['--scenarios=300'], '--scenarios (BENCH_SCENARIOS) must be <Incode latency ms>x<browsers>, e.g. 300x200, with at least 1 browser, got "300"'],
    [['--scenarios=300x0'], '--scenarios (BENCH_SCENARIOS) must be <Incode latency ms>x<browsers>, e.g. 300x200, with at least 1 browser, got "300x0"'],
    [['--scenarios=0x50,,25x50'], '--scenarios (BENCH_SCENARIOS) must be a comma-separated list without empty entries, got "0x50,,25x50"'],
    [['--soak-scenario=0x200'], '--soak-scenario (BENCH_SOAK_SCENARIO) must have an Incode latency of at least 1 ms, got "0x200"'],
    [['--soak-timeout=1.5'], '--soak-timeout (BENCH_SOAK_TIMEOUT) must be an integer of at least 1, got "1.5"'],
    [['--soak-servers=A,B'], '--soak-servers (BENCH_SOAK_SERVERS) must name servers among A, B-fetch, got "B"'],
    [['--rounds='], '--rounds (BENCH_ROUNDS) must be an integer of at least 1, got ""'],
    [['--latencies=25'], /^Unknown option '--latencies'/]
  ] as const) {
    await t.rejects(callBench<typeof parseOptions>('options.js', 'parseOptions', [...argv], {}), { message }, argv.join(' '))
  }
  // From the command line: the message, exit code 1, and no load started.
  await t.rejects(run(process.execPath, ['bench/run.js', '--quick'], { cwd: root, env: { ...process.env, BENCH_SCENARIOS: '300x' } }), {
    code: 1,
    stderr: /--scenarios \(BENCH_SCENARIOS\) must be <Incode latency ms>x<browsers>/
  })
})

/** Figures with every value 1 (errors 0), then these. */
function figures (values: Partial<Figures> = {}): Figures {
  return { answers: 1000, requestsPerSecond: 1, p50: 1, p99: 1, errors: 0, cpuPerRequest: 1, peakRssMiB: 1, connectionsPer1k: 1, ...values }
}

/** One round of a scenario: a run of each server with these figures. */
function runsOf (latencyMs: number, browsers: number, servers: Partial<Record<ServerName, Partial<Figures>>>, round = 1): Run[] {
  return (['A', 'B', 'B-fetch', 'U'] as const).map((server) => ({ latencyMs, browsers, round, server, ...figures(servers[server]) }))
}

function soak (values: Partial<Soak>): Soak {
  return {
    server: 'A',
    seconds: 60,
    scenario: { latencyMs: 300, browsers: 200 },
    timeoutMs: 2000,
    load: { sent: 1, statuses: { 201: 1 }, left: 0, errors: 0, p99: 300 },
    rssStartMiB: 100,
    rssEndMiB: 105,
    heapStartMiB: 20,
    heapEndMiB: 21,
    eventLoopDelayP99Ms: 11,
    socketsOpen: 0,
    sessionsCreated: 10,
    sessionsRecorded: 10,
    undelivered: 1,
    ...values
  }
}

const summarizeRuns = (runs: Run[]) => callBench<typeof summarize>('summary.js', 'summarize', runs)

async function verdictsOf (runs: Run[], soaks: Soak[]): Promise<string[]> {
  const verdicts = await callBench<typeof evaluateTargets>('targets.js', 'evaluateTargets', await summarizeRuns(runs), soaks)
  return await Promise.all(verdicts.map((verdict) => callBench<typeof formatVerdict>('targets.js', 'formatVerdict', verdict)))
}

t.test('a run\'s figures: per second of the run, per answer, and no latency without an answer', async (t) => {
  const result = { requests: { total: 2000 }, '2xx': 1990, non2xx: 10, errors: 3, duration: 10, latency: { p50: 301, p99: 340 } }
  t.same(await callBench<typeof measure>('benchmark.js', 'measure', result, 400_000, 6), {
    answers: 2000, requestsPerSecond: 199, p50: 301, p99: 340, errors: 13, cpuPerRequest: 200, connectionsPer1k: 3
  })
  t.match(await callBench<typeof measure>('benchmark.js', 'measure', { ...result, requests: { total: 0 }, '2xx': 0, non2xx: 0 }, 1000, 0), {
    answers: 0, requestsPerSecond: 0, p50: Number.NaN, p99: Number.NaN, cpuPerRequest: Infinity, connectionsPer1k: Number.NaN
  }, 'autocannon\'s 0 ms is no latency when nothing was answered')
})

t.test('summary: medians over the rounds, errors added up, ratios as the median of the rounds\' ratios', async (t) => {
  const runs = [1, 2, 3].flatMap((round) => runsOf(300, 200, {
    A: { requestsPerSecond: [600, 640, 620][round - 1], errors: 1, connectionsPer1k: 0 },
    B: { requestsPerSecond: 50, connectionsPer1k: 2 },
    'B-fetch': { requestsPerSecond: [600, 610, 700][round - 1], connectionsPer1k: 0 }
  }, round)).reverse()
  const [summary, other] = await summarizeRuns([...runs, ...runsOf(0, 50, {})])
  t.match(summary, {
    latencyMs: 300,
    browsers: 200,
    limit: 200 / 300 * 1000,
    servers: { A: { requestsPerSecond: 620, errors: 3 }, B: { requestsPerSecond: 50 }, 'B-fetch': { requestsPerSecond: 610 } },
    // The rounds' A/B-fetch ratios are 1, 640/610 and 620/700; no upstream connection on either side is a ratio of 1.
    ratios: { 'A/B': { requestsPerSecond: 12.4, connectionsPer1k: 0 }, 'A/B-fetch': { requestsPerSecond: 1, connectionsPer1k: 1 } }
  })
  t.ok(Number.isNaN(summary?.ratios['A/B'].errors), 'errors have no ratio')
  t.match(other, { latencyMs: 0, browsers: 50, limit: Infinity }, 'scenarios in the order they ran')
})

t.test('targets: each ratio against its bound, at the latencies it is set for, and the soak of A', async (t) => {
  t.same(await verdictsOf([
    ...runsOf(0, 50, {
      A: { requestsPerSecond: 950, cpuPerRequest: 106, connectionsPer1k: 3 },
      B: { requestsPerSecond: 1000, cpuPerRequest: 100, connectionsPer1k: 1 }
    }),
    // 25 ms is neither CPU-bound nor Incode-like: connections only.
    ...runsOf(25, 50, { A: { requestsPerSecond: 1, errors: 3, connectionsPer1k: Number.NaN } }),
    ...runsOf(300, 200, {
      A: { answers: 2000, requestsPerSecond: 649, p99: 376, connectionsPer1k: 10.5 },
      'B-fetch': { requestsPerSecond: 660, p99: 300, connectionsPer1k: 10 }
    }),
    ...runsOf(1000, 600, {
      A: { requestsPerSecond: 560, p99: 1200, errors: 2, connectionsPer1k: 11 },
      // No p99 to compare with is no pass.
      'B-fetch': { requestsPerSecond: 600, p99: Number.NaN, connectionsPer1k: 0 }
    })
  ], [
    soak({ rssStartMiB: 100, rssEndMiB: 109.9 }),
    soak({ server: 'B-fetch', rssEndMiB: 500, sessionsRecorded: undefined })
  ]), [
    'PASS  0 ms, 50 browsers: A/B throughput 0.950, target ≥ 0.950',
    'FAIL  0 ms, 50 browsers: A/B CPU per request 1.060, target ≤ 1.050',
    // One connection per run of 1 000 answers is 1 per 1 000.
    'FAIL  0 ms, 50 browsers: A upstream connections per 1 000 requests 3.00, target ≤ 2.00 (B-fetch\'s 1.00 and 1 per run)',
    'FAIL  25 ms, 50 browsers: A upstream connections per 1 000 requests NaN, target ≤ 2.00 (B-fetch\'s 1.00 and 1 per run)',
    'PASS  300 ms, 200 browsers: A/B-fetch throughput 0.983, target ≥ 0.950',
    'FAIL  300 ms, 200 browsers: A/B-fetch p99 1.253, target ≤ 1.250',
    'PASS  300 ms, 200 browsers: A failed requests 0, target = 0',
    'PASS  300 ms, 200 browsers: A upstream connections per 1 000 requests 10.50, target ≤ 10.50 (B-fetch\'s 10.00 and 1 per run)',
    'FAIL  1000 ms, 600 browsers: A/B-fetch throughput 0.933, target ≥ 0.950',
    'FAIL  1000 ms, 600 browsers: A/B-fetch p99 NaN, target ≤ 1.250',
    'FAIL  1000 ms, 600 browsers: A failed requests 2, target = 0',
    'FAIL  1000 ms, 600 browsers: A upstream connections per 1 000 requests 11.00, target ≤ 1.00 (B-fetch\'s 0.00 and 1 per run)',
    'PASS  soak of A, 60 s: RSS growth after warm-up 9.9%, target < 10.0%',
    'PASS  soak of A, 60 s: sessions created at Incode 10, recorded by onSessionCreated 10, target equal'
  ])

  t.same(await verdictsOf([], [
    soak({ rssEndMiB: 110, sessionsRecorded: 9 }),
    soak({ rssStartMiB: Number.NaN, sessionsCreated: undefined, sessionsRecorded: undefined })
  ]), [
    'FAIL  soak of A, 60 s: RSS growth after warm-up 10.0%, target < 10.0%',
    'FAIL  soak of A, 60 s: sessions created at Incode 10, recorded by onSessionCreated 9, target equal',
    'FAIL  soak of A, 60 s: RSS growth after warm-up NaN, target < 10.0%',
    // A fake or a plugin that does not count fails the target rather than passing unseen.
    'FAIL  soak of A, 60 s: sessions created at Incode –, recorded by onSessionCreated –, target equal'
  ])
})

/** An element of the chart, with the panel it sits in. */
interface XmlElement { name: string, attributes: Record<string, string>, panel: string | undefined }

/**
 * A strict reader of the XML the chart writes: elements, quoted attributes, entities, one root.
 * Returns what is wrong, and every element with its attributes and the panel it sits in.
 */
function parseXml (text: string): { problems: string[], elements: XmlElement[] } {
  const problems: string[] = []
  const elements: XmlElement[] = []
  const stack: Array<{ name: string, panel: string | undefined }> = []
  let roots = 0
  const bareAmpersand = /&(?!#\d+;|#x[\da-f]+;|amp;|lt;|gt;|quot;|apos;)/i
  if (!text.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n')) problems.push('no XML declaration')
  for (const [token] of text.replace(/^<\?xml [^?]*\?>/, '').matchAll(/<[^>]*>|[^<]+/g)) {
    if (!token.startsWith('<')) {
      if (bareAmpersand.test(token)) problems.push(`a bare & in text: ${token}`)
      if (stack.length === 0 && token.trim() !== '') problems.push(`text outside the root: ${token}`)
      continue
    }
    const closing = /^<\/([A-Za-z][\w:.-]*)>$/.exec(token)
    if (closing !== null) {
      const open = stack.pop()
      if (open?.name !== closing[1]) problems.push(`</${closing[1]}> closes <${open?.name}>`)
      continue
    }
    const opening = /^<([A-Za-z][\w:.-]*)((?:\s+[A-Za-z_:][\w:.-]*="[^"<]*")*)\s*(\/?)>$/.exec(token)
    if (opening === null) {
      problems.push(`not a tag: ${token}`)
      continue
    }
    const [, name = '', attributeText = '', selfClosing] = opening
    const attributes: Record<string, string> = {}
    for (const [, key = '', value = ''] of attributeText.matchAll(/([A-Za-z_:][\w:.-]*)="([^"]*)"/g)) {
      if (key in attributes) problems.push(`<${name}> repeats ${key}`)
      if (bareAmpersand.test(value)) problems.push(`a bare & in ${key}="${value}"`)
      attributes[key] = value
    }
    if (stack.length === 0 && ++roots > 1) problems.push(`a second root: <${name}>`)
    const panel = attributes['data-panel'] ?? stack.at(-1)?.panel
    elements.push({ name, attributes, panel })
    if (selfClosing === '') stack.push({ name, panel })
  }
  if (stack.length > 0) problems.push(`never closed: ${stack.map(({ name }) => name).join(', ')}`)
  if (roots !== 1) problems.push(`${roots} roots`)
  return { problems, elements }
}

t.test('chart: well-formed SVG with A, B and B-fetch in both panels, the limit and the latency floor under them', async (t) => {
  const summaries = await summarizeRuns([
    ...runsOf(0, 50, { A: { requestsPerSecond: 15000, p99: 9 } }),
    ...runsOf(300, 200, { A: { requestsPerSecond: 650, p99: 320 }, B: { requestsPerSecond: 51, p99: 4000 } }),
    // No answer at all: 0 per second, no p99.
    ...runsOf(300, 600, { B: { requestsPerSecond: 0, p99: Number.NaN } }),
    // A server without a figure (NaN) leaves a gap, not a broken path.
    ...runsOf(1000, 600, { 'B-fetch': { requestsPerSecond: Number.NaN, p99: Number.NaN } })
  ])
  const svg = await callBench<typeof buildChart>('chart.js', 'buildChart', summaries, { subtitle: 'a "quoted" <subtitle> & more' })
  const { problems, elements } = parseXml(svg)
  t.same(problems, [], 'well-formed')
  t.match(elements[0], { name: 'svg', attributes: { xmlns: 'http://www.w3.org/2000/svg', viewBox: /^0 0 \d+ \d+$/ } })
  t.ok(svg.includes('a &#34;quoted&#34; &#60;subtitle&#62; &#38; more'), 'text is escaped')
  t.match(elements.find((element) => element.name === 'desc'), { name: 'desc' }, 'a description for screen readers')
  t.ok(svg.includes('300 ms, 200 browsers: A 650 req/s, p99 320 ms; B-fetch 1 req/s, p99 1 ms; B 51 req/s, p99 4000 ms. ' +
    '300 ms, 600 browsers: A 1 req/s, p99 1 ms; B-fetch 1 req/s, p99 1 ms; B 0 req/s, p99 –.'), 'the figures, in words')

  const series = (panel: string): string[] => elements
    .filter((element) => element.panel === panel && element.name === 'g' && element.attributes.class === 'series')
    .map((element) => element.attributes['data-series'] ?? '')
  t.same(series('throughput'), ['limit', 'B', 'B-fetch', 'A'], 'the limit first, under the servers; A last, on top')
  t.same(series('p99'), ['floor', 'B', 'B-fetch', 'A'])
  const lines = elements.filter((element) => element.name === 'path' && element.attributes.fill === 'none')
  const commands = (element: XmlElement | undefined): string[] => (element?.attributes.d ?? '').split(/(?=[ML])/).map((part) => part[0] ?? '')
  t.same(lines.map((line) => commands(line)), [
    ['M', 'L', 'L'], // the limit: none at 0 ms
    ['M', 'L', 'L', 'L'], // B: 0 req/s is drawn, on the axis
    ['M', 'L', 'L'], // B-fetch: no figure at 1000 ms
    ['M', 'L', 'L', 'L'], // A
    ['M', 'L', 'L'], // the latency floor
    ['M', 'L', 'M'], // B's p99: none at 300 ms × 600, a gap
    ['M', 'L', 'L'],
    ['M', 'L', 'L', 'L']
  ], 'one path per series, through its points')
  t.equal(elements.filter((element) => element.name === 'circle').length, 2 * 4 + 1, 'A\'s markers in both panels, and its legend')
  const zeros = elements.filter((element) => element.attributes.class === 'zero')
  t.same(zeros.map(({ panel }) => panel), ['throughput'], 'a row for 0 under the log scale, where a server answered nothing')
  const ticks = elements.filter((element) => element.panel === 'throughput' && element.name === 'text' && element.attributes['text-anchor'] === 'end')
  t.ok(ticks.length > 0, 'the throughput axis has ticks')
})

t.test('chart: the log scale runs from the 1-2-5 tick at or below the smallest value to the one at or above the largest', async (t) => {
  const ticks = (values: number[]) => callBench<typeof logTicks>('chart.js', 'logTicks', values)
  t.same(await ticks([16, 15000, Number.NaN, 0, -1, Infinity]), [10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000])
  t.same(await ticks([300, 300]), [200, 500])
  t.same(await ticks([0.3, 1]), [0.2, 0.5, 1])
  t.same(await ticks([]), [1, 2, 5, 10])
})

t.test('report: the soak table, and what is printed and written when the soak and the webhook burst were skipped', async (t) => {
  const table = await callBench<typeof formatSoaks>('report.js', 'formatSoaks', [
    soak({ load: { sent: 10, statuses: { 201: 8, 504: 1 }, left: 1, errors: 0, p99: 2004.4 } }),
    soak({ server: 'B-fetch', sessionsCreated: undefined, sessionsRecorded: undefined, undelivered: undefined })
  ])
  const rows = new Map(tableRows(table).map(([name, ...cells]) => [name, cells]))
  t.same(rows.get('soak'), ['A', 'B-fetch'])
  t.same(rows.get('answers by status'), ['201: 8, 504: 1', '201: 1'])
  t.same(rows.get('p99 of the answers, ms'), ['2004', '300'])
  t.same(rows.get('RSS growth'), ['5.0%', '5.0%'])
  t.same(rows.get('sessions created at the fake'), ['10', '–'], 'what was not counted shows as –')
  t.same(rows.get('… of which delivered === false'), ['1', '–'])

  const summaries = await summarizeRuns(runsOf(0, 1, {}))
  const printed = await callBench<typeof formatConsole>('report.js', 'formatConsole', summaries, [], [{ passed: true, text: 'a target' }])
  t.match(printed, /^\| Incode latency .*\n\| -+ .*\n\| 0 ms .*\n\nPASS {2}a target\n$/, 'the headline, no soak table, the targets')
  const options = await callBench<typeof parseOptions>('options.js', 'parseOptions', ['--quick', '--soak=0', '--webhook-burst=0'], {})
  const report = await callBench<typeof formatResults>('report.js', 'formatResults', {
    runs: [],
    summaries,
    soaks: [],
    verdicts: [],
    burst: undefined,
    burstVerdicts: [],
    options,
    command: 'node bench/run.js --quick --soak=0 --webhook-burst=0',
    date: new Date(0),
    machine: 'a machine',
    packages: 'some packages',
    load: [0, 0],
    chart: 'results.svg'
  })
  t.match(report, /^- Settings: .*; no soak; no webhook burst$/m)
  t.match(report, /## Soak\n\nSkipped \(`--soak=0`\)\.\n/)
  t.match(report, /## Webhook burst\n\nSkipped \(`--webhook-burst=0`\)\.\n/)
})

t.test('the soak\'s browsers: answers by status, browsers that left, errors, all bounded in time', async (t) => {
  const drive = (url: string, leaveRate: number) => callBench<typeof driveBrowsers>('browsers.js', 'driveBrowsers', {
    url, browsers: 2, seconds: 0.2, leaveRate, leaveAfterMs: [5, 10], answerTimeoutMs: 5000
  })
  // Answers after 50 ms; a browser that leaves leaves before.
  const server = await listenOnLoopback(t, createServer((_request, response) => { setTimeout(() => response.writeHead(201).end('{}'), 50) }))
  const cutter = await listenOnLoopback(t, createCutter())

  const answered = await drive(`${server}/incode/sessions`, 0)
  t.match(answered, { statuses: { 201: answered.sent }, left: 0, errors: 0 }, 'every request answered')
  t.ok(answered.sent >= 2 && Number.isFinite(answered.p99), 'each browser sent at least one; a p99 of the answers')
  t.match(await drive(`${server}/incode/sessions`, 1), { statuses: {}, errors: 0, p99: Number.NaN }, 'every browser left every time')
  const cut = await drive(`${cutter}/incode/sessions`, 0)
  t.match(cut, { statuses: {}, left: 0, errors: cut.sent }, 'a cut connection is an error')

  await t.rejects(drive('http://192.0.2.1/incode/sessions', 0), new RangeError('the benchmark loads loopback addresses only, not 192.0.2.1'))
})

t.test('B-fetch passes a failed Incode call on as a 502, as a hand-written route would', async (t) => {
  const dir = t.testdir({
    'fails.mjs': `
      import { ChildProcesses } from '${new URL('../processes.js', import.meta.url)}'
      const children = new ChildProcesses()
      try {
        const fake = await children.start('fake.js', [JSON.stringify({
          latencyMs: 0,
          randomFaults: { faults: [{ type: 'status', status: 500 }], rate: 1 }
        })])
        const server = await children.start('servers.js', ['fetch', fake.ready.url, fake.ready.apiKey, '1000'])
        const response = await fetch(\`http://127.0.0.1:\${server.ready.port}/incode/sessions\`, { method: 'POST' })
        console.log(response.status, JSON.stringify(await response.json()))
      } finally {
        await children.stopAll()
      }
    `
  })
  const { stdout } = await run(process.execPath, [`${dir}/fails.mjs`], { timeout: 30_000 })
  t.equal(stdout, '502 {"message":"Incode did not start a session"}\n')
})

t.test('a child process that dies before it is ready fails the benchmark, it does not hang it', async (t) => {
  const dir = t.testdir({
    'dies-early.mjs': `
      import { ChildProcesses } from '${new URL('../processes.js', import.meta.url)}'
      const children = new ChildProcesses()
      await children.start('servers.js', ['nonsense']).catch((err) => console.log(err.cause.message))
      await children.stopAll()
    `
  })
  const { stdout, stderr } = await run(process.execPath, [`${dir}/dies-early.mjs`], { timeout: 30_000 })
  t.equal(stdout, 'bench/servers.js exited (code 2, signal null)\n')
  t.equal(stderr, 'bench/servers.js: unknown server "nonsense"; use plugin, pool or fetch\n')
})
