// One attempt's request as undici runs it: whether a byte of it was written (which decides what
// may still be cancelled or sent again), and Incode's answer, read up to a cap.
import type { Dispatcher } from 'undici'

export const MAX_RESPONSE_BYTES = 1024 * 1024

/** What became of one request: the answer's status and text, or the error that ended it. */
export interface Outcome {
  /** Whether any byte of the request was written to a connection. */
  sent: boolean
  /** The answer's status, 0 if none came. */
  status: number
  /** The answer's `Retry-After` header, if it had one. */
  retryAfter?: string | undefined
  text: string
  error?: Error
}

/** The undici handler of one attempt's request: tells when it is written, and reads the answer up to a cap. */
export class AttemptHandler implements Dispatcher.DispatchHandler {
  #sent = false
  #dropped: Error | undefined
  #controller: Dispatcher.DispatchController | undefined
  #status = 0
  #retryAfter: string | undefined
  #size = 0
  #chunks: Buffer[] = []
  readonly #settle: (outcome: Outcome) => void

  constructor (settle: (outcome: Outcome) => void) {
    this.#settle = settle
  }

  /** Drops the request unless a byte of it was written; says whether it did. */
  drop (): boolean {
    if (this.#sent) return false
    this.#dropped = new Error('dropped before it was sent')
    return true
  }

  abort (reason: Error): void {
    this.#controller?.abort(reason)
  }

  onRequestStart (controller: Dispatcher.DispatchController): void {
    // Throwing rather than aborting: undici then fails the request without destroying the socket,
    // which stays pooled for the next one.
    if (this.#dropped !== undefined) throw this.#dropped
    this.#sent = true
    this.#controller = controller
  }

  onResponseStart (_controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>): void {
    this.#status = statusCode
    const retryAfter = headers['retry-after']
    if (typeof retryAfter === 'string') this.#retryAfter = retryAfter
  }

  onResponseData (controller: Dispatcher.DispatchController, chunk: Buffer): void {
    // Capped here rather than by the pool, so a host's own dispatcher is capped too.
    this.#size += chunk.length
    if (this.#size > MAX_RESPONSE_BYTES) controller.abort(new RangeError(`Incode's answer is over ${MAX_RESPONSE_BYTES} bytes`))
    else this.#chunks.push(chunk)
  }

  onResponseEnd (): void {
    const chunks = this.#chunks
    const body = chunks.length === 1 ? chunks[0] as Buffer : Buffer.concat(chunks)
    this.#settle({ sent: true, status: this.#status, retryAfter: this.#retryAfter, text: body.toString('utf8') })
  }

  onResponseError (_controller: Dispatcher.DispatchController, error: Error): void {
    this.#settle({ sent: this.#sent, status: this.#status, text: '', error })
  }
}
