import t from 'tap'
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const run = promisify(execFile)
const root = fileURLToPath(new URL('..', import.meta.url))

t.test('the built package is there (npm run build)', async (t) => {
  t.ok(existsSync(`${root}dist/index.js`) && existsSync(`${root}dist/index.d.ts`), 'dist/index.js and its types')
  t.ok(existsSync(`${root}dist/testing/index.js`) && existsSync(`${root}dist/testing/index.d.ts`), 'dist/testing')
})

for (const [kind, file] of [['CommonJS require', 'host.cjs'], ['ESM import', 'host.mjs']]) {
  t.test(`fastify-incode and fastify-incode/testing load with ${kind}`, async (t) => {
    const { stdout } = await run(process.execPath, [`test/fixtures/${file}`], { cwd: root })
    t.same(JSON.parse(stdout), { status: 201, keys: ['interviewId', 'token'], client: true, defaultExport: true })
  })
}

t.test('the README\'s "Testing your app" example passes under node --test', async (t) => {
  const example = (await readFile(`${root}test/fixtures/readme-testing-example.mjs`, 'utf8')).split('\n').slice(1).join('\n')
  t.ok((await readFile(`${root}README.md`, 'utf8')).includes(example), 'the fixture is the README\'s example, word for word')
  const { stdout } = await run(process.execPath, ['--test', 'test/fixtures/readme-testing-example.mjs'], { cwd: root })
  t.match(stdout, /^# pass 1$/m)
  t.match(stdout, /^# fail 0$/m)
})
