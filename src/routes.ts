import { performance } from 'node:perf_hooks'
import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  FastifySchemaCompiler,
  HookHandlerDoneFunction
} from 'fastify'
import rateLimit from '@fastify/rate-limit'
import { TypeBoxValidatorCompiler, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { TSchema } from '@sinclair/typebox'
import type { IncodeClient } from './client.js'
import {
  ClientClosedError,
  isIncodeCallError,
  RedirectNotAllowedError,
  RedirectTooLongError,
  SessionNotRecordedError,
  UpstreamRejectedError
} from './errors.js'
import { describeError, sendIncodeError } from './error-handler.js'
import { hostCallbacksOf } from './host-callback.js'
import { MAX_REDIRECTION_URL_LENGTH } from './params.js'
import type { RouteSettings } from './options.js'
import { rateLimitSettings } from './rate-limit.js'
import { CallAbort } from './transport.js'
import type { IncodeSession, StartSessionResult } from './types.js'
import {
  errorResponses,
  NoQuerystring,
  OnboardingUrlResponse,
  SessionRequestBody,
  SessionResponse,
  type SessionRequest
} from './schemas.js'

const BODY_LIMIT = 16 * 1024

// Fastify hands validators `null` both for a request without a body and for a JSON `null` body.
// The first means "no options"; the second must fail, so the parser turns it into this.
const JSON_NULL = Symbol('JSON null')

// TypeBox checks bodies as they are: Fastify's default Ajv would strip unknown keys and coerce
// types, and these routes must answer 400 instead.
const validatorCompiler: FastifySchemaCompiler<TSchema> = (route) => {
  const validate = TypeBoxValidatorCompiler(route)
  return (value) => value === null ? { value: undefined } : validate(value)
}

export interface IncodeRoutesOptions extends RouteSettings {
  client: IncodeClient
  /** The instance the plugin was registered on: `this` of the host's hook. */
  owner: FastifyInstance
}

/** The encapsulated routes: their parser, validator, error handler, rate limit and handlers. */
export async function incodeRoutes (instance: FastifyInstance, settings: IncodeRoutesOptions): Promise<void> {
  const fastify = instance.withTypeProvider<TypeBoxTypeProvider>()
  const { client, routeOptions } = settings

  fastify.setValidatorCompiler(validatorCompiler)
  // JSON only (anything else is a 415), with prototype-poisoning keys refused whatever the host chose.
  fastify.removeAllContentTypeParsers()
  const parseJson = fastify.getDefaultJsonParser('error', 'error')
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    // `fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' } })` sends no
    // body: that is a browser asking with no options, not a broken request.
    if (body === '') done(null, null)
    else parseJson(request, body as string, (err, value) => done(err, value === null ? JSON_NULL : value))
  })
  fastify.setErrorHandler(sendIncodeError)
  const callbacks = hostCallbacksOf(fastify, settings.hookTimeout)
  if (settings.rateLimit !== false) await fastify.register(rateLimit, rateLimitSettings(settings.rateLimit, fastify.log, callbacks))

  /**
   * Starts a session, has the host record it, and returns it; every route begins here. A session
   * Incode creates after the browser left or the deadline passed is recorded too, as undelivered.
   */
  async function startRecordedSession (
    request: FastifyRequest,
    body: SessionRequest = {},
    route: IncodeSession['route'],
    signal: CallAbort
  ): Promise<StartSessionResult> {
    const redirectionUrl = body.redirectionUrl ?? (route === 'onboarding-url' ? settings.redirectionUrl : undefined)
    const externalCustomerId = await resolveExternalCustomerId(request)
    const language = body.language ?? settings.language
    const describe = (response: StartSessionResult, delivered: boolean): IncodeSession => ({
      interviewId: response.interviewId,
      token: response.token,
      configurationId: client.configurationId,
      ...(externalCustomerId === undefined ? {} : { externalCustomerId }),
      ...(redirectionUrl === undefined ? {} : { redirectionUrl }),
      language,
      createdAt: new Date(),
      route,
      delivered,
      response
    })

    const started = performance.now()
    const onLateSession = async (response: StartSessionResult): Promise<void> => {
      request.log.info({ interviewId: response.interviewId, durationMs: elapsed(started), delivered: false },
        'Incode session created after its request had ended; recording it undelivered')
      // recordSession has logged a failure already; nobody is left to answer.
      await recordSession(request, describe(response, false)).catch(() => {})
    }
    const response = await callIncode(request, 'start', undefined,
      async () => await client.startSession({ externalCustomerId, redirectionUrl, language }, { signal, onLateSession }))
    request.log.info({ interviewId: response.interviewId, durationMs: elapsed(started) }, 'Incode session created')
    await recordSession(request, describe(response, !signal.aborted))
    return response
  }

  async function recordSession (request: FastifyRequest, session: IncodeSession): Promise<void> {
    const { onSessionCreated } = settings
    if (onSessionCreated === undefined) return
    try {
      await callbacks.run('onSessionCreated', (context) => onSessionCreated.call(settings.owner, session, request, context))
    } catch (cause) {
      // The host's error may quote what it was writing (the token, say): only what names the
      // failure goes on the line.
      request.log.error({ interviewId: session.interviewId, code: 'FST_INCODE_SESSION_NOT_RECORDED', cause: describeError(cause) },
        'onSessionCreated failed: Incode created a session the host did not record')
      throw new SessionNotRecordedError({ cause })
    }
  }

  async function resolveExternalCustomerId (request: FastifyRequest): Promise<string | undefined> {
    const resolver = settings.externalCustomerId
    const id = resolver === undefined ? undefined : await callbacks.run('externalCustomerId', (context) => resolver(request, context))
    if (id !== undefined && (typeof id !== 'string' || id === '')) {
      throw new TypeError('The externalCustomerId option must resolve to a non-empty string or undefined')
    }
    return id
  }

  /** Refuses a browser's redirectionUrl that is not allowed, and normalises one that is. */
  function checkRedirectionUrl (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
    const body = request.body as SessionRequest | undefined
    try {
      if (body?.redirectionUrl !== undefined) {
        body.redirectionUrl = allowedRedirectionUrl(body.redirectionUrl, settings.allowedRedirectionUrls)
      }
      done()
    } catch (err) {
      done(err as Error)
    }
  }

  // Fresh hook arrays for each route: @fastify/rate-limit appends its hook to them, so a request
  // the routes refuse anyway is not counted against the limit.
  const shared = () => ({
    bodyLimit: BODY_LIMIT,
    onRequest: [routeOptions.onRequest ?? []].flat(),
    preHandler: [routeOptions.preHandler ?? [], checkRedirectionUrl].flat(),
    config: { ...routeOptions.config },
    ...(routeOptions.logLevel === undefined ? {} : { logLevel: routeOptions.logLevel })
  })

  fastify.post('/sessions', {
    ...shared(),
    schema: routeSchema('Start an Incode session for the Web SDK',
      'and returns the session token and interviewId.', SessionResponse)
  }, async (request, reply) => {
    const { token, interviewId } = await startRecordedSession(request, request.body, 'sessions', disconnectSignal(reply))
    return await reply.code(201).send({ token, interviewId })
  })

  fastify.post('/onboarding-url', {
    ...shared(),
    schema: routeSchema('Start an Incode session and get its hosted onboarding URL',
      'then fetches the hosted onboarding URL of the session.', OnboardingUrlResponse)
  }, async (request, reply) => {
    const signal = disconnectSignal(reply)
    const { token, interviewId } = await startRecordedSession(request, request.body, 'onboarding-url', signal)
    const url = await callIncode(request, 'onboarding-url', interviewId, async () => await client.getOnboardingUrl(token, { signal }))
    return await reply.code(201).send({ interviewId, url })
  })
}

