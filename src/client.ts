import { AdminToken } from './admin-token.js'
import { addHealthCheck, runHealthChecks, type IncodeHealth } from './health.js'
import { IncodeMetrics } from './metrics.js'
import {
  approveCall,
  deleteSessionsCall,
  faceAuthenticationCall,
  imagesCall,
  ocrDataCall,
  onboardingStatusCall,
  scoreCall,
  type AdminCall
} from './admin-calls.js'
import { checkCallOptions, checkInterviewId, checkToken, startSessionBody } from './call-params.js'
import { ClientSettings, resolveClientOptions } from './client-options.js'
import { INTERVIEW_ID, isMatch, readFinishStatus, readScore, readStartSessionAnswer, TOKEN } from './incode-shapes.js'
import { isObject } from './is-object.js'
import { Transport, type CallAbort, type CallSignal } from './transport.js'
import { isHttpUrl } from './urls.js'
import type {
  ApproveSessionResult,
  CallOptions,
  DeleteSessionsOptions,
  FaceAuthenticationParams,
  FaceAuthenticationResult,
  FaceLoginResult,
  FinishStatusResult,
  IncodeClientOptions,
  IncodeImageKind,
  IncodeImages,
  IncodeOcrData,
  IncodeScore,
  OnboardingStatusResult,
  StartSessionOptions,
  StartSessionParams,
  StartSessionResult
} from './types.js'

const API_VERSION = '1.0'

/** Incode's API: the endpoints, each one call under one deadline (see transport.ts). */
export class IncodeClient {
  /** The API base as used: origin and path, without a trailing `/` or `/0`. */
  readonly apiUrl: string
  /** The flow id sent when `startSession` is given none. */
  readonly configurationId: string
  /** Sent as `clientId` on onboarding-url calls, when set. */
  readonly clientId: string | undefined
  /** The deadline of each call, in ms. */
  readonly timeout: number
  /** Extra attempts a call may make. */
  readonly retries: number
  /** What this client (and the plugin's routes on it) have done: counters and call latencies to export. */
  readonly metrics = new IncodeMetrics()
  readonly #apiKey: string
  readonly #transport: Transport
  readonly #adminToken: AdminToken

