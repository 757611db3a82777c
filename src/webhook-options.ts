// The webhook's options: at least one way to authenticate Incode, secrets long enough not to be
// guessed, and the admin token wherever the score is read.
import { InvalidOptionError } from './errors.js'
import { isObject } from './is-object.js'
import { optionalFunction, optionalInteger, requireString } from './option-checks.js'
import { checkRateLimit, DEFAULT_STORE_TIMEOUT, type CheckedRateLimitOptions } from './rate-limit-options.js'
import type { IncodeWebhookOptions, OnOnboardingFinished, OnWebhook } from './types.js'

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

// Only Incode's authenticated calls count: one webhook per status change, and with OAuth2 a token
// request before each, so 1200 a minute is 600 events from one address.
// Its own Redis keys, so that a Redis client the session limit uses too never mixes the counts.
const WEBHOOK_RATE_LIMIT_DEFAULTS = { max: 1200, timeWindow: '1 minute', storeTimeout: DEFAULT_STORE_TIMEOUT, nameSpace: 'fastify-incode-webhook-' }
const MIN_SECRET_LENGTH = 32
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$/
const HEADER_VALUE = /^[\x21-\x7e][\x20-\x7e]*[\x21-\x7e]$/

export function checkWebhook (value: IncodeWebhookOptions, hasAdminCredentials: boolean): WebhookSettings {
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
