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
    // A sync throw rejects run(); a callback that returns at once needs no deadline.
    const pending = call(context)
    if (!isThenable(pending)) return pending
    let timer: NodeJS.Timeout | undefined
    try {
      return await new Promise<T>((resolve, reject) => {
        timer = setTimeout(() => {
          const error = Object.assign(new HookTimeoutError(), { hook: name })
          CallbackContext.abort(context, error)
          reject(error)
        }, this.timeout)
        pending.then(resolve, reject)
      })
    } finally {
      clearTimeout(timer)
      CallbackContext.release(context)
    }
  }

  /** Tells every running callback that the server is closing. */
  abortAll (): void {
    const reason = new DOMException('The server is closing', 'AbortError')
    for (const controller of this.#live) controller.abort(reason)
  }
}

/**
 * What a callback is given: its signal, made on first use (most callbacks never read it), and then
 * kept among the live ones until the callback ends. The rest is static, out of the host's sight.
 */
class CallbackContext implements HostCallbackContext {
  #controller: AbortController | undefined
  readonly #live: Set<AbortController>

  constructor (live: Set<AbortController>) {
    this.#live = live
  }

  get signal (): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController()
      this.#live.add(this.#controller)
    }
    return this.#controller.signal
  }

  static abort (context: CallbackContext, reason: unknown): void {
    context.#controller?.abort(reason)
  }

  static release (context: CallbackContext): void {
    if (context.#controller !== undefined) context.#live.delete(context.#controller)
  }
}

function isThenable<T> (value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function'
}

/** The callbacks of one encapsulated context, told when the server starts closing. */
export function hostCallbacksOf (fastify: FastifyInstance, timeout: number): HostCallbacks {
  const callbacks = new HostCallbacks(timeout)
  // So that a host's write can stop at once rather than hold the shutdown for hookTimeout.
  fastify.addHook('preClose', function abortHostCallbacks (done) {
    callbacks.abortAll()
    done()
  })
  return callbacks
}
