// The benchmark's child processes: each server and the fake Incode API get an event loop of their own.
import { fork } from 'node:child_process'
import { once } from 'node:events'
import { readFileSync, writeFileSync } from 'node:fs'
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
   * @returns {Promise<Child>}
   */
  async start (file, args) {
    // The children's stdout goes to stderr: stdout is the results table.
    const child = fork(new URL(file, import.meta.url), args, { stdio: ['ignore', 2, 2, 'ipc'] })
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

  /** Closes every child's IPC channel, which makes it shut down, and kills any that lingers. */
  async stopAll () {
    await Promise.all(this.#started.splice(0).map(async ({ child, exited }) => {
      if (child.connected) child.disconnect()
      await Promise.race([exited, sleep(EXIT_TIMEOUT_MS, undefined, { ref: false })])
      child.kill('SIGKILL')
    }))
  }
}

/**
 * Restarts the peak resident set size of a process at its current size (Linux).
 * @param {number} pid
 */
export function resetPeakRss (pid) {
  writeFileSync(`/proc/${pid}/clear_refs`, '5')
}

/**
 * CPU time a process has used so far, user and system, in ms (Linux, whose /proc counts in
 * hundredths of a second).
 * @param {number} pid
 */
export function cpuTimeMs (pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // The fields after "pid (command)": state is the first, utime the 12th, stime the 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 10
}

/**
 * The peak resident set size of a process since its start or the last resetPeakRss, in MiB (Linux).
 * @param {number} pid
 */
export function peakRssMiB (pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  // "VmHWM:    123456 kB"; NaN if the kernel has no such line.
  return Number.parseInt(status.slice(status.indexOf('VmHWM:') + 'VmHWM:'.length)) / 1024
}