/** The schema of a session-creating route; `then` completes its description. */
function routeSchema<Success extends TSchema> (summary: string, then: string, success: Success) {
  return {
    summary,
    description: `Creates a new Incode onboarding session, has the host record its interviewId, ${then}`,
    querystring: NoQuerystring,
    body: SessionRequestBody,
    response: { 201: success, ...errorResponses() }
  }
}

/** Makes an Incode call and logs its failure with what an operator needs, and nothing secret. */
async function callIncode<T> (
  request: FastifyRequest, call: 'start' | 'onboarding-url', interviewId: string | undefined, send: () => Promise<T>
): Promise<T> {
  const started = performance.now()
  try {
    return await send()
  } catch (err) {
    if (isIncodeCallError(err)) {
      // Incode refusing the call usually means a wrong key or flow id: an operator must act.
      const level = err instanceof UpstreamRejectedError ? 'error' : 'warn'
      request.log[level]({
        code: err.code,
        upstreamStatus: err.upstreamStatus,
        incodeStatus: err.incodeStatus,
        attempts: err.attempts,
        durationMs: elapsed(started),
        ...(interviewId === undefined ? {} : { interviewId })
      }, `Incode ${call} call failed`)
    }
    throw err
  }
}

/** Fires when the browser goes away before its answer; the transport's cheap signal. */
function disconnectSignal (reply: FastifyReply): CallAbort {
  const signal = new CallAbort()
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) signal.abort(new ClientClosedError('The client closed the connection'))
  })
  return signal
}

function allowedRedirectionUrl (value: string, allowed: URL[]): string {
  const url = URL.canParse(value) ? new URL(value) : undefined
  if (url === undefined || url.username !== '' || url.password !== '' ||
      !allowed.some((entry) => entry.protocol === url.protocol && entry.host === url.host &&
        isWithinPath(url.pathname, entry.pathname))) {
    throw new RedirectNotAllowedError()
  }
  // Normalising can grow it (`{` becomes `%7B`): what is sent is what must fit.
  if (url.href.length > MAX_REDIRECTION_URL_LENGTH) throw new RedirectTooLongError()
  return url.href
}

/** `/app` allows `/app` and `/app/…` but not `/application`; `/app/` allows `/app/…`. */
function isWithinPath (path: string, prefix: string): boolean {
  return prefix.endsWith('/') ? path.startsWith(prefix) : path === prefix || path.startsWith(prefix + '/')
}

function elapsed (started: number): number {
  return Math.round(performance.now() - started)
}
