// The paths Incode's sample front ends call, so that those front ends work unchanged, through the
// same session start, hook, limit and errors as the session routes. GET and text/plain are what any
// other site's page can send with a user's cookies and no CORS preflight, so a browser's
// request from another origin is refused before anything runs.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import rateLimit from '@fastify/rate-limit'
import { TypeBoxValidatorCompiler, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { refuseCrossOrigin } from './cross-site.js'
import { compatOutcomeRoutes } from './compat-outcome-routes.js'
import { sendIncodeError } from './error-handler.js'
import { formDecoded } from './form-decoded.js'
import { allowedRedirectionUrl } from './redirection-urls.js'
import { ReadRateLimitedError, UnknownUniqueIdError } from './errors.js'
import { readStartedSession } from './incode-shapes.js'
import { disconnectSignal, routeHooks } from './route-helpers.js'
import {
  errorResponses,
  AuthAnswer,
  AuthBody,
  CompatOnboardingUrlAnswer,
  CompatOnboardingUrlQuery,
  FetchScoreAnswer,
  FetchScoreHeaders,
  FetchScoreQuery,
  FinishAnswer,
  FinishBody,
  NoQuerystring,
  StartAnswer,
  StartQuery
} from './schemas.js'
import type { SessionRouteContext } from './session-starter.js'
import { newResumeId, resumeIdIssuedAt } from './resume-id.js'
import type { HostCallbackContext, ResumedSession, ResumeSessionContext } from './types.js'

const RESUME_ID_PARAMETERS = new Set(['uniqueid', 'uuid'])
// Instances' clocks may disagree by this much: an id a little from the future is still theirs.
const CLOCK_DRIFT_MS = 60_000

/** What `resumeSession` gets besides the id and the request: the signal, and when the id was issued. */
class ResumeContext implements ResumeSessionContext {
  readonly #context: HostCallbackContext
  readonly issuedAt: Date

  constructor (context: HostCallbackContext, issuedAt: Date) {
    this.#context = context
    this.issuedAt = issuedAt
  }

  get signal (): AbortSignal {
    return this.#context.signal
  }
}

// As the session routes': a token and two ids fit in far less.
const BODY_LIMIT = 16 * 1024

/** The compat routes, encapsulated: their parser, validator, error handler, the session routes' limit, and handlers. */
export async function incodeCompatRoutes (instance: FastifyInstance, context: SessionRouteContext): Promise<void> {
  const fastify = instance.withTypeProvider<TypeBoxTypeProvider>()
  const { client, owner, settings, callbacks, awaitLoggingFailure, startRecordedSession } = context

  // Bodies as they are, and required: no body, or JSON null, is a 400.
  fastify.setValidatorCompiler(TypeBoxValidatorCompiler)
  // JSON whatever the content type: the samples POST a JSON string with none, which fetch sends as
  // text/plain. Prototype-poisoning keys are refused whatever the host chose.
  fastify.removeAllContentTypeParsers()
  const parseJson = fastify.getDefaultJsonParser('error', 'error')
  fastify.addContentTypeParser('*', { parseAs: 'string' }, parseJson)
  fastify.setErrorHandler(sendIncodeError)
  // The session limit's store, shared with the session routes; the reading routes ask for their own limit.
  if (context.rateLimit !== undefined) await fastify.register(rateLimit, context.rateLimit)

  const refuseCrossSite = refuseCrossOrigin(settings.allowedOrigins, false)

  const { compatReadRateLimit } = settings
  // Each reading route counts on its own (a child store per route), in the session limit's store.
  const readLimit = compatReadRateLimit === false
    ? false as const
    : {
        ...compatReadRateLimit,
        errorResponseBuilder: () => {
          client.metrics.rateLimited('compat-reads')
          return new ReadRateLimitedError()
        }
      }

  /** The host's hooks after the cross-site check, counted by the session limit. */
  const creating = () => routeHooks(settings.routeOptions, { onRequest: refuseCrossSite })
  /** The same, counted by the read limit. */
  const reading = () => routeHooks(settings.routeOptions, { onRequest: refuseCrossSite, config: { rateLimit: readLimit } })

  fastify.get('/start', {
    ...creating(),
    logSerializers: { req: requestWithoutResumeId },
    schema: {
      operationId: 'incodeCompatStart',
      tags: settings.tags,
      summary: 'Start (or resume) an Incode session, as Incode\'s sample front ends ask',
      description: 'Without a uniqueId: a new session, recorded by the host with a fresh uniqueId. With one: the session the host stored under it.',
      querystring: StartQuery,
      response: { 200: StartAnswer, ...errorResponses([400, 403, 429, 500, 502, 503, 504]) }
    }
  }, async (request, reply) => {
    const given = request.query.uniqueId ?? request.query.uuid
    if (given !== undefined) {
      const { token, interviewId } = await resume(request, given.toLowerCase())
      request.log.info({ interviewId }, 'Incode session resumed')
      return { token, interviewId, uniqueId: given, uuid: given }
    }
    const uniqueId = newResumeId()
    const { token, interviewId } = await startRecordedSession(request, { route: 'start', uniqueId }, disconnectSignal(reply))
    return { token, interviewId, uniqueId, uuid: uniqueId }
  })

  async function resume (request: FastifyRequest, uniqueId: string): Promise<ResumedSession> {
    const { resumeSession, resumeMaxAge } = settings
    if (resumeSession === undefined) throw new UnknownUniqueIdError()
    const issuedAt = resumeIdIssuedAt(uniqueId)
    // Too old, or from the future beyond a clock's drift: refused before the host is asked.
    const age = Date.now() - issuedAt.getTime()
    if (age > resumeMaxAge || age < -CLOCK_DRIFT_MS) throw new UnknownUniqueIdError()
    const stored: unknown = await callbacks.run('resumeSession',
      (context) => resumeSession.call(owner, uniqueId, request, new ResumeContext(context, issuedAt)))
    if (stored === undefined || stored === null) throw new UnknownUniqueIdError()
    const session = readStartedSession(stored)
    if (session === undefined) throw new TypeError('The resumeSession option must resolve to { token, interviewId } or undefined')
    return { token: session.token, interviewId: session.interviewId }
  }

  fastify.get('/onboarding-url', {
    // The redirectionUrl some samples pass is checked against the allow-list, before the limit counts.
    ...routeHooks(settings.routeOptions, {
      onRequest: refuseCrossSite,
      preHandler: async (request: FastifyRequest) => {
        const query = request.query as { redirectionUrl?: string }
        if (query.redirectionUrl !== undefined) query.redirectionUrl = allowedRedirectionUrl(query.redirectionUrl, settings.allowedRedirectionUrls)
      }
    }),
    schema: {
      operationId: 'incodeCompatOnboardingUrl',
      tags: settings.tags,
      summary: 'Start an Incode session and get its hosted onboarding URL, as Incode\'s sample front ends ask',
      querystring: CompatOnboardingUrlQuery,
      response: { 200: CompatOnboardingUrlAnswer, ...errorResponses([400, 403, 429, 500, 502, 503, 504]) }
    }
  }, async (request, reply) => {
    const signal = disconnectSignal(reply)
    const body = request.query.redirectionUrl === undefined ? {} : { redirectionUrl: request.query.redirectionUrl }
    const { token, interviewId } = await startRecordedSession(request, { route: 'onboarding-url', body }, signal)
    const url = await awaitLoggingFailure(request, 'onboarding-url', interviewId, client.getOnboardingUrlForRoute(token, signal))
    return { success: true as const, token, interviewId, url }
  })

  fastify.post('/finish', {
    ...reading(),
    bodyLimit: BODY_LIMIT,
    schema: {
      operationId: 'incodeCompatFinish',
      tags: settings.tags,
      summary: 'Tell Incode the person finished the flow (finish-status), as Incode\'s sample front ends ask',
      querystring: NoQuerystring,
      body: FinishBody,
      response: { 200: FinishAnswer, ...errorResponses([400, 403, 413, 429, 502, 503, 504], { reads: true }) }
    }
  }, async (request) => {
    const { redirectionUrl, action } = await awaitLoggingFailure(request, 'finish-status', undefined,
      client.getFinishStatus(request.body.token))
    return { redirectionUrl, action }
  })

  fastify.get('/fetch-score', {
    ...reading(),
    schema: {
      operationId: 'incodeCompatFetchScore',
      tags: settings.tags,
      summary: 'The score of the session whose token the caller holds, as Incode\'s sample front ends ask',
      headers: FetchScoreHeaders,
      querystring: FetchScoreQuery,
      response: { 200: FetchScoreAnswer, ...errorResponses([400, 403, 429, 502, 503, 504], { reads: true }) }
    }
  }, async (request) => {
    // The token names the session: a caller sees only the score of a session it holds.
    const { overall } = await awaitLoggingFailure(request, 'score', undefined, client.getScoreForToken(request.headers['x-token']))
    return { success: true as const, score: overall.status === 'OK' ? 'OK' as const : 'FAIL' as const, overall }
  })

  // `POST /auth` needs an admin token.
  if (settings.faceAuthentication) {
    fastify.post('/auth', {
      ...reading(),
      bodyLimit: BODY_LIMIT,
      schema: {
        operationId: 'incodeCompatAuth',
        tags: settings.tags,
        summary: 'Verify a face log-in made with the Web SDK, as Incode\'s sample front ends ask',
        querystring: NoQuerystring,
        body: AuthBody,
        response: { 200: AuthAnswer, ...errorResponses([400, 403, 413, 429, 502, 503, 504], { reads: true }) }
      }
    }, async (request) => {
      const { verified } = await awaitLoggingFailure(request, 'authentication-verify', undefined,
        client.verifyFaceAuthentication(request.body))
      return { verified }
    })
  }

  compatOutcomeRoutes(instance, context, reading)
}

/**
 * Fastify's request log line (its default fields), with the value of `?uniqueId=` or `?uuid=`
 * hidden however its name is written (`unique%49d` too): whoever holds it resumes the session.
 */
function requestWithoutResumeId (request: FastifyRequest): Record<string, unknown> {
  const [path, query] = request.url.split('?', 2) as [string, string | undefined]
  const redacted = query?.split('&').map((pair) => {
    const equals = pair.indexOf('=')
    const name = equals < 0 ? pair : pair.slice(0, equals)
    return RESUME_ID_PARAMETERS.has(formDecoded(name)?.toLowerCase() ?? '') ? `${name}=[redacted]` : pair
  }).join('&')
  return {
    method: request.method,
    url: redacted === undefined ? path : `${path}?${redacted}`,
    version: request.headers['accept-version'],
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket.remotePort
  }
}
