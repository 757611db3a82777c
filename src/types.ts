// Every public type of fastify-incode: the options of the plugin and of the client, what the
// hooks receive, and what the client returns. Internal types stay beside their code.
import type {
  FastifyContextConfig,
  FastifyInstance,
  FastifyRequest,
  LogLevel,
  onRequestHookHandler,
  preHandlerHookHandler
} from 'fastify'
import type { RateLimitPluginOptions } from '@fastify/rate-limit'
import type { Dispatcher } from 'undici'

export interface IncodeClientOptions {
  /** Incode API base, e.g. `https://demo-api.incodesmile.com`; a trailing `/` or `/0` is dropped. */
  apiUrl: string
  /**
   * Incode API key, sent as `x-api-key` on every call off Incode's token-only `/0/` family:
   * `startSession`, `getFinishStatus`, the admin log-in and the admin-token calls. The `/0/`
   * calls (`getOnboardingUrl`, `getScoreForToken`) go with the session token alone, as the
   * browser's own do.
   */
  apiKey: string
  /** Flow id sent as `configurationId` on every `/omni/start`. */
  configurationId: string
  /** Sent as the `clientId` query parameter of onboarding-url calls when set. */
  clientId?: string
  /** One deadline per call, in ms, covering connect, headers, body, retries and backoff. Default 10000. */
  timeout?: number
  /** Extra attempts for failures Incode provably did not process, and for 429/503. Default 2. */
  retries?: number
  /** Caps the open connections of the client's own pool, exactly. Default: no cap, as global `fetch`. */
  connections?: number
  /**
   * How long, in ms, a connection to Incode stays pooled while idle when Incode's answers do not
   * announce a keep-alive timeout (announced ones are honoured). Default 500: below the idle
   * timeout of any load balancer likely to sit in front of Incode, so a pooled connection is never
   * reused just as the other side closes it.
   */
  keepAliveTimeout?: number
  /** Use this undici dispatcher (a proxy agent, a test double) instead of an own pool; it is never closed. */
  dispatcher?: Dispatcher
  /**
   * An Incode admin (executive) token for `getOnboardingStatus`, `getScore` and
   * `verifyFaceAuthentication` (so also the compat routes' `POST /auth`). It lives 24 hours and is
   * not renewed: prefer `adminEmail` and `adminPassword`.
   */
  adminToken?: string
  /** With `adminPassword`: the client logs in (`POST /executive/log-in`) when it first needs an admin token, and renews it. */
  adminEmail?: string
  adminPassword?: string
}

export interface StartSessionParams {
  /** Overrides the configured flow id for this session. */
  configurationId?: string
  /** Your id of the person, at most 256 characters. */
  externalCustomerId?: string
  /** Absolute http(s) URL of printable ASCII, at most 2048 characters once normalised. */
  redirectionUrl?: string
  /** Letters, digits and `-`, at most 16 characters (`en-US`). */
  language?: string
  /** ISO 3166 alpha-2 or alpha-3, or `ALL`. */
  countryCode?: string
  /** At most 50 entries of strings, each key and value at most 1024 characters. */
  customFields?: Record<string, string>
}

/** Incode's whole `/omni/start` answer: `token` and `interviewId`, plus whatever else it sent. */
export interface StartSessionResult {
  token: string
  interviewId: string
  [field: string]: unknown
}

/** Incode's onboarding-status answer: `onboardingStatus`, plus whatever else it sent. */
export interface OnboardingStatusResult {
  /** `ONBOARDING_FINISHED`, `ID_VALIDATION_FINISHED`, `MANUAL_REVIEW_APPROVED`, `EXPIRED`, … */
  onboardingStatus: string
  [field: string]: unknown
}

/** One score of Incode's score object: `value` as Incode sends it (a number as a string), and a status. */
export interface IncodeScoreValue {
  value?: string | number
  /** `OK`, `WARN`, `FAIL`, `UNKNOWN`, `MANUAL`, `MANUAL_OK`, `MANUAL_FAIL`, `MANUAL_PENDING`, … */
  status: string
  [field: string]: unknown
}

/** Incode's score object (`GET /omni/get/score`): `overall`, and the modules' own blocks. */
export interface IncodeScore {
  overall: IncodeScoreValue
  [module: string]: unknown
}

