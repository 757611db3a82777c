// The CommonJS build's entry, run after `tsc -p tsconfig.build.cjs.json`: tsc cannot emit
// `module.exports =` from an ES module, and Fastify's own plugins make `require()` return the
// plugin itself with every export as a property of it (.default, .fastifyIncode, …), typed by
// `export =` and a namespace. This writes that entry (dist/cjs/main.js and main.d.ts) from the
// exports of dist/cjs/index.d.ts, so src/index.ts stays the one list of what the package exports.
import { writeFileSync } from 'node:fs'
import { dirname, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

/**
 * The exports of a declaration file, without `default`, each with the module that declares it
 * (relative, './types.js'): a namespace can alias a type only from where it is declared, not
 * through an `export type { … } from` re-export.
 */
export function exportsOf (declarationFile) {
  const program = ts.createProgram([declarationFile], {
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    types: [],
    noEmit: true
  })
  const checker = program.getTypeChecker()
  const module = checker.getSymbolAtLocation(program.getSourceFile(declarationFile))
  return checker.getExportsOfModule(module).filter(({ name }) => name !== 'default').map((symbol) => {
    const declared = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol
    const file = declared.declarations[0].getSourceFile().fileName
    const from = `./${relative(dirname(declarationFile), file).replace(/\.d\.ts$/, '.js')}`
    return { name: symbol.name, from }
  })
}

/** The CommonJS entry and its declarations, for a module (./index.js) whose plugin export is `plugin`. */
export function cjsEntry (exported, plugin) {
  const modules = [...new Set(['./index.js', ...exported.map(({ from }) => from)])]
  const alias = (from) => from === './index.js' ? 'api' : `_${from.slice(2, -3).replace(/\W/g, '_')}`
  const js = `'use strict'
// require('fastify-incode') is the plugin, as with Fastify's own plugins; every export is also a property of it.
const api = require('./index.js')
module.exports = Object.assign(api.${plugin}, api)
`
  const dts = `${modules.map((from) => `import * as ${alias(from)} from '${from}'`).join('\n')}
declare function ${plugin} (...params: Parameters<typeof api.${plugin}>): ReturnType<typeof api.${plugin}>
declare namespace ${plugin} {
${exported.map(({ name, from }) => `  export import ${name} = ${alias(from)}.${name}`).join('\n')}
  export { ${plugin} as default }
}
export = ${plugin}
`
  return { js, dts }
}

/** Writes dist/cjs/package.json (the build is CommonJS although the package is "type": "module") and the entry. */
export function writeCjsEntry (cjsDir) {
  const index = `${cjsDir}index.d.ts`
  const exported = exportsOf(index)
  if (!exported.some(({ name }) => name === 'fastifyIncode')) throw new Error(`${index} does not export fastifyIncode`)
  const { js, dts } = cjsEntry(exported, 'fastifyIncode')
  writeFileSync(`${cjsDir}package.json`, '{ "type": "commonjs" }\n')
  writeFileSync(`${cjsDir}main.js`, js)
  writeFileSync(`${cjsDir}main.d.ts`, dts)
}

if (process.argv[1] === fileURLToPath(import.meta.url)) writeCjsEntry(fileURLToPath(new URL('../dist/cjs/', import.meta.url)))
