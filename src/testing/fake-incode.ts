import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { createServer, STATUS_CODES } from 'node:http'
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { FaultPlan } from './faults.js'
import type { FakeIncodeFault, FaultTarget, RandomFaultOptions } from './faults.js'
import { endIdleConnections, resolveIdleOptions } from './idle-connections.js'
import type { IdleClose } from './idle-connections.js'
import { createSession } from './session.js'
import type { FakeSession } from './session.js'

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

const MAX_BODY_BYTES = 1024 * 1024
const START_PATH = '/omni/start'
const ONBOARDING_URL_PATH = '/0/omni/onboarding-url'
const ONBOARDING_PAGE_PREFIX = '/onboarding/'
const JSON_TYPE = 'application/json'
// What a proxy's error page looks like to a client that trusted the content-type.
const GARBAGE_BODY = '<html><body><h1>502 Bad Gateway</h1></body></html>'
// The start of a plausible answer, so a client cannot tell a cut body from a slow one.
const PARTIAL_BODY = '{"token":"eyJhbGciOiJIUzI1NiJ9.'
const OPTIONAL_START_STRINGS = ['externalCustomerId', 'redirectionUrl', 'language', 'countryCode']
const TOO_LARGE = Symbol('body over the cap')

/** One request and the response the fake owes it. */
interface Exchange {
  req: IncomingMessage
  res: ServerResponse
  recorded: RecordedRequest
}

interface Endpoint {
  method: string
  apiVersioned: boolean
  answer: (exchange: Exchange) => void
}

const DEFAULT_MAX_RECORDED = 5000

export async function createFakeIncode (options: FakeIncodeOptions = {}): Promise<FakeIncode> {
  const fake = new FakeIncodeServer(options)
  await fake.listen(options.port ?? 0)
  return fake
}

class FakeIncodeServer implements FakeIncode {
  readonly apiKey: string
  readonly clientId: string
  readonly requests: RecordedRequest[] = []
  readonly sessions = new Map<string, FakeSession>()
  readonly #configurationIds: readonly string[] | undefined
  readonly #latencyMs: number
  readonly #maxRecorded: number
  readonly #server: Server
  readonly #sockets = new Set<Socket>()
  readonly #sessionsByToken = new Map<string, FakeSession>()
  // Oldest first, so the session to drop is found without walking a Map.
  readonly #sessionsInOrder: FakeSession[] = []
  readonly #faults = new FaultPlan()
  #url = ''
  #requestsReceived = 0
  #sessionsCreated = 0
  #connectionsOpened = 0
  #peakConnections = 0
  #closing: Promise<void> | undefined

