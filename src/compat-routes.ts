// The paths Incode's sample front ends call (SPEC §10), so that they work unchanged, through the
// same session start, hook, limit and errors as the POST routes. GET and text/plain are what any
// other site's page can send with a user's cookies and no CORS preflight, so a browser's
// request from another origin is refused before anything runs.
import { randomUUID } from 'node:crypto'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { TypeBoxValidatorCompiler, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { IncodeClient } from './client.js'
import { refuseCrossOrigin } from './cross-site.js'
import { UnknownUniqueIdError } from './errors.js'
import type { HostCallbacks } from './host-callback.js'
import type { RouteSettings } from './options.js'
import { readStartedSession } from './params.js'
import {
  errorResponses,
  AuthAnswer,
  AuthBody,
  CompatOnboardingUrlAnswer,
  FetchScoreAnswer,
  FetchScoreHeaders,
  FetchScoreQuery,
  FinishAnswer,
  FinishBody,
  NoQuerystring,
  StartAnswer,
  StartQuery
} from './schemas.js'
import { disconnectSignal, type CallIncode, type StartRecordedSession } from './session-starter.js'
import type { ResumedSession } from './types.js'

export interface CompatRoutesOptions {
  client: IncodeClient
  owner: FastifyInstance
  settings: RouteSettings
  callbacks: HostCallbacks
  callIncode: CallIncode
  startRecordedSession: StartRecordedSession
}

export async function incodeCompatRoutes (instance: FastifyInstance, options: CompatRoutesOptions): Promise<void> {
  const fastify = instance.withTypeProvider<TypeBoxTypeProvider>()
  const { client, owner, settings, callbacks, callIncode, startRecordedSession } = options
  const { routeOptions } = settings

  // Their bodies are required: no body, or JSON null, is a 400 here (the session routes' validator,
  // inherited otherwise, lets a missing body through as "no options").
  fastify.setValidatorCompiler(TypeBoxValidatorCompiler)
  // The samples POST a JSON string with no content type, which fetch sends as text/plain.
  const parseJson = fastify.getDefaultJsonParser('error', 'error')
  fastify.addContentTypeParser('*', { parseAs: 'string' }, parseJson)

  const refuseCrossSite = refuseCrossOrigin(settings.allowedOrigins, false)

  /** The host's hooks after the cross-site check; `creates`: counted by the session limit. */
  const shared = (creates: boolean) => ({
    onRequest: [refuseCrossSite, routeOptions.onRequest ?? []].flat(),
    preHandler: [routeOptions.preHandler ?? []].flat(),
    config: { ...routeOptions.config, ...(creates ? {} : { rateLimit: false as const }) },
    ...(routeOptions.logLevel === undefined ? {} : { logLevel: routeOptions.logLevel })
  })

  fastify.get('/start', {
    ...shared(true),
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
    const uniqueId = randomUUID()
    const { token, interviewId } = await startRecordedSession(request, { route: 'start', uniqueId }, disconnectSignal(reply))
    return { token, interviewId, uniqueId, uuid: uniqueId }
  })

  async function resume (request: FastifyRequest, uniqueId: string): Promise<ResumedSession> {
    const { resumeSession } = settings
    if (resumeSession === undefined) throw new UnknownUniqueIdError()
    const stored: unknown = await callbacks.run('resumeSession', (context) => resumeSession.call(owner, uniqueId, request, context))
    if (stored === undefined || stored === null) throw new UnknownUniqueIdError()
    const session = readStartedSession(stored)
    if (session === undefined) throw new TypeError('The resumeSession option must resolve to { token, interviewId } or undefined')
    return { token: session.token, interviewId: session.interviewId }
  }

  fastify.get('/onboarding-url', {
    ...shared(true),
    schema: {
      operationId: 'incodeCompatOnboardingUrl',
      tags: settings.tags,
      summary: 'Start an Incode session and get its hosted onboarding URL, as Incode\'s sample front ends ask',
      querystring: NoQuerystring,
      response: { 200: CompatOnboardingUrlAnswer, ...errorResponses([400, 403, 429, 500, 502, 503, 504]) }
    }
  }, async (request, reply) => {
    const signal = disconnectSignal(reply)
    const { token, interviewId } = await startRecordedSession(request, { route: 'onboarding-url' }, signal)
    const url = await callIncode(request, 'onboarding-url', interviewId, client.getOnboardingUrl(token, { signal }))
    return { success: true as const, token, interviewId, url }
  })

  fastify.post('/finish', {
    ...shared(false),
    schema: {
      operationId: 'incodeCompatFinish',
      tags: settings.tags,
      summary: 'Tell Incode the person finished the flow (finish-status), as Incode\'s sample front ends ask',
      querystring: NoQuerystring,
      body: FinishBody,
      response: { 200: FinishAnswer, ...errorResponses([400, 403, 413, 502, 503, 504]) }
    }
  }, async (request) => {
    const { redirectionUrl, action } = await callIncode(request, 'finish-status', undefined,
      client.getFinishStatus(request.body.token))
    return { redirectionUrl, action }
  })

  fastify.get('/fetch-score', {
    ...shared(false),
    schema: {
      operationId: 'incodeCompatFetchScore',
      tags: settings.tags,
      summary: 'The score of the session whose token the caller holds, as Incode\'s sample front ends ask',
      headers: FetchScoreHeaders,
      querystring: FetchScoreQuery,
      response: { 200: FetchScoreAnswer, ...errorResponses([400, 403, 502, 503, 504]) }
    }
  }, async (request) => {
    // The token names the session: a caller sees only the score of a session it holds.
    const { overall } = await callIncode(request, 'score', undefined, client.getScoreForToken(request.headers['x-token']))
    return { success: true as const, score: overall.status === 'OK' ? 'OK' as const : 'FAIL' as const, overall }
  })

  // `POST /auth` needs an admin token.
  if (settings.faceAuthentication) {
    fastify.post('/auth', {
      ...shared(false),
      schema: {
        operationId: 'incodeCompatAuth',
        tags: settings.tags,
        summary: 'Verify a face log-in made with the Web SDK, as Incode\'s sample front ends ask',
        querystring: NoQuerystring,
        body: AuthBody,
        response: { 200: AuthAnswer, ...errorResponses([400, 403, 413, 502, 503, 504]) }
      }
    }, async (request) => {
      const { verified } = await callIncode(request, 'authentication-verify', undefined,
        client.verifyFaceAuthentication(request.body))
      return { verified }
    })
  }
}
