import type {
  FastifyContextConfig,
  FastifyInstance,
  FastifyPluginAsync,
  FastifyRequest,
  LogLevel,
  onRequestHookHandler,
  preHandlerHookHandler
} from 'fastify'
import type { RateLimitPluginOptions } from '@fastify/rate-limit'
import { parse as parseDuration } from '@lukeed/ms'
import { IncodeClient, type IncodeClientOptions, type StartSessionResult } from './client.js'
import { InvalidOptionError } from './errors.js'
import type { HostCallbackContext } from './host-callback.js'
import {
  optionalBoolean,
  optionalFunction,
  optionalInteger,
  optionalString,
  requireHttpUrl
} from './options.js'
import { incodeRoutes } from './routes.js'
import { LANGUAGE_PATTERN } from './params.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The Incode client of fastify-incode. */
    incode: IncodeClient
  }
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

/** The checked options the routes work from. */
export interface RouteSettings {
  client: IncodeClient
  owner: FastifyInstance
  onSessionCreated: OnSessionCreated | undefined
  externalCustomerId: ExternalCustomerIdResolver | undefined
  hookTimeout: number
  language: string
  redirectionUrl: string | undefined
  allowedRedirectionUrls: URL[]
  rateLimit: false | CheckedRateLimitOptions
  routeOptions: IncodeRouteOptions
}

/** The rate-limit options with the plugin's own settled. */
export type CheckedRateLimitOptions = IncodeRateLimitOptions & { storeTimeout: number }

const RATE_LIMIT_DEFAULTS = { max: 10, timeWindow: '1 minute', storeTimeout: 1000 }
const RATE_LIMIT_OWN_KEYS = ['global', 'hook', 'errorResponseBuilder']
const ROUTE_OPTION_KEYS = new Set(['onRequest', 'preHandler', 'config', 'logLevel'])
const LOG_LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])

export const fastifyIncodePlugin: FastifyPluginAsync<FastifyIncodeOptions> = async (fastify, options) => {
  const client = new IncodeClient(options)
  fastify.decorate('incode', client)
  fastify.addHook('onClose', async () => await client.close())

  const routePrefix = checkRoutePrefix(options)
  const settings: RouteSettings = {
    client,
    owner: fastify,
    onSessionCreated: optionalFunction<OnSessionCreated>('onSessionCreated', options.onSessionCreated),
    externalCustomerId: optionalFunction<ExternalCustomerIdResolver>('externalCustomerId', options.externalCustomerId),
    hookTimeout: optionalInteger('hookTimeout', options.hookTimeout, 5000, 1),
    language: checkLanguage(options.language),
    redirectionUrl: options.redirectionUrl === undefined
      ? undefined
      : requireHttpUrl('redirectionUrl', options.redirectionUrl).href,
    allowedRedirectionUrls: checkAllowedRedirectionUrls(options.allowedRedirectionUrls),
    rateLimit: checkRateLimit(options.rateLimit),
    routeOptions: checkRouteOptions(options.routeOptions)
  }
  if (optionalBoolean('exposeRoutes', options.exposeRoutes, true)) {
    if (settings.rateLimit !== false && settings.rateLimit.keyGenerator === undefined && trustsEveryProxy(fastify)) {
      fastify.log.warn('fastify-incode: trustProxy is true and the session limit is keyed on the client IP, which any ' +
        'client can then choose through X-Forwarded-For: the limit does not hold. Trust a hop count or your ' +
        'proxy\'s address, or give rateLimit a keyGenerator (your user id).')
    }
    await fastify.register(incodeRoutes, { prefix: routePrefix, settings })
  }
}

/**
 * Whether the server was built with `trustProxy: true`. Fastify keeps its options under a symbol
 * it does not export and shows no trustProxy in `initialConfig`; the symbol is found by its
 * description (a test pins this, and a Fastify without it only loses the warning).
 */
function trustsEveryProxy (fastify: FastifyInstance): boolean {
  const chain: object[] = []
  for (let object: object | null = fastify; object !== null; object = Object.getPrototypeOf(object)) chain.push(object)
  const options = chain.flatMap((object) => Object.getOwnPropertySymbols(object)
    .filter((symbol) => symbol.description === 'fastify.options')
    .map((symbol) => (object as Record<symbol, { trustProxy?: unknown }>)[symbol]))[0]
  return options?.trustProxy === true
}

