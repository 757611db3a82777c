// Incode's endpoints as the fake plays them: which exist, the checks Incode makes, Incode's answers and errors.
import { STATUS_CODES } from 'node:http'
import { isObject } from '../params.js'
import { JSON_TYPE, send } from './exchange.js'
import type { Exchange } from './exchange.js'
import { createSession } from './session.js'
import type { SessionRecords } from './session-records.js'

/** The account the fake plays, and the sessions it keeps. */
export interface IncodeAccount {
  apiKey: string
  clientId: string
  /** Undefined: any non-empty `configurationId`. */
  configurationIds: readonly string[] | undefined
  sessions: SessionRecords
}

/** `fakeUrl`: the fake's own address, where the onboarding pages it hands out live. */
type Answer = (exchange: Exchange, account: IncodeAccount, fakeUrl: string) => void

interface Endpoint {
  method: string
  apiVersioned: boolean
  answer: Answer
}

const START_PATH = '/omni/start'
const ONBOARDING_URL_PATH = '/0/omni/onboarding-url'
const ONBOARDING_PAGE_PREFIX = '/onboarding/'
const OPTIONAL_START_STRINGS = ['externalCustomerId', 'redirectionUrl', 'language', 'countryCode']

/** Answers as Incode would: 404 for an unknown path, 405 for a wrong method, else the endpoint's checks. */
export function answerAsIncode (exchange: Exchange, account: IncodeAccount, fakeUrl: string): void {
  const { method, path } = exchange.recorded
  const endpoint = endpointAt(path)
  if (endpoint === undefined) {
    sendError(exchange, 404, 'No such endpoint')
  } else if (method !== endpoint.method) {
    sendError(exchange, 405, `Request method '${method}' is not supported`, { allow: endpoint.method })
  } else if (endpoint.apiVersioned && exchange.recorded.headers['api-version'] !== '1.0') {
    sendError(exchange, 400, 'Missing or unsupported api-version header')
  } else {
    endpoint.answer(exchange, account, fakeUrl)
  }
}

function endpointAt (path: string): Endpoint | undefined {
  if (path === START_PATH) return { method: 'POST', apiVersioned: true, answer: startSession }
  if (path === ONBOARDING_URL_PATH) return { method: 'GET', apiVersioned: true, answer: sendOnboardingUrl }
  if (path.startsWith(ONBOARDING_PAGE_PREFIX)) return { method: 'GET', apiVersioned: false, answer: sendOnboardingPage }
  return undefined
}

function startSession (exchange: Exchange, account: IncodeAccount): void {
  const { headers, body } = exchange.recorded
  if (headers['x-api-key'] !== account.apiKey) {
    sendError(exchange, 403, 'Invalid or missing API key')
    return
  }
  const problem = findStartBodyProblem(headers['content-type'], body, account.configurationIds)
  if (problem !== undefined) {
    sendError(exchange, 400, problem)
    return
  }
  const startBody = body as Record<string, unknown> & { configurationId: string }
  const session = createSession(startBody.configurationId, startBody)
  account.sessions.keep(session)
  sendJson(exchange, 200, {
    token: session.token,
    interviewId: session.interviewId,
    interviewCode: session.interviewCode,
    flowType: 'flow',
    clientId: account.clientId,
    env: 'demo',
    existingSession: false,
    idCaptureTimeout: 16,
    selfieCaptureTimeout: 16,
    idCaptureRetries: 3,
    selfieCaptureRetries: 3,
    curpValidationRetries: 1
  })
}

function sendOnboardingUrl (exchange: Exchange, account: IncodeAccount, fakeUrl: string): void {
  const { headers, query } = exchange.recorded
  const token = headers['x-incode-hardware-id']
  const session = typeof token === 'string' ? account.sessions.withToken(token) : undefined
  if (session === undefined) {
    sendError(exchange, 401, 'Invalid or missing session token')
  } else if (query.clientId !== undefined && query.clientId !== account.clientId) {
    sendError(exchange, 400, 'Unknown clientId')
  } else {
    // Embeds the token, as Incode's URLs may: clients must treat the URL as a secret.
    sendJson(exchange, 200, { url: `${fakeUrl}/onboarding/${session.interviewId}?token=${session.token}` })
  }
}

function sendOnboardingPage (exchange: Exchange, account: IncodeAccount): void {
  const interviewId = exchange.recorded.path.slice(ONBOARDING_PAGE_PREFIX.length)
  if (!account.sessions.has(interviewId)) {
    sendError(exchange, 404, 'Unknown interview')
    return
  }
  // Only a known id reaches the page, and ids are hex: nothing here needs escaping.
  sendAnswer(exchange, 200, 'text/html; charset=utf-8',
    `<!doctype html><title>Fake Incode</title><p>Fake Incode onboarding for interview ${interviewId}</p>`)
}

function findStartBodyProblem (contentType: string | undefined, body: unknown, configurationIds: readonly string[] | undefined): string | undefined {
  if (!/^application\/json\s*(;|$)/i.test(contentType ?? '')) return 'Content-Type must be application/json'
  if (!isObject(body)) return 'The body must be a JSON object'
  const { configurationId } = body
  if (typeof configurationId !== 'string' || configurationId === '') return 'configurationId is required'
  if (configurationIds !== undefined && !configurationIds.includes(configurationId)) return 'Unknown configurationId'
  const wrong = OPTIONAL_START_STRINGS.find((key) => key in body && typeof body[key] !== 'string')
  if (wrong !== undefined) return `${wrong} must be a string`
  if ('customFields' in body && !isStringMap(body.customFields)) return 'customFields must be an object of strings'
  return undefined
}

function isStringMap (value: unknown): boolean {
  return isObject(value) && Object.values(value).every((entry) => typeof entry === 'string')
}

/** Incode's error shape: `{ timestamp, status, error, message, path }`. */
export function sendError (exchange: Exchange, status: number, message: string, headers: Record<string, string> = {}): void {
  sendJson(exchange, status, {
    timestamp: Date.now(),
    status,
    error: STATUS_CODES[status],
    message,
    path: exchange.recorded.path
  }, headers)
}

function sendJson (exchange: Exchange, status: number, body: unknown, headers: Record<string, string> = {}): void {
  sendAnswer(exchange, status, JSON_TYPE, JSON.stringify(body), headers)
}

/** A normal answer: carries `Processing-Time` as Incode's do. */
function sendAnswer (exchange: Exchange, status: number, contentType: string, payload: string, headers: Record<string, string> = {}): void {
  send(exchange.res, status, {
    'content-type': contentType,
    'processing-time': String(Date.now() - exchange.recorded.receivedAt.getTime()),
    ...headers
  }, payload)
}