/** Incode's finish-status answer: where the flow sends the person, and what to do. */
export interface FinishStatusResult {
  redirectionUrl: string | null
  action: string
  [field: string]: unknown
}

/** What the Web SDK's face log-in (`renderLogin`) gives the front end, to verify on the back end. */
export interface FaceAuthenticationParams {
  token: string
  transactionId: string
  interviewToken: string
}

/** What `verifyFaceLogin` found. */
export interface FaceLoginResult {
  /** The score names the claimed identity, and its overall status is `OK`. */
  verified: boolean
  /** The identity the score's `authentication` block names, if any. */
  identityId: string | undefined
  score: IncodeScore
}

export interface FaceAuthenticationResult {
  verified: boolean
  [field: string]: unknown
}

/** What `approveSession` returns: the identity the person became. Unknown keys of Incode's answer are kept. */
export interface ApproveSessionResult {
  /** The Incode identity (Incode's `uuid`): the same for every approved session of one person. */
  identityId: string
  /** A long-lived token of that identity (Incode's `token`): a secret, store it as one. */
  customerToken: string
  /** The session's overall score as Incode weighed it (`OK`, `WARN`, `FAIL` …). */
  totalScore?: string
  /** `true` when the person was an identity already (a second approval, or another session of theirs). */
  existingCustomer: boolean
  [field: string]: unknown
}

/** A name as Incode read it off a document. */
export interface IncodeOcrName {
  fullName?: string
  firstName?: string
  givenName?: string
  paternalLastName?: string
  maternalLastName?: string
  [field: string]: unknown
}

/**
 * What Incode read off the person's document (`GET /omni/get/ocr-data`): personal data, never
 * logged by the plugin. The common fields are typed; every other key Incode sends is kept.
 * Dates are milliseconds since the epoch, as Incode sends them.
 */
export interface IncodeOcrData {
  name?: IncodeOcrName
  birthDate?: number
  gender?: string
  documentNumber?: string
  /** The address in one line. */
  address?: string
  addressFields?: { street?: string, colony?: string, postalCode?: string, city?: string, state?: string, country?: string, [field: string]: unknown }
  issueDate?: number
  expireAt?: number
  nationality?: string
  typeOfId?: string
  issuingCountry?: string
  [field: string]: unknown
}

/** The kinds of image Incode keeps for a session, and any other it may name. */
export type IncodeImageKind =
  | 'croppedFace' | 'croppedFrontID' | 'croppedBackID' | 'selfie' | 'document' | 'fullFrameFrontID' | 'fullFrameBackID'
  | (string & Record<never, never>)

/** The images `getImages` returns, decoded from Incode's base64, by kind; a kind Incode has none of is absent. */
export type IncodeImages = Partial<Record<IncodeImageKind, Buffer>>

export interface DeleteSessionsOptions extends CallOptions {
  /** Erase the personal data only (OCR data, images), keeping the sessions and their scores. Default `false`: everything. */
  piiOnly?: boolean
}

export interface CallOptions {
  /**
   * Cancels the call while its request has not been written. Once written, the request of every
   * call but `startSession` is aborted; a `startSession` request is left to finish (see
   * `onLateSession`). The promise rejects with the signal's reason either way, as `fetch` does.
   */
  signal?: AbortSignal
}

export interface StartSessionOptions extends CallOptions {
  /**
   * Receives a session Incode created after the call had already failed with its deadline
   * (`FST_INCODE_UPSTREAM_TIMEOUT`) or been aborted by `signal`: the request had been written, so
   * Incode may still create (and bill) the session. Awaited by `close()`.
   */
  onLateSession?: (session: StartSessionResult) => unknown
}

/** The last argument of every callback of yours that the plugin awaits. */
export interface HostCallbackContext {
  /** Aborts when the callback's deadline (`hookTimeout`) passes or the server starts closing. */
  readonly signal: AbortSignal
}

