// "Delete my data": the signed-in user erases one of their sessions at Incode (every read of it
// fails from then on), then the row forgets the identity and the masked name and birth date it held,
// and says when. Needs the admin credentials, as every call about a person's data does.
import { requireSignedIn, signedInUser } from './demo-sign-in.js'
import { INTERVIEW_ID_PARAMS, NOT_YOUR_SESSION } from './own-session.js'

/**
 * @param {import('fastify').FastifyInstance} app
 * @param {{ sessions: import('./onboarding-sessions.js').OnboardingSessions }} options
 */
export async function deleteMyDataRoute (app, { sessions }) {
  app.delete('/example/sessions/:interviewId/data', { onRequest: requireSignedIn, schema: { params: INTERVIEW_ID_PARAMS } }, async (request, reply) => {
    const { interviewId } = /** @type {{ interviewId: string }} */ (request.params)
    const session = await sessions.find(interviewId)
    if (session === undefined || session.externalCustomerId !== signedInUser(request)) {
      return await reply.code(404).send(NOT_YOUR_SESSION)
    }
    // Deleted already: Incode no longer knows the session, and the row says so.
    if (session.dataDeletedAt === null) {
      // A failure (Incode's, or the network's) is the plugin's error, answered as such (502, 503,
      // 504): the row stays as it was, and the person may try again. No signal from the browser:
      // the person asked, and a deletion cut short once sent may be done at Incode and not marked
      // here, so it runs to its end (under the client's own deadline) even if they close the tab.
      await app.incode.deleteSessions([interviewId])
      await sessions.recordDataDeleted(interviewId, new Date())
      request.log.info({ interviewId }, 'The session\'s data was deleted at Incode and here')
    }
    const { dataDeletedAt } = /** @type {typeof session} */ (await sessions.find(interviewId))
    return { interviewId, dataDeletedAt }
  })
}
