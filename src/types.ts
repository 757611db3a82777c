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
  /** Incode API key, sent as `x-api-key` on `/omni/start` only. */
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

export interface CallOptions {
  /**
   * Cancels the call while its request has not been written. Once written, a `getOnboardingUrl`
   * request is aborted; a `startSession` request is left to finish (see `onLateSession`). The
   * promise rejects with the signal's reason either way, as `fetch` does.
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
  route: 'sessions' | 'onboarding-url'
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
}

export interface FastifyIncodeOptions extends IncodeClientOptions {
  /** Where the routes live. Default `/incode`. The register option `prefix` works the same way. */
  routePrefix?: string
  prefix?: string
  /** `false` registers the `fastify.incode` decorator only. Default `true`. */
  exposeRoutes?: boolean
  /** Awaited for every session the routes create, before the browser gets it. */
  onSessionCreated?: OnSessionCreated
  /** Derives Incode's `externalCustomerId` from the request (the host's auth); the browser cannot set it. */
  externalCustomerId?: ExternalCustomerIdResolver
  /**
   * How long, in ms, the plugin waits for each of your callbacks (`onSessionCreated`,
   * `externalCustomerId`, the rate limit's `keyGenerator`, `max`, `timeWindow`, `allowList`)
   * before it gives up on it. Default 5000.
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
}
