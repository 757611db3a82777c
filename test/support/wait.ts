import { setTimeout as sleep } from 'node:timers/promises'
import type { Test } from 'tap'

/** Polls `condition` every 10 ms for up to 5 s; throws naming `what` if it never holds. */
export async function until (condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(10)
  }
}

/** Collects every unhandled rejection and uncaught exception while the test runs. */
export function watchUnhandled (t: Test): unknown[] {
  const seen: unknown[] = []
  const onError = (err: unknown): void => { seen.push(err) }
  process.on('unhandledRejection', onError)
  process.on('uncaughtException', onError)
  t.teardown(() => {
    process.off('unhandledRejection', onError)
    process.off('uncaughtException', onError)
  })
  return seen
}
