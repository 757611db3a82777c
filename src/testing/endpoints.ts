// Incode's endpoints as the fake plays them: the table that routes a request (404, 405, api-version), and the answers for start, onboarding-url and log-in.
import { isObject } from '../is-object.js'
import { checkApiKey, sessionOfCaller } from './account.js'
import type { IncodeAccount } from './account.js'
import type { Exchange } from './exchange.js'
import { readJsonBody, sendError, sendJson } from './incode-http.js'
import {
  completeOnboardingFromPage,
  isCompletionPath,
  ONBOARDING_PAGE_PREFIX,
  onboardingPageUrl,
  sendOnboardingPage
} from './onboarding-page.js'
import {
  sendAuthenticationVerdict,
  sendFinishStatus,
  sendOnboardingStatus,
  sendScoreOfId,
  sendScoreOfToken
} from './results.js'
import { approveSession, deleteSessions, sendImages, sendOcrData } from './outcomes.js'
import { createSession } from './session.js'
import type { FakeIncodePath } from './types.js'

/** `fakeUrl`: the fake's own address, where the onboarding pages it hands out live. */
type Answer = (exchange: Exchange, account: IncodeAccount, fakeUrl: string) => void

interface Endpoint {
  method: string
  apiVersioned: boolean
  answer: Answer
}

const OPTIONAL_START_STRINGS = ['externalCustomerId', 'redirectionUrl', 'language', 'countryCode']
const START_KEYS = ['configurationId'] as const
const LOG_IN_KEYS = ['email', 'password'] as const

const ENDPOINTS = new Map<string, Endpoint>([
  ['/omni/start', { method: 'POST', apiVersioned: true, answer: startSession }],
  ['/0/omni/onboarding-url', { method: 'GET', apiVersioned: true, answer: sendOnboardingUrl }],
  ['/executive/log-in', { method: 'POST', apiVersioned: true, answer: logInAdmin }],
  ['/omni/get/onboarding/status', { method: 'GET', apiVersioned: true, answer: sendOnboardingStatus }],
  ['/omni/get/score', { method: 'GET', apiVersioned: true, answer: sendScoreOfId }],
  ['/0/omni/get/score', { method: 'GET', apiVersioned: true, answer: sendScoreOfToken }],
  ['/omni/finish-status', { method: 'GET', apiVersioned: true, answer: sendFinishStatus }],
  ['/omni/authentication/verify', { method: 'POST', apiVersioned: true, answer: sendAuthenticationVerdict }],
  ['/omni/process/approve', { method: 'POST', apiVersioned: true, answer: approveSession }],
  ['/omni/get/ocr-data', { method: 'GET', apiVersioned: true, answer: sendOcrData }],
  ['/omni/get/images', { method: 'POST', apiVersioned: true, answer: sendImages }],
  ['/omni/interviews', { method: 'DELETE', apiVersioned: true, answer: deleteSessions }]
] satisfies Array<[FakeIncodePath, Endpoint]>)
// Incode's hosted onboarding, which a person's browser opens: no API key, no api-version.
const ONBOARDING_PAGE: Endpoint = { method: 'GET', apiVersioned: false, answer: sendOnboardingPage }
const ONBOARDING_COMPLETION: Endpoint = { method: 'POST', apiVersioned: false, answer: completeOnboardingFromPage }

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
  if (!path.startsWith(ONBOARDING_PAGE_PREFIX)) return ENDPOINTS.get(path)
  return isCompletionPath(path) ? ONBOARDING_COMPLETION : ONBOARDING_PAGE
}

function startSession (exchange: Exchange, account: IncodeAccount): void {
  if (!checkApiKey(exchange, account)) return
  const body = readJsonBody(exchange, START_KEYS)
  if (body === undefined) return
  const problem = findStartBodyProblem(body, account.configurationIds)
  if (problem !== undefined) {
    sendError(exchange, 400, problem)
    return
  }
  const session = createSession(body.configurationId, body)
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
  const session = sessionOfCaller(exchange, account)
  if (session === undefined) return
  const { clientId } = exchange.recorded.query
  if (clientId !== undefined && clientId !== account.clientId) {
    sendError(exchange, 400, 'Unknown clientId')
  } else {
    sendJson(exchange, 200, { url: onboardingPageUrl(fakeUrl, session) })
  }
}

/** `POST /executive/log-in`: a fresh admin token for the account's email and password. */
function logInAdmin (exchange: Exchange, account: IncodeAccount): void {
  if (!checkApiKey(exchange, account)) return
  const body = readJsonBody(exchange, LOG_IN_KEYS)
  if (body === undefined) return
  const token = account.admin.logIn(body.email, body.password)
  if (token === undefined) sendError(exchange, 401, 'Wrong email or password')
  else sendJson(exchange, 200, { token })
}

function findStartBodyProblem (body: Record<string, unknown> & { configurationId: string }, configurationIds: readonly string[] | undefined): string | undefined {
  if (configurationIds !== undefined && !configurationIds.includes(body.configurationId)) return 'Unknown configurationId'
  const wrong = OPTIONAL_START_STRINGS.find((key) => key in body && typeof body[key] !== 'string')
  if (wrong !== undefined) return `${wrong} must be a string`
  if ('customFields' in body && !isStringMap(body.customFields)) return 'customFields must be an object of strings'
  return undefined
}

function isStringMap (value: unknown): boolean {
  return isObject(value) && Object.values(value).every((entry) => typeof entry === 'string')
}