  constructor (options: FakeIncodeOptions) {
    this.apiKey = options.apiKey ?? `fake-api-key-${randomBytes(8).toString('hex')}`
    this.clientId = options.clientId ?? 'fake-client'
    this.#configurationIds = options.configurationIds?.slice()
    this.#latencyMs = options.latencyMs ?? 0
    this.#maxRecorded = options.maxRecorded ?? DEFAULT_MAX_RECORDED
    if (!Number.isInteger(this.#maxRecorded) || this.#maxRecorded < 1) {
      throw new RangeError(`maxRecorded must be a positive integer, got ${this.#maxRecorded}`)
    }
    const idle = resolveIdleOptions(options)
    this.#server = createServer()
    this.#server.on('connection', (socket) => this.#track(socket))
    this.#server.on('request', (req, res) => this.#receive(req, res))
    if (idle !== undefined) endIdleConnections(this.#server, idle)
  }

  get url (): string { return this.#url }
  get requestsReceived (): number { return this.#requestsReceived }
  get sessionsCreated (): number { return this.#sessionsCreated }
  get connectionsOpened (): number { return this.#connectionsOpened }
  get activeConnections (): number { return this.#sockets.size }
  get peakConnections (): number { return this.#peakConnections }

  async listen (port: number): Promise<void> {
    this.#server.listen(port, '127.0.0.1')
    await once(this.#server, 'listening')
    this.#url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`
  }

  requestsTo (path: string): RecordedRequest[] {
    return this.requests.filter((request) => request.path === path)
  }

  failNext (fault: FakeIncodeFault, target?: FaultTarget): void {
    this.#faults.failNext(fault, target)
  }

  failAlways (fault: FakeIncodeFault, target?: Pick<FaultTarget, 'path'>): void {
    this.#faults.failAlways(fault, target)
  }

  failRandomly (faults: FakeIncodeFault | FakeIncodeFault[], options: RandomFaultOptions): void {
    this.#faults.failRandomly(faults, options)
  }

  clearFaults (): void {
    this.#faults.clear()
  }

  reset (): void {
    // Emptied in place, so a test holding `fake.requests` sees the reset.
    this.requests.length = 0
    this.sessions.clear()
    this.#sessionsByToken.clear()
    this.#sessionsInOrder.length = 0
    this.clearFaults()
    this.#requestsReceived = 0
    this.#sessionsCreated = 0
    this.#connectionsOpened = 0
    this.#peakConnections = this.#sockets.size
  }

  close (): Promise<void> {
    this.#closing ??= this.#shutDown()
    return this.#closing
  }

  async #shutDown (): Promise<void> {
    const serverClosed = new Promise((resolve) => this.#server.close(resolve))
    // Destroying the sockets (forgotten idle ones too) closes their responses, which clears the
    // delay and trickle timers tied to them, and clears their idle timers: nothing is left to
    // keep the process alive.
    const socketsClosed = [...this.#sockets].map((socket) => {
      socket.destroy()
      return new Promise((resolve) => socket.once('close', resolve))
    })
    await Promise.all([serverClosed, ...socketsClosed])
  }

  #track (socket: Socket): void {
    this.#connectionsOpened++
    this.#sockets.add(socket)
    this.#peakConnections = Math.max(this.#peakConnections, this.#sockets.size)
    socket.once('close', () => this.#sockets.delete(socket))
  }

  #receive (req: IncomingMessage, res: ServerResponse): void {
    const receivedAt = new Date()
    readBody(req).then(
      (raw) => this.#answer({ req, res, recorded: record(req, raw, receivedAt, this.#url) }, raw),
      () => {
        // The client left before its body arrived: there is nobody to answer.
      }
    )
  }

  #answer (exchange: Exchange, raw: Buffer | typeof TOO_LARGE): void {
    this.#requestsReceived++
    this.requests.push(exchange.recorded)
    // O(1) while V8 can move an array's start in place, which it does up to about 10 000
    // elements (Node 20); a bigger maxRecorded pays a copy of the array per request.
    if (this.requests.length > this.#maxRecorded) this.requests.shift()
    if (raw === TOO_LARGE) {
      exchange.res.setHeader('connection', 'close')
      sendError(exchange, 413, 'The request body is over 1 MiB')
      return
    }
    // Claimed on arrival, so the order of requests, not of answers, decides who gets a fault.
    const fault = this.#faults.take(exchange.recorded.path)
    after(exchange.res, this.#latencyMs, () => {
      if (fault === undefined) this.#route(exchange)
      else this.#misbehave(exchange, fault)
    })
  }

  #misbehave (exchange: Exchange, fault: FakeIncodeFault): void {
    const { req, res } = exchange
    switch (fault.type) {
      case 'status':
        sendStatusFault(res, fault)
        break
      case 'garbage':
        send(res, 200, { 'content-type': JSON_TYPE }, GARBAGE_BODY)
        break
      case 'json':
        send(res, 200, { 'content-type': JSON_TYPE }, JSON.stringify(fault.body))
        break
      case 'delay':
        after(res, fault.ms, () => this.#route(exchange))
        break
      case 'hang':
        if (fault.phase === 'body') {
          res.writeHead(200, { 'content-type': JSON_TYPE })
          res.write(PARTIAL_BODY)
        }
        break
      case 'trickle': {
        res.writeHead(200, { 'content-type': JSON_TYPE })
        res.flushHeaders()
        // Whitespace keeps the body valid JSON so far: only a deadline can end the wait.
        const timer = setInterval(() => res.write(' '), fault.intervalMs ?? 50)
        res.once('close', () => clearInterval(timer))
        break
      }
      case 'drop':
        if (fault.phase === 'after-headers') {
          // A length the body never reaches: the client sees a cut answer, not a short one.
          res.writeHead(200, { 'content-type': JSON_TYPE, 'content-length': '1024' })
          res.write(PARTIAL_BODY, () => req.socket.destroy())
        } else {
          req.socket.destroy()
        }
        break
    }
  }

  #route (exchange: Exchange): void {
    const { method, path } = exchange.recorded
    const endpoint = this.#endpointAt(path)
    if (endpoint === undefined) {
      sendError(exchange, 404, 'No such endpoint')
    } else if (method !== endpoint.method) {
      sendError(exchange, 405, `Request method '${method}' is not supported`, { allow: endpoint.method })
    } else if (endpoint.apiVersioned && exchange.recorded.headers['api-version'] !== '1.0') {
      sendError(exchange, 400, 'Missing or unsupported api-version header')
    } else {
      endpoint.answer(exchange)
    }
  }

  #endpointAt (path: string): Endpoint | undefined {
    if (path === START_PATH) {
      return { method: 'POST', apiVersioned: true, answer: (exchange) => this.#startSession(exchange) }
    }
    if (path === ONBOARDING_URL_PATH) {
      return { method: 'GET', apiVersioned: true, answer: (exchange) => this.#sendOnboardingUrl(exchange) }
    }
    if (path.startsWith(ONBOARDING_PAGE_PREFIX)) {
      return { method: 'GET', apiVersioned: false, answer: (exchange) => this.#sendOnboardingPage(exchange) }
    }
    return undefined
  }

  #startSession (exchange: Exchange): void {
    const { headers, body } = exchange.recorded
    if (headers['x-api-key'] !== this.apiKey) {
      sendError(exchange, 403, 'Invalid or missing API key')
      return
    }
    const problem = findStartBodyProblem(headers['content-type'], body, this.#configurationIds)
    if (problem !== undefined) {
      sendError(exchange, 400, problem)
      return
    }
    const startBody = body as Record<string, unknown> & { configurationId: string }
    const session = createSession(startBody.configurationId, startBody)
    this.#keepSession(session)
    sendJson(exchange, 200, {
      token: session.token,
      interviewId: session.interviewId,
      interviewCode: session.interviewCode,
      flowType: 'flow',
      clientId: this.clientId,
      env: 'demo',
      existingSession: false,
      idCaptureTimeout: 16,
      selfieCaptureTimeout: 16,
      idCaptureRetries: 3,
      selfieCaptureRetries: 3,
      curpValidationRetries: 1
    })
  }

  #keepSession (session: FakeSession): void {
    this.#sessionsCreated++
    this.sessions.set(session.interviewId, session)
    this.#sessionsByToken.set(session.token, session)
    this.#sessionsInOrder.push(session)
    if (this.#sessionsInOrder.length > this.#maxRecorded) {
      // Its token goes too: a dropped session is as unknown as one never started.
      const dropped = this.#sessionsInOrder.shift() as FakeSession
      this.sessions.delete(dropped.interviewId)
      this.#sessionsByToken.delete(dropped.token)
    }
  }

  #sendOnboardingUrl (exchange: Exchange): void {
    const { headers, query } = exchange.recorded
    const token = headers['x-incode-hardware-id']
    const session = typeof token === 'string' ? this.#sessionsByToken.get(token) : undefined
    if (session === undefined) {
      sendError(exchange, 401, 'Invalid or missing session token')
    } else if (query.clientId !== undefined && query.clientId !== this.clientId) {
      sendError(exchange, 400, 'Unknown clientId')
    } else {
      // Embeds the token, as Incode's URLs may: clients must treat the URL as a secret.
      sendJson(exchange, 200, { url: `${this.#url}/onboarding/${session.interviewId}?token=${session.token}` })
    }
  }

  #sendOnboardingPage (exchange: Exchange): void {
    const interviewId = exchange.recorded.path.slice(ONBOARDING_PAGE_PREFIX.length)
    if (!this.sessions.has(interviewId)) {
      sendError(exchange, 404, 'Unknown interview')
      return
    }
    // Only a known id reaches the page, and ids are hex: nothing here needs escaping.
    sendAnswer(exchange, 200, 'text/html; charset=utf-8',
      `<!doctype html><title>Fake Incode</title><p>Fake Incode onboarding for interview ${interviewId}</p>`)
  }
}

/** Collects the whole body, up to the cap; rejects when the client leaves before the end. */
function readBody (req: IncomingMessage): Promise<Buffer | typeof TOO_LARGE> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_BODY_BYTES) {
        req.removeAllListeners('data')
        req.pause()
        resolve(TOO_LARGE)
      } else {
        chunks.push(chunk)
      }
    })
    req.once('end', () => resolve(Buffer.concat(chunks)))
    // After 'end' or the cap this is a no-op: a promise settles once.
    req.once('close', () => reject(new Error('request closed before its body arrived')))
  })
}

