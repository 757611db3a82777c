// Every option, checked and resolved once, when the plugin loads (or a client is built). Each
// check throws FST_INCODE_INVALID_OPTION naming the option and what it must be, and never echoes
// the value: it may be a secret.
import { parse as parseDuration } from '@lukeed/ms'
import type { Dispatcher } from 'undici'
import { InvalidOptionError } from './errors.js'
import { isObject, LANGUAGE_PATTERN } from './params.js'
import type {
  ExternalCustomerIdResolver,
  FastifyIncodeOptions,
  IncodeClientOptions,
  IncodeRateLimitOptions,
  IncodeRouteOptions,
  OnSessionCreated
} from './types.js'

/** The client's options, checked, with their defaults settled. */
export interface ClientSettings {
  origin: string
  /** The API base's path, without a trailing `/` or `/0`. */
  basePath: string
  apiKey: string
  configurationId: string
  clientId: string | undefined
  timeout: number
  retries: number
  /** `null`: no cap. */
  connections: number | null
  keepAliveTimeout: number
  dispatcher: Dispatcher | undefined
}

/** The rate-limit options with the plugin's own settled. */
export type CheckedRateLimitOptions = IncodeRateLimitOptions & { storeTimeout: number }

/** What the routes work from, besides the client. */
export interface RouteSettings {
  onSessionCreated: OnSessionCreated | undefined
  externalCustomerId: ExternalCustomerIdResolver | undefined
  hookTimeout: number
  language: string
  redirectionUrl: string | undefined
  allowedRedirectionUrls: URL[]
  rateLimit: false | CheckedRateLimitOptions
  routeOptions: IncodeRouteOptions
}

export interface PluginSettings {
  client: IncodeClientOptions
  routes: RouteSettings
  exposeRoutes: boolean
  routePrefix: string
}

const RATE_LIMIT_DEFAULTS = { max: 10, timeWindow: '1 minute', storeTimeout: 1000 }
const RATE_LIMIT_OWN_KEYS = ['global', 'hook', 'errorResponseBuilder']
const ROUTE_OPTION_KEYS = new Set(['onRequest', 'preHandler', 'config', 'logLevel'])
const LOG_LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
const DEFAULT_KEEP_ALIVE_TIMEOUT = 500

/** The plugin's options: the client's part (checked here too), the routes', and where they go. */
export function resolveOptions (options: FastifyIncodeOptions): PluginSettings {
  resolveClientOptions(options)
  const routePrefix = checkRoutePrefix(options)
  const routes: RouteSettings = {
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
  const { apiUrl, apiKey, configurationId, clientId, timeout, retries, connections, keepAliveTimeout, dispatcher } = options
  return {
    client: { apiUrl, apiKey, configurationId, clientId, timeout, retries, connections, keepAliveTimeout, dispatcher },
    routes,
    exposeRoutes: optionalBoolean('exposeRoutes', options.exposeRoutes, true),
    routePrefix
  }
}

export function resolveClientOptions (options: IncodeClientOptions): ClientSettings {
  if (!isObject(options)) throw new InvalidOptionError('options', 'must be an object')
  const url = requireHttpUrl('apiUrl', options.apiUrl)
  if (url.search !== '' || url.hash !== '') {
    throw new InvalidOptionError('apiUrl', 'must not have a query or a fragment')
  }
  const settings: ClientSettings = {
    origin: url.origin,
    // Samples disagree on trailing slashes and on whether the base ends in the token-only "/0".
    basePath: url.pathname.replace(/\/+$/, '').replace(/\/0$/, ''),
    apiKey: requireString('apiKey', options.apiKey),
    configurationId: requireString('configurationId', options.configurationId),
    clientId: optionalString('clientId', options.clientId),
    timeout: optionalInteger('timeout', options.timeout, 10_000, 1),
    retries: optionalInteger('retries', options.retries, 2, 0),
    connections: options.connections === undefined ? null : optionalInteger('connections', options.connections, 0, 1),
    keepAliveTimeout: optionalInteger('keepAliveTimeout', options.keepAliveTimeout, DEFAULT_KEEP_ALIVE_TIMEOUT, 1),
    dispatcher: options.dispatcher
  }
  if (options.dispatcher !== undefined && (!isObject(options.dispatcher) || typeof options.dispatcher.dispatch !== 'function')) {
    throw new InvalidOptionError('dispatcher', 'must be an undici Dispatcher')
  }
  return settings
}

export function requireString (name: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new InvalidOptionError(name, 'must be a non-empty string')
  }
  return value
}

export function optionalString (name: string, value: unknown): string | undefined {
  return value === undefined ? undefined : requireString(name, value)
}

export function optionalInteger (name: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new InvalidOptionError(name, `must be an integer of at least ${min}`)
  }
  return value
}

export function optionalBoolean (name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback
  if (typeof value !== 'boolean') throw new InvalidOptionError(name, 'must be a boolean')
  return value
}

export function optionalFunction<F extends (...args: never[]) => unknown> (name: string, value: unknown): F | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'function') throw new InvalidOptionError(name, 'must be a function')
  return value as F
}

/** Parses an absolute http(s) URL without credentials; `what` completes "must be …". */
export function requireHttpUrl (name: string, value: unknown, what = 'an absolute http(s) URL'): URL {
  let url: URL | undefined
  try {
    url = new URL(requireString(name, value))
  } catch (err) {
    if (err instanceof InvalidOptionError) throw err
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:') ||
      url.username !== '' || url.password !== '') {
    throw new InvalidOptionError(name, `must be ${what}`)
  }
  return url
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
  if (!isObject(value)) throw new InvalidOptionError('rateLimit', 'must be false or an object of @fastify/rate-limit options')
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
  if (!isObject(value)) throw new InvalidOptionError('routeOptions', 'must be an object')
  for (const key of Object.keys(value)) {
    if (!ROUTE_OPTION_KEYS.has(key)) throw new InvalidOptionError(`routeOptions.${key}`, 'is not supported; use onRequest, preHandler, config or logLevel')
  }
  for (const hook of ['onRequest', 'preHandler'] as const) {
    const handlers = value[hook]
    if (handlers !== undefined && ![handlers].flat().every((handler) => typeof handler === 'function')) {
      throw new InvalidOptionError(`routeOptions.${hook}`, 'must be a hook function or an array of them')
    }
  }
  if (value.config !== undefined && !isObject(value.config)) {
    throw new InvalidOptionError('routeOptions.config', 'must be an object')
  }
  if (isObject(value.config) && 'rateLimit' in value.config) {
    throw new InvalidOptionError('routeOptions.config.rateLimit', 'is not supported; use the rateLimit option')
  }
  if (value.logLevel !== undefined && !LOG_LEVELS.has(value.logLevel as string)) {
    throw new InvalidOptionError('routeOptions.logLevel', 'must be a pino log level')
  }
  return value as IncodeRouteOptions
}
