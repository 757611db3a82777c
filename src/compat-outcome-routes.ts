// The compat routes past the session that Incode's samples serve: backend-nodejs's
// `GET /onboarding-status?interviewId=`, and the face log-in check of its authentication sample.
// Unlike the samples, a caller learns only about a session the host says it holds, and a face
// log-in session is checked once (the host's claim marks it used).
import type { FastifyInstance, RouteShorthandOptions } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { SessionNotFoundError } from './errors.js'
import type { SessionRouteContext } from './session-starter.js'
import type { FaceLoginSession } from './types.js'
import { sameSecret } from './webhook-token.js'
import {
  errorResponses,
  OnboardingStatusAnswer,
  OnboardingStatusQuery,
  VerifyAuthenticationAnswer,
  VerifyAuthenticationBody
} from './schemas.js'

// As the other compat routes' bodies: ids and a token fit in far less.
const BODY_LIMIT = 16 * 1024

/** `readingRoute`: the compat routes' hooks and config for a route that reads (the cross-site check, the host's hooks, the read limit). */
export function compatOutcomeRoutes (fastify: FastifyInstance, context: SessionRouteContext, readingRoute: () => RouteShorthandOptions): void {
  const typed = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const { client, owner, settings, callbacks, awaitLoggingFailure } = context
  const { ownsSession, claimFaceLogin } = settings

  // The status of any session is an admin read: only for a session the host says the caller holds.
  if (ownsSession !== undefined && settings.faceAuthentication) {
    typed.get('/onboarding-status', {
      ...readingRoute(),
      schema: {
        operationId: 'incodeCompatOnboardingStatus',
        tags: settings.tags,
        summary: 'The onboarding status of a session the caller holds, as Incode\'s backend-nodejs sample serves it',
        querystring: OnboardingStatusQuery,
        response: { 200: OnboardingStatusAnswer, ...errorResponses([400, 403, 404, 429, 500, 502, 503, 504], { reads: true }) }
      }
    }, async (request) => {
      const { interviewId } = request.query
      const holds: unknown = await callbacks.run('ownsSession', (context) => ownsSession.call(owner, interviewId, request, context))
      if (holds !== true) throw new SessionNotFoundError()
      const { onboardingStatus } = await awaitLoggingFailure(request, 'onboarding-status', interviewId, client.getOnboardingStatus(interviewId))
      return { success: true as const, onboardingStatus }
    })
  }

  if (claimFaceLogin !== undefined) {
    typed.post('/verify-authentication', {
      ...readingRoute(),
      bodyLimit: BODY_LIMIT,
      schema: {
        operationId: 'incodeCompatVerifyAuthentication',
        tags: settings.tags,
        summary: 'Check a face log-in once, as Incode\'s authentication sample does: finish-status, then the score\'s identity',
        body: VerifyAuthenticationBody,
        response: { 200: VerifyAuthenticationAnswer, ...errorResponses([400, 403, 413, 429, 500, 502, 503, 504], { reads: true }) }
      }
    }, async (request) => {
      const { interviewId, token, candidate } = request.body
      const claimed: unknown = await callbacks.run('claimFaceLogin', (context) => claimFaceLogin.call(owner, interviewId, token, request, context))
      const session = claimedSession(claimed)
      // The session exists and is unused, its token is the one sent, the face claims the identity expected.
      if (session === undefined || !sameSecret(token, session.token) || session.identityId !== candidate) {
        request.log.info({ interviewId }, 'Face log-in refused before Incode: unknown, used, or not the session claimed')
        return { valid: false }
      }
      const { verified, identityId } = await awaitLoggingFailure(request, 'face-login', interviewId, client.verifyFaceLogin(session.token, candidate))
      request.log.info({ interviewId, verified }, 'Face log-in checked')
      return verified ? { valid: true, identityId } : { valid: false }
    })
  }
}

/** What claimFaceLogin answered: a session, or undefined for none; anything else is the host's bug. */
function claimedSession (claimed: unknown): FaceLoginSession | undefined {
  if (claimed === undefined || claimed === null) return undefined
  const { token, identityId } = claimed as Partial<Record<keyof FaceLoginSession, unknown>>
  if (typeof token !== 'string' || typeof identityId !== 'string') {
    throw new TypeError('The claimFaceLogin option must resolve to { token, identityId } or undefined')
  }
  return { token, identityId }
}
