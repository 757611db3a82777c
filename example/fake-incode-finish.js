// Fake mode only: the page's "Finish this verification (fake Incode)", and the sample page's
// "Complete capture (fake Incode)". The fake does what Incode's back end does when the person is
// through (the status and the score), then POSTs Incode's webhook to this app over HTTP with the
// secret header: the account's webhook, which app.js gives the fake once the app listens, as
// Incode's dashboard would be set up.
import { createHash, timingSafeEqual } from 'node:crypto'
import { requireSignedIn, signedInUser } from './demo-sign-in.js'
import { INTERVIEW_ID_PARAMS, NOT_YOUR_SESSION } from './own-session.js'

/**
 * Whether two secrets are equal, in a time that does not tell how much of them matched.
 * @param {string} given
 * @param {string} expected
 */
function sameSecret (given, expected) {
  const digest = (/** @type {string} */ value) => createHash('sha256').update(value).digest()
  return timingSafeEqual(digest(given), digest(expected))
}

/**
 * Signed in, unless the caller shows a session token (`x-token`): the phone that resumed a
 * session from the sample page is not signed in, and the capture stands in for what it would
 * send Incode with that token.
 * @param {import('fastify').FastifyRequest} request
 * @param {import('fastify').FastifyReply} reply
 */
async function requireSignedInOrToken (request, reply) {
  if (request.headers['x-token'] === undefined) return await requireSignedIn(request, reply)
}

/**
 * @typedef {object} FakeIncodeFinishOptions
 * @property {import('fastify-incode/testing').FakeIncode} fake
 * @property {import('./onboarding-sessions.js').OnboardingSessions} sessions
 */

/**
 * @param {import('fastify').FastifyInstance} app
 * @param {FakeIncodeFinishOptions} options
 */
export async function fakeIncodeFinishRoute (app, { fake, sessions }) {
  app.post('/example/sessions/:interviewId/finish', {
    onRequest: requireSignedInOrToken,
    schema: { params: INTERVIEW_ID_PARAMS }
  }, async (request, reply) => {
    const { interviewId } = /** @type {{ interviewId: string }} */ (request.params)
    const recorded = await sessions.find(interviewId)
    const started = fake.sessions.get(interviewId)
    const token = request.headers['x-token']
    const yours = typeof token === 'string'
      ? recorded !== undefined && started !== undefined && sameSecret(token, started.token)
      : recorded?.externalCustomerId === signedInUser(request)
    if (!yours) {
      return await reply.code(404).send(NOT_YOUR_SESSION)
    }
    if (started === undefined) {
      return await reply.code(409).send({
        statusCode: 409,
        error: 'Conflict',
        message: 'This session was started by an earlier run of the example, whose fake Incode API is gone'
      })
    }
    const deliveries = await fake.completeOnboarding(interviewId)
    // What the app's webhook made of it: the status and the score it now holds for the session,
    // and the identity of the person verified, their name and birth date masked.
    const { onboardingStatus, score, identityId, maskedName, birthYear } = /** @type {NonNullable<typeof recorded>} */ (await sessions.find(interviewId))
    return {
      deliveries: deliveries.map(({ attempt, status, error }) => ({ attempt, status, error })),
      recorded: { onboardingStatus, score, identityId, maskedName, birthYear }
    }
  })
}
