import t from 'tap'
import { copyFile, readdir, readFile, rm } from 'node:fs/promises'
import { extract, packPackage, root, run } from './support/pack.js'

// The packed tarball works in every TypeScript setup a host may have. Each folder of
// test/consumers/ is a small host project (package.json, tsconfig.json: strict, skipLibCheck
// false); the tarball is installed into its node_modules/ (fastify, @types/node and the rest
// resolve from the repository's), and its host is compiled with the oldest TypeScript the package
// supports and with the newest, then run. @arethetypeswrong/cli checks the tarball's two entries.

// Ten compiles of a Fastify host take their time, the more so beside the other test files.
t.setTimeout(300_000)

const consumers = `${root}test/consumers/`
const compilers = ['typescript-oldest', 'typescript']
const setups = (await readdir(consumers, { withFileTypes: true })).filter((entry) => entry.isDirectory()).map((entry) => entry.name)
const packed = await packPackage()
t.teardown(() => rm(packed.work, { recursive: true, force: true }))

/** The TypeScript version of a compiler package of the repository's node_modules. */
async function versionOf (compiler: string): Promise<string> {
  return JSON.parse(await readFile(`${root}node_modules/${compiler}/package.json`, 'utf8')).version
}

t.test('the README\'s Compatibility names the TypeScript versions and the setups tested', async (t) => {
  const readme = await readFile(`${root}README.md`, 'utf8')
  const compatibility = readme.slice(readme.indexOf('## Compatibility\n'), readme.indexOf('## Quick start\n'))
  const [oldest, newest] = await Promise.all(compilers.map(async (compiler) => (await versionOf(compiler)).replace(/\.\d+$/, '')))
  t.equal(oldest, '5.4')
  t.match(newest, /^5\.9$/)
  t.match(compatibility, `| ≥ ${oldest} |`)
  t.match(compatibility, `on TypeScript ${oldest} and ${newest}`)
  t.equal(setups.length, 5)
  for (const setup of setups) {
    const { compilerOptions } = JSON.parse(await readFile(`${consumers}${setup}/tsconfig.json`, 'utf8'))
    t.match(compilerOptions, { strict: true, skipLibCheck: false }, setup)
    t.match(compatibility, `\`${compilerOptions.moduleResolution}\``, `${setup}: moduleResolution ${compilerOptions.moduleResolution}`)
  }
})

for (const setup of setups) {
  t.test(`${setup}: compiles strict with skipLibCheck false on the oldest TypeScript supported and the newest, and runs`, async (t) => {
    const dir = `${consumers}${setup}/`
    t.teardown(() => Promise.all(['node_modules', 'out', 'host.ts', 'host-require.ts'].map((path) => rm(`${dir}${path}`, { recursive: true, force: true }))))
    await extract(packed.tarball, `${dir}node_modules/fastify-incode`)
    const { files } = JSON.parse(await readFile(`${dir}tsconfig.json`, 'utf8')) as { files: string[] }
    for (const file of files) await copyFile(`${consumers}${file}`, `${dir}${file}`)

    await Promise.all(compilers.map(async (compiler) => {
      const version = await versionOf(compiler)
      const outDir = `${dir}out/${version}`
      const compiled = await run(process.execPath, [`${root}node_modules/${compiler}/bin/tsc`, '-p', dir, '--outDir', outDir])
        .then(() => '', (err: { stdout: string }) => err.stdout)
      t.equal(compiled, '', `TypeScript ${version}: no compile error`)
      for (const file of files) {
        const program = `${outDir}/${file.replace(/\.ts$/, '.js')}`
        const { stdout } = await run(process.execPath, [program], { cwd: dir })
        t.equal(stdout, file === 'host.ts' ? 'ok FST_INCODE_UPSTREAM_TIMEOUT 0\n' : 'ok require\n', `TypeScript ${version}: ${file} runs`)
      }
    }))
  })
}

t.test('@arethetypeswrong/cli finds no problem in either entry', async (t) => {
  // It reads the tarball only (--no-definitely-typed: no @types looked up); it exits 1 when it
  // finds a problem, with its JSON on stdout either way.
  const { stdout } = await run(process.execPath, [
    `${root}node_modules/@arethetypeswrong/cli/dist/index.js`, packed.tarball, '--no-definitely-typed', '--format', 'json'
  ], { maxBuffer: 64 * 1024 * 1024 }).catch((err: { stdout: string }) => err)
  const { analysis } = JSON.parse(stdout) as { analysis: { problems: unknown[], entrypoints: Record<string, { resolutions: Record<string, unknown> }> } }
  t.same(analysis.problems, [], 'no problems')
  t.same(Object.keys(analysis.entrypoints), ['.', './testing', './package.json'])
  for (const entry of ['.', './testing']) {
    t.same(Object.keys(analysis.entrypoints[entry]?.resolutions ?? {}), ['node10', 'node16-cjs', 'node16-esm', 'bundler'], `${entry}: every resolution checked`)
  }
})
