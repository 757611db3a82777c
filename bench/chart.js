// The results as an SVG chart, written by hand: no service, no dependency. Two panels on a log
// scale, one point per scenario: sessions per second with the physical limit (browsers ÷ latency),
// and p99 with the latency floor (Incode's latency itself).

/** @typedef {import('./summary.js').ScenarioSummary} ScenarioSummary */
/** @typedef {import('./benchmark.js').ServerName} ServerName */

/**
 * @typedef {object} Series
 * @property {string} id
 * @property {string} label
 * @property {string} color
 * @property {'circle' | 'square' | 'diamond' | 'band'} marker a band is a reference line, wide and pale
 * @property {number} dodge px to the side, so that equal values stay visible
 * @property {(summary: ScenarioSummary) => number} value
 */

/**
 * @typedef {object} Panel
 * @property {string} id
 * @property {string} title
 * @property {Series[]} series drawn in this order: the last on top
 */

const WIDTH = 960
const HEIGHT = 508
const PANEL_WIDTH = 450
const PLOT = { top: 140, bottom: 412, left: 62, right: 14 }
// A log scale has no 0: a server that answered nothing is drawn on a row of its own, below.
const ZERO_ROW = PLOT.bottom + 18
const FONT = 'system-ui, -apple-system, \'Segoe UI\', Helvetica, Arial, sans-serif'
const GRID = '#e5e7eb'
const INK = '#1f2937'
const MUTED = '#6b7280'
const BAND = '#c7cdd6'

/**
 * @param {ServerName} server
 * @param {'requestsPerSecond' | 'p99'} figure
 * @returns {(summary: ScenarioSummary) => number}
 */
const measured = (server, figure) => (summary) => summary.servers[server][figure]

/** @param {'requestsPerSecond' | 'p99'} figure */
const servers = (figure) => /** @type {Series[]} */ ([
  { id: 'B', label: 'B: undici Pool, 16 connections', color: '#d62728', marker: 'diamond', dodge: 6, value: measured('B', figure) },
  { id: 'B-fetch', label: 'B-fetch: global fetch', color: '#2ca02c', marker: 'square', dodge: 0, value: measured('B-fetch', figure) },
  { id: 'A', label: 'A: fastify-incode', color: '#1f77b4', marker: 'circle', dodge: -6, value: measured('A', figure) }
])

/** @type {Panel[]} */
const PANELS = [
  {
    id: 'throughput',
    title: 'Sessions per second (log scale)',
    series: [
      {
        id: 'limit',
        label: 'limit: browsers ÷ Incode latency',
        color: BAND,
        marker: 'band',
        dodge: 0,
        value: (summary) => summary.latencyMs > 0 ? summary.limit : Number.NaN
      },
      ...servers('requestsPerSecond')
    ]
  },
  {
    id: 'p99',
    title: 'p99 latency, ms (log scale)',
    series: [
      {
        id: 'floor',
        label: 'floor: Incode latency',
        color: BAND,
        marker: 'band',
        dodge: 0,
        value: (summary) => summary.latencyMs > 0 ? summary.latencyMs : Number.NaN
      },
      ...servers('p99')
    ]
  }
]

/**
 * @param {ScenarioSummary[]} summaries in the order of the x axis
 * @param {{ subtitle?: string }} [options]
 * @returns {string} a standalone SVG document
 */
export function buildChart (summaries, { subtitle = '' } = {}) {
  const title = 'fastify-incode against hand-written routes, by Incode latency'
  // The servers, as in the first panel, on top first.
  const legend = /** @type {Panel} */ (PANELS[0]).series.filter(({ marker }) => marker !== 'band').reverse()
  return '<?xml version="1.0" encoding="UTF-8"?>\n' + element('svg', {
    xmlns: 'http://www.w3.org/2000/svg',
    width: WIDTH,
    height: HEIGHT,
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    role: 'img',
    'aria-labelledby': 'chart-title chart-desc',
    'font-family': FONT,
    'font-size': 12,
    fill: INK
  }, [
    element('title', { id: 'chart-title' }, [escape(title)]),
    element('desc', { id: 'chart-desc' }, [escape(describe(summaries))]),
    element('rect', { width: WIDTH, height: HEIGHT, fill: '#ffffff' }),
    element('text', { x: 20, y: 30, 'font-size': 17, 'font-weight': 600 }, [escape(title)]),
    element('text', { x: 20, y: 50, fill: MUTED }, [escape(subtitle)]),
    drawLegend(legend, 20, 78),
    ...PANELS.map((panel, index) => drawPanel(panel, summaries, 20 + index * (PANEL_WIDTH + 20)))
  ]) + '\n'
}