/** What `onSessionCreated` receives for every session the routes create. */
export interface IncodeSession {
  interviewId: string
  token: string
  configurationId: string
  externalCustomerId?: string
  redirectionUrl?: string
  language: string
  createdAt: Date
  /** The route that started it: `start` is the compat routes' `GET /start`. */
  route: 'sessions' | 'onboarding-url' | 'start'
  /**
   * Only from `GET /start` (compat routes): a fresh UUID v7 (its first bits the time it was
   * issued) the front end passes to another device to resume this session. Store it with the
   * token and interviewId for `resumeSession`.
   */
  uniqueId?: string
  /**
   * `false` when the browser will not get this session: it left, or the deadline passed, after
   * the request reached Incode, and Incode created the session anyway. Record it all the same.
   */
  delivered: boolean
  /** Incode's whole `/omni/start` answer. */
  response: StartSessionResult
}

export type OnSessionCreated = (
  this: FastifyInstance, session: IncodeSession, request: FastifyRequest, context: HostCallbackContext
) => void | Promise<void>

export type ExternalCustomerIdResolver = (
  request: FastifyRequest, context: HostCallbackContext
) => string | undefined | Promise<string | undefined>

/** `@fastify/rate-limit` options, less the ones fastify-incode sets itself. */
export interface IncodeRateLimitOptions extends Omit<RateLimitPluginOptions, 'global' | 'hook' | 'errorResponseBuilder'> {
  /** How long a request waits for the store (Redis) before it counts as unavailable, in ms. Default 1000. */
  storeTimeout?: number
}

export interface IncodeRouteOptions {
  onRequest?: onRequestHookHandler | onRequestHookHandler[]
  preHandler?: preHandlerHookHandler | preHandlerHookHandler[]
  config?: FastifyContextConfig
  logLevel?: LogLevel
  /** OpenAPI tags of every route of the plugin (`@fastify/swagger`). Default `['incode']`. */
  tags?: string[]
}

export interface FastifyIncodeOptions extends IncodeClientOptions {
  /** Where the routes live. Default `/incode`. The register option `prefix` works the same way. */
  routePrefix?: string
  prefix?: string
  /**
   * `false` leaves out the session routes (and the compat routes): the `fastify.incode` decorator
   * is registered, and the webhook routes still are when `webhook` is set. Default `true`.
   */
  exposeRoutes?: boolean
  /** Awaited for every session the routes create, before the browser gets it. */
  onSessionCreated?: OnSessionCreated
  /** Derives Incode's `externalCustomerId` from the request (the host's auth); the browser cannot set it. */
  externalCustomerId?: ExternalCustomerIdResolver
  /**
   * How long, in ms, the plugin waits for each of your callbacks (`onSessionCreated`,
   * `externalCustomerId`, `resumeSession`, the webhook's `onWebhook`, and the functions of either
   * rate limit: `keyGenerator`, `max`, `timeWindow`, `allowList`) before it gives up on it.
   * The rate limit's functions are bounded alike but get no `HostCallbackContext`, so no signal:
   * they are called with `@fastify/rate-limit`'s own arguments. Default 5000.
   */
  hookTimeout?: number
  /** Language sent to `/omni/start` when the browser does not choose one. Default `en-US`. */
  language?: string
  /** End-of-flow redirect for onboarding-url sessions when the browser does not send one. */
  redirectionUrl?: string
  /** Prefixes a browser-supplied `redirectionUrl` must start with. Default none: the browser may not choose. */
  allowedRedirectionUrls?: string[]
  /** Limits the session-creating routes. Default `{ max: 10, timeWindow: '1 minute' }`; `false` turns it off. */
  rateLimit?: false | IncodeRateLimitOptions
  /** The host's hooks and settings for the routes, e.g. its authentication. */
  routeOptions?: IncodeRouteOptions
  /** Receive Incode's webhooks at `{routePrefix}/webhook`: `onWebhook`, `onOnboardingFinished`, or both. */
  webhook?: IncodeWebhookOptions
  /**
   * Also serve the paths Incode's sample front ends call (`GET /start`, `GET /onboarding-url`,
   * `POST /finish`, `GET /fetch-score`, `POST /auth`), with the same hook, limit and errors.
   * `true`, or `{ readRateLimit }` to set the limit of those that read from Incode with a token.
   * Default `false`.
   */
  compatRoutes?: boolean | IncodeCompatRoutesOptions
  /** Looks up a session by the `uniqueId` `onSessionCreated` received, for `GET /start?uniqueId=`. */
  resumeSession?: ResumeSession
  /**
   * Whether the caller holds the session `interviewId` names (your sign-in, your records): for
   * the compat routes' `GET /onboarding-status?interviewId=`, which exists only with it (and the
   * admin token). `false`: a 404, and no Incode call.
   */
  ownsSession?: OwnsSession
  /**
   * For the compat routes' `POST /verify-authentication` (Incode's face log-in sample), which
   * exists only with it: the face log-in session you stored under `interviewId` when you started
   * it, `{ token, identityId }` (the identity the person claims to be), when `token` (what the
   * browser sent) is its token; marked used as you return it, so that a session is checked once.
   * `undefined` for one unknown, used, or of another token: a caller who knows only the
   * interviewId must not use up the person's log-in. Anything else is a TypeError (500).
   */
  claimFaceLogin?: ClaimFaceLogin
  /**
   * How long a uniqueId may resume its session, in ms from when it was issued: an older one is a
   * 400 and never reaches `resumeSession`. Default 3 600 000 (one hour).
   */
  resumeMaxAge?: number
  /**
   * Origins besides the app's own (`https://app.example.com`) whose pages may call the session
   * routes and the compat routes. From any other origin, a browser's request is refused: to the
   * compat routes always, to the session routes when it was not preflighted (no JSON content type).
   */
  allowedOrigins?: string[]
}

