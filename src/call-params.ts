// The parameters of an Incode call, checked before anything is sent, with the rules the routes
// apply to browsers: the client is also called directly (jobs, `exposeRoutes: false`), and what
// it sends ends up in Incode's headers, bodies and dashboard.
import { InvalidParamsError } from './errors.js'
import { INTERVIEW_ID, MAX_TOKEN_LENGTH, TOKEN } from './incode-shapes.js'
import { isObject } from './is-object.js'
import type { StartSessionOptions } from './types.js'
import { readRedirectionUrl, REDIRECTION_URL_RULES } from './urls.js'

/** A language tag as Incode takes it (`en-US`, `es-ES`, `pt-BR`). */
export const LANGUAGE_PATTERN = '^[A-Za-z0-9-]{1,16}$'

const MAX_ID_LENGTH = 256
const MAX_CUSTOM_FIELDS = 50
const MAX_CUSTOM_FIELD_LENGTH = 1024
const LANGUAGE = new RegExp(LANGUAGE_PATTERN)
const COUNTRY_CODE = /^[A-Za-z]{2,3}$/
// No control characters (CR, LF, NUL …) and no lone surrogates: they would corrupt a header or a log.
const CONTROL = /[\p{Cc}\p{Cs}]/u
const START_KEYS = new Set(['configurationId', 'externalCustomerId', 'redirectionUrl', 'language', 'countryCode', 'customFields'])

/** The body of `/omni/start` from checked parameters: only what is defined, the URL normalised. */
export function startSessionBody (params: unknown, configurationId: string): Record<string, unknown> {
  if (!isObject(params)) throw new InvalidParamsError('params', 'must be an object')
  const unknown = Object.keys(params).find((key) => !START_KEYS.has(key))
  if (unknown !== undefined) throw new InvalidParamsError(unknown, 'is not a startSession parameter')
  const body: Record<string, unknown> = {
    configurationId: params.configurationId === undefined ? configurationId : checkText('configurationId', params.configurationId, MAX_ID_LENGTH)
  }
  if (params.externalCustomerId !== undefined) body.externalCustomerId = checkText('externalCustomerId', params.externalCustomerId, MAX_ID_LENGTH)
  if (params.redirectionUrl !== undefined) body.redirectionUrl = normaliseRedirectionUrl(params.redirectionUrl)
  if (params.language !== undefined) body.language = checkPattern('language', params.language, LANGUAGE, 'must be a language tag such as "en-US"')
  if (params.countryCode !== undefined) body.countryCode = checkPattern('countryCode', params.countryCode, COUNTRY_CODE, 'must be an ISO 3166 country code or "ALL"')
  if (params.customFields !== undefined) body.customFields = checkCustomFields(params.customFields)
  return body
}

/** A redirect target as it will be sent: an absolute http(s) URL, normalised, within the length limit. */
function normaliseRedirectionUrl (value: unknown): string {
  const { url, fault } = readRedirectionUrl(value)
  if (fault !== undefined) throw new InvalidParamsError('redirectionUrl', REDIRECTION_URL_RULES[fault])
  return url.href
}

/** An interviewId, about to become a query parameter. */
export function checkInterviewId (value: unknown): string {
  return checkPattern('interviewId', value, INTERVIEW_ID, 'must be an Incode interviewId (letters, digits, _ and -, at most 64)')
}

/** The face log-in the Web SDK made, as Incode's verify endpoint takes it. */
export function checkFaceAuthentication (params: unknown): { transactionId: string, token: string, interviewToken: string } {
  if (!isObject(params)) throw new InvalidParamsError('params', 'must be an object')
  return {
    transactionId: checkText('transactionId', params.transactionId, MAX_TOKEN_LENGTH),
    token: checkToken(params.token),
    interviewToken: checkPattern('interviewToken', params.interviewToken, TOKEN, `must be printable ASCII, at most ${MAX_TOKEN_LENGTH} characters`)
  }
}

/** A session token, about to become a header. */
export function checkToken (value: unknown): string {
  return checkPattern('token', value, TOKEN, `must be a session token (printable ASCII, at most ${MAX_TOKEN_LENGTH} characters)`)
}

function checkText (name: string, value: unknown, max: number): string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > max || CONTROL.test(value)) {
    throw new InvalidParamsError(name, `must be a non-empty string of at most ${max} characters without control characters`)
  }
  return value
}

function checkPattern (name: string, value: unknown, pattern: RegExp, what: string): string {
  if (typeof value !== 'string' || !pattern.test(value)) throw new InvalidParamsError(name, what)
  return value
}

function checkCustomFields (value: unknown): Record<string, string> {
  if (!isObject(value) || Object.keys(value).length > MAX_CUSTOM_FIELDS) {
    throw new InvalidParamsError('customFields', `must be an object of at most ${MAX_CUSTOM_FIELDS} string values`)
  }
  for (const [key, field] of Object.entries(value)) {
    checkText('customFields key', key, MAX_CUSTOM_FIELD_LENGTH)
    checkText(`customFields.${key}`, field, MAX_CUSTOM_FIELD_LENGTH)
  }
  return value as Record<string, string>
}

/** A call's options: an AbortSignal, and for startSession an onLateSession function. */
export function checkCallOptions (options: unknown): asserts options is StartSessionOptions {
  if (!isObject(options)) throw new InvalidParamsError('options', 'must be an object')
  const { signal, onLateSession } = options
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new InvalidParamsError('signal', 'must be an AbortSignal')
  }
  if (onLateSession !== undefined && typeof onLateSession !== 'function') {
    throw new InvalidParamsError('onLateSession', 'must be a function')
  }
}
