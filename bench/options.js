// The benchmark's settings: argv over BENCH_* environment variables over --quick over defaults.
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

/** @typedef {'A' | 'B-fetch'} SoakServer the servers the soak can load */

/**
 * @typedef {object} Scenario one load: how slow the fake Incode API is, and how many browsers wait on it
 * @property {number} latencyMs ms the fake Incode API waits before each answer
 * @property {number} browsers concurrent connections of the load generator
 */

/**
 * @typedef {object} WebhookBurstSettings the webhook burst: how slow the fake Incode API is, and how many deliveries come at once
 * @property {number} latencyMs ms the fake Incode API waits before each answer
 * @property {number} deliveries of ONBOARDING_FINISHED, two per event: half as many events (sessions)
 */

/**
 * @typedef {object} BenchOptions
 * @property {number} duration seconds of load per measured run
 * @property {number} warmup seconds of load before the measured rounds (all servers at once)
 * @property {number} rounds measured rounds; each loads A, B, B-fetch, then U
 * @property {Scenario[]} scenarios one pass each, in order, with fresh processes
 * @property {number} soak seconds of the soak; 0 skips it
 * @property {number} soakWarmup seconds of the soak's load before its memory is first read
 * @property {Scenario} soakScenario the soak's latency and browsers
 * @property {number} soakTimeout ms, the plugin's `timeout` (deadline) during the soak
 * @property {SoakServer[]} soakServers which servers are soaked, one after the other; none when `soak` is 0
 * @property {WebhookBurstSettings | undefined} webhookBurst undefined skips it
 * @property {boolean} webhookOnly run the webhook burst alone: print its table and targets, write no file
 * @property {string} results where RESULTS.md is written
 * @property {string} chart where the SVG chart is written
 */

/**
 * @typedef {'duration' | 'warmup' | 'rounds' | 'scenarios' | 'soak' | 'soakWarmup' | 'soakScenario' | 'soakTimeout' |
 *   'soakServers' | 'webhookBurst' | 'results' | 'chart'} SettingName
 */

/** Each setting can also be given as an environment variable: BENCH_DURATION, BENCH_SOAK_SCENARIO, … */
export const ENV_PREFIX = 'BENCH_'

/** @type {Record<SettingName, string>} */
const DEFAULTS = {
  duration: '10',
  warmup: '5',
  rounds: '3',
  // CPU per request where the servers are CPU-bound (0 and 25 ms), then Incode's real latency.
  scenarios: '0x50,25x50,300x200,300x600,1000x600',
  soak: '60',
  // Long enough for the server's memory to reach its working set (pooled connections, heap sizes):
  // RSS read sooner grows during the soak without any leak.
  soakWarmup: '20',
  soakScenario: '300x200',
  soakTimeout: '2000',
  soakServers: 'A,B-fetch',
  // Incode-like latency; 600 deliveries of 300 events.
  webhookBurst: '300x600',
  results: fileURLToPath(new URL('RESULTS.md', import.meta.url)),
  chart: fileURLToPath(new URL('results.svg', import.meta.url))
}
// Enough to prove the benchmark works end to end, not to measure anything.
const QUICK = {
  duration: '0.5',
  warmup: '0.25',
  rounds: '1',
  scenarios: '0x20,100x50',
  soak: '1',
  soakWarmup: '0.25',
  soakScenario: '100x20',
  soakTimeout: '500',
  soakServers: 'A',
  webhookBurst: '100x40'
}

const SETTING_NAMES = /** @type {SettingName[]} */ (Object.keys(DEFAULTS))
const SOAK_SERVERS = ['A', 'B-fetch']

/**
 * @param {string[]} argv the arguments after the script, e.g. `['--quick', '--duration=2']`
 * @param {Record<string, string | undefined>} env
 * @returns {BenchOptions}
 */
export function parseOptions (argv, env) {
  const { values: flags } = parseArgs({
    args: argv,
    strict: true,
    options: {
      ...Object.fromEntries(SETTING_NAMES.map((name) => [flagName(name), { type: 'string' }])),
      quick: { type: 'boolean', default: false },
      'webhook-only': { type: 'boolean', default: false }
    }
  })
  const values = /** @type {Record<string, string | boolean | undefined>} */ (flags)
  /** @param {(name: SettingName) => unknown} valueOf */
  const given = (valueOf) => Object.fromEntries(SETTING_NAMES
    .filter((name) => valueOf(name) !== undefined)
    .map((name) => [name, valueOf(name)]))
  /** @type {Record<SettingName, string>} */
  const settings = {
    ...DEFAULTS,
    ...(values.quick === true ? QUICK : {}),
    ...given((name) => env[envName(name)]),
    ...given((name) => values[flagName(name)])
  }
  const soak = nonNegativeNumber('soak', settings.soak)
  const webhookOnly = values['webhook-only'] === true
  const burst = webhookBurst(settings.webhookBurst)
  if (webhookOnly && burst === undefined) throw invalid('webhookBurst', 'must not be 0 with --webhook-only', settings.webhookBurst)
  return {
    duration: positiveNumber('duration', settings.duration),
    warmup: positiveNumber('warmup', settings.warmup),
    rounds: integer('rounds', settings.rounds, 1),
    scenarios: list('scenarios', settings.scenarios).map((text) => scenario('scenarios', text)),
    soak,
    soakWarmup: positiveNumber('soakWarmup', settings.soakWarmup),
    soakScenario: soakScenario(settings.soakScenario),
    soakTimeout: integer('soakTimeout', settings.soakTimeout, 1),
    // No soak is a soak of no server.
    soakServers: soak === 0 ? [] : list('soakServers', settings.soakServers).map((name) => soakServer(name)),
    webhookBurst: burst,
    webhookOnly,
    results: settings.results,
    chart: settings.chart
  }
}

