import t from 'tap'
import { readFile } from 'node:fs/promises'

// bench/README.md's "The last run" shows the recorded run's table as bench/RESULTS.md has it, and
// says whether its targets were met as RESULTS.md says: a new run that is not copied into the
// README fails here rather than leaving old figures in front of its readers. Here, in the
// benchmark's own tests, so that a benchmark run can never fail the package's.

const bench = new URL('..', import.meta.url)

/** The text of a `## heading` section, up to the next `## `. */
function section (markdown: string, heading: string): string {
  const start = markdown.indexOf(`\n## ${heading}\n`)
  if (start === -1) throw new Error(`no "## ${heading}" section`)
  const end = markdown.indexOf('\n## ', start + 1)
  return markdown.slice(start, end === -1 ? undefined : end)
}

/** The first Markdown table of a text, line by line. */
function firstTable (text: string): string[] {
  const lines = text.split('\n')
  const start = lines.findIndex((line) => line.startsWith('|'))
  const rest = lines.slice(start)
  const end = rest.findIndex((line) => !line.startsWith('|'))
  return start === -1 ? [] : rest.slice(0, end === -1 ? undefined : end)
}

const readme = section(await readFile(new URL('README.md', bench), 'utf8'), 'The last run')
const results = await readFile(new URL('RESULTS.md', bench), 'utf8')

t.test("the README's table of the last run is RESULTS.md's", async (t) => {
  const table = firstTable(section(results, 'Throughput and p99'))
  t.ok(table.length >= 7, 'RESULTS.md has the table: a header, a rule and the five scenarios')
  t.same(firstTable(readme), table)
})

t.test('the README says the targets were met only when RESULTS.md does', async (t) => {
  const verdicts = section(results, 'Targets').split('\n').filter((line) => /^- (PASS|FAIL) {2}/.test(line))
  t.ok(verdicts.length > 0, 'RESULTS.md lists its targets')
  const allMet = verdicts.every((line) => line.startsWith('- PASS'))
  // The README's lines wrap anywhere.
  t.equal(readme.replace(/\s+/g, ' ').includes('every target met'), allMet)
})