/**
 * @param {Series[]} legend
 * @param {number} x
 * @param {number} y
 */
function drawLegend (legend, x, y) {
  let offset = 0
  const entries = legend.map((series) => {
    const entry = element('g', { transform: `translate(${x + offset} ${y})` }, [
      element('line', { x1: 0, y1: 0, x2: 26, y2: 0, ...stroke(series) }),
      drawMarker(series, 13, 0),
      element('text', { x: 32, y: 4 }, [escape(series.label)])
    ])
    // About 6.3 px per character at 12 px.
    offset += 32 + series.label.length * 6.3 + 22
    return entry
  })
  return element('g', { class: 'legend' }, entries)
}

/**
 * @param {Panel} panel
 * @param {ScenarioSummary[]} summaries
 * @param {number} left
 */
function drawPanel (panel, summaries, left) {
  const x0 = left + PLOT.left
  const x1 = left + PANEL_WIDTH - PLOT.right
  const step = (x1 - x0) / Math.max(summaries.length, 1)
  /** @param {number} index */
  const xOf = (index) => x0 + (index + 0.5) * step
  const ticks = logTicks(panel.series.flatMap((series) => summaries.map(series.value)))
  const [low, high] = [Number(ticks[0]), Number(ticks.at(-1))]
  /** @param {number} value */
  const yOf = (value) => PLOT.bottom - Math.log10(value / low) / Math.log10(high / low) * (PLOT.bottom - PLOT.top)
  const grid = ticks.map((tick) => element('g', { class: 'tick' }, [
    element('line', { x1: x0, x2: x1, y1: yOf(tick), y2: yOf(tick), stroke: GRID }),
    element('text', { x: x0 - 6, y: yOf(tick) + 4, 'text-anchor': 'end', fill: MUTED }, [escape(formatTick(tick))])
  ]))
  const categories = summaries.map((summary, index) => element('text', { y: ZERO_ROW + 22, 'text-anchor': 'middle' }, [
    element('tspan', { x: xOf(index) }, [escape(`${summary.latencyMs} ms`)]),
    element('tspan', { x: xOf(index), dy: 15, fill: MUTED }, [escape(`${summary.browsers}`)])
  ]))
  const references = panel.series.filter(({ marker }) => marker === 'band')
  /** @param {number} value */
  const onScale = (value) => value > 0 && Number.isFinite(value)
  const hasZero = panel.series.some((series) => summaries.some((summary) => series.value(summary) === 0))
  const lines = panel.series.map((series) => {
    const points = summaries.map((summary, index) => {
      const value = series.value(summary)
      const y = value === 0 ? ZERO_ROW : onScale(value) ? yOf(value) : undefined
      return y === undefined ? undefined : { x: xOf(index) + series.dodge, y }
    })
    return element('g', { class: 'series', 'data-series': series.id }, [
      element('path', { d: pathThrough(points), fill: 'none', ...stroke(series) }),
      ...points.flatMap((point) => point === undefined ? [] : [drawMarker(series, point.x, point.y)])
    ])
  })
  return element('g', { class: 'panel', 'data-panel': panel.id }, [
    element('text', { x: x0, y: PLOT.top - 34, 'font-weight': 600 }, [escape(panel.title)]),
    drawLegend(references, x0, PLOT.top - 16),
    ...grid,
    element('line', { x1: x0, x2: x1, y1: PLOT.bottom, y2: PLOT.bottom, stroke: MUTED }),
    ...categories,
    hasZero
      ? element('g', { class: 'zero' }, [
        element('line', { x1: x0, x2: x1, y1: ZERO_ROW, y2: ZERO_ROW, stroke: GRID, 'stroke-dasharray': '3 3' }),
        element('text', { x: x0 - 6, y: ZERO_ROW + 4, 'text-anchor': 'end', fill: MUTED }, ['0'])
      ])
      : '',
    element('text', { x: (x0 + x1) / 2, y: ZERO_ROW + 62, 'text-anchor': 'middle', fill: MUTED }, [
      escape('Incode latency (above), concurrent browsers (below)')
    ]),
    ...lines
  ])
}

