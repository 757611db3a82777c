import t from 'tap'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { anchorOf, packageManifest, packageReadme, postpack, prepack, repositoryFilesUrl } from '../scripts/package-readme.js'

// The README npm shows is derived from the repository's by scripts/package-readme.js (prepack),
// and the repository's is put back after (postpack), even after an interrupted pack. A link to a
// file of the repository (docs/…) becomes its address on GitHub when package.json names the
// repository, and goes with its sentence when it does not. test/package-tarball.test.ts checks
// the README of the real tarball, packed by npm, whose prepack and postpack run
// scripts/prepack.js and scripts/postpack.js.

const repository = `# pkg

**In this repository** (not needed to use the package):

\`\`\`sh
npm test
\`\`\`

The example is in [\`example/\`](example/README.md); see [Development](#development).

---

A [Fastify](https://fastify.dev) plugin. ![badge](https://img.example/badge.svg)

## Install

Run it. The details are in [the notes](docs/notes.md). See [Usage](#usage) and [gone](#development).
The walkthrough is \`example/README.md\`.

- One item [with a repository link](bench/README.md).
- Two sentences. The second [links](bench/RESULTS.md).
- Three, [outside](https://github.com/fastify/fastify).

| a | b |
|---|---|
| [cell](example/x.md) | [web](https://fastify.dev) |

## Usage

\`\`\`ts
const a = [1](2) // [not a link](example/README.md)
\`\`\`

## Development

\`\`\`sh
npm run build
\`\`\`

Work on [the tests](test/).

## License

MIT
`

const expected = `# pkg

A Fastify plugin. 

## Install

Run it. See [Usage](#usage) and gone.

- Two sentences.
- Three, outside.

| a | b |
|---|---|
| cell | web |

## Usage

\`\`\`ts
const a = [1](2) // [not a link](example/README.md)
\`\`\`

## License

MIT
`

/** A package.json as npm writes it. */
function manifest (fields: Record<string, unknown>): string {
  return `${JSON.stringify(fields, null, 2)}\n`
}

t.test('the package README: no repository block, section, sentence or link out; code as it is', async (t) => {
  t.equal(packageReadme(repository), expected)
})

const onGitHub = `# pkg

A Fastify plugin. 

## Install

Run it. The details are in [the notes](https://github.com/owner/pkg/blob/HEAD/docs/notes.md). See [Usage](#usage) and gone.

- One item [with a repository link](https://github.com/owner/pkg/blob/HEAD/bench/README.md).
- Two sentences. The second [links](https://github.com/owner/pkg/blob/HEAD/bench/RESULTS.md).
- Three, outside.

| a | b |
|---|---|
| [cell](https://github.com/owner/pkg/blob/HEAD/example/x.md) | web |

## Usage

\`\`\`ts
const a = [1](2) // [not a link](example/README.md)
\`\`\`

## License

MIT
`

t.test('with the repository\'s address, a link to a file of it becomes the file\'s address there; a path without a link still goes', async (t) => {
  t.equal(packageReadme(repository, { repository: 'https://github.com/owner/pkg/blob/HEAD/' }), onGitHub)
})

t.test('the address of the repository\'s files, from the forms package.json\'s repository takes', async (t) => {
  const files = 'https://github.com/owner/pkg/blob/HEAD/'
  for (const field of ['owner/pkg', 'github:owner/pkg', 'https://github.com/owner/pkg', 'git+https://github.com/owner/pkg.git',
    'git://github.com/owner/pkg.git', 'git+ssh://git@github.com/owner/pkg.git', 'git@github.com:owner/pkg.git', { type: 'git', url: 'https://github.com/owner/pkg.git' }]) {
    t.equal(repositoryFilesUrl(field), files, JSON.stringify(field))
  }
  t.equal(repositoryFilesUrl({ url: 'https://github.com/owner/mono', directory: '/packages/pkg/' }), 'https://github.com/owner/mono/blob/HEAD/packages/pkg/', 'a folder of a monorepo')
  for (const field of [undefined, {}, { url: 42 }, 'https://gitlab.com/owner/pkg', 'bitbucket:owner/pkg']) {
    t.equal(repositoryFilesUrl(field), undefined, `${JSON.stringify(field)}: no address known`)
  }
})

t.test('a README without a repository block, or with one not closed by a rule, keeps its text', async (t) => {
  t.equal(packageReadme('# pkg\n\nText.\n'), '# pkg\n\nText.\n')
  t.equal(packageReadme('# pkg\n\n**In this repository** no rule\n'), '# pkg\n\n**In this repository** no rule\n')
})