function checkRoutePrefix (options: FastifyIncodeOptions): string {
  if (options.prefix !== undefined && options.routePrefix !== undefined && options.prefix !== options.routePrefix) {
    throw new InvalidOptionError('routePrefix', 'and the register option "prefix" disagree; set one of them')
  }
  const prefix = optionalString('routePrefix', options.routePrefix ?? options.prefix) ?? '/incode'
  if (!/^(\/[^/\s?#]+)+\/?$/.test(prefix) && prefix !== '/') {
    throw new InvalidOptionError('routePrefix', 'must be a path such as "/incode"')
  }
  return prefix.replace(/\/$/, '')
}

function checkLanguage (value: unknown): string {
  if (value === undefined) return 'en-US'
  if (typeof value !== 'string' || !new RegExp(LANGUAGE_PATTERN).test(value)) {
    throw new InvalidOptionError('language', 'must be a language tag such as "en-US"')
  }
  return value
}

function checkAllowedRedirectionUrls (value: unknown): URL[] {
  if (value === undefined) return []
  if (!Array.isArray(value)) throw new InvalidOptionError('allowedRedirectionUrls', 'must be an array of URLs')
  return value.map((entry: unknown, index) => {
    const url = requireHttpUrl(`allowedRedirectionUrls[${index}]`, entry, 'an absolute http(s) URL without query or fragment')
    if (url.search !== '' || url.hash !== '') {
      throw new InvalidOptionError(`allowedRedirectionUrls[${index}]`, 'must be an absolute http(s) URL without query or fragment')
    }
    return url
  })
}

function checkRateLimit (value: unknown): false | CheckedRateLimitOptions {
  if (value === false) return false
  if (value === undefined) return { ...RATE_LIMIT_DEFAULTS }
  if (!isPlainObject(value)) throw new InvalidOptionError('rateLimit', 'must be false or an object of @fastify/rate-limit options')
  for (const key of RATE_LIMIT_OWN_KEYS) {
    if (key in value) throw new InvalidOptionError(`rateLimit.${key}`, 'is set by fastify-incode and cannot be changed')
  }
  const storeTimeout = optionalInteger('rateLimit.storeTimeout', value.storeTimeout, RATE_LIMIT_DEFAULTS.storeTimeout, 1)
  const { max, timeWindow } = value
  if (max !== undefined && typeof max !== 'function' && !(Number.isSafeInteger(max) && (max as number) >= 0)) {
    throw new InvalidOptionError('rateLimit.max', 'must be a non-negative integer or a function')
  }
  if (timeWindow !== undefined && typeof timeWindow !== 'function' &&
      !(typeof timeWindow === 'number' && Number.isFinite(timeWindow) && timeWindow > 0) &&
      !(typeof timeWindow === 'string' && (parseDuration(timeWindow) ?? 0) > 0)) {
    throw new InvalidOptionError('rateLimit.timeWindow', 'must be a positive number of ms, a duration such as "1 minute", or a function')
  }
  return { ...RATE_LIMIT_DEFAULTS, ...value, storeTimeout }
}

function checkRouteOptions (value: unknown): IncodeRouteOptions {
  if (value === undefined) return {}
  if (!isPlainObject(value)) throw new InvalidOptionError('routeOptions', 'must be an object')
  for (const key of Object.keys(value)) {
    if (!ROUTE_OPTION_KEYS.has(key)) throw new InvalidOptionError(`routeOptions.${key}`, 'is not supported; use onRequest, preHandler, config or logLevel')
  }
  for (const hook of ['onRequest', 'preHandler'] as const) {
    const handlers = value[hook]
    if (handlers !== undefined && ![handlers].flat().every((handler) => typeof handler === 'function')) {
      throw new InvalidOptionError(`routeOptions.${hook}`, 'must be a hook function or an array of them')
    }
  }
  if (value.config !== undefined && !isPlainObject(value.config)) {
    throw new InvalidOptionError('routeOptions.config', 'must be an object')
  }
  if (isPlainObject(value.config) && 'rateLimit' in value.config) {
    throw new InvalidOptionError('routeOptions.config.rateLimit', 'is not supported; use the rateLimit option')
  }
  if (value.logLevel !== undefined && !LOG_LEVELS.has(value.logLevel as string)) {
    throw new InvalidOptionError('routeOptions.logLevel', 'must be a pino log level')
  }
  return value as IncodeRouteOptions
}

function isPlainObject (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
