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

export interface FaceAuthenticationResult {
  verified: boolean
  [field: string]: unknown
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
  /** Receive Incode's onboarding-status webhooks at `{routePrefix}/webhook`. */
  webhook?: IncodeWebhookOptions
  /**
   * Also serve the paths Incode's sample front ends call (`GET /start`, `GET /onboarding-url`,
   * `POST /finish`, `GET /fetch-score`, `POST /auth`), with the same hook, limit and errors.
   * `true`, or `{ readRateLimit }` to set the limit of the three that read with a session token.
   * Default `false`.
   */
  compatRoutes?: boolean | IncodeCompatRoutesOptions
  /** Looks up a session by the `uniqueId` `onSessionCreated` received, for `GET /start?uniqueId=`. */
  resumeSession?: ResumeSession
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
   * The limit of `POST /finish`, `GET /fetch-score` and `POST /auth`, each on its own, per key of
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

export interface ResumeSessionContext extends HostCallbackContext {
  /** When the plugin issued the uniqueId (its time is in it: a UUID v7). Ids older than `resumeMaxAge` never reach you. */
  readonly issuedAt: Date
}

export interface ResumedSession {
  token: string
  interviewId: string
}

/** The body of an onboarding-status webhook as Incode sends it; unknown keys are kept. */
export interface IncodeWebhookEvent {
  interviewId: string
  /** `ONBOARDING_FINISHED`, `ID_VALIDATION_FINISHED`, `MANUAL_REVIEW_REJECTED`, `EXPIRED`, … */
  onboardingStatus: string
  /** Your `externalCustomerId`, when the session was started with one. */
  externalId?: string
  clientId?: string
  flowId?: string
  /**
   * `interviewId:onboardingStatus`: the same for every redelivery of one event. Store it with a
   * unique constraint and a redelivery changes nothing.
   */
  dedupeKey: string
  [field: string]: unknown
}

export type OnWebhook = (
  this: FastifyInstance, event: IncodeWebhookEvent, request: FastifyRequest, context: HostCallbackContext
) => void | Promise<void>

/** How Incode's dashboard authenticates its webhook calls: set at least one. */
export interface IncodeWebhookOptions {
  /** Awaited for every authenticated, valid webhook; a throw answers 500, so Incode delivers again. */
  onWebhook: OnWebhook
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