export interface IncodeCompatRoutesOptions {
  /**
   * The limit of `POST /finish`, `GET /fetch-score`, `POST /auth`, `GET /onboarding-status` and
   * `POST /verify-authentication`, each on its own, per key of
   * the `rateLimit` option (the client IP by default), in its store: every call with a token
   * costs an Incode call, a forged one too. Default `{ max: 60, timeWindow: '1 minute' }`;
   * `false` turns it off.
   */
  readRateLimit?: false | { max?: number, timeWindow?: number | string }
}

/**
 * The session stored under `uniqueId`, or `undefined` when there is none (or when you refuse to
 * hand it out: too old for your taste, or `request` is not the person's). Whoever holds the
 * uniqueId gets the session's token from here.
 */
export type ResumeSession = (
  this: FastifyInstance, uniqueId: string, request: FastifyRequest, context: ResumeSessionContext
) => ResumedSession | undefined | Promise<ResumedSession | undefined>

export type OwnsSession = (
  this: FastifyInstance, interviewId: string, request: FastifyRequest, context: HostCallbackContext
) => boolean | Promise<boolean>

export type ClaimFaceLogin = (
  this: FastifyInstance, interviewId: string, token: string, request: FastifyRequest, context: HostCallbackContext
) => FaceLoginSession | undefined | Promise<FaceLoginSession | undefined>

/** A face log-in session as you stored it when you started it. */
export interface FaceLoginSession {
  token: string
  /** The identity the person claims to be (their identityId, from your records). */
  identityId: string
}

export interface ResumeSessionContext extends HostCallbackContext {
  /** When the plugin issued the uniqueId (its time is in it: a UUID v7). Ids older than `resumeMaxAge` never reach you. */
  readonly issuedAt: Date
}

export interface ResumedSession {
  token: string
  interviewId: string
}

/**
 * Every webhook Incode posts to the webhook URL, tagged by `kind`, unknown keys kept: test `kind`
 * before you read the rest. `dedupeKey` is the same for every redelivery of one event: store
 * events under it with a unique constraint, and a redelivery changes nothing.
 */
export type IncodeWebhookEvent = OnboardingStatusEvent | SessionEvent | FaceAuthenticationEvent | OtherWebhookEvent

/** The onboarding-status webhook: sent each time a session's status changes. */
export interface OnboardingStatusEvent {
  kind: 'onboarding-status'
  interviewId: string
  /**
   * `ID_VALIDATION_FINISHED`, `ID_VALIDATION_FINISHED_SECOND_ID`, `POST_PROCESSING_FINISHED`,
   * `FACE_VALIDATION_FINISHED`, `GOVERNMENT_VALIDATION_FINISHED`, `ONBOARDING_FINISHED`,
   * `MANUAL_REVIEW_APPROVED`, `MANUAL_REVIEW_REJECTED`, `EXPIRED`, …
   */
  onboardingStatus: string
  /** Your `externalCustomerId`, when the session was started with one. */
  externalId?: string
  clientId?: string
  flowId?: string
  /**
   * `interviewId:onboardingStatus`. The webhook carries no event id and its redeliveries are the
   * same body, so a status reached twice cannot be told from a redelivery: both say the same.
   */
  dedupeKey: string
  [field: string]: unknown
}

