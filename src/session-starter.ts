// Starting a session the way every route does: the host's externalCustomerId, Incode's
// /omni/start, the host's onSessionCreated; a session Incode creates after its browser left or
// its deadline passed is recorded all the same, as undelivered.
import { performance } from 'node:perf_hooks'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { IncodeClient } from './client.js'
import { describeError } from './error-handler.js'
import { ClientClosedError, isIncodeCallError, SessionNotRecordedError, UpstreamRejectedError, type IncodeCallError } from './errors.js'
import type { HostCallbacks } from './host-callback.js'
import type { RouteSettings } from './options.js'
import type { SessionRequest } from './schemas.js'
import { CallAbort } from './transport.js'
import type { ExternalCustomerIdResolver, IncodeSession, StartSessionResult } from './types.js'

export interface SessionStart {
  route: IncodeSession['route']
  body?: SessionRequest | undefined
  /** Given to the host with the session (the compat routes' resume key). */
  uniqueId?: string
}

export type StartRecordedSession = (request: FastifyRequest, start: SessionStart, signal: CallAbort) => Promise<StartSessionResult>

export function sessionStarter (
  client: IncodeClient, owner: FastifyInstance, settings: RouteSettings, callbacks: HostCallbacks, callIncode: CallIncode
): StartRecordedSession {
  return async function startRecordedSession (request, { route, body = {}, uniqueId }, signal) {
    const redirectionUrl = body.redirectionUrl ?? (route === 'onboarding-url' ? settings.redirectionUrl : undefined)
    const resolver = settings.externalCustomerId
    const externalCustomerId = resolver === undefined ? undefined : await resolveExternalCustomerId(request, resolver)
    const language = body.language ?? settings.language
    const describe = (response: StartSessionResult, delivered: boolean): IncodeSession => {
      const session: IncodeSession = {
        interviewId: response.interviewId,
        token: response.token,
        configurationId: client.configurationId,
        language,
        createdAt: new Date(),
        route,
        delivered,
        response
      }
      // Absent rather than undefined, for a host that spreads or serialises the session.
      if (externalCustomerId !== undefined) session.externalCustomerId = externalCustomerId
      if (redirectionUrl !== undefined) session.redirectionUrl = redirectionUrl
      if (uniqueId !== undefined) session.uniqueId = uniqueId
      return session
    }

    const started = performance.now()
    const onLateSession = async (response: StartSessionResult): Promise<void> => {
      client.metrics.sessionCreated(route)
      request.log.info({ interviewId: response.interviewId, durationMs: elapsed(started), delivered: false },
        'Incode session created after its request had ended; recording it undelivered')
      // recordSession has logged a failure already; nobody is left to answer.
      await recordSession(request, describe(response, false)).catch(() => {})
    }
    const response = await callIncode(request, 'start', undefined,
      client.startSession({ externalCustomerId, redirectionUrl, language }, { signal, onLateSession, onLateSessionBounded: true }))
    client.metrics.sessionCreated(route)
    request.log.info({ interviewId: response.interviewId, durationMs: elapsed(started) }, 'Incode session created')
    await recordSession(request, describe(response, !signal.aborted))
    return response
  }

  async function recordSession (request: FastifyRequest, session: IncodeSession): Promise<void> {
    const { onSessionCreated } = settings
    if (onSessionCreated === undefined) return
    try {
      await callbacks.run('onSessionCreated', (context) => onSessionCreated.call(owner, session, request, context))
      client.metrics.sessionRecorded(session.route, session.delivered, true)
    } catch (cause) {
      client.metrics.sessionRecorded(session.route, session.delivered, false)
      // The host's error may quote what it was writing (the token, say): only what names the
      // failure goes on the line.
      request.log.error({ interviewId: session.interviewId, code: 'FST_INCODE_SESSION_NOT_RECORDED', cause: describeError(cause) },
        'onSessionCreated failed: Incode created a session the host did not record')
      throw new SessionNotRecordedError({ cause })
    }
  }

  async function resolveExternalCustomerId (request: FastifyRequest, resolver: ExternalCustomerIdResolver): Promise<string | undefined> {
    const id = await callbacks.run('externalCustomerId', (context) => resolver(request, context))
    if (id !== undefined && (typeof id !== 'string' || id === '')) {
      throw new TypeError('The externalCustomerId option must resolve to a non-empty string or undefined')
    }
    return id
  }
}

