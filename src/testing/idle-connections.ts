// Ends idle connections as a load balancer does: after a timeout it never announced.
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { checkInteger } from './checks.js'
import type { IdleClose } from './types.js'

export interface IdleOptions {
  idleTimeoutMs?: number
  idleClose?: IdleClose
}

/** Checks the idle options; undefined when connections may idle as long as Node lets them. */
export function resolveIdleOptions ({ idleTimeoutMs, idleClose }: IdleOptions): Required<IdleOptions> | undefined {
  if (idleTimeoutMs === undefined) {
    if (idleClose !== undefined) throw new TypeError('idleClose needs idleTimeoutMs')
    return undefined
  }
  checkInteger('idleTimeoutMs', idleTimeoutMs, 1)
  if (idleClose !== undefined && idleClose !== 'fin' && idleClose !== 'reset') {
    throw new RangeError(`idleClose must be 'fin' or 'reset', got ${String(idleClose)}`)
  }
  return { idleTimeoutMs, idleClose: idleClose ?? 'fin' }
}

export function endIdleConnections (server: Server, { idleTimeoutMs, idleClose }: Required<IdleOptions>): void {
  // No `Keep-Alive: timeout=…` header and no idle timer of Node's own: the client gets no warning.
  server.keepAliveTimeout = 0
  const connections = new WeakMap<Socket, IdleConnection>()
  server.on('connection', (socket: Socket) => {
    connections.set(socket, new IdleConnection(socket, idleTimeoutMs, idleClose))
  })
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    connections.get(req.socket)?.busyUntilClosed(res)
  })
}

/** One connection's idle timer: running while no request is in progress. */
class IdleConnection {
  readonly #socket: Socket
  readonly #idleTimeoutMs: number
  readonly #idleClose: IdleClose
  #inProgress = 0
  #timer: NodeJS.Timeout | undefined

  constructor (socket: Socket, idleTimeoutMs: number, idleClose: IdleClose) {
    this.#socket = socket
    this.#idleTimeoutMs = idleTimeoutMs
    this.#idleClose = idleClose
    socket.once('close', () => clearTimeout(this.#timer))
    this.#startTimer()
  }

  busyUntilClosed (res: ServerResponse): void {
    this.#inProgress++
    clearTimeout(this.#timer)
    res.once('close', () => {
      if (--this.#inProgress === 0) this.#startTimer()
    })
  }

  #startTimer (): void {
    // A response also closes when its socket does: a timer then would outlive the connection.
    if (this.#socket.destroyed) return
    this.#timer = setTimeout(() => this.#end(), this.#idleTimeoutMs)
  }

  #end (): void {
    if (this.#idleClose === 'fin') {
      this.#socket.destroy()
      return
    }
    // Taken from Node's HTTP parser, so the bytes that come next are never read as a request.
    this.#socket.removeAllListeners('data')
    this.#socket.on('data', () => this.#socket.resetAndDestroy())
  }
}