/** @param {SettingName} name e.g. soakScenario → soak-scenario */
function flagName (name) {
  return name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)
}

/** @param {SettingName} name e.g. soakScenario → BENCH_SOAK_SCENARIO */
function envName (name) {
  return ENV_PREFIX + flagName(name).replaceAll('-', '_').toUpperCase()
}

/**
 * @param {SettingName} name
 * @param {string} problem completes "--name (BENCH_NAME) …"
 * @param {string} text what was given
 */
function invalid (name, problem, text) {
  return new RangeError(`--${flagName(name)} (${envName(name)}) ${problem}, got "${text}"`)
}

/**
 * @param {SettingName} name
 * @param {string} text
 */
function positiveNumber (name, text) {
  const value = Number(text)
  if (!(value > 0 && value < Infinity)) throw invalid(name, 'must be a positive number of seconds', text)
  return value
}

/**
 * @param {SettingName} name
 * @param {string} text
 */
function nonNegativeNumber (name, text) {
  const value = Number(text)
  if (!(value >= 0 && value < Infinity && text.trim() !== '')) throw invalid(name, 'must be a number of seconds, 0 to skip', text)
  return value
}

/**
 * @param {SettingName} name
 * @param {string} text
 * @param {number} min
 */
function integer (name, text, min) {
  const value = Number(text)
  if (!(Number.isSafeInteger(value) && value >= min && text.trim() !== '')) {
    throw invalid(name, `must be an integer of at least ${min}`, text)
  }
  return value
}

/**
 * A comma-separated list without empty entries.
 * @param {SettingName} name
 * @param {string} text
 */
function list (name, text) {
  const entries = text.split(',').map((entry) => entry.trim())
  if (entries.some((entry) => entry === '')) throw invalid(name, 'must be a comma-separated list without empty entries', text)
  return entries
}

/**
 * `300x200`: 300 ms of Incode latency, 200 browsers.
 * @param {SettingName} name
 * @param {string} text
 * @returns {Scenario}
 */
function scenario (name, text) {
  const match = /^(\d+)x(\d+)$/.exec(text)
  const [latencyMs, browsers] = [Number(match?.[1]), Number(match?.[2])]
  if (match === null || !Number.isSafeInteger(latencyMs) || !(Number.isSafeInteger(browsers) && browsers >= 1)) {
    throw invalid(name, 'must be <Incode latency ms>x<browsers>, e.g. 300x200, with at least 1 browser', text)
  }
  return { latencyMs, browsers }
}

/**
 * The soak measures calls in flight, so its Incode must take some time.
 * @param {string} text
 */
function soakScenario (text) {
  const checked = scenario('soakScenario', text)
  if (checked.latencyMs < 1) throw invalid('soakScenario', 'must have an Incode latency of at least 1 ms', text)
  return checked
}

/** @param {string} name */
function soakServer (name) {
  if (!SOAK_SERVERS.includes(name)) throw invalid('soakServers', `must name servers among ${SOAK_SERVERS.join(', ')}`, name)
  return /** @type {SoakServer} */ (name)
}

/**
 * `300x600`: 300 ms of Incode latency, 600 deliveries (each event twice: half alongside the first,
 * half once it was answered, so at least 4); `0` skips the burst.
 * @param {string} text
 * @returns {WebhookBurstSettings | undefined}
 */
function webhookBurst (text) {
  if (text.trim() === '0') return undefined
  const match = /^(\d+)x(\d+)$/.exec(text)
  const [latencyMs, deliveries] = [Number(match?.[1]), Number(match?.[2])]
  if (!(Number.isSafeInteger(latencyMs) && latencyMs >= 1 && Number.isSafeInteger(deliveries) && deliveries >= 4 && deliveries % 2 === 0)) {
    throw invalid('webhookBurst', 'must be <Incode latency ms>x<deliveries>, e.g. 300x600, with a latency of at least 1 ms ' +
      'and an even number of at least 4 deliveries, or 0 to skip', text)
  }
  return { latencyMs, deliveries }
}
