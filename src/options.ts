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
  IncodeWebhookOptions,
  OnSessionCreated,
  ClaimFaceLogin,
  OnOnboardingFinished,
  OnWebhook,
  OwnsSession,
  ResumeSession
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
  admin: { token?: string | undefined, email?: string | undefined, password?: string | undefined }
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

/** The webhook's settings, checked: at least one way to authenticate Incode. */
export interface WebhookSettings {
  onWebhook: OnWebhook | undefined
  onOnboardingFinished: OnOnboardingFinished | undefined
  approve: 'when-ok' | false
  /** The header's name in lower case, as Node gives it. */
  secretHeader: { name: string, value: string } | undefined
  oauth: { clientId: string, clientSecret: string, tokenTtlSeconds: number } | undefined
  rateLimit: false | CheckedRateLimitOptions
}

export interface PluginSettings {
  client: IncodeClientOptions
  routes: RouteSettings
  webhook: WebhookSettings | undefined
  exposeRoutes: boolean
  routePrefix: string
}

export const DEFAULT_STORE_TIMEOUT = 1000
const RATE_LIMIT_DEFAULTS = { max: 10, timeWindow: '1 minute', storeTimeout: DEFAULT_STORE_TIMEOUT }
// Only Incode's authenticated calls count: one webhook per status change, and with OAuth2 a token
// request before each, so 1200 a minute is 600 events from one address.
const WEBHOOK_RATE_LIMIT_DEFAULTS = { max: 1200, timeWindow: '1 minute', storeTimeout: DEFAULT_STORE_TIMEOUT }
// A front end calls each once or twice per session; a forged token costs an Incode call each.
const COMPAT_READ_RATE_LIMIT_DEFAULTS = { max: 60, timeWindow: 60_000 }
const MIN_SECRET_LENGTH = 32
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$/
const HEADER_VALUE = /^[\x21-\x7e][\x20-\x7e]*[\x21-\x7e]$/
const RATE_LIMIT_OWN_KEYS = ['global', 'hook', 'errorResponseBuilder']
const ROUTE_OPTION_KEYS = new Set(['onRequest', 'preHandler', 'config', 'logLevel', 'tags'])
const LOG_LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
const DEFAULT_KEEP_ALIVE_TIMEOUT = 500
const CLIENT_KEYS = [
  'apiUrl', 'apiKey', 'configurationId', 'clientId', 'timeout', 'retries', 'connections', 'keepAliveTimeout',
  'dispatcher', 'adminToken', 'adminEmail', 'adminPassword'
] as const satisfies ReadonlyArray<keyof IncodeClientOptions>

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
    routeOptions: checkRouteOptions(options.routeOptions),
    tags: options.routeOptions?.tags ?? ['incode'],
    compatRoutes: options.compatRoutes !== undefined && options.compatRoutes !== false,
    compatReadRateLimit: checkCompatRoutes(options.compatRoutes),
    resumeSession: optionalFunction<ResumeSession>('resumeSession', options.resumeSession),
    ownsSession: optionalFunction<OwnsSession>('ownsSession', options.ownsSession),
    claimFaceLogin: optionalFunction<ClaimFaceLogin>('claimFaceLogin', options.claimFaceLogin),
    resumeMaxAge: optionalInteger('resumeMaxAge', options.resumeMaxAge, 60 * 60 * 1000, 1),
    allowedOrigins: checkAllowedOrigins(options.allowedOrigins),
    faceAuthentication: options.adminToken !== undefined || options.adminEmail !== undefined
  }
  return {
    // Only the client's own keys: the client never sees the hooks or the routes' settings.
    client: Object.fromEntries(CLIENT_KEYS.map((key) => [key, options[key]])) as unknown as IncodeClientOptions,
    routes,
    webhook: options.webhook === undefined ? undefined : checkWebhook(options.webhook, options.adminToken !== undefined || options.adminEmail !== undefined),
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
    dispatcher: options.dispatcher,
    admin: checkAdmin(options)
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

function checkRateLimit (value: unknown, name = 'rateLimit', defaults = RATE_LIMIT_DEFAULTS): false | CheckedRateLimitOptions {
  if (value === false) return false
  if (value === undefined) return { ...defaults }
  if (!isObject(value)) throw new InvalidOptionError(name, 'must be false or an object of @fastify/rate-limit options')
  for (const key of RATE_LIMIT_OWN_KEYS) {
    if (key in value) throw new InvalidOptionError(`${name}.${key}`, 'is set by fastify-incode and cannot be changed')
  }
  const storeTimeout = optionalInteger(`${name}.storeTimeout`, value.storeTimeout, defaults.storeTimeout, 1)
  checkLimit(name, value, true)
  return { ...defaults, ...value, storeTimeout }
}

/** A limit's `max` (a whole number ≥ 0) and `timeWindow` (ms > 0, or a duration such as "1 minute"), or functions of them. */
function checkLimit (name: string, { max, timeWindow }: Record<string, unknown>, functions: boolean): void {
  const or = functions ? ', or a function' : ''
  if (max !== undefined && !(functions && typeof max === 'function') && !(Number.isSafeInteger(max) && (max as number) >= 0)) {
    throw new InvalidOptionError(`${name}.max`, `must be a non-negative integer${or}`)
  }
  if (timeWindow !== undefined && !(functions && typeof timeWindow === 'function') &&
      !(typeof timeWindow === 'number' && Number.isFinite(timeWindow) && timeWindow > 0) &&
      !(typeof timeWindow === 'string' && (parseDuration(timeWindow) ?? 0) > 0)) {
    throw new InvalidOptionError(`${name}.timeWindow`, `must be a positive number of ms, a duration such as "1 minute"${or}`)
  }
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

function checkAdmin (options: IncodeClientOptions): ClientSettings['admin'] {
  const token = optionalString('adminToken', options.adminToken)
  const email = optionalString('adminEmail', options.adminEmail)
  const password = optionalString('adminPassword', options.adminPassword)
  if ((email === undefined) !== (password === undefined)) {
    throw new InvalidOptionError(email === undefined ? 'adminEmail' : 'adminPassword', 'must be set together with the other of adminEmail and adminPassword')
  }
  if (token !== undefined && email !== undefined) {
    throw new InvalidOptionError('adminToken', 'and adminEmail/adminPassword are two ways to the admin token; set one of them')
  }
  return { token, email, password }
}

function checkWebhook (value: IncodeWebhookOptions, hasAdminCredentials: boolean): WebhookSettings {
  if (!isObject(value)) throw new InvalidOptionError('webhook', 'must be an object')
  const onWebhook = optionalFunction<OnWebhook>('webhook.onWebhook', value.onWebhook)
  const onOnboardingFinished = optionalFunction<OnOnboardingFinished>('webhook.onOnboardingFinished', value.onOnboardingFinished)
  if (onWebhook === undefined && onOnboardingFinished === undefined) {
    throw new InvalidOptionError('webhook.onWebhook', 'or webhook.onOnboardingFinished must be a function')
  }
  if (value.approve !== undefined && value.approve !== false && value.approve !== 'when-ok') {
    throw new InvalidOptionError('webhook.approve', 'must be "when-ok" or false')
  }
  const approve = value.approve ?? false
  if ((approve !== false || onOnboardingFinished !== undefined) && !hasAdminCredentials) {
    throw new InvalidOptionError(approve !== false ? 'webhook.approve' : 'webhook.onOnboardingFinished',
      'needs the admin token: set adminToken, or adminEmail and adminPassword (the score is read with it)')
  }
  if (value.secretHeader === undefined && value.oauth === undefined) {
    throw new InvalidOptionError('webhook', 'needs secretHeader or oauth: an unauthenticated webhook lets anyone mark a person verified')
  }
  return {
    onWebhook,
    onOnboardingFinished,
    approve,
    secretHeader: value.secretHeader === undefined ? undefined : checkSecretHeader(value.secretHeader),
    oauth: value.oauth === undefined ? undefined : checkOAuth(value.oauth),
    rateLimit: checkRateLimit(value.rateLimit, 'webhook.rateLimit', WEBHOOK_RATE_LIMIT_DEFAULTS)
  }
}

function checkSecretHeader (value: unknown): WebhookSettings['secretHeader'] {
  if (!isObject(value)) throw new InvalidOptionError('webhook.secretHeader', 'must be { name, value }')
  if (typeof value.name !== 'string' || !HEADER_NAME.test(value.name)) {
    throw new InvalidOptionError('webhook.secretHeader.name', 'must be an HTTP header name')
  }
  return { name: value.name.toLowerCase(), value: checkSecret('webhook.secretHeader.value', value.value) }
}

function checkOAuth (value: unknown): WebhookSettings['oauth'] {
  if (!isObject(value)) throw new InvalidOptionError('webhook.oauth', 'must be { clientId, clientSecret, tokenTtlSeconds? }')
  return {
    clientId: checkClientId(value.clientId),
    clientSecret: checkClientSecret(value.clientSecret),
    tokenTtlSeconds: optionalInteger('webhook.oauth.tokenTtlSeconds', value.tokenTtlSeconds, 3600, 1)
  }
}

/** A shared secret: long enough not to be guessed, and sendable as a header value. */
function checkSecret (name: string, value: unknown): string {
  if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH || !HEADER_VALUE.test(value)) {
    throw new InvalidOptionError(name, `must be at least ${MIN_SECRET_LENGTH} printable ASCII characters`)
  }
  return value
}

/** HTTP Basic splits `id:secret` at the first colon, so the id can hold none. */
function checkClientId (value: unknown): string {
  const id = requireString('webhook.oauth.clientId', value)
  if (id.includes(':') || /[\p{Cc}]/u.test(id)) {
    throw new InvalidOptionError('webhook.oauth.clientId', 'must not contain a colon or a control character')
  }
  return id
}

/**
 * The OAuth2 client secret: long enough not to be guessed. It travels base64-encoded in
 * `Authorization: Basic`, or form-encoded, so any character but a control one will do.
 */
function checkClientSecret (value: unknown): string {
  if (typeof value !== 'string' || [...value].length < MIN_SECRET_LENGTH || /[\p{Cc}]/u.test(value)) {
    throw new InvalidOptionError('webhook.oauth.clientSecret', `must be at least ${MIN_SECRET_LENGTH} characters, none of them a control character`)
  }
  return value
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
