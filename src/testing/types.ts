// Every public type of fastify-incode/testing, its documentation; internal types stay beside their code.
import type { IncomingHttpHeaders } from 'node:http'

export interface FakeIncodeOptions {
  /**
   * The key the API-key endpoints (`/omni/start`, `/executive/log-in`, `/omni/get/…`,
   * `/omni/process/approve`, `/omni/interviews`, `/omni/authentication/verify`) accept in `x-api-key`. Default: a random `fake-api-key-<hex>`.
   */
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
   * keeps (and admin tokens the fake accepts); older ones are dropped. A dropped session's token
   * is unknown again (401 on onboarding-url), its onboarding page a 404, and its interviewId
   * unknown to `completeOnboarding`. An integer ≥ 1; default 5000.
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
  /** The email `POST /executive/log-in` accepts. Default `'admin@fake-incode.test'`. */
  adminEmail?: string
  /** The password `POST /executive/log-in` accepts. Default: a random `fake-admin-password-<hex>`. */
  adminPassword?: string
  /**
   * How long an admin token from `POST /executive/log-in` is accepted, in ms; its JWT-shaped
   * claims say the same (`exp - iat`, rounded up to a second). An integer ≥ 1. Default 24 h, as
   * Incode's. The newest `maxRecorded` tokens are kept; an older one is unknown (401).
   */
  adminTokenTtlMs?: number
  /**
   * The account's onboarding-status webhook, as Incode's dashboard holds one per account: where
   * `completeOnboarding` without a `webhook` of its own, and the onboarding page's finish, deliver
   * it. Checked at once as `completeOnboarding` checks its own (`createFakeIncode` rejects with the
   * same errors). Change it later with `setWebhook`, for a host whose URL is known only once it
   * listens. Default: none, and nothing is delivered.
   */
  webhook?: FakeWebhookTarget
}

/** `fin`: close the connection. `reset`: forget it, and answer whatever comes next with a TCP RST. */
export type IdleClose = 'fin' | 'reset'

/**
 * One request as the fake received it. `Body` is what the endpoint takes (`requestsTo` picks it
 * by path, see `FakeIncodeRequestBody`); `requests`, which mixes every endpoint, has `unknown`.
 */
export interface RecordedRequest<Body = unknown> {
  method: string
  /** The pathname only; the query string is in `query`. */
  path: string
  query: Record<string, string>
  headers: IncomingHttpHeaders
  /**
   * The parsed JSON body. Typed as what the endpoint takes, since that is what a client sends; a
   * body that was not JSON (which the fake answers with a 400) is kept as its text all the same,
   * and an empty one (or one over the 1 MiB cap) as undefined.
   */
  body: Body
  receivedAt: Date
}

/** The JSON body of `POST /omni/start`, as a client sends it; keys the fake does not know are kept. */
export interface FakeStartRequestBody {
  configurationId?: string
  externalCustomerId?: string
  redirectionUrl?: string
  language?: string
  countryCode?: string
  customFields?: Record<string, string>
  [key: string]: unknown
}

/** The body `requestsTo(path)` types its requests with: each endpoint's JSON body, none for a GET. */
export interface FakeIncodeRequestBodies {
  '/omni/start': FakeStartRequestBody
  '/executive/log-in': { email?: string, password?: string, [key: string]: unknown }
  '/omni/authentication/verify': { transactionId?: string, token?: string, interviewToken?: string, [key: string]: unknown }
  '/0/omni/onboarding-url': undefined
  '/omni/get/onboarding/status': undefined
  '/omni/get/score': undefined
  '/0/omni/get/score': undefined
  '/omni/finish-status': undefined
  '/omni/process/approve': Record<string, unknown>
  '/omni/get/ocr-data': undefined
  '/omni/get/images': { images?: string[], [key: string]: unknown }
  '/omni/interviews': {
    filter?: { ids?: string[], [key: string]: unknown }
    config?: { deletePiiDataOnly?: boolean, [key: string]: unknown }
    [key: string]: unknown
  }
}

/** A session the fake started on `POST /omni/start`. */
export interface FakeSession {
  /** 24 lowercase hex characters, like Incode's Mongo-style ids. */
  interviewId: string
  /**
   * JWT-shaped session token: sent as `X-Incode-Hardware-Id` by the `/0/...` calls, by
   * `/omni/finish-status` and (instead of an admin token) by `/omni/get/score`; sent as
   * `token` in the body of `/omni/authentication/verify`.
   */
  token: string
  /** 6 uppercase letters or digits. */
  interviewCode: string
  configurationId: string
  /** The `/omni/start` body as received. */
  body: FakeStartRequestBody
  createdAt: Date
  /** What `GET /omni/get/onboarding/status` answers: `'UNKNOWN'` until `completeOnboarding` or the onboarding page sets it. */
  onboardingStatus: string
  /** The overall score: `{ status: 'UNKNOWN', value: '0.0' }` until `completeOnboarding` or the onboarding page sets it. */
  score: FakeScore
  /**
   * When `GET /omni/finish-status` was first called with this session's token (the user
   * finished; Incode's scores are final from then on), undefined until then.
   */
  finishedByUserAt: Date | undefined
  /**
   * Who finished the onboarding, set with its status and score: the face that decides their
   * identity, and what `GET /omni/get/ocr-data` reads off their document (`{}` once their
   * personal data was deleted). Undefined until the onboarding is finished.
   */
  person: { face: string, ocr: FakeOcrData } | undefined
  /** The identity a face log-in matched, reported in the score's `authentication` block; undefined for an onboarding. */
  authentication: { identityId: string } | undefined
  /** `DELETE /omni/interviews` with `deletePiiDataOnly` erased its personal data: no OCR data, no images. */
  personalDataDeleted: boolean
}

