// What the webhook burst's section says after a quick run (100 ms, 40 deliveries of 20 events),
// wherever it is printed: the counts exactly, the measured figures by their form, every target.
import type { Test } from 'tap'
import { tableRows } from './bench.js'

/** The webhook burst's table and target lines, as `text` (stdout or RESULTS.md's section) holds them. */
export function checkQuickWebhookSection (t: Test, text: string): void {
  const rows = new Map(tableRows(text).map(([name, value]) => [name, value]))
  t.equal(rows.get('webhook burst'), 'A', 'the webhook burst loads the plugin')
  t.equal(rows.get('Incode latency, ms'), '100')
  t.equal(rows.get('events (sessions), deliveries'), '20, 40')
  t.equal(rows.get('answers by status'), '200: 40', 'every delivery answered 200')
  t.equal(rows.get('socket errors and timeouts'), '0')
  t.equal(rows.get('deliveries in flight at most'), '30', 'every first delivery at once, and the second of every other event')
  t.equal(rows.get('first burst (warm-up): answers by status; p99, ms')?.replace(/\d+$/, 'p99'), '200: 40; p99')
  t.equal(rows.get('score reads at Incode'), '40', 'one score read per delivery, counted by the fake')
  t.equal(rows.get('approvals at Incode'), '20', 'one approval per event, counted by the fake')
  t.equal(rows.get('Incode calls after the last answer'), '0')
  t.equal(rows.get('outcomes; with an identity; already approved'), '40; 40; 20', 'as onOnboardingFinished counted them')
  t.equal(rows.get('sockets open at the fake after settling'), '0')
  t.match(rows.get('p50, p99 of the answers, ms'), /^\d+, \d+$/)
  t.match(rows.get('deliveries per second'), /^\d+$/)
  t.match(rows.get('CPU time of the server; of the fake, ms'), /^\d+; \d+$/)
  t.match(rows.get('connections at the fake: open before; opened'), /^\d+; \d+$/)
  t.match(rows.get('most connections open at once at the fake, either burst'), /^\d+$/)
  t.match(rows.get('server RSS before → after, MiB'), /^\d+\.\d → \d+\.\d$/)
  t.match(rows.get('server heap used before → after, MiB'), /^\d+\.\d\d → \d+\.\d\d$/)

  // Whether a timing or memory target passes in a run this short says nothing: only that each is evaluated.
  const where = 'webhook burst, 100 ms, 40 deliveries'
  const verdicts = text.split('\n').map((line) => line.replace(/^- /, '')).filter((line) => /^(PASS|FAIL) {2}/.test(line))
  t.same(verdicts.slice(0, 6), [
    `PASS  ${where}: answers 200 40, target = 40`,
    `PASS  ${where}: score reads at Incode 40, target = 40 (one per delivery)`,
    `PASS  ${where}: approvals at Incode 20, target = 20 (one per event)`,
    `PASS  ${where}: outcomes with an identity 40, target = 40`,
    `PASS  ${where}: outcomes already approved 20, target = 20 (every delivery but the first of each event)`,
    `PASS  ${where}: Incode calls after the last answer 0, target = 0`
  ], 'the counts meet their targets')
  const expected = [
    /^(PASS|FAIL) {2}webhook burst, 100 ms, 40 deliveries: p99 \d+ ms, target ≤ \d+ ms \(2 Incode latencies, and the CPU time the server and the fake spent on the burst\)$/,
    /^(PASS|FAIL) {2}webhook burst, 100 ms, 40 deliveries: peak connections at Incode \d+, target ≤ \d+ \(\d+ open before, 30 deliveries in flight at most, one per approval, one log-in\)$/,
    /^(PASS|FAIL) {2}webhook burst, 100 ms, 40 deliveries: heap retained per delivery -?\d+\.\d\d KiB, target ≤ 2\.00 KiB$/,
    /^(PASS|FAIL) {2}webhook burst, 100 ms, 40 deliveries: RSS growth over the burst -?\d+\.\d%, target < 10\.0%$/
  ]
  t.equal(verdicts.length, 6 + expected.length, 'one line per target')
  expected.forEach((pattern, i) => t.match(verdicts[6 + i], pattern))
}
