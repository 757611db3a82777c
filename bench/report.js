// The benchmark's figures as Markdown: the headline, every server's medians and ratios, the soak,
// the targets, the webhook burst, every run, and the machine and the command that made them.
import { createRequire } from 'node:module'
import os from 'node:os'
import { SERVERS } from './benchmark.js'
import { COMPARISONS, FIGURES } from './summary.js'
import { formatVerdict } from './targets.js'

/** @typedef {import('./benchmark.js').Run} Run */
/** @typedef {import('./options.js').BenchOptions} BenchOptions */
/** @typedef {import('./summary.js').ScenarioSummary} ScenarioSummary */
/** @typedef {import('./summary.js').Figure} Figure */
/** @typedef {import('./soak.js').Soak} Soak */
/** @typedef {import('./targets.js').Verdict} Verdict */
/** @typedef {import('./webhook-burst.js').WebhookBurst} WebhookBurst */

/** @type {Record<Figure, [string, number]>} each figure's column title and decimals */
const COLUMNS = {
  answers: ['answers', 0],
  requestsPerSecond: ['req/s', 0],
  // autocannon records latencies in whole milliseconds.
  p50: ['p50 ms', 0],
  p99: ['p99 ms', 0],
  errors: ['errors', 0],
  cpuPerRequest: ['CPU µs / req', 1],
  peakRssMiB: ['peak RSS MiB', 1],
  connectionsPer1k: ['upstream conns / 1k req', 2]
}

/**
 * One row per scenario: the limit, then each server's throughput and p99.
 * @param {ScenarioSummary[]} summaries
 */
export function formatHeadline (summaries) {
  const servers = /** @type {const} */ (['A', 'B-fetch', 'B'])
  return formatTable(
    ['Incode latency', 'browsers', 'limit req/s', ...servers.map((server) => `${server} req/s`),
      ...servers.map((server) => `${server} p99 ms`), 'A errors'],
    summaries.map(({ latencyMs, browsers, limit, servers: figures }) => [
      `${latencyMs} ms`, String(browsers), formatNumber(limit, 0),
      ...servers.map((server) => formatNumber(figures[server].requestsPerSecond, 0)),
      ...servers.map((server) => formatNumber(figures[server].p99, 0)),
      formatNumber(figures.A.errors, 0)
    ]),
    2
  )
}

/**
 * Every figure of every server, then A's ratios to B and to B-fetch.
 * @param {ScenarioSummary[]} summaries
 */
export function formatServers (summaries) {
  return formatTable(
    ['Incode latency', 'browsers', 'server', ...FIGURES.map((figure) => COLUMNS[figure][0])],
    summaries.flatMap(({ latencyMs, browsers, servers, ratios }) => [
      ...SERVERS.map((server) => [`${latencyMs} ms`, String(browsers), server, ...formatFigures(servers[server], false)]),
      ...Object.keys(COMPARISONS).map((comparison) => [`${latencyMs} ms`, String(browsers), comparison,
        ...formatFigures(ratios[/** @type {import('./summary.js').Comparison} */ (comparison)], true)])
    ]),
    3
  )
}

/**
 * Every run, in the order it ran.
 * @param {Run[]} runs
 */
export function formatRuns (runs) {
  return formatTable(
    ['Incode latency', 'browsers', 'round', 'server', ...FIGURES.map((figure) => COLUMNS[figure][0])],
    runs.map((run) => [`${run.latencyMs} ms`, String(run.browsers), String(run.round), run.server, ...formatFigures(run, false)]),
    4
  )
}

/**
 * One column per soaked server, one row per figure.
 * @param {Soak[]} soaks
 */