/**
 * A path through the points, broken where a point is missing.
 * @param {Array<{ x: number, y: number } | undefined>} points
 */
function pathThrough (points) {
  let command = 'M'
  const parts = []
  for (const point of points) {
    if (point === undefined) {
      command = 'M'
      continue
    }
    parts.push(`${command}${round(point.x)} ${round(point.y)}`)
    command = 'L'
  }
  return parts.join(' ')
}

/**
 * @param {Series} series
 * @param {number} x
 * @param {number} y
 */
function drawMarker (series, x, y) {
  switch (series.marker) {
    case 'circle':
      // Hollow, drawn last: a point hidden behind it stays visible inside.
      return element('circle', { cx: round(x), cy: round(y), r: 4.5, fill: '#ffffff', stroke: series.color, 'stroke-width': 2 })
    case 'square':
      return element('rect', { x: round(x - 4), y: round(y - 4), width: 8, height: 8, fill: series.color })
    case 'diamond':
      return element('path', { d: `M${round(x)} ${round(y - 5.5)} l5.5 5.5 l-5.5 5.5 l-5.5 -5.5 z`, fill: series.color })
    default:
      return ''
  }
}

/**
 * A server's line, or a reference's pale band for the servers' points to sit on.
 * @param {Series} series
 */
function stroke (series) {
  return series.marker === 'band'
    ? { stroke: series.color, 'stroke-width': 9, 'stroke-linecap': 'round', 'stroke-linejoin': 'round' }
    : { stroke: series.color, 'stroke-width': 2 }
}

/**
 * The ticks of a base-10 log scale, at 1, 2 and 5 × 10ⁿ, from the tick at or below the smallest
 * value to the tick at or above the largest: the first and the last are the scale's ends.
 * @param {number[]} values only the positive finite ones count
 */
export function logTicks (values) {
  const positive = values.filter((value) => value > 0 && Number.isFinite(value))
  const [min, max] = positive.length === 0 ? [1, 10] : [Math.min(...positive), Math.max(...positive)]
  /** @type {number[]} */
  const candidates = []
  for (let power = Math.floor(Math.log10(min)); power <= Math.ceil(Math.log10(max)); power++) {
    for (const mantissa of [1, 2, 5]) candidates.push(Number((mantissa * 10 ** power).toPrecision(1)))
  }
  const low = Math.max(...candidates.filter((tick) => tick <= min))
  const high = Math.min(...candidates.filter((tick) => tick >= max && tick > low))
  return candidates.filter((tick) => tick >= low && tick <= high)
}

/** @param {number} tick */
function formatTick (tick) {
  return tick >= 1000 ? `${tick / 1000}k` : String(tick)
}

/**
 * The chart in words, for a screen reader.
 * @param {ScenarioSummary[]} summaries
 */
function describe (summaries) {
  return summaries.map(({ latencyMs, browsers, servers }) => `${latencyMs} ms, ${browsers} browsers: ` +
    (['A', 'B-fetch', 'B']).map((server) => {
      const { requestsPerSecond, p99 } = servers[/** @type {ServerName} */ (server)]
      return `${server} ${Math.round(requestsPerSecond)} req/s, p99 ${Number.isFinite(p99) ? `${Math.round(p99)} ms` : '–'}`
    }).join('; ')).join('. ')
}

/**
 * One element; attributes that are undefined are left out, children are markup already.
 * @param {string} name
 * @param {Record<string, string | number | undefined>} attributes
 * @param {string[]} [children]
 */
function element (name, attributes, children = []) {
  const attributeText = Object.entries(attributes)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => ` ${key}="${escape(typeof value === 'number' ? String(round(value)) : String(value))}"`)
    .join('')
  return children.length === 0
    ? `<${name}${attributeText}/>`
    : `<${name}${attributeText}>${children.join('')}</${name}>`
}

/** @param {string} text */
function escape (text) {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`)
}

/** @param {number} value */
function round (value) {
  return Math.round(value * 10) / 10
}
