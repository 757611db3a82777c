// Host code the plugin awaits (onSessionCreated, externalCustomerId, the rate limit's
// keyGenerator …) runs under a deadline, with a signal it may use to cancel its work: no request
// and no app.close() waits for ever on code the plugin does not own.
import type { FastifyInstance } from 'fastify'
import { HookTimeoutError } from './errors.js'
import type { HostCallbackContext } from './types.js'

export class HostCallbacks {
  readonly timeout: number
  /** The signals handed out to callbacks still running. */
  readonly #live = new Set<AbortController>()

  constructor (timeout: number) {
    this.timeout = timeout
  }

  /**
   * Awaits `call` for at most `timeout` ms. A sync throw and a rejection alike reject; past the
   * deadline it rejects with FST_INCODE_HOOK_TIMEOUT (`name` is on the error as `hook`).
   */
  async run<T> (name: string, call: (context: HostCallbackContext) => T | PromiseLike<T>): Promise<T> {
    const context = new CallbackContext(this.#live)
    let timer: NodeJS.Timeout | undefined
    try {
      // A sync throw rejects run(); a callback that returns at once needs no deadline.
      const pending = call(context)
      if (!isThenable(pending)) return pending
      return await new Promise<T>((resolve, reject) => {
        timer = setTimeout(() => {
          const error = Object.assign(new HookTimeoutError(), { hook: name })
          abortContext(context, error)
          reject(error)
        }, this.timeout)
        pending.then(resolve, reject)
      })
    } finally {
      clearTimeout(timer)
      releaseContext(context, this.#live)
    }
  }

  /** Tells every running callback that the server is closing. */
  abortAll (): void {
    const reason = new DOMException('The server is closing', 'AbortError')
    for (const controller of this.#live) controller.abort(reason)
  }
}

/** The signal of each context whose callback asked for one; out of the host's reach. */
const controllers = new WeakMap<CallbackContext, AbortController>()

/** Aborts a context's signal, if the callback asked for one. */
function abortContext (context: CallbackContext, reason: unknown): void {
  controllers.get(context)?.abort(reason)
}

/** Forgets a context's signal once its callback has ended, so that closing does not abort it. */
function releaseContext (context: CallbackContext, live: Set<AbortController>): void {
  const controller = controllers.get(context)
  if (controller !== undefined) live.delete(controller)
}

/**
 * What a callback is given: its signal, made on first use (most callbacks never read it), and then
 * kept among the live ones until the callback ends. A class, as it is made per call: an object
 * literal with a getter costs more.
 */
class CallbackContext implements HostCallbackContext {
  readonly #live: Set<AbortController>

  constructor (live: Set<AbortController>) {
    this.#live = live
  }

  get signal (): AbortSignal {
    let controller = controllers.get(this)
    if (controller === undefined) {
      controller = new AbortController()
      controllers.set(this, controller)
      this.#live.add(controller)
    }
    return controller.signal
  }
}

function isThenable<T> (value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function'
}

/** The callbacks of one plugin instance (its routes and webhook), told when the server starts closing. */
export function hostCallbacksOf (fastify: FastifyInstance, timeout: number): HostCallbacks {
  const callbacks = new HostCallbacks(timeout)
  // So that a host's write can stop at once rather than hold the shutdown for hookTimeout.
  fastify.addHook('preClose', function abortHostCallbacks (done) {
    callbacks.abortAll()
    done()
  })
  return callbacks
}
