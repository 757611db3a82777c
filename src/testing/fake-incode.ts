// The fake as a test holds it: listen, count sockets, record each request, hand it to a fault or an endpoint, complete onboardings, close.
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import type { IncodeAccount } from './account.js'
import { AdminTokens } from './admin-tokens.js'
import { answerAsIncode } from './endpoints.js'
import { after, readBody, record, TOO_LARGE } from './exchange.js'
import type { Exchange } from './exchange.js'
import { FaultPlan, misbehave } from './faults.js'
import { endIdleConnections, resolveIdleOptions } from './idle-connections.js'
import { sendError } from './incode-http.js'
import { Onboardings } from './onboardings.js'
import { Identities } from './people.js'
import { SessionRecords } from './session-records.js'
import type {
  CompleteOnboardingOptions,
  FakeIncode,
  FakeIncodeFault,
  FakeIncodeOptions,
  FakeIncodeRequestBodies,
  FakeSession,
  FakeWebhookTarget,
  FaultTarget,
  RandomFaultOptions,
  RecordedRequest,
  WebhookDelivery
} from './types.js'

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
  readonly #account: IncodeAccount
  readonly #latencyMs: number
  readonly #maxRecorded: number
  readonly #server: Server
  readonly #sockets = new Set<Socket>()
  readonly #faults = new FaultPlan()
  #url = ''
  #requestsReceived = 0
  #connectionsOpened = 0
  #peakConnections = 0
  #closing: Promise<void> | undefined

  constructor (options: FakeIncodeOptions) {
    this.apiKey = options.apiKey ?? `fake-api-key-${randomBytes(8).toString('hex')}`
    this.clientId = options.clientId ?? 'fake-client'
    const configurationIds = options.configurationIds?.slice()
    this.#latencyMs = options.latencyMs ?? 0
    this.#maxRecorded = options.maxRecorded ?? DEFAULT_MAX_RECORDED
    if (!Number.isInteger(this.#maxRecorded) || this.#maxRecorded < 1) {
      throw new RangeError(`maxRecorded must be a positive integer, got ${this.#maxRecorded}`)
    }
    this.#account = {
      apiKey: this.apiKey,
      clientId: this.clientId,
      configurationIds,
      sessions: new SessionRecords(this.sessions, this.#maxRecorded),
      admin: new AdminTokens({ ...options, maxRecorded: this.#maxRecorded }),
      onboardings: new Onboardings(this.clientId, options.webhook),
      identities: new Identities(this.#maxRecorded)
    }
    const idle = resolveIdleOptions(options)
    this.#server = createServer()
    this.#server.on('connection', (socket) => this.#track(socket))
    this.#server.on('request', (req, res) => this.#receive(req, res))
    if (idle !== undefined) endIdleConnections(this.#server, idle)
  }

  get url (): string { return this.#url }
  get adminEmail (): string { return this.#account.admin.email }
  get adminPassword (): string { return this.#account.admin.password }
  get requestsReceived (): number { return this.#requestsReceived }
  get sessionsCreated (): number { return this.#account.sessions.created }
  get connectionsOpened (): number { return this.#connectionsOpened }
  get activeConnections (): number { return this.#sockets.size }
  get peakConnections (): number { return this.#peakConnections }

  async listen (port: number): Promise<void> {
    this.#server.listen(port, '127.0.0.1')
    await once(this.#server, 'listening')
    this.#url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`
  }

  requestsTo<P extends keyof FakeIncodeRequestBodies> (path: P): Array<RecordedRequest<FakeIncodeRequestBodies[P]>>
  requestsTo (path: string): RecordedRequest[]
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

  expireAdminTokens (): void {
    this.#account.admin.clear()
  }

  async completeOnboarding (interviewId: string, options: CompleteOnboardingOptions = {}): Promise<WebhookDelivery[]> {
    if (this.#closing !== undefined) throw new Error('completeOnboarding: the fake Incode API is closed')
    const session = this.#account.sessions.get(interviewId)
    if (session === undefined) throw new RangeError(`completeOnboarding: no session with interviewId ${interviewId}`)
    return await this.#account.onboardings.complete(session, options)
  }

  async sendWebhook (body: Record<string, unknown>, options: { webhook?: FakeWebhookTarget } = {}): Promise<WebhookDelivery[]> {
    if (this.#closing !== undefined) throw new Error('sendWebhook: the fake Incode API is closed')
    return await this.#account.onboardings.send(body, options.webhook)
  }

  setWebhook (target: FakeWebhookTarget | undefined): void {
    this.#account.onboardings.setWebhook(target)
  }

  reset (): void {
    // Emptied in place, so a test holding `fake.requests` sees the reset.
    this.requests.length = 0
    this.#account.sessions.clear()
    this.#account.admin.clear()
    this.#account.identities.clear()
    this.clearFaults()
    this.#requestsReceived = 0
    this.#connectionsOpened = 0
    this.#peakConnections = this.#sockets.size
  }

  close (): Promise<void> {
    this.#closing ??= this.#shutDown()
    return this.#closing
  }

  async #shutDown (): Promise<void> {
    const webhooksClosed = this.#account.onboardings.close()
    const serverClosed = new Promise((resolve) => this.#server.close(resolve))
    // Destroying the sockets (forgotten idle ones too) closes their responses, which clears the
    // delay and trickle timers tied to them, and clears their idle timers: nothing is left to
    // keep the process alive.
    const socketsClosed = [...this.#sockets].map((socket) => {
      socket.destroy()
      return new Promise((resolve) => socket.once('close', resolve))
    })
    await Promise.all([webhooksClosed, serverClosed, ...socketsClosed])
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
      else misbehave(exchange, fault, () => this.#route(exchange))
    })
  }

  #route (exchange: Exchange): void {
    answerAsIncode(exchange, this.#account, this.#url)
  }
}
