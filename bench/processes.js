// The benchmark's child processes: each server and the fake Incode API get an event loop of their own.
import { fork } from 'node:child_process'
import { once } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'

const READY_TIMEOUT_MS = 20_000
const REPLY_TIMEOUT_MS = 10_000
const EXIT_TIMEOUT_MS = 5_000

/**
 * @typedef {object} Child
 * @property {number} pid
 * @property {any} ready the first message the child sent: what it listens on
 * @property {(message: unknown) => Promise<any>} ask sends a message and resolves to the child's answer
 */

/**
 * Starts children and stops every one of them. A child stops when its IPC channel closes, so a
 * benchmark that dies, however it dies, leaves no orphan behind.
 */
export class ChildProcesses {
  /** @type {Array<{ child: import('node:child_process').ChildProcess, exited: Promise<unknown> }>} */
  #started = []

  /**
   * Forks `bench/<file>` with `args` and resolves once it has sent its first message.
   * @param {string} file
   * @param {string[]} args
   * @param {{ execArgv?: string[], quiet?: boolean }} [options] `quiet` drops the child's stdout
   *   (a server's log lines under faults), not its stderr
   * @returns {Promise<Child>}
   */
  async start (file, args, { execArgv = [], quiet = false } = {}) {
    // The children's stdout goes to stderr: stdout is the results table.
    const child = fork(new URL(file, import.meta.url), args, { execArgv, stdio: ['ignore', quiet ? 'ignore' : 2, 2, 'ipc'] })
    this.#started.push({ child, exited: once(child, 'exit') })
    // Aborted when the child exits, so that nothing waits for a dead child's message.
    const gone = new AbortController()
    child.once('exit', (code, signal) => gone.abort(new Error(`bench/${file} exited (code ${code}, signal ${signal})`)))
    /** @param {number} ms */
    const nextMessage = async (ms) => {
      const [message] = await once(child, 'message', { signal: AbortSignal.any([gone.signal, AbortSignal.timeout(ms)]) })
      return message
    }
    return {
      pid: /** @type {number} */ (child.pid),
      ready: await nextMessage(READY_TIMEOUT_MS),
      ask: async (message) => {
        child.send(/** @type {import('node:child_process').Serializable} */ (message))
        return await nextMessage(REPLY_TIMEOUT_MS)
      }
    }
  }

  /**
   * Closes every child's IPC channel, which makes it shut down, and kills any that lingers; last
   * started, first stopped, so that the fake Incode API outlives the servers that call it.
   */
  async stopAll () {
    for (const { child, exited } of this.#started.splice(0).reverse()) {
      if (child.connected) child.disconnect()
      await Promise.race([exited, sleep(EXIT_TIMEOUT_MS, undefined, { ref: false })])
      child.kill('SIGKILL')
    }
  }
}
