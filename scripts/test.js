// `npm test`: the build, then every check and every package's tests, each run whatever an earlier
// one did (one failure must not hide the others), and a summary of what passed, failed and was
// skipped on this machine. Exits 1 when anything failed.
//
// `npm test -- --tests-only`: the build and the tests only (the package's and each workspace's),
// without the lint and the type tests, whose results do not depend on the Node.js that runs them.
// .ci/run runs it on the other Node.js lines the package claims, under each one's node first in PATH.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { performance } from 'node:perf_hooks'

const CHROMIUM = '/usr/bin/chromium'

/** What runs after the build, in order: [what it is, the npm arguments, a static check (its result the same on any Node.js)]. */
const STEPS = [
  ['lint (eslint, tsc)', ['run', 'lint'], true],
  ['type tests (tstyche)', ['run', 'test:types'], true],
  ['the package\'s tests (tap, 100% coverage)', ['exec', '--', 'tap'], false],
  ['the example\'s tests (example/)', ['test', '--workspace', 'example'], false],
  ['the benchmark\'s tests (bench/)', ['test', '--workspace', 'bench'], false]
]
const testsOnly = process.argv.includes('--tests-only')

/** Runs npm with these arguments, its output shown as it comes; whether it passed, and how long it took. */
function npm (args) {
  const started = performance.now()
  const { status } = spawnSync('npm', args, { stdio: 'inherit' })
  return { passed: status === 0, seconds: Math.round((performance.now() - started) / 1000) }
}

/**
 * What this machine lacks, so that its tests skip here (CI has it all and runs everything). The
 * tests decide for themselves; these are the same conditions, to say it in one place at the end.
 */
function skippedHere (env = process.env) {
  if (env.CI !== undefined) return []
  const skipped = []
  if (env.REDIS_URL === undefined) skipped.push('the tests of a limit shared through Redis: set REDIS_URL (redis://127.0.0.1:6379) to run them')
  if (env.DATABASE_URL === undefined) skipped.push('the README sample that stores sessions in PostgreSQL, and the example\'s tests on a PostgreSQL server and of two instances: set DATABASE_URL to run them')
  if (!existsSync(CHROMIUM)) skipped.push(`the example's tests in a real browser: install Chromium at ${CHROMIUM} (apt-get install chromium) to run them`)
  const tools = ['curl', 'openssl'].filter((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0)
  if (tools.length > 0) skipped.push(`the example README's shell samples: install ${tools.join(' and ')} to run them`)
  return skipped
}

const build = npm(['run', 'build'])
if (!build.passed) {
  console.error('\nnpm test: the build failed, so nothing was tested (the tests load the build).')
  process.exit(1)
}
const results = STEPS.filter(([, , staticCheck]) => !(testsOnly && staticCheck)).map(([name, args]) => ({ name, ...npm(args) }))

console.log(`\nnpm test on Node.js ${process.version}${testsOnly ? ', the tests only (no lint, no type tests)' : ''}:`)
for (const { name, passed, seconds } of results) console.log(`  ${passed ? 'passed' : 'FAILED'}  ${name} (${seconds} s)`)
for (const line of skippedHere()) console.log(`  skipped ${line}`)
process.exitCode = results.every((result) => result.passed) ? 0 : 1
