import t from 'tap'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

// Issue 12: every TypeScript sample in the README compiles, as it is written there, under strict
// TypeScript against the built package (dist/, as a user gets it). What a sample takes as given
// (your app, database, secrets) is declared in test/readme/prelude.d.ts.

const root = fileURLToPath(new URL('..', import.meta.url))
const generated = `${root}test/readme/.generated/`

t.test('every ```ts block of README.md compiles under strict TypeScript', async (t) => {
  const readme = await readFile(`${root}README.md`, 'utf8')
  const samples = [...readme.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => match[1] as string)
  t.ok(samples.length >= 15, `${samples.length} samples`)

  await rm(generated, { recursive: true, force: true })
  await mkdir(generated, { recursive: true })
  t.teardown(() => rm(generated, { recursive: true, force: true }))
  const files = [`${root}test/readme/prelude.d.ts`]
  for (const [index, sample] of samples.entries()) {
    const file = `${generated}sample-${String(index + 1).padStart(2, '0')}.ts`
    // `export {}` makes each sample a module of its own, as a file of a user's app is.
    await writeFile(file, `${sample}\nexport {}\n`)
    files.push(file)
  }
  await writeFile(`${generated}db.ts`, await readFile(`${root}test/readme/db.ts`, 'utf8'))
  files.push(`${generated}db.ts`)

  const program = ts.createProgram(files, {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: ['node'],
    skipLibCheck: true
  })
  const diagnostics = ts.getPreEmitDiagnostics(program).map((diagnostic) => {
    const where = diagnostic.file === undefined
      ? ''
      : `${diagnostic.file.fileName.replace(root, '')}:${diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start ?? 0).line + 1}: `
    return where + ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')
  })
  t.same(diagnostics, [], 'no compile error in any sample')
})