export function formatSoaks (soaks) {
  /** @type {Array<[string, (soak: Soak) => string]>} */
  const rows = [
    ['Incode latency, browsers', ({ scenario }) => `${scenario.latencyMs} ms, ${scenario.browsers}`],
    ['load, s (after the warm-up)', ({ seconds }) => String(seconds)],
    ['deadline (`timeout`), ms', ({ timeoutMs }) => String(timeoutMs)],
    ['requests sent', ({ load }) => String(load.sent)],
    ['answers by status', ({ load }) => formatStatuses(load.statuses)],
    ['browsers that left mid-call', ({ load }) => String(load.left)],
    ['socket errors and timeouts', ({ load }) => String(load.errors)],
    ['p99 of the answers, ms', ({ load }) => formatNumber(load.p99, 0)],
    ['RSS at start → end, MiB', (soak) => `${formatNumber(soak.rssStartMiB, 1)} → ${formatNumber(soak.rssEndMiB, 1)}`],
    ['RSS growth', (soak) => `${formatNumber((soak.rssEndMiB / soak.rssStartMiB - 1) * 100, 1)}%`],
    ['heap used at start → end, MiB', (soak) => `${formatNumber(soak.heapStartMiB, 1)} → ${formatNumber(soak.heapEndMiB, 1)}`],
    ['event-loop delay p99, ms', (soak) => formatNumber(soak.eventLoopDelayP99Ms, 1)],
    ['sockets open at the fake after settling', (soak) => String(soak.socketsOpen)],
    ['sessions created at the fake', (soak) => String(soak.sessionsCreated ?? '–')],
    ['sessions recorded by onSessionCreated', (soak) => String(soak.sessionsRecorded ?? '–')],
    ['… of which delivered === false', (soak) => String(soak.undelivered ?? '–')]
  ]
  return formatTable(['soak', ...soaks.map(({ server }) => server)], rows.map(([title, cell]) => [title, ...soaks.map(cell)]), 1)
}

/**
 * The webhook burst, one row per figure.
 * @param {WebhookBurst} burst
 */
export function formatWebhookBurst (burst) {
  const { load, warmUp, events, deliveries } = burst
  /** @type {Array<[string, string]>} */
  const rows = [
    ['Incode latency, ms', String(burst.latencyMs)],
    ['events (sessions), deliveries', `${events}, ${deliveries}`],
    ['answers by status', formatStatuses(load.statuses)],
    ['socket errors and timeouts', String(load.errors)],
    ['p50, p99 of the answers, ms', `${formatNumber(load.p50, 0)}, ${formatNumber(load.p99, 0)}`],
    ['deliveries per second', formatNumber(load.sent / load.seconds, 0)],
    ['deliveries in flight at most', String(load.mostInFlight)],
    ['first burst (warm-up): answers by status; p99, ms', `${formatStatuses(warmUp.statuses)}; ${formatNumber(warmUp.p99, 0)}`],
    ['score reads at Incode', String(burst.scoreReads)],
    ['approvals at Incode', String(burst.approvals)],
    ['Incode calls after the last answer', String(burst.callsAfterAnswers)],
    ['outcomes; with an identity; already approved', `${burst.outcomes}; ${burst.identities}; ${burst.alreadyApproved}`],
    ['CPU time of the server; of the fake, ms', `${formatNumber(burst.serverCpuMs, 0)}; ${formatNumber(burst.fakeCpuMs, 0)}`],
    ['server event-loop delay p99, ms', formatNumber(burst.eventLoopDelayP99Ms, 1)],
    ['connections at the fake: open before; opened', `${burst.connectionsBefore}; ${burst.connectionsOpened}`],
    ['most connections open at once at the fake, either burst', String(burst.peakConnections)],
    ['sockets open at the fake after settling', String(burst.socketsOpen)],
    ['server RSS before → after, MiB', `${formatNumber(burst.rssBeforeMiB, 1)} → ${formatNumber(burst.rssAfterMiB, 1)}`],
    ['server peak RSS, MiB', formatNumber(burst.peakRssMiB, 1)],
    ['server heap used before → after, MiB', `${formatNumber(burst.heapBeforeMiB, 2)} → ${formatNumber(burst.heapAfterMiB, 2)}`]
  ]
  return formatTable(['webhook burst', 'A'], rows, 1)
}

/**
 * The webhook burst's section of what `npm run bench` prints: its table and its targets.
 * @param {WebhookBurst} burst
 * @param {Verdict[]} verdicts
 */
export function formatWebhookConsole (burst, verdicts) {
  return `${formatWebhookBurst(burst)}\n\n${verdicts.map(formatVerdict).join('\n')}\n`
}

/**
 * What `npm run bench` prints: the headline, the soak if there was one, and the targets.
 * @param {ScenarioSummary[]} summaries
 * @param {Soak[]} soaks
 * @param {Verdict[]} verdicts
 */
