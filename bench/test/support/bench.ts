// How the benchmark's tests run it: as `npm run bench` does, in plain Node child processes.
import { execFile } from 'node:child_process'
import { once } from 'node:events'
import { Server as HttpServer } from 'node:http'
import { createServer as createNetServer, type AddressInfo, type Server } from 'node:net'
import type { Test } from 'tap'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { deserialize, serialize } from 'node:v8'

// The benchmark is plain JavaScript run by plain Node, as `npm run bench` runs it, so every test
// runs it in a child process and never imports it here: the code tested is the code that runs
// (and its coverage is counted once, not against a transpiled copy). The end-to-end test runs the
// whole of it; the parts with logic (options, summary, targets, chart, report, the soak's
// browsers, the webhook burst's deliveries) are called one function at a time through callBench.
export const run = promisify(execFile)
// The repository's root: `npm run bench` runs `node bench/run.js` from there.
export const root = fileURLToPath(new URL('../../..', import.meta.url))

// Calls bench/<file>'s export <name> with arguments and result cloned through v8.serialize, so that
// NaN, Infinity and errors cross as they are.
const CALL = `
  import { deserialize, serialize } from 'node:v8'
  const [file, name, input] = process.argv.slice(1)
  let output
  try {
    output = { value: await (await import(file))[name](...deserialize(Buffer.from(input, 'base64'))) }
  } catch (error) {
    output = { error }
  }
  process.stdout.write(serialize(output).toString('base64'))
`

/** Calls a function of bench/ in a plain Node process and resolves to its result, or rejects with its error. */
export async function callBench<F extends (...args: any[]) => unknown> (
  file: string, name: string, ...args: Parameters<F>
): Promise<Awaited<ReturnType<F>>> {
  const input = serialize(args).toString('base64')
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', CALL, new URL(`../../${file}`, import.meta.url).href, name, input])
  const output = deserialize(Buffer.from(stdout, 'base64')) as { value: Awaited<ReturnType<F>> } | { error: unknown }
  if ('error' in output) throw output.error
  return output.value
}

/** Splits the Markdown tables of a text into rows of trimmed cells (rule rows included). */
export function tableRows (text: string): string[][] {
  return text.split('\n').filter((line) => line.startsWith('|'))
    .map((line) => line.split('|').slice(1, -1).map((cell) => cell.trim()))
}

/**
 * Listens on loopback, closed (its connections too) when the test ends; resolves to its origin.
 * @param server an HTTP server, or a TCP one
 */
export async function listenOnLoopback (t: Test, server: Server): Promise<string> {
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => {
    if (server instanceof HttpServer) server.closeAllConnections()
    server.close()
  })
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

/** A server that cuts every connection as soon as a request arrives. */
export function createCutter (): Server {
  return createNetServer((socket) => socket.once('data', () => socket.destroy()))
}
