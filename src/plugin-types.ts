// The public types of the plugin: its options, and what the callbacks it awaits receive.
import type {
  FastifyContextConfig,
  FastifyInstance,
  FastifyRequest,
  LogLevel,
  onRequestHookHandler,
  preHandlerHookHandler
} from 'fastify'
import type { IncodeClientOptions, StartSessionResult } from './client-types.js'
import type { HostCallbackContext, IncodeRateLimitOptions } from './common-types.js'
import type { IncodeWebhookOptions } from './webhook-types.js'

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
  /**
   * The name of the client's decorator. Default `incode` (`fastify.incode`). Give each plugin
   * registered at one level a name of its own (and a `routePrefix` of its own): two Incode flows or
   * accounts in one app. Declare the other names' type yourself (`interface FastifyInstance {
   * incodeEu: IncodeClient }` in `declare module 'fastify'`).
   */
  decorator?: string
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
