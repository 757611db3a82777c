// Every public type of fastify-incode/testing, its documentation; internal types stay beside their code.
import type { CompleteOnboardingOptions, FakeWebhookTarget, WebhookDelivery } from './onboarding-types.js'
import type { FakeIncodeRequestBodies, FakeSession, RecordedRequest } from './record-types.js'

export type * from './onboarding-types.js'
export type * from './option-types.js'
export type * from './record-types.js'

export interface FakeIncode {
  /**
   * `http://127.0.0.1:<port>`, to use as the plugin's `apiUrl`. The onboarding URLs it hands out
   * open its page `/onboarding/<interviewId>?token=…`, which plays Incode's hosted flow: the
   * person finishes as verified (score OK) or failed (score FAIL), as `completeOnboarding` would,
   * and the account's webhook is delivered.
   */
  readonly url: string
  readonly apiKey: string
  readonly clientId: string
  /** The credentials `POST /executive/log-in` accepts. */
  readonly adminEmail: string
  readonly adminPassword: string
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
  /**
   * The recorded requests to one path, oldest first. An Incode endpoint's requests are typed with
   * its body (`requestsTo('/omni/start')[0]?.body.externalCustomerId`); any other path's with `unknown`.
   */
  requestsTo<P extends keyof FakeIncodeRequestBodies> (path: P): Array<RecordedRequest<FakeIncodeRequestBodies[P]>>
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
  /**
   * Every admin token issued so far answers 401 from now on, as an expired one does, so a
   * client's renewal on 401 can be tested. Log-ins after this get fresh tokens that work.
   */
  expireAdminTokens (): void
  /**
   * Finishes the session's onboarding as Incode's back end would: sets its `onboardingStatus`
   * and `score` at once, then POSTs the onboarding-status webhook to `options.webhook` or, without
   * one, to the account's webhook (the `webhook` option, or `setWebhook`) when it has one:
   * `{ interviewId, onboardingStatus, externalId, clientId, flowId }` as JSON (`externalId` is the
   * session's `externalCustomerId`, left out when it had none; `flowId` its `configurationId`).
   * The onboarding page does the same when a person finishes there. A delivery fails on any
   * answer but a 200 JSON one or a 204, a network error or a timeout, and is made again after
   * `retryDelayMs` (each later wait 2.5 times longer) up to `attempts` deliveries in all. Resolves with every delivery in order (an empty array without
   * any webhook). Rejects, changing nothing and sending nothing, with a RangeError for an
   * interviewId the fake does not keep or a bad count, and a TypeError for a URL that is not
   * http(s) or a header Node could not send. `close()` cuts a delivery short (reported with
   * status 0) and stops the redeliveries; after `close()` it rejects.
   */
  completeOnboarding (interviewId: string, options?: CompleteOnboardingOptions): Promise<WebhookDelivery[]>
  /**
   * POSTs any webhook body as JSON to `options.webhook` or the account's webhook, delivered and
   * redelivered as `completeOnboarding`'s: for the other kinds Incode posts (`sessionEvent`,
   * `faceAuthenticationResult`). Resolves with every delivery, an empty array without a webhook.
   */
  sendWebhook (body: Record<string, unknown>, options?: { webhook?: FakeWebhookTarget }): Promise<WebhookDelivery[]>
  /**
   * Sets the account's webhook from now on (undefined: none), as the `webhook` option does: for a
   * host that knows its URL only once it listens. Throws as `completeOnboarding` rejects for a bad
   * target (TypeError, RangeError), and then keeps the webhook it had.
   */
  setWebhook (target: FakeWebhookTarget | undefined): void
  /**
   * Forgets requests, sessions, admin tokens, faults and every count (the peak restarts at the
   * open count). The account's webhook stays.
   */
  reset (): void
  /**
   * Stops the server, destroys every open socket, hung ones too, and aborts webhook deliveries
   * in progress. Safe to call twice.
   */
  close (): Promise<void>
}

/** The Incode paths a fault can be aimed at. */
export type FakeIncodePath =
  | '/omni/start'
  | '/0/omni/onboarding-url'
  | '/executive/log-in'
  | '/omni/get/onboarding/status'
  | '/omni/get/score'
  | '/0/omni/get/score'
  | '/omni/finish-status'
  | '/omni/authentication/verify'
  | '/omni/process/approve'
  | '/omni/get/ocr-data'
  | '/omni/get/images'
  | '/omni/interviews'

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
