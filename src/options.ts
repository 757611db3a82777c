// The plugin's options, checked and resolved once, when it loads: the client's part, the routes',
// the webhook's, and where they go. Each check throws FST_INCODE_INVALID_OPTION naming the option
// and what it must be, and never echoes the value: it may be a secret.
import { parse as parseDuration } from '@lukeed/ms'
import { LANGUAGE_PATTERN } from './call-params.js'
import { resolveClientOptions, type ClientSettings } from './client-options.js'
import { InvalidOptionError } from './errors.js'
import { isObject } from './is-object.js'
import { readRedirectionUrl, REDIRECTION_URL_RULES } from './urls.js'
import { optionalBoolean, optionalFunction, optionalInteger, optionalString, requireHttpUrl } from './option-checks.js'
import { checkLimit, checkRateLimit, type CheckedRateLimitOptions } from './rate-limit-options.js'
import { checkWebhook, type WebhookSettings } from './webhook-options.js'
import type {
  ExternalCustomerIdResolver,
  FastifyIncodeOptions,
  IncodeRouteOptions,
  OnSessionCreated,
  ClaimFaceLogin,
  OwnsSession,
  ResumeSession
} from './types.js'

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
  /** OpenAPI tags of every route. */
  tags: string[]
  compatRoutes: boolean
  /** The compat routes that read with a session token (`/finish`, `/fetch-score`, `/auth`): their own limit. */
  compatReadRateLimit: false | { max: number, timeWindow: number }
  resumeSession: ResumeSession | undefined
  ownsSession: OwnsSession | undefined
  claimFaceLogin: ClaimFaceLogin | undefined
  /** In ms: how long a uniqueId resumes its session. */
  resumeMaxAge: number
  /** Origins (`scheme://host[:port]`) besides the app's own. */
  allowedOrigins: Set<string>
  /** Whether the client has an admin token (or credentials), which face log-in needs. */
  faceAuthentication: boolean
}

interface PluginSettings {
  client: ClientSettings
  routes: RouteSettings
  webhook: WebhookSettings | undefined
  exposeRoutes: boolean
  routePrefix: string
  /** The name the client is decorated under. */
  decorator: string
}

// A front end calls each once or twice per session; a forged token costs an Incode call each.
const COMPAT_READ_RATE_LIMIT_DEFAULTS = { max: 60, timeWindow: 60_000 }
const ROUTE_OPTION_KEYS = new Set(['onRequest', 'preHandler', 'config', 'logLevel', 'tags'])
const LOG_LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])

/** The plugin's options: the client's part, the routes', the webhook's, and where they go. */
export function resolveOptions (options: FastifyIncodeOptions): PluginSettings {
  const client = resolveClientOptions(options)
  const hasAdminToken = client.admin.token !== undefined || client.admin.email !== undefined
  const routePrefix = checkRoutePrefix(options)
  const routes: RouteSettings = {
    onSessionCreated: optionalFunction<OnSessionCreated>('onSessionCreated', options.onSessionCreated),
    externalCustomerId: optionalFunction<ExternalCustomerIdResolver>('externalCustomerId', options.externalCustomerId),
    hookTimeout: optionalInteger('hookTimeout', options.hookTimeout, 5000, 1),
    language: checkLanguage(options.language),
    redirectionUrl: checkRedirectionUrl(options.redirectionUrl),
    allowedRedirectionUrls: checkAllowedRedirectionUrls(options.allowedRedirectionUrls),
    rateLimit: checkRateLimit(options.rateLimit),
    routeOptions: checkRouteOptions(options.routeOptions),
    tags: options.routeOptions?.tags ?? ['incode'],
    compatRoutes: options.compatRoutes !== undefined && options.compatRoutes !== false,
    compatReadRateLimit: checkCompatRoutes(options.compatRoutes),
    resumeSession: optionalFunction<ResumeSession>('resumeSession', options.resumeSession),
    ownsSession: optionalFunction<OwnsSession>('ownsSession', options.ownsSession),
    claimFaceLogin: optionalFunction<ClaimFaceLogin>('claimFaceLogin', options.claimFaceLogin),
    resumeMaxAge: optionalInteger('resumeMaxAge', options.resumeMaxAge, 60 * 60 * 1000, 1),
    allowedOrigins: checkAllowedOrigins(options.allowedOrigins),
    faceAuthentication: hasAdminToken
  }
  return {
    client,
    routes,
    webhook: options.webhook === undefined ? undefined : checkWebhook(options.webhook, hasAdminToken),
    exposeRoutes: optionalBoolean('exposeRoutes', options.exposeRoutes, true),
    routePrefix,
    decorator: checkDecorator(options.decorator)
  }
}

