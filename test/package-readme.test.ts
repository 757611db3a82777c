import t from 'tap'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { anchorOf, packageReadme, postpack, prepack } from '../scripts/package-readme.js'

// Issue 12: the README npm shows is derived from the repository's by scripts/package-readme.js
// (prepack), and the repository's is put back after (postpack), even after an interrupted pack.
// test/package-tarball.test.ts checks the README of the real tarball, packed by npm, whose
// prepack and postpack run scripts/prepack.js and scripts/postpack.js.

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

t.test('the package README: no repository block, section, sentence or link out; code as it is', async (t) => {
  t.equal(packageReadme(repository), expected)
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
  await writeFile(`${dir}/README.md`, repository)
  prepack(dir)
  await writeFile(`${dir}/README.md`, `${expected}An edit.\n`)
  t.throws(() => prepack(dir), /has changed since: merge them by hand/)
  t.equal(await readFile(`${dir}/README.md`, 'utf8'), `${expected}An edit.\n`)
  t.equal(await readFile(`${dir}/.README.repository.md`, 'utf8'), repository)
})
