// The benchmark's settings: argv over BENCH_* environment variables over --quick over defaults.
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

/**
 * @typedef {object} BenchOptions
 * @property {number} duration seconds of load per measured run
 * @property {number} warmup seconds of load per target before the measured rounds
 * @property {number} connections concurrent connections of the load generator
 * @property {number} rounds measured rounds; each loads A, B, then U
 * @property {number[]} latencies ms the fake Incode API waits before each answer; one pass each
 * @property {string} results where RESULTS.md is written
 */

/** @typedef {'duration' | 'warmup' | 'connections' | 'rounds' | 'latencies' | 'results'} SettingName */

/** Each setting can also be given as an environment variable: BENCH_DURATION, BENCH_RESULTS, … */
export const ENV_PREFIX = 'BENCH_'

/** @type {Record<SettingName, string>} */
const DEFAULTS = {
  duration: '10',
  warmup: '5',
  connections: '50',
  rounds: '3',
  latencies: '0,25',
  results: fileURLToPath(new URL('RESULTS.md', import.meta.url))
}
// Enough to prove the benchmark works end to end, not to measure anything.
const QUICK = { duration: '1', warmup: '0.5', rounds: '1' }

const SETTING_NAMES = /** @type {SettingName[]} */ (Object.keys(DEFAULTS))

/**
 * @param {string[]} argv the arguments after the script, e.g. `['--quick', '--duration=2']`
 * @param {Record<string, string | undefined>} env
 * @returns {BenchOptions}
 */
export function parseOptions (argv, env) {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      duration: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      rounds: { type: 'string' },
      latencies: { type: 'string' },
      results: { type: 'string' },
      quick: { type: 'boolean', default: false }
    }
  })
  const fromEnv = SETTING_NAMES.filter((name) => env[envName(name)] !== undefined).map((name) => [name, env[envName(name)]])
  const fromArgv = SETTING_NAMES.filter((name) => values[name] !== undefined).map((name) => [name, values[name]])
  /** @type {Record<SettingName, string>} */
  const settings = {
    ...DEFAULTS,
    ...(values.quick ? QUICK : {}),
    ...Object.fromEntries(fromEnv),
    ...Object.fromEntries(fromArgv)
  }
  return {
    duration: positiveNumber('duration', settings.duration),
    warmup: positiveNumber('warmup', settings.warmup),
    connections: integer('connections', settings.connections, 1),
    rounds: integer('rounds', settings.rounds, 1),
    latencies: settings.latencies.split(',').map((latency) => integer('latencies', latency, 0)),
    results: settings.results
  }
}

/** @param {SettingName} name */
function envName (name) {
  return ENV_PREFIX + name.toUpperCase()
}

/**
 * @param {SettingName} name
 * @param {string} text
 */
function positiveNumber (name, text) {
  const value = Number(text)
  if (!(value > 0 && value < Infinity)) {
    throw new RangeError(`--${name} (${envName(name)}) must be a positive number of seconds, got "${text}"`)
  }
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
    throw new RangeError(`--${name} (${envName(name)}) must be made of integers of at least ${min}, got "${text}"`)
  }
  return value
}