/** Awaits an Incode call of a route, and logs its failure. */
export type CallIncode = <T>(request: FastifyRequest, call: string, interviewId: string | undefined, sent: Promise<T>) => Promise<T>

/**
 * The routes' way to await an Incode call: a failure is logged with what an operator needs to act
 * (the code, Incode's status, the attempts, the host called, the network error's code, a hint
 * for a refused key or flow id), and nothing secret.
 */
export function incodeCallLogger (client: IncodeClient): CallIncode {
  const host = new URL(client.apiUrl).host
  return async function callIncode (request, call, interviewId, sent) {
    const started = performance.now()
    try {
      return await sent
    } catch (err) {
      if (isIncodeCallError(err)) {
        // Incode refusing the call usually means a wrong key or flow id: an operator must act. A
        // token the caller brought being refused is the caller's doing (a forged one, say).
        const level = isCallerTokenRefused(call, err) ? 'info' : err instanceof UpstreamRejectedError ? 'error' : 'warn'
        const cause = networkCause(err)
        request.log[level]({
          code: err.code,
          upstreamStatus: err.upstreamStatus,
          incodeStatus: err.incodeStatus,
          attempts: err.attempts,
          durationMs: elapsed(started),
          host,
          ...(cause === undefined ? {} : { cause: describeError(cause) }),
          ...(interviewId === undefined ? {} : { interviewId })
        }, `Incode ${call} call failed${hint(call, err)}`)
      }
      throw err
    }
  }
}

/** The error below the call's own: what the connection failed with (ECONNREFUSED, ENOTFOUND, a TLS code …). */
function networkCause (err: IncodeCallError): unknown {
  let cause: unknown = err.cause
  while (isIncodeCallError(cause)) cause = cause.cause
  return cause
}

// The routes' calls that send the API key (the others go with a session token alone). A face
// log-in's first call, finish-status, sends it; its score read, on the /0/ family, does not.
const API_KEY_CALLS = new Set(['start', 'finish-status', 'authentication-verify', 'face-login'])
// The calls the compat routes make with the session token their caller sent.
const CALLER_TOKEN_CALLS = new Set(['finish-status', 'score'])

function isCallerTokenRefused (call: string, err: IncodeCallError): boolean {
  return CALLER_TOKEN_CALLS.has(call) && err instanceof UpstreamRejectedError && err.upstreamStatus === 401
}

/** What a refusal usually means, for the operator reading the line. */
function hint (call: string, err: IncodeCallError): string {
  if (!(err instanceof UpstreamRejectedError)) return ''
  if (isCallerTokenRefused(call, err)) return ': Incode refused the session token the caller sent (401)'
  if (err.upstreamStatus === 403 && API_KEY_CALLS.has(call)) return ': Incode refused the API key (403); check the apiKey option'
  if (err.upstreamStatus === 400 && call === 'start') return ': Incode refused the parameters (400); check the configurationId option (the flow id)'
  return ''
}

/** Fires when the browser goes away before its answer; the transport's cheap signal. */
export function disconnectSignal (reply: FastifyReply): CallAbort {
  const signal = new CallAbort()
  // `on`, not `once`: 'close' comes once, and `once` would wrap the listener per request.
  reply.raw.on('close', () => {
    if (!reply.raw.writableFinished) signal.abort(new ClientClosedError('The client closed the connection'))
  })
  return signal
}

function elapsed (started: number): number {
  return Math.round(performance.now() - started)
}
