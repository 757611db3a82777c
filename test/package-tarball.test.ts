import t from 'tap'
import { existsSync } from 'node:fs'
import { readdir, readFile, rm } from 'node:fs/promises'
import { relative } from 'node:path'
import { anchorOf, packageManifest, repositoryFilesUrl } from '../scripts/package-readme.js'
import { extract, packPackage, root } from './support/pack.js'

// The npm page stands alone. What `npm pack` ships is the build, its types, the package's README
// (derived from the repository's by prepack), its package.json (without what only the
// repository's install reads), CHANGELOG.md and LICENSE, and nothing that points outside the
// tarball but, when package.json names the repository, links to the repository's own pages.

const packed = await packPackage()
t.teardown(() => rm(packed.work, { recursive: true, force: true }))
const unpacked = `${packed.work}/package/`
await extract(packed.tarball, unpacked)
const files = (await readdir(unpacked, { recursive: true, withFileTypes: true }))
  .filter((entry) => entry.isFile())
  .map((entry) => relative(unpacked, `${entry.parentPath}/${entry.name}`))
  .sort()
const readme = await readFile(`${unpacked}README.md`, 'utf8')
const repositoryManifest = await readFile(`${root}package.json`, 'utf8')
/** Where the README's links into the repository go: its files on GitHub, when package.json says where it is. */
const repository = repositoryFilesUrl(JSON.parse(repositoryManifest).repository)

/** The README without its fenced code blocks, and without code spans: what a reader sees as text. */
const uncoded = readme.replace(/^```[^\n]*\n[\s\S]*?^```$/gm, '')
/** The same without the links to the repository's pages, text and address. */
const outOfRepository = repository === undefined ? uncoded : uncoded.replace(/\[[^\]]*\]\(([^)]*)\)/g, (whole, target: string) => target.startsWith(repository) ? '' : whole)
const prose = outOfRepository.replace(/`[^`\n]*`/g, '')

t.test('the tarball holds the build, its types and the documents, nothing else', async (t) => {
  t.same(files.filter((file) => !file.startsWith('dist/')), ['CHANGELOG.md', 'LICENSE', 'README.md', 'package.json', 'testing/package.json'])
  for (const file of ['dist/index.js', 'dist/index.d.ts', 'dist/testing/index.js', 'dist/testing/index.d.ts',
    'dist/cjs/package.json', 'dist/cjs/main.js', 'dist/cjs/main.d.ts', 'dist/cjs/testing/index.js', 'dist/cjs/testing/index.d.ts']) {
    t.ok(files.includes(file), file)
  }
  t.same(files.filter((file) => !/\.(js|d\.ts)$|^dist\/cjs\/package\.json$/.test(file) && file.startsWith('dist/')), [], 'only .js and .d.ts in dist/')
})

t.test('no source map, and no comment pointing at one', async (t) => {
  t.same(files.filter((file) => file.endsWith('.map')), [])
  const pointing = []
  for (const file of files.filter((file) => /\.(js|d\.ts)$/.test(file))) {
    if ((await readFile(`${unpacked}${file}`, 'utf8')).includes('sourceMappingURL')) pointing.push(file)
  }
  t.same(pointing, [])
})

t.test('the packed package.json is the repository\'s without allowScripts, which only the repository\'s install reads', async (t) => {
  const packedManifest = await readFile(`${unpacked}package.json`, 'utf8')
  t.equal(packedManifest, packageManifest(repositoryManifest))
  t.notOk('allowScripts' in JSON.parse(packedManifest))
  const { repository, bugs, homepage } = JSON.parse(packedManifest)
  t.match(repository, { type: 'git', url: /^git\+https:\/\/github\.com\/[\w.-]+\/[\w.-]+\.git$/ }, 'npm links the repository')
  t.match(bugs, { url: /^https:\/\/github\.com\/[\w.-]+\/[\w.-]+\/issues$/ }, 'and where to report a bug')
  t.match(homepage, /^https:\/\/github\.com\/[\w.-]+\/[\w.-]+#readme$/)
})

t.test('every path of package.json and testing/package.json is in the tarball', async (t) => {
  const manifest = JSON.parse(await readFile(`${unpacked}package.json`, 'utf8'))
  const stub = JSON.parse(await readFile(`${unpacked}testing/package.json`, 'utf8'))
  const paths = [manifest.main, manifest.types, ...JSON.stringify(manifest.exports).match(/\.\/dist\/[^"]+/g) ?? [],
    `testing/${stub.main}`, `testing/${stub.types}`]
  t.ok(paths.length >= 12)
  for (const path of paths) t.ok(existsSync(`${unpacked}${path}`), path)
})

t.test('the README starts with the package and Install, and nothing of the repository\'s', async (t) => {
  t.match(readme, /^# fastify-incode\n\nA Fastify v5 plugin /)
  t.equal(readme.match(/^## .*/m)?.[0], '## Install', 'Install is the first section')
  t.notMatch(readme, /In this repository|^## Development/m)
  t.notMatch(readme, /SPEC/)
  t.notMatch(outOfRepository, /(?<![\w.-])(example|bench|docs|test|src)\//, 'no path of the repository, but in a link to its pages')
})

t.test('the README links only to its own headings and, with a repository, to its files there; it shows no image', async (t) => {
  const headings = new Set([...uncoded.matchAll(/^#{1,6} (.+)$/gm)].map((match) => anchorOf(match[1] ?? '')))
  const targets = [...readme.matchAll(/\]\(([^)]*)\)/g)].map((match) => match[1] ?? '')
  t.ok(targets.length > 0, 'it has in-page links')
  const inRepository = targets.filter((target) => repository !== undefined && target.startsWith(repository))
  t.same(targets.filter((target) => !inRepository.includes(target) && (!target.startsWith('#') || !headings.has(target.slice(1)))), [],
    'each to a heading that is there, or to the repository\'s pages')
  for (const target of inRepository) t.ok(existsSync(`${root}${(target.slice(repository?.length).split('#')[0] ?? '')}`), `${target}: a file of the repository`)
  if (repository === undefined) t.notMatch(readme, /docs\//, 'no repository named by package.json: no link to docs/ and no sentence that needs one')
  t.notMatch(readme, /!\[|<img|<a /i, 'no image, no HTML link')
  t.notMatch(prose, /https?:\/\/|www\./, 'no bare address, which npm would turn into a link')
})

t.test('the README\'s code is the repository README\'s, word for word', async (t) => {
  const code = (text: string) => [...text.matchAll(/^```[^\n]*\n[\s\S]*?^```$/gm)].map((match) => match[0])
  const repositoryReadme = await readFile(`${root}README.md`, 'utf8')
  const repositoryOnly = code(repositoryReadme.slice(0, repositoryReadme.indexOf('\n---\n')))
  t.same(code(readme), code(repositoryReadme).filter((block) => !repositoryOnly.includes(block)))
})

t.test('npm pack puts the repository\'s README and package.json back', async (t) => {
  t.equal(await readFile(`${packed.staging}/README.md`, 'utf8'), await readFile(`${root}README.md`, 'utf8'))
  t.equal(await readFile(`${packed.staging}/package.json`, 'utf8'), repositoryManifest)
  t.same((await readdir(packed.staging)).filter((name) => name.startsWith('.README') || name.startsWith('.package')), [], 'no copy left behind')
})