function record (req: IncomingMessage, raw: Buffer | typeof TOO_LARGE, receivedAt: Date, base: string): RecordedRequest {
  // The server always sets method and url on the requests it emits.
  const url = new URL(req.url as string, base)
  return {
    method: req.method as string,
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers: req.headers,
    body: raw === TOO_LARGE ? undefined : parseBody(raw),
    receivedAt
  }
}

function parseBody (raw: Buffer): unknown {
  if (raw.length === 0) return undefined
  const text = raw.toString('utf8')
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

function findStartBodyProblem (contentType: string | undefined, body: unknown, configurationIds: readonly string[] | undefined): string | undefined {
  if (!/^application\/json\s*(;|$)/i.test(contentType ?? '')) return 'Content-Type must be application/json'
  if (!isObject(body)) return 'The body must be a JSON object'
  const { configurationId } = body
  if (typeof configurationId !== 'string' || configurationId === '') return 'configurationId is required'
  if (configurationIds !== undefined && !configurationIds.includes(configurationId)) return 'Unknown configurationId'
  const wrong = OPTIONAL_START_STRINGS.find((key) => key in body && typeof body[key] !== 'string')
  if (wrong !== undefined) return `${wrong} must be a string`
  if ('customFields' in body && !isStringMap(body.customFields)) return 'customFields must be an object of strings'
  return undefined
}

function isObject (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isStringMap (value: unknown): boolean {
  return isObject(value) && Object.values(value).every((entry) => typeof entry === 'string')
}

/** Runs `fn` after `ms`, unless the response closes first (client gone, or `close()`). */
function after (res: ServerResponse, ms: number, fn: () => void): void {
  if (ms <= 0) {
    fn()
    return
  }
  const timer = setTimeout(fn, ms)
  res.once('close', () => clearTimeout(timer))
}

function sendStatusFault (res: ServerResponse, fault: Extract<FakeIncodeFault, { type: 'status' }>): void {
  const headers: Record<string, string> = {}
  let payload = ''
  if (typeof fault.body === 'string') {
    headers['content-type'] = 'text/plain; charset=utf-8'
    payload = fault.body
  } else if (fault.body !== undefined) {
    headers['content-type'] = JSON_TYPE
    payload = JSON.stringify(fault.body)
  }
  send(res, fault.status, { ...headers, ...fault.headers }, payload)
}

/** Incode's error shape: `{ timestamp, status, error, message, path }`. */
function sendError (exchange: Exchange, status: number, message: string, headers: Record<string, string> = {}): void {
  sendJson(exchange, status, {
    timestamp: Date.now(),
    status,
    error: STATUS_CODES[status],
    message,
    path: exchange.recorded.path
  }, headers)
}

function sendJson (exchange: Exchange, status: number, body: unknown, headers: Record<string, string> = {}): void {
  sendAnswer(exchange, status, JSON_TYPE, JSON.stringify(body), headers)
}

/** A normal answer: carries `Processing-Time` as Incode's do. */
function sendAnswer (exchange: Exchange, status: number, contentType: string, payload: string, headers: Record<string, string> = {}): void {
  send(exchange.res, status, {
    'content-type': contentType,
    'processing-time': String(Date.now() - exchange.recorded.receivedAt.getTime()),
    ...headers
  }, payload)
}

function send (res: ServerResponse, status: number, headers: Record<string, string>, payload: string): void {
  res.statusCode = status
  // setHeader is case-insensitive, so a fault's 'Content-Type' replaces the default one.
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value)
  res.end(payload)
}
