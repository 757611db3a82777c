// What the plugin and its client have done, as counters and one latency histogram a host exports:
// read them (`value`, `families`), serve them as Prometheus text (`prometheus`), or hand them to a
// prom-client registry (`registerOn`), which collects them on each scrape. Labels carry names and
// outcomes only: never a token, a key, an interviewId or anything Incode said about a person.
import { isIncodeCallError } from './errors.js'

/** One series of a metric: its labels and its value (a bucket of the histogram names its own metric). */
export interface MetricValue {
  labels: Record<string, string | number>
  value: number
  /** For a histogram's `_bucket`, `_sum` and `_count` series. */
  metricName?: string
}

/** A metric and its series, in the shape prom-client's registry collects. */
export interface MetricFamily {
  name: string
  help: string
  type: 'counter' | 'histogram'
  values: MetricValue[]
  aggregator: 'sum'
}

/** What `registerOn` needs of a prom-client `Registry` (`promClient.register`, or one of the host's). */
export interface PrometheusRegistry {
  registerMetric: (metric: never) => void
}

/** Upper bounds of the latency histogram's buckets, in seconds: Incode answers in hundreds of ms to seconds. */
const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

class Counter {
  readonly #series = new Map<string, MetricValue>()

  constructor (readonly name: string, readonly help: string) {}

  inc (labels: Record<string, string>): void {
    const key = seriesKey(labels)
    const series = this.#series.get(key)
    if (series === undefined) this.#series.set(key, { labels, value: 1 })
    else series.value++
  }

  family (): MetricFamily {
    return { name: this.name, help: this.help, type: 'counter', values: [...this.#series.values()].map(copy), aggregator: 'sum' }
  }

  reset (): void {
    this.#series.clear()
  }
}

// The last bucket holds what is over every bound: `+Inf` counts it with the rest.
const BUCKET_BOUNDS = [...LATENCY_BUCKETS, Infinity]

interface HistogramSeries {
  labels: Record<string, string>
  /** Observations at most each bound, bound by bound (not yet cumulative), the last over them all. */
  counts: number[]
  sum: number
  count: number
}

class Histogram {
  readonly #series = new Map<string, HistogramSeries>()

  constructor (readonly name: string, readonly help: string) {}

  observe (labels: Record<string, string>, seconds: number): void {
    const key = seriesKey(labels)
    let series = this.#series.get(key)
    if (series === undefined) {
      series = { labels, counts: BUCKET_BOUNDS.map(() => 0), sum: 0, count: 0 }
      this.#series.set(key, series)
    }
    (series.counts[BUCKET_BOUNDS.findIndex((bound) => seconds <= bound)] as number)++
    series.sum += seconds
    series.count++
  }

  family (): MetricFamily {
    const values: MetricValue[] = []
    for (const { labels, counts, sum, count } of this.#series.values()) {
      let cumulative = 0
      LATENCY_BUCKETS.forEach((bound, i) => {
        cumulative += counts[i] as number
        values.push({ metricName: `${this.name}_bucket`, labels: { ...labels, le: bound }, value: cumulative })
      })
      values.push({ metricName: `${this.name}_bucket`, labels: { ...labels, le: '+Inf' }, value: count },
        { metricName: `${this.name}_sum`, labels: { ...labels }, value: sum },
        { metricName: `${this.name}_count`, labels: { ...labels }, value: count })
    }
    return { name: this.name, help: this.help, type: 'histogram', values, aggregator: 'sum' }
  }

  reset (): void {
    this.#series.clear()
  }
}

/** The metrics of one client, and of the plugin's routes that use it. */
export class IncodeMetrics {
  readonly #sessionsCreated = new Counter('incode_sessions_created_total',
    'Sessions Incode created through the routes, by route; created after the request ended included')

  readonly #sessionsRecorded = new Counter('incode_sessions_recorded_total',
    'Sessions onSessionCreated recorded, by route and whether the browser got the session (delivered="false": recorded late)')