function checkDecorator (value: unknown): string {
  if (value === undefined) return 'incode'
  if (typeof value !== 'string' || !/^[A-Za-z_$][\w$]{0,63}$/.test(value)) {
    throw new InvalidOptionError('decorator', 'must be a JavaScript identifier such as "incodeEu"')
  }
  return value
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

/** The default redirect target, by the rule a browser's is held to. */
function checkRedirectionUrl (value: unknown): string | undefined {
  if (value === undefined) return undefined
  const { url, fault } = readRedirectionUrl(value)
  if (fault !== undefined) throw new InvalidOptionError('redirectionUrl', REDIRECTION_URL_RULES[fault])
  return url.href
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

/** `true`, or `{ readRateLimit }`: the limit of the compat routes that read with a session token. */
function checkCompatRoutes (value: unknown): RouteSettings['compatReadRateLimit'] {
  if (value === undefined || typeof value === 'boolean') return { ...COMPAT_READ_RATE_LIMIT_DEFAULTS }
  if (!isObject(value)) throw new InvalidOptionError('compatRoutes', 'must be a boolean or { readRateLimit }')
  for (const key of Object.keys(value)) {
    if (key !== 'readRateLimit') throw new InvalidOptionError(`compatRoutes.${key}`, 'is not supported; use readRateLimit')
  }
  const limit = value.readRateLimit
  if (limit === false) return false
  if (limit === undefined) return { ...COMPAT_READ_RATE_LIMIT_DEFAULTS }
  if (!isObject(limit)) throw new InvalidOptionError('compatRoutes.readRateLimit', 'must be false or { max, timeWindow }')
  for (const key of Object.keys(limit)) {
    if (key !== 'max' && key !== 'timeWindow') {
      throw new InvalidOptionError(`compatRoutes.readRateLimit.${key}`, 'is not supported: the store and the key are the rateLimit option\'s')
    }
  }
  checkLimit('compatRoutes.readRateLimit', limit, false)
  const { max = COMPAT_READ_RATE_LIMIT_DEFAULTS.max, timeWindow = COMPAT_READ_RATE_LIMIT_DEFAULTS.timeWindow } = limit as { max?: number, timeWindow?: number | string }
  return { max, timeWindow: typeof timeWindow === 'string' ? parseDuration(timeWindow) as number : timeWindow }
}

function checkRouteOptions (value: unknown): IncodeRouteOptions {
  if (value === undefined) return {}
  if (!isObject(value)) throw new InvalidOptionError('routeOptions', 'must be an object')
  for (const key of Object.keys(value)) {
    if (!ROUTE_OPTION_KEYS.has(key)) throw new InvalidOptionError(`routeOptions.${key}`, 'is not supported; use onRequest, preHandler, config, logLevel or tags')
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
  if (value.tags !== undefined && !(Array.isArray(value.tags) && value.tags.length > 0 &&
      value.tags.every((tag) => typeof tag === 'string' && tag !== ''))) {
    throw new InvalidOptionError('routeOptions.tags', 'must be a non-empty array of OpenAPI tag names')
  }
  return value as IncodeRouteOptions
}

function checkAllowedOrigins (value: unknown): Set<string> {
  if (value === undefined) return new Set()
  if (!Array.isArray(value)) throw new InvalidOptionError('allowedOrigins', 'must be an array of origins')
  return new Set(value.map((entry: unknown, index) => {
    const url = requireHttpUrl(`allowedOrigins[${index}]`, entry, 'an origin such as "https://app.example.com"')
    if (url.origin !== String(entry).replace(/\/$/, '')) {
      throw new InvalidOptionError(`allowedOrigins[${index}]`, 'must be an origin such as "https://app.example.com", without a path')
    }
    return url.origin
  }))
}
