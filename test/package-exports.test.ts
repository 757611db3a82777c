import t from 'tap'
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const run = promisify(execFile)
const root = fileURLToPath(new URL('..', import.meta.url))

t.test('the built package is there (npm run build): ES modules and a CommonJS build', async (t) => {
  for (const build of ['dist/', 'dist/cjs/']) {
    t.ok(existsSync(`${root}${build}index.js`) && existsSync(`${root}${build}index.d.ts`), `${build}index.js and its types`)
    t.ok(existsSync(`${root}${build}testing/index.js`) && existsSync(`${root}${build}testing/index.d.ts`), `${build}testing`)
  }
})

for (const [kind, file, build] of [
  ['CommonJS require', 'host.cjs', ['dist/cjs/main.js', 'dist/cjs/testing/index.js']],
  ['ESM import', 'host.mjs', ['dist/index.js', 'dist/testing/index.js']]
] as const) {
  t.test(`fastify-incode and fastify-incode/testing load with ${kind}`, async (t) => {
    const { stdout } = await run(process.execPath, [`test/fixtures/${file}`], { cwd: root })
    t.same(JSON.parse(stdout), { status: 201, keys: ['interviewId', 'token'], client: true, plugin: true, build })
  })
}

t.test('require and import give the same exports, from two copies of the code', async (t) => {
  const imported = await import('fastify-incode')
  const required = createRequire(import.meta.url)('fastify-incode')
  t.same(Object.keys(required).sort(), Object.keys(imported).sort())
  t.equal(typeof required, 'function', 'require() gives the plugin, as with Fastify\'s own plugins')
  // The dual-package hazard the README states: a class from one is not the other's.
  t.not(required.IncodeClient, imported.IncodeClient)
})
