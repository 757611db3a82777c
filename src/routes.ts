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
import { refuseCrossOrigin } from './cross-site.js'
import { sendIncodeError } from './error-handler.js'
import { hostCallbacksOf } from './host-callback.js'
import { allowedRedirectionUrl } from './redirection-urls.js'
import { DEFAULT_STORE_TIMEOUT, type RouteSettings } from './options.js'
import { rateLimitSettings } from './rate-limit.js'
import { disconnectSignal, incodeCallLogger, sessionStarter } from './session-starter.js'
import { incodeCompatRoutes } from './compat-routes.js'
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
  // One registration serves the session limit and the compat read routes' own (their route config
  // asks for it), so both share the store: Redis, when the host gives one.
  const readRateLimit = settings.compatRoutes ? settings.compatReadRateLimit : false
  if (settings.rateLimit !== false || readRateLimit !== false) {
    const routes = [settings.rateLimit === false ? [] : ['the session routes'], readRateLimit === false ? [] : ['the compat routes that read']].flat()
    await fastify.register(rateLimit, rateLimitSettings(settings.rateLimit === false ? { storeTimeout: DEFAULT_STORE_TIMEOUT } : settings.rateLimit,
      fastify.log, callbacks, { client, global: settings.rateLimit !== false, routes: routes.join(' and ') }))
  }

  const callIncode = incodeCallLogger(client)
  const startRecordedSession = sessionStarter(client, settings.owner, settings, callbacks, callIncode)
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

  // Fresh hook arrays for each route: @fastify/rate-limit appends its hook to them, so a request
  // the routes refuse anyway is not counted against the limit.
  const shared = () => ({
    bodyLimit: BODY_LIMIT,
    onRequest: [refuseSimpleCrossOrigin, routeOptions.onRequest ?? []].flat(),
    preHandler: [routeOptions.preHandler ?? [], checkRedirectionUrl].flat(),
    config: { ...routeOptions.config },
    ...(routeOptions.logLevel === undefined ? {} : { logLevel: routeOptions.logLevel })
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
    const url = await callIncode(request, 'onboarding-url', interviewId, client.getOnboardingUrl(token, { signal }))
    reply.code(201)
    return { interviewId, url }
  })

  if (settings.compatRoutes) {
    // A context of their own: they also parse JSON sent as text/plain, which these routes refuse.
    await fastify.register(incodeCompatRoutes, {
      client, owner: settings.owner, settings, callbacks, callIncode, startRecordedSession
    })
  }
}