export function formatConsole (summaries, soaks, verdicts) {
  const soakTable = soaks.length === 0 ? [] : [formatSoaks(soaks)]
  return `${[formatHeadline(summaries), ...soakTable, verdicts.map(formatVerdict).join('\n')].join('\n\n')}\n`
}

/** @param {Record<string, number>} statuses counts by status code */
function formatStatuses (statuses) {
  return Object.entries(statuses).map(([status, count]) => `${status}: ${count}`).join(', ')
}

/**
 * @param {Record<Figure, number>} figures
 * @param {boolean} ratio
 */
function formatFigures (figures, ratio) {
  return FIGURES.map((figure) => formatNumber(figures[figure], ratio ? 2 : COLUMNS[figure][1]))
}

/**
 * A Markdown table, padded so that it also reads in a terminal; label columns left-aligned, figures right.
 * @param {string[]} header
 * @param {string[][]} rows
 * @param {number} labelColumns
 */
export function formatTable (header, rows, labelColumns) {
  const widths = header.map((_, column) => Math.max(...[header, ...rows].map((cells) => String(cells[column]).length)))
  const rule = widths.map((width, column) => column < labelColumns ? '-'.repeat(width) : '-'.repeat(width - 1) + ':')
  return [header, rule, ...rows]
    .map((cells) => `| ${cells.map((cell, column) => column < labelColumns
      ? cell.padEnd(Number(widths[column]))
      : cell.padStart(Number(widths[column]))).join(' | ')} |`)
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

export function describeMachine () {
  const models = [...new Set(os.cpus().map((cpu) => cpu.model.trim()))].join(', ')
  const memory = (os.totalmem() / 2 ** 30).toFixed(1)
  return `${os.availableParallelism()} cores (${models}), ${memory} GiB RAM, ${os.type()} ${os.release()}, Node ${process.version}`
}

/** The versions that decide the figures, as installed; global fetch is Node's own undici. */
export function describePackages () {
  const require = createRequire(import.meta.url)
  return [
    ...['fastify-incode', 'fastify', 'undici', 'autocannon'].map((name) => `${name} ${require(`${name}/package.json`).version}`),
    `Node's undici (global fetch) ${process.versions.undici}`
  ].join(', ')
}

/**
 * @param {BenchOptions} options
 */
function describeSettings (options) {
  const scenarios = options.scenarios.map(({ latencyMs, browsers }) => `${latencyMs} ms × ${browsers}`).join(', ')
  const soak = options.soak === 0
    ? 'no soak'
    : `soak of ${options.soakServers.join(' then ')}: ${options.soak} s after a ${options.soakWarmup} s warm-up, at ${options.soakScenario.latencyMs} ms × ` +
      `${options.soakScenario.browsers} browsers, deadline ${options.soakTimeout} ms`
  const burst = options.webhookBurst === undefined
    ? 'no webhook burst'
    : `webhook burst: ${options.webhookBurst.deliveries} deliveries of ${options.webhookBurst.deliveries / 2} events at ` +
      `${options.webhookBurst.latencyMs} ms`
  return `${options.rounds} round(s) of A, B, B-fetch, U, ${options.duration} s per run, after a ${options.warmup} s ` +
    `warm-up of all four at once; scenarios (Incode latency × browsers): ${scenarios}; ${soak}; ${burst}`
}

/**
 * bench/RESULTS.md
 * @param {{ runs: Run[], summaries: ScenarioSummary[], soaks: Soak[], verdicts: Verdict[], burst: WebhookBurst | undefined,
 *   burstVerdicts: Verdict[], options: BenchOptions, command: string, date: Date, machine: string, packages: string,
 *   load: number[], chart: string }} report `chart`: the SVG's path relative to RESULTS.md
 */
export function formatResults ({ runs, summaries, soaks, verdicts, burst, burstVerdicts, options, command, date, machine, packages, load, chart }) {
  const soakSection = soaks.length === 0
    ? 'Skipped (`--soak=0`).'
    : `${formatSoaks(soaks)}

${soaks[0]?.seconds} s of ${soaks[0]?.scenario.browsers} browsers against each server, after a ${options.soakWarmup} s warm-up,
the fake Incode API answering in ${soaks[0]?.scenario.latencyMs} ms. 5% of \`/omni/start\` calls fail, as often one
way as another: a 500, no answer at all (hang), a dropped connection, an answer ${soaks[0]?.timeoutMs} ms late (after
the deadline, within twice it). 5% of browsers leave mid-call (the request is cut while Incode is
being called). RSS and heap are read after a full GC, at the start once the warm-up's calls have
ended, at the end once the load has stopped and every call has ended (twice the deadline). The
event-loop delay is the server's, during the load. Sockets open are the fake's connections after
that, once idle keep-alive connections have closed (5 s): a socket still open is a call nobody
ended. Sessions created are counted by the fake, recorded ones by A's \`onSessionCreated\`, both
since the process started.`
  return `# fastify-incode benchmark results

- Date: ${date.toISOString()}
- Machine: ${machine}
- Packages: ${packages}
- Load average (1 min) at the start and at the end: ${load.map((value) => value.toFixed(2)).join(', ')}
- Command: \`${command}\`
- Settings: ${describeSettings(options)}

![Sessions per second and p99 against Incode's latency, for A, B and B-fetch](${chart})

## Targets

Each is a ratio of figures measured side by side in this run (the median of the rounds' ratios). A
failed target is a finding, not a broken benchmark: the run still writes its results and exits 0.

${verdicts.map((verdict) => `- ${formatVerdict(verdict)}`).join('\n')}

## Throughput and p99

${formatHeadline(summaries)}

- **A**: fastify-incode with its defaults (\`POST /incode/sessions\`, rate limit off, an \`onSessionCreated\`
  that counts sessions, logger at \`warn\`).
- **B-fetch**: what a user writes instead: one Fastify route calling \`/omni/start\` with global \`fetch\`
  and a deadline (\`AbortSignal.timeout\`, 10 s), no pool settings.
- **B**: one Fastify route on an undici \`Pool\` of 16 connections, the plugin's old default.
- **U**: the load generator straight at the fake Incode API (in the next table).
- **limit**: browsers ÷ Incode latency, the most sessions per second the browsers can start when
  each waits that long for Incode.

## Every server

${formatServers(summaries)}

- **answers**: responses received, of any status. **req/s**: 2xx answers per second.
- **p50, p99**: latency of the answers, as autocannon measures it; – when nothing was answered.
- **errors**: non-2xx answers, socket errors and timeouts (autocannon gives up after 15 s, longer
  than the plugin's 10 s deadline), added up over the rounds. A request still waiting when its run
  ends is not counted: B's 16 connections can leave every browser waiting, 0 req/s and 0 errors.
- **CPU µs / req**: user and system CPU time of the answering process (for U, the fake's) during the
  run, as the process reads it with \`process.resourceUsage()\`, per answer.
- **peak RSS MiB**: \`process.resourceUsage().maxRSS\` of the answering process: its peak since it
  started, which is the scenario's warm-up and earlier rounds included (each scenario has fresh processes).
- **upstream conns / 1k req**: TCP connections the fake Incode API accepted during the run and
  250 ms after it, per 1 000 answers. A and B-fetch start each run with their pools filled by the
  same load, so this is what a warm pool still opens; for U, the load generator's own connections.
- Figures are medians over the rounds; A/B and A/B-fetch are the medians of the rounds' ratios.

## Soak

${soakSection}

## Webhook burst

${burst === undefined ? 'Skipped (`--webhook-burst=0`).' : formatBurstSection(burst, burstVerdicts)}

## Every run

${formatRuns(runs)}
`
}

/**
 * @param {WebhookBurst} burst
 * @param {Verdict[]} verdicts
 */
function formatBurstSection (burst, verdicts) {
  return `${formatWebhookBurst(burst)}

fastify-incode's webhook route with \`approve: 'when-ok'\` (A, with admin credentials, the webhook's
rate limit off, an \`onOnboardingFinished\` that counts outcomes), the fake Incode API answering in
${burst.latencyMs} ms. ${burst.events} sessions were started through the plugin and finished at the fake,
then Incode's \`ONBOARDING_FINISHED\` delivered to the webhook route for every one of them at once,
each event twice: half the second deliveries alongside the first, half once the first was
answered. A first burst of the same size, on sessions of its own, warmed the server up. Counts at
the fake and of the outcomes are of the burst; the connections at the fake are counted by the
fake, its peak over both bursts. Memory is read after a full GC with no connection open at the
fake, before the burst and after it.

${verdicts.map((verdict) => `- ${formatVerdict(verdict)}`).join('\n')}`
}
