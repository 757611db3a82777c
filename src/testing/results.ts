// What Incode reports about a session once it runs: onboarding status, score, finish-status, face log-in checks.
import { checkAdminToken, checkApiKey, hardwareId, sessionOfCaller, sessionOfQuery } from './account.js'
import type { IncodeAccount } from './account.js'
import type { Exchange } from './exchange.js'
import { readJsonBody, sendError, sendJson } from './incode-http.js'
import type { FakeScore, FakeSession } from './types.js'

const VERIFY_KEYS = ['transactionId', 'token', 'interviewToken'] as const

/** `GET /omni/get/onboarding/status?id=`: API key and admin token. */
export function sendOnboardingStatus (exchange: Exchange, account: IncodeAccount): void {
  if (!checkApiKey(exchange, account) || !checkAdminToken(exchange, account)) return
  const session = sessionOfQuery(exchange, account)
  if (session !== undefined) sendJson(exchange, 200, { onboardingStatus: session.onboardingStatus })
}

/** `GET /omni/get/score?id=`: API key, and an admin token or the session's own token. */
export function sendScoreOfId (exchange: Exchange, account: IncodeAccount): void {
  if (!checkApiKey(exchange, account)) return
  const token = hardwareId(exchange)
  const { id } = exchange.recorded.query
  const own = id === undefined ? undefined : account.sessions.get(id)
  if (!account.admin.isValid(token) && (own === undefined || own.token !== token)) {
    sendError(exchange, 401, 'Invalid, expired or missing admin or session token')
    return
  }
  const session = sessionOfQuery(exchange, account)
  if (session !== undefined) sendJson(exchange, 200, scoreAnswer(session))
}

/** `GET /0/omni/get/score`: the score of the caller's own session. */
export function sendScoreOfToken (exchange: Exchange, account: IncodeAccount): void {
  const session = sessionOfCaller(exchange, account)
  if (session !== undefined) sendJson(exchange, 200, scoreAnswer(session))
}

/**
 * `GET /omni/finish-status`: the user is done; `approved` once the score is OK, `none` until then.
 * Not in the token-only `/0/` family: it takes the API key as well as the session token.
 */
export function sendFinishStatus (exchange: Exchange, account: IncodeAccount): void {
  if (!checkApiKey(exchange, account)) return
  const session = sessionOfCaller(exchange, account)
  if (session === undefined) return
  session.finishedByUserAt ??= exchange.recorded.receivedAt
  const redirectionUrl = session.body.redirectionUrl
  sendJson(exchange, 200, {
    redirectionUrl: typeof redirectionUrl === 'string' ? redirectionUrl : null,
    action: session.score.status === 'OK' ? 'approved' : 'none'
  })
}

/** `POST /omni/authentication/verify`: verified when `token` is a session token whose score is OK. */
export function sendAuthenticationVerdict (exchange: Exchange, account: IncodeAccount): void {
  if (!checkApiKey(exchange, account) || !checkAdminToken(exchange, account)) return
  const body = readJsonBody(exchange, VERIFY_KEYS)
  if (body === undefined) return
  const session = account.sessions.withToken(body.token)
  sendJson(exchange, 200, { verified: session?.score.status === 'OK' })
}

/**
 * Incode's score object, reduced to the overall verdict, which every module block repeats; a face
 * log-in's adds the identity its face matched.
 */
function scoreAnswer ({ score: { status, value }, authentication }: FakeSession): Record<string, unknown> {
  // One object in several places: the answer is only serialised, never changed.
  const overall: FakeScore = { value, status }
  return {
    overall,
    reasonMsg: status === 'UNKNOWN' ? 'The onboarding is not finished' : `Overall status ${status}`,
    idValidation: { overall },
    liveness: { overall },
    faceRecognition: { overall },
    ...(authentication === undefined ? {} : { authentication: { overall, identityId: authentication.identityId } })
  }
}
