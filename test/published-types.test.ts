import t from 'tap'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

// What a TypeScript host compiles against: the declarations reachable from the package's entry
// points (npm run build). They name no TypeBox type, so a host on either TypeBox line (the
// `@sinclair/typebox` 0.34 the routes are built with, or `typebox` 1.x with its provider 6) sees
// no clash, and none of the plugin's internals (the routes' own signal, the resolved settings).

const root = fileURLToPath(new URL('..', import.meta.url))

function reachable (entry: string): Map<string, string> {
  const files = new Map<string, string>()
  const queue = [join(root, entry)]
  while (queue.length > 0) {
    const file = queue.pop() as string
    if (files.has(file)) continue
    const text = readFileSync(file, 'utf8')
    files.set(file, text)
    for (const [, path] of text.matchAll(/from '(\.[^']+)\.js'/g)) queue.push(join(dirname(file), `${path as string}.d.ts`))
  }
  return files
}

for (const entry of ['dist/index.d.ts', 'dist/testing/index.d.ts', 'dist/cjs/main.d.ts']) {
  t.test(`${entry} and what it imports name no TypeBox type and no internal one`, async (t) => {
    const files = reachable(entry)
    t.ok(files.size > 1, `${files.size} declaration files`)
    for (const [file, text] of files) {
      const name = file.slice(root.length)
      t.notMatch(text, /@sinclair\/typebox|type-provider-typebox|from 'typebox'/, `${name}: no TypeBox`)
      t.notMatch(text, /CallAbort|ClientSettings|ForRoute|InternalCallOptions/, `${name}: no internal type`)
    }
  })
}