  constructor (options: IncodeClientOptions)
  /** @internal The plugin's: options it has resolved already. */
  constructor (settings: ClientSettings)
  constructor (options: IncodeClientOptions | ClientSettings) {
    const settings = options instanceof ClientSettings ? options : resolveClientOptions(options)
    const { timeout, retries } = settings
    this.apiUrl = settings.origin + settings.basePath
    this.configurationId = settings.configurationId
    this.clientId = settings.clientId
    this.timeout = timeout
    this.retries = retries
    this.#apiKey = settings.apiKey
    this.#transport = Transport.for(settings, this.metrics)
    this.#adminToken = new AdminToken(settings.admin, async (email, password) => await this.#logIn(email, password))
    const { token, email } = settings.admin
    if (token !== undefined || email !== undefined) {
      // The token held, or a log-in that gets one (shared with the calls, and not repeated after a refusal until its wait is over).
      addHealthCheck(this, 'adminToken', async () => await this.#adminToken.get({ deadline: Date.now() + this.timeout }))
    }
  }

  /**
   * Whether what the client and the plugin's routes need is there: the admin token obtainable
   * (where configured), each rate-limit store of the routes answering. Each check is bounded;
   * `ok` is whether all passed. For a readiness route, or `@fastify/under-pressure`'s `healthCheck`.
   */
  async health (): Promise<IncodeHealth> {
    return await runHealthChecks(this)
  }

  /** Starts a new Incode session (`POST /omni/start`). Every call creates a session. */
  async startSession (params: StartSessionParams = {}, options: StartSessionOptions = {}): Promise<StartSessionResult> {
    const body = startSessionBody(params, this.configurationId)
    checkCallOptions(options)
    return await this.#startSession(body, options.signal, options.onLateSession, false)
  }

  /**
   * @internal A route's session: its signal is the route's CallAbort (cheaper than an
   * AbortSignal), and its `onLateSession` bounds the host's hook by `hookTimeout` itself.
   */
  async startSessionForRoute (params: StartSessionParams, signal: CallAbort, onLateSession: (session: StartSessionResult) => Promise<void>): Promise<StartSessionResult> {
    return await this.#startSession(startSessionBody(params, this.configurationId), signal, onLateSession, true)
  }

  async #startSession (
    body: Record<string, unknown>, signal: CallSignal | undefined, onLate: StartSessionOptions['onLateSession'], onLateBounded: boolean
  ): Promise<StartSessionResult> {
    return await this.#transport.call({
      name: 'start',
      request: {
        method: 'POST',
        path: '/omni/start',
        headers: this.#jsonHeaders(),
        body: JSON.stringify(body)
      },
      readResult: readStartSessionAnswer,
      signal,
      keepWhenSent: true,
      onLate,
      onLateBounded
    })
  }

  /** Fetches the hosted onboarding URL of a session (`GET /0/omni/onboarding-url`). */
  async getOnboardingUrl (token: string, options: CallOptions = {}): Promise<string> {
    checkToken(token)
    checkCallOptions(options)
    return await this.#getOnboardingUrl(token, options.signal)
  }

  /** @internal A route's onboarding URL, under the route's CallAbort. */
  async getOnboardingUrlForRoute (token: string, signal: CallAbort): Promise<string> {
    return await this.#getOnboardingUrl(checkToken(token), signal)
  }

  async #getOnboardingUrl (token: string, signal: CallSignal | undefined): Promise<string> {
    const query = this.clientId === undefined ? '' : `?clientId=${encodeURIComponent(this.clientId)}`
    return await this.#transport.call({
      name: 'onboarding-url',
      request: {
        method: 'GET',
        path: `/0/omni/onboarding-url${query}`,
        headers: sessionTokenHeaders(token)
      },
      readResult: (answer) => isObject(answer) && isHttpUrl(answer.url) ? answer.url : undefined,
      signal,
      keepWhenSent: false
    })
  }

  /**
   * Tells Incode the person has finished the flow (`GET /omni/finish-status`, with the session
   * token): its scores are final from then on. Returns where to send the person and what to do.
   */
  async getFinishStatus (token: string, options: CallOptions = {}): Promise<FinishStatusResult> {
    // Not a read: Incode marks the session finished, scores it and sends its webhook. Sent again
    // only when Incode provably did not see it. Not a `/0/` path either: the API key goes too.
    return await this.#sessionTokenCall('finish-status', token, '/omni/finish-status', options, readFinishStatus, false, this.#tokenHeaders(token))
  }

  /** The score of the session the token belongs to (`GET /0/omni/get/score`), with that token alone. */
  async getScoreForToken (token: string, options: CallOptions = {}): Promise<IncodeScore> {
    return await this.#sessionTokenCall('score-for-token', token, '/0/omni/get/score', options, readScore, true, sessionTokenHeaders(token))
  }

  /**
   * Checks a face log-in the Web SDK made (`POST /omni/authentication/verify`), with the admin
   * token: `{ token, transactionId, interviewToken }` as the SDK's `renderLogin` gives them.
   */
  async verifyFaceAuthentication (params: FaceAuthenticationParams, options: CallOptions = {}): Promise<FaceAuthenticationResult> {
    return await this.#adminCall(options, () => faceAuthenticationCall(params))
  }

  /**
   * Checks a face log-in as Incode's authentication sample does: finishes its session (its score
   * is final from then on), then requires the score's `authentication.identityId` to be the
   * identity the Web SDK's `renderAuthFace` claimed (`candidate`) and the overall status `OK`. Two
   * calls, each under its own deadline. Making sure a session is checked once is the caller's.
   */
  async verifyFaceLogin (token: string, candidate: string, options: CallOptions = {}): Promise<FaceLoginResult> {
    checkInterviewId(candidate)
    await this.getFinishStatus(token, options)
    const score = await this.getScoreForToken(token, options)
    const { authentication } = score
    const identityId = isObject(authentication) && isMatch(INTERVIEW_ID, authentication.identityId) ? authentication.identityId : undefined
    return { verified: identityId === candidate && score.overall.status === 'OK', identityId, score }
  }

  /** A GET authorised by the session token (`headers`: with the API key, or without it on a `/0/` path). */
  async #sessionTokenCall<T> (
    name: string, token: string, path: string, options: CallOptions, readResult: (body: unknown) => T | undefined, idempotent: boolean,
    headers: Record<string, string>
  ): Promise<T> {
    checkToken(token)
    checkCallOptions(options)
    return await this.#transport.call({ name, request: { method: 'GET', path, headers }, readResult, signal: options.signal, keepWhenSent: false, idempotent })
  }

  /** The onboarding status of a session (`GET /omni/get/onboarding/status`), with the admin token; a read, retried after a reset or a 5xx too. */
  async getOnboardingStatus (interviewId: string, options: CallOptions = {}): Promise<OnboardingStatusResult> {
    return await this.#adminCall(options, () => onboardingStatusCall(interviewId))
  }

  /** Incode's score of a session (`GET /omni/get/score`), with the admin token; a read, as above. */
  async getScore (interviewId: string, options: CallOptions = {}): Promise<IncodeScore> {
    return await this.#adminCall(options, () => scoreCall(interviewId))
  }

  /**
   * Approves a finished onboarding (`POST /omni/process/approve`): the person becomes an Incode
   * identity. `customerToken` is a long-lived credential of that identity: store it as a secret.
   * Not idempotent: never sent again once Incode may have seen it.
   */
  async approveSession (interviewId: string, options: CallOptions = {}): Promise<ApproveSessionResult> {
    return await this.#adminCall(options, () => approveCall(interviewId))
  }

  /** What Incode read off the person's document (`GET /omni/get/ocr-data`): names, birth date, document number, address, expiry … */
  async getOcrData (interviewId: string, options: CallOptions = {}): Promise<IncodeOcrData> {
    return await this.#adminCall(options, () => ocrDataCall(interviewId))
  }

  /** The session's images (`POST /omni/get/images`) of the kinds asked for, decoded; a kind Incode has none of is left out. Never cached. */
  async getImages (interviewId: string, kinds: IncodeImageKind[], options: CallOptions = {}): Promise<IncodeImages> {
    return await this.#adminCall(options, () => imagesCall(interviewId, kinds))
  }

  /** Erases sessions (`DELETE /omni/interviews`): all their data, or with `piiOnly` only the personal data. */
  async deleteSessions (interviewIds: string[], options: DeleteSessionsOptions = {}): Promise<void> {
    await this.#adminCall(options, () => deleteSessionsCall(interviewIds, (options as { piiOnly?: unknown }).piiOnly))
  }

  /** A call authorised by the admin token; its parameters are checked (by `plan`) before anything, a log-in included. */
  async #adminCall<T> (options: CallOptions, plan: () => AdminCall<T>): Promise<T> {
    checkCallOptions(options)
    const { name, method, path, body, readResult, idempotent } = plan()
    return await this.#adminToken.use(this.timeout, options.signal, async (token, budget) => await this.#transport.call({
      name,
      request: {
        method,
        path,
        headers: body === undefined ? this.#tokenHeaders(token) : { ...this.#tokenHeaders(token), 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) })
      },
      readResult,
      signal: options.signal,
      keepWhenSent: false,
      idempotent,
      budget
    }))
  }

  /** A JSON POST's headers with the API key (a fresh object per call: a host's dispatcher may add to it). */
  #jsonHeaders (): Record<string, string> {
    return { 'x-api-key': this.#apiKey, 'api-version': API_VERSION, 'content-type': 'application/json', accept: 'application/json' }
  }

  /** The headers of a call made with a token (the admin's, or the session's off the `/0/` family) and the API key. */
  #tokenHeaders (token: string): Record<string, string> {
    return { 'x-api-key': this.#apiKey, 'api-version': API_VERSION, 'x-incode-hardware-id': token, accept: 'application/json' }
  }

  async #logIn (email: string, password: string): Promise<string> {
    return await this.#transport.call({
      name: 'admin-log-in',
      request: {
        method: 'POST',
        path: '/executive/log-in',
        headers: this.#jsonHeaders(),
        body: JSON.stringify({ email, password })
      },
      readResult: (answer) => isObject(answer) && isMatch(TOKEN, answer.token) ? answer.token : undefined,
      keepWhenSent: false,
      // A log-in creates nothing either: a token more or less changes nothing.
      idempotent: true
    })
  }

  /**
   * Waits for `startSession` requests still running after their deadline, then closes the client's
   * own pool; a dispatcher that was passed in is left open.
   */
  async close (): Promise<void> {
    await this.#transport.close()
  }
}

/** The headers of a call the session token alone authorises: Incode's token-only `/0/…` family. */
function sessionTokenHeaders (token: string): Record<string, string> {
  return { 'x-incode-hardware-id': token, 'api-version': API_VERSION, accept: 'application/json' }
}