/** A session webhook (Session Started, Progress, Failed, Succeeded, Pending Review, Identity Enrolled). */
export interface SessionEvent {
  kind: 'session-event'
  /** Incode's `event_type`: `SESSION_STARTED`, `SESSION_SUCCEEDED`, `SESSION_FAILED`, `IDENTITY_ENROLLED`, … */
  eventType: string
  interviewId?: string
  /** A digest of the body: a redelivery has the same. */
  dedupeKey: string
  [field: string]: unknown
}

/** The face authentication (1:1 log-in) webhook, sent when a log-in succeeds or fails. */
export interface FaceAuthenticationEvent {
  kind: 'face-authentication'
  transactionId: string
  interviewId?: string
  /** The identity the face was checked against (Incode's `customerId`). */
  customerId?: string
  /** `faceMatch` true, `overallStatus` `PASS` and no error: the person is who they claim. */
  verified: boolean
  /** The `transactionId`: one per log-in attempt. */
  dedupeKey: string
  [field: string]: unknown
}

/** A webhook of a kind the plugin does not know (a video selfie uploaded, a watchlist updated …): the body as it came. */
export interface OtherWebhookEvent {
  kind: 'other'
  /** A digest of the body: a redelivery has the same. */
  dedupeKey: string
  [field: string]: unknown
}

export type OnWebhook = (
  this: FastifyInstance, event: IncodeWebhookEvent, request: FastifyRequest, context: HostCallbackContext
) => void | Promise<void>

/** What `onOnboardingFinished` gets once Incode says `ONBOARDING_FINISHED`. */
export interface OnboardingOutcome {
  interviewId: string
  /** Incode's score of the session, read with the admin token. */
  score: IncodeScore
  /** With `approve: 'when-ok'` and an `OK` score: the identity the person became (its `customerToken` is a secret). */
  identity?: ApproveSessionResult
  /** This instance approved the session before (a redelivery of the event): no second approval was made. */
  alreadyApproved: boolean
  event: OnboardingStatusEvent
}

export type OnOnboardingFinished = (
  this: FastifyInstance, outcome: OnboardingOutcome, request: FastifyRequest, context: HostCallbackContext
) => void | Promise<void>

/** The webhook option: its settings, with `onWebhook`, `onOnboardingFinished`, or both. */
export type IncodeWebhookOptions = IncodeWebhookSettings & ({ onWebhook: OnWebhook } | { onOnboardingFinished: OnOnboardingFinished })

/** How Incode's dashboard authenticates its webhook calls (set at least one), and what the route does. */
export interface IncodeWebhookSettings {
  /**
   * Awaited for every authenticated, valid webhook, of every kind (test `event.kind`); a throw
   * answers 500, so Incode delivers again. Set it, `onOnboardingFinished`, or both.
   */
  onWebhook?: OnWebhook
  /**
   * Awaited after `onWebhook` for an `ONBOARDING_FINISHED` event: the plugin reads the score
   * (and approves, see `approve`) first. Needs the admin token (`adminToken`, or `adminEmail` and
   * `adminPassword`). A throw, or a failed Incode call, answers 500: Incode delivers again.
   */
  onOnboardingFinished?: OnOnboardingFinished
  /**
   * `'when-ok'`: on `ONBOARDING_FINISHED` with an `OK` score, approve the session
   * (`approveSession`) before `onOnboardingFinished`, once however often the event comes to
   * this instance. Default `false`. Needs the admin token.
   */
  approve?: 'when-ok' | false
  /** A static header Incode sends ("custom headers" in the dashboard). `value`: at least 32 characters. */
  secretHeader?: { name: string, value: string }
  /**
   * OAuth2 client credentials: Incode first asks `{routePrefix}/webhook/token` for a bearer
   * token. `clientSecret`: at least 32 characters. `tokenTtlSeconds`: default 3600.
   */
  oauth?: { clientId: string, clientSecret: string, tokenTtlSeconds?: number }
  /** The webhook routes' own limit, apart from session creation. Default `{ max: 300, timeWindow: '1 minute' }`. */
  rateLimit?: false | IncodeRateLimitOptions
}