/**
 * What Incode reads off a document, as `GET /omni/get/ocr-data` answers it: names, dates in ms
 * since the epoch, and any other key given. The fake's default person is ALEX SAMPLE, born
 * 1990-01-31 (`DEFAULT_OCR_DATA` in the README of the package).
 */
export interface FakeOcrData {
  name?: { fullName?: string, firstName?: string, givenName?: string, paternalLastName?: string, maternalLastName?: string, [key: string]: unknown }
  birthDate?: number
  gender?: string
  documentNumber?: string
  address?: string
  addressFields?: Record<string, string>
  issueDate?: number
  expireAt?: number
  nationality?: string
  typeOfId?: string
  issuingCountry?: string
  [key: string]: unknown
}

/** Who finishes an onboarding in `completeOnboarding`. */
export interface FakePerson {
  /**
   * Sessions finished with the same face are one person: their approvals make one identity
   * (one `uuid`), `existingCustomer: true` from the second on. Default: a face of the session's own.
   */
  face?: string
  /** Its top-level keys replace the default person's (ALEX SAMPLE); a key set to `undefined` is left out. */
  ocr?: FakeOcrData
}

/** `OK`, `WARN`, `FAIL`, `UNKNOWN`, `MANUAL`, and other statuses Incode may add (`MANUAL_OK` …). */
export type FakeScoreStatus = 'OK' | 'WARN' | 'FAIL' | 'UNKNOWN' | 'MANUAL' | (string & Record<never, never>)

/** An overall score as Incode writes one: `value` is a number in a string, such as `'92.3'`. */
export interface FakeScore {
  status: FakeScoreStatus
  value: string
}

export interface CompleteOnboardingOptions {
  /** The session's new `onboardingStatus`, sent in the webhook. Default `'ONBOARDING_FINISHED'`. */
  status?: string
  /**
   * The session's new overall score. Default `{ status: 'OK', value: '95.0' }`; without `value`:
   * `'95.0'` for `OK`, `'75.0'` for `WARN`, `'30.0'` for `FAIL`, `'0.0'` for any other status.
   */
  score?: { status: FakeScoreStatus, value?: string }
  /** Who finished: their face and what their document says. Default: ALEX SAMPLE, with a face of their own. */
  person?: FakePerson
  /**
   * For a face log-in session (the authentication flow): the identity the face matched, which the
   * score reports as `authentication: { overall, identityId }`. Default: none, an onboarding.
   */
  authentication?: { identityId: string }
  /**
   * Where and how to POST the onboarding-status webhook, this time only. Default: the account's
   * webhook (the `webhook` option, or `setWebhook`); without one, no webhook is sent.
   */
  webhook?: FakeWebhookTarget
}

/**
 * The webhook as Incode's dashboard configures it. Give `secretHeader`, `oauth`, both, or
 * neither (an unauthenticated webhook, to test that the host refuses it).
 */
export interface FakeWebhookTarget {
  /** An http(s) URL; anything else is a TypeError. */
  url: string
  /** A static header sent with every delivery, as the dashboard's custom headers are. */
  secretHeader?: { name: string, value: string }
  /**
   * OAuth2 client credentials. Before each delivery (a fresh token every time, none cached), the
   * fake POSTs `grant_type=client_credentials` form-encoded to `tokenUrl` (an http(s) URL) with
   * `Authorization: Basic base64(clientId:clientSecret)`, reads `access_token` from the JSON
   * answer, then sends the webhook with `Authorization: Bearer <access_token>`.
   */
  oauth?: { tokenUrl: string, clientId: string, clientSecret: string }
  /**
   * How many deliveries at most. As Incode's, a delivery succeeds only on a 200 answer with
   * `content-type: application/json`, or a 204; anything else is delivered again. An integer ≥ 1.
   * Default 5, as Incode's.
   */
  attempts?: number
  /**
   * The wait before the first redelivery, in ms; each later wait is 2.5 times the one before, as
   * Incode's (30 s, 75 s, 187.5 s, 468.75 s). An integer ≥ 0. Default 30 000, as Incode's: tests
   * set a few ms.
   */
  retryDelayMs?: number
  /** How long one delivery (token request and webhook together) may take, in ms. An integer ≥ 1. Default 5000. */
  timeoutMs?: number
}

/** One delivery of a webhook, as `completeOnboarding` reports it. */
export interface WebhookDelivery {
  /** 1 for the first delivery, 2 for the redelivery … */
  attempt: number
  /**
   * The webhook's answer status; the token endpoint's when getting the token failed (the
   * webhook was then not sent); 0 when no answer came (network error, timeout, `close()`).
   */
  status: number
  /** The answer's body as text; empty when no answer came. */
  body: string
  /** Why the delivery failed, when it did not end in a 200 JSON answer or a 204. */
  error?: string
}

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