t.test('anchors are GitHub\'s', async (t) => {
  t.equal(anchorOf('Hook: `onSessionCreated`'), 'hook-onsessioncreated')
  t.equal(anchorOf('Using Incode\'s sample front ends'), 'using-incodes-sample-front-ends')
  t.equal(anchorOf('Testing your app with `fastify-incode/testing`'), 'testing-your-app-with-fastify-incodetesting')
})

t.test('prepack swaps the package README in, postpack the repository\'s back', async (t) => {
  const dir = await mkdtemp(`${tmpdir()}/package-readme-`)
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  await writeFile(`${dir}/package.json`, manifest({ name: 'pkg' }))
  await writeFile(`${dir}/README.md`, repository)
  prepack(dir)
  t.equal(await readFile(`${dir}/README.md`, 'utf8'), expected)
  t.equal(await readFile(`${dir}/.README.repository.md`, 'utf8'), repository)
  postpack(dir)
  t.equal(await readFile(`${dir}/README.md`, 'utf8'), repository)
  t.notOk(existsSync(`${dir}/.README.repository.md`))
  postpack(dir)
  t.equal(await readFile(`${dir}/README.md`, 'utf8'), repository, 'a second postpack changes nothing')
})

t.test('after an interrupted pack, prepack starts from the repository README kept aside', async (t) => {
  const dir = await mkdtemp(`${tmpdir()}/package-readme-`)
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  await writeFile(`${dir}/package.json`, manifest({ name: 'pkg' }))
  await writeFile(`${dir}/README.md`, repository)
  prepack(dir)
  prepack(dir)
  t.equal(await readFile(`${dir}/README.md`, 'utf8'), expected)
  postpack(dir)
  t.equal(await readFile(`${dir}/README.md`, 'utf8'), repository)
})

t.test('after an interrupted pack and an edit of README.md, prepack stops and touches nothing', async (t) => {
  const dir = await mkdtemp(`${tmpdir()}/package-readme-`)
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  await writeFile(`${dir}/package.json`, manifest({ name: 'pkg' }))
  await writeFile(`${dir}/README.md`, repository)
  prepack(dir)
  await writeFile(`${dir}/README.md`, `${expected}An edit.\n`)
  t.throws(() => prepack(dir), /has changed since: merge them by hand/)
  t.equal(await readFile(`${dir}/README.md`, 'utf8'), `${expected}An edit.\n`)
  t.equal(await readFile(`${dir}/.README.repository.md`, 'utf8'), repository)
})

t.test('prepack takes the repository\'s address from package.json', async (t) => {
  const dir = await mkdtemp(`${tmpdir()}/package-readme-`)
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  await writeFile(`${dir}/package.json`, manifest({ name: 'pkg', repository: { type: 'git', url: 'git+https://github.com/owner/pkg.git' } }))
  await writeFile(`${dir}/README.md`, repository)
  prepack(dir)
  t.equal(await readFile(`${dir}/README.md`, 'utf8'), onGitHub)
  prepack(dir)
  t.equal(await readFile(`${dir}/README.md`, 'utf8'), onGitHub, 'an interrupted pack is recognised with the same address')
  postpack(dir)
  t.equal(await readFile(`${dir}/README.md`, 'utf8'), repository)
})

t.test('the packed package.json leaves out allowScripts, which only the repository\'s install reads', async (t) => {
  const repositoryManifest = manifest({ name: 'pkg', version: '1.0.0', allowScripts: { 'better-sqlite3': true }, keywords: ['a'] })
  t.equal(packageManifest(repositoryManifest), manifest({ name: 'pkg', version: '1.0.0', keywords: ['a'] }))
  const dir = await mkdtemp(`${tmpdir()}/package-readme-`)
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  await writeFile(`${dir}/package.json`, repositoryManifest)
  await writeFile(`${dir}/README.md`, repository)
  prepack(dir)
  t.equal(await readFile(`${dir}/package.json`, 'utf8'), packageManifest(repositoryManifest))
  t.equal(await readFile(`${dir}/.package.repository.json`, 'utf8'), repositoryManifest)
  prepack(dir)
  t.equal(await readFile(`${dir}/package.json`, 'utf8'), packageManifest(repositoryManifest), 'after an interrupted pack too')
  postpack(dir)
  t.equal(await readFile(`${dir}/package.json`, 'utf8'), repositoryManifest, 'put back as it was, byte for byte')
  t.notOk(existsSync(`${dir}/.package.repository.json`))
  await writeFile(`${dir}/package.json`, manifest({ name: 'pkg' }))
  prepack(dir)
  t.notOk(existsSync(`${dir}/.package.repository.json`), 'nothing to leave out: package.json is not touched')
  postpack(dir)
})
