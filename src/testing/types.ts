// Every public type of fastify-incode/testing, its documentation; internal types stay beside their code.
import type { IncomingHttpHeaders } from 'node:http'

export interface FakeIncodeOptions {
  /** The key `/omni/start` accepts in `x-api-key`. Default: a random `fake-api-key-<hex>`. */
  apiKey?: string
  /** When given, `/omni/start` answers 400 for any other `configurationId`. Default: any non-empty string. */
  configurationIds?: string[]
  /** Reported as `clientId` in start answers; a different `?clientId=` on onboarding-url is a 400. Default `'fake-client'`. */
  clientId?: string
  /** Delays every answer, faulted or not (but not the 413 for a body over 1 MiB), by this many ms. Default 0. */
  latencyMs?: number
  /** Default 0: a free port. */
  port?: number
  /**
   * How many of the newest requests `requests` keeps, and of the newest sessions `sessions`
   * keeps; older ones are dropped. A dropped session's token is unknown again (401 on
   * onboarding-url) and its onboarding page a 404. An integer ≥ 1; default 5000.
   */
  maxRecorded?: number
  /**
   * Ends a connection once it has been idle (no request in progress, the last answer sent) this
   * many ms, as a load balancer does, and never announces it: no `Keep-Alive` header. An integer
   * ≥ 1. Default: Node's own keep-alive handling (`Keep-Alive: timeout=5`, closed after 5 s).
   */
  idleTimeoutMs?: number
  /**
   * How an idle connection ends (needs `idleTimeoutMs`). `'fin'` (default): the fake closes it,
   * as a load balancer closing an idle connection. `'reset'`: the fake forgets it without a word,
   * as a load balancer that dropped its state, and answers the next bytes the client sends on it
   * with a TCP RST; they are never read or recorded. Until then it still counts in
   * `activeConnections`.
   */
  idleClose?: IdleClose
}

/** `fin`: close the connection. `reset`: forget it, and answer whatever comes next with a TCP RST. */
export type IdleClose = 'fin' | 'reset'

/** One request as the fake received it. */
export interface RecordedRequest {
  method: string
  /** The pathname only; the query string is in `query`. */
  path: string
  query: Record<string, string>
  headers: IncomingHttpHeaders
  /** Parsed JSON; the raw text when it is not JSON; undefined when empty (or over the 1 MiB cap). */
  body: unknown
  receivedAt: Date
}

/** A session the fake started on `POST /omni/start`. */
export interface FakeSession {
  /** 24 lowercase hex characters, like Incode's Mongo-style ids. */
  interviewId: string
  /** JWT-shaped session token, what `/0/...` calls send as `X-Incode-Hardware-Id`. */
  token: string
  /** 6 uppercase letters or digits. */
  interviewCode: string
  configurationId: string
  /** The `/omni/start` body as received. */
  body: Record<string, unknown>
  createdAt: Date
}

export interface FakeIncode {
  /** `http://127.0.0.1:<port>`, to use as the plugin's `apiUrl`. */
  readonly url: string
  readonly apiKey: string
  readonly clientId: string
  /**
   * The newest `maxRecorded` requests received, in order, including rejected and faulted ones.
   * Always the same array: `reset()` empties it and the oldest are shifted out of it.
   */
  readonly requests: RecordedRequest[]
  /** interviewId → the session `/omni/start` created; the newest `maxRecorded` of them. */
  readonly sessions: Map<string, FakeSession>
  /** Requests recorded since start or `reset()`, those dropped from `requests` included. */
  readonly requestsReceived: number
  /** Sessions `/omni/start` created since start or `reset()`, those dropped from `sessions` included. */
  readonly sessionsCreated: number
  /** TCP connections accepted since start or `reset()`. */
  readonly connectionsOpened: number
  readonly activeConnections: number
  /** Most connections open at once since start or `reset()`. */
  readonly peakConnections: number
  requestsTo (path: string): RecordedRequest[]
  /**
   * Misbehave on the next `times` requests to `path`, before any check of the request. Faults
   * queued this way are used first, oldest first.
   */
  failNext (fault: FakeIncodeFault, target?: FaultTarget): void
  /**
   * Misbehave on every request to `path` that no `failNext` fault claims; the newest wins.
   * Random faults (`failRandomly`) come first.
   */
  failAlways (fault: FakeIncodeFault, target?: Pick<FaultTarget, 'path'>): void
  /**
   * Misbehave at random: each request to `options.path` (default any) that no `failNext` fault
   * claims gets, with probability `options.rate` (0 to 1), one of `faults` picked at random.
   * Comes before `failAlways`; several such rules roll in turn, newest first, until one faults.
   * Lasts until `clearFaults()` or `reset()`.
   */
  failRandomly (faults: FakeIncodeFault | FakeIncodeFault[], options: RandomFaultOptions): void
  /** Disarms every `failNext`, `failRandomly` and `failAlways` fault. */
  clearFaults (): void
  /** Forgets requests, sessions, faults and every count (the peak restarts at the open count). */
  reset (): void
  /** Stops the server and destroys every open socket, hung ones too. Safe to call twice. */
  close (): Promise<void>
}

/** The Incode paths a fault can be aimed at. */
export type FakeIncodePath = '/omni/start' | '/0/omni/onboarding-url'

export type FakeIncodeFault =
  /** Answer this status. An object body is sent as JSON, a string as text/plain, none as an empty body. */
  | { type: 'status', status: number, body?: unknown, headers?: Record<string, string> }
  /** 200, `content-type: application/json`, and a body that is not JSON. */
  | { type: 'garbage' }
  /** 200 with this JSON body instead of the normal answer. */
  | { type: 'json', body: unknown }
  /** Wait, then answer normally. */
  | { type: 'delay', ms: number }
  /** `headers` (default): never answer. `body`: send 200 headers and part of a JSON body, never finish. */
  | { type: 'hang', phase?: 'headers' | 'body' }
  /** 200 headers, then one byte of body every `intervalMs` (default 50), forever. */
  | { type: 'trickle', intervalMs?: number }
  /** Destroy the socket before any response byte (default), or after the headers and part of the body. */
  | { type: 'drop', phase?: 'before-headers' | 'after-headers' }

export interface FaultTarget {
  /** Default: any path. */
  path?: FakeIncodePath
  /** How many matching requests get the fault. Default 1. */
  times?: number
}

export interface RandomFaultOptions {
  /** The chance, from 0 to 1, that a matching request gets a fault. */
  rate: number
  /** Default: any path. */
  path?: FakeIncodePath
  /**
   * Returns a number in [0, 1), as `Math.random` (the default) does; pass a scripted one for a
   * repeatable test. Called once per matching request (a fault when below `rate`), then once
   * more when it faults, to pick one of the faults (`Math.floor(random() * faults.length)`).
   */
  random?: () => number
}
