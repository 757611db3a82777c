// Starting a session the way every route does: the host's externalCustomerId, Incode's
// /omni/start, the host's onSessionCreated; a session Incode creates after its browser left or
// its deadline passed is recorded all the same, as undelivered.
import { performance } from 'node:perf_hooks'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { RateLimitPluginOptions } from '@fastify/rate-limit'
import type { IncodeClient } from './client.js'
import { describeError } from './error-handler.js'
import { SessionNotRecordedError } from './errors.js'
import type { HostCallbacks } from './host-callback.js'
import type { RouteSettings } from './options.js'
import { elapsed, type AwaitLoggingFailure } from './route-helpers.js'
import type { SessionRequest } from './schemas.js'
import type { CallAbort } from './transport.js'
import type { ExternalCustomerIdResolver, IncodeSession, StartSessionResult } from './types.js'

interface SessionStart {
  route: IncodeSession['route']
  body?: SessionRequest | undefined
  /** Given to the host with the session (the compat routes' resume key). */
  uniqueId?: string
}

type StartRecordedSession = (request: FastifyRequest, start: SessionStart, signal: CallAbort) => Promise<StartSessionResult>

/** What the session routes and the compat routes share: one way to start a session, and one rate limit. */
export interface SessionRouteContext {
  client: IncodeClient
  /** The instance the plugin was registered on: `this` of the host's callbacks. */
  owner: FastifyInstance
  settings: RouteSettings
  callbacks: HostCallbacks
  awaitLoggingFailure: AwaitLoggingFailure
  startRecordedSession: StartRecordedSession
  /**
   * The session limit (and the compat read limit), for each context to register: one store
   * behind both, so a key's sessions are counted together on every route that creates one.
   */
  rateLimit: RateLimitPluginOptions | undefined
}

export function sessionStarter (
  client: IncodeClient, owner: FastifyInstance, settings: RouteSettings, callbacks: HostCallbacks, awaitLoggingFailure: AwaitLoggingFailure
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
    const response = await awaitLoggingFailure(request, 'start', undefined,
      client.startSessionForRoute({ externalCustomerId, redirectionUrl, language }, signal, onLateSession))
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