  readonly #sessionsNotRecorded = new Counter('incode_sessions_not_recorded_total',
    'Sessions Incode created that onSessionCreated failed to record, by route and delivered as above')

  readonly #calls = new Counter('incode_calls_total',
    'Calls to Incode\'s API, by call (admin-log-in: the admin token\'s log-ins) and outcome ("ok", the error code, or "aborted" by the caller)')

  readonly #duration = new Histogram('incode_call_duration_seconds',
    'Time from a call\'s first attempt to its answer (retries included), by call and outcome')

  readonly #rateLimited = new Counter('incode_rate_limited_total',
    'Requests refused by a rate limit of the plugin, by limit ("sessions", "compat-reads", "webhooks")')

  readonly #webhooks = new Counter('incode_webhooks_total',
    'Webhook calls received, by kind of event ("unknown" when refused before it was read) and the status answered')

  readonly #all = [this.#sessionsCreated, this.#sessionsRecorded, this.#sessionsNotRecorded, this.#calls, this.#duration,
    this.#rateLimited, this.#webhooks]

  /** Every metric with its series, as prom-client's registry collects them. */
  families (): MetricFamily[] {
    return this.#all.map((metric) => metric.family())
  }

  /**
   * The sum of a metric's series whose labels include `labels` (all of them without): a counter's
   * count; a histogram's number of observations.
   */
  value (name: string, labels: Record<string, string | number> = {}): number {
    const family = this.families().find((metric) => metric.name === name)
    if (family === undefined) throw new RangeError(`fastify-incode has no metric named ${JSON.stringify(name)}`)
    const countName = family.type === 'histogram' ? `${name}_count` : name
    return family.values
      .filter((series) => (series.metricName ?? name) === countName &&
        Object.entries(labels).every(([label, value]) => String(series.labels[label]) === String(value)))
      .reduce((sum, series) => sum + series.value, 0)
  }

  /** The metrics in Prometheus' text format (version 0.0.4), to serve at a host's `/metrics` or append to its own. */
  prometheus (): string {
    return this.families().map(prometheusText).join('\n\n') + '\n'
  }

  /**
   * Registers every metric on a prom-client registry: `registerOn(promClient.register)`. The
   * registry reads them on each collection; nothing is copied. Registering twice on one registry
   * fails there, as for any metric of the same name.
   */
  registerOn (registry: PrometheusRegistry): void {
    for (const metric of this.#all) {
      // The registry may rename the metric (OpenMetrics counters lose `_total`): what it collects takes that name.
      const collected = {
        name: metric.name,
        help: metric.help,
        type: metric.family().type,
        aggregator: 'sum',
        get: () => ({ ...metric.family(), name: collected.name }),
        reset: () => metric.reset()
      }
      registry.registerMetric(collected as never)
    }
  }

  /** @internal A route's session that Incode created (also late). */
  sessionCreated (route: string): void {
    this.#sessionsCreated.inc({ route })
  }

  /** @internal What onSessionCreated made of a created session. */
  sessionRecorded (route: string, delivered: boolean, recorded: boolean): void {
    (recorded ? this.#sessionsRecorded : this.#sessionsNotRecorded).inc({ route, delivered: String(delivered) })
  }

  /** @internal One call's answer to its caller: its result or its error, after `seconds`. */
  callAnswered (call: string, error: unknown, seconds: number): void {
    const labels = { call, outcome: outcomeOf(error) }
    this.#calls.inc(labels)
    this.#duration.observe(labels, seconds)
  }

  /** @internal A request a limit refused. */
  rateLimited (limit: 'sessions' | 'compat-reads' | 'webhooks'): void {
    this.#rateLimited.inc({ limit })
  }

  /** @internal A webhook call and the status it was answered with. */
  webhookAnswered (kind: string, statusCode: number): void {
    this.#webhooks.inc({ kind, status: String(statusCode) })
  }
}

function outcomeOf (error: unknown): string {
  if (error === undefined) return 'ok'
  return isIncodeCallError(error) ? error.code : 'aborted'
}

function seriesKey (labels: Record<string, string>): string {
  return JSON.stringify(labels)
}

function copy (series: MetricValue): MetricValue {
  return { labels: { ...series.labels }, value: series.value }
}

function prometheusText (family: MetricFamily): string {
  const lines = [`# HELP ${family.name} ${family.help.replaceAll('\\', '\\\\')}`, `# TYPE ${family.name} ${family.type}`]
  for (const { metricName = family.name, labels, value } of family.values) {
    const pairs = Object.entries(labels).map(([label, labelValue]) => `${label}="${escapeLabel(String(labelValue))}"`)
    // Every series has labels: each metric is counted by what it is about.
    lines.push(`${metricName}{${pairs.join(',')}} ${value}`)
  }
  return lines.join('\n')
}

function escapeLabel (value: string): string {
  return value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n')
}
