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
import { refuseCrossOrigin } from './cross-site.js'
import { sendIncodeError } from './error-handler.js'
import { allowedRedirectionUrl } from './redirection-urls.js'
import { disconnectSignal, routeHooks } from './route-helpers.js'
import type { SessionRouteContext } from './session-starter.js'
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

/** The session routes, encapsulated: their parser, validator, error handler, rate limit and handlers. */
export async function incodeRoutes (instance: FastifyInstance, context: SessionRouteContext): Promise<void> {
  const fastify = instance.withTypeProvider<TypeBoxTypeProvider>()
  const { client, settings, awaitLoggingFailure, startRecordedSession } = context

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
  if (context.rateLimit !== undefined) await fastify.register(rateLimit, context.rateLimit)

  // A bodiless POST needs no CORS preflight: from another origin, it is refused.
  const refuseSimpleCrossOrigin = refuseCrossOrigin(settings.allowedOrigins, true)

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

  /** The schema of a session-creating route; `then` completes its description. */
  function routeSchema<Success extends TSchema> (operationId: string, summary: string, then: string, success: Success) {
    return {
      operationId,
      tags: settings.tags,
      summary,
      description: `Creates a new Incode onboarding session, has the host record its interviewId, ${then}`,
      querystring: NoQuerystring,
      body: SessionRequestBody,
      response: { 201: success, ...errorResponses() }
    }
  }

  const shared = () => ({
    bodyLimit: BODY_LIMIT,
    ...routeHooks(settings.routeOptions, { onRequest: refuseSimpleCrossOrigin, preHandler: checkRedirectionUrl })
  })

  fastify.post('/sessions', {
    ...shared(),
    schema: routeSchema('incodeStartSession', 'Start an Incode session for the Web SDK',
      'and returns the session token and interviewId.', SessionResponse)
  }, async (request, reply) => {
    const { token, interviewId } = await startRecordedSession(request, { route: 'sessions', body: request.body }, disconnectSignal(reply))
    reply.code(201)
    return { token, interviewId }
  })

  fastify.post('/onboarding-url', {
    ...shared(),
    schema: routeSchema('incodeStartOnboardingUrl', 'Start an Incode session and get its hosted onboarding URL',
      'then fetches the hosted onboarding URL of the session.', OnboardingUrlResponse)
  }, async (request, reply) => {
    const signal = disconnectSignal(reply)
    const { token, interviewId } = await startRecordedSession(request, { route: 'onboarding-url', body: request.body }, signal)
    const url = await awaitLoggingFailure(request, 'onboarding-url', interviewId, client.getOnboardingUrlForRoute(token, signal))
    reply.code(201)
    return { interviewId, url }
  })
}
