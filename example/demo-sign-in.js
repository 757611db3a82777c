// The example's stand-in for your authentication: the signed-in user's id comes in a header. A real
// app reads its session cookie or bearer token here instead.

export const USER_HEADER = 'x-demo-user'
const USER_ID = /^[\w.@-]{1,64}$/

/**
 * The signed-in user's id, or '' when nobody is signed in. Never take the customer id from the
 * request body: the plugin refuses it there for that reason.
 * @param {import('fastify').FastifyRequest} request
 */
export function signedInUser (request) {
  const user = request.headers[USER_HEADER]
  return typeof user === 'string' && USER_ID.test(user) ? user : ''
}

/** @type {import('fastify').onRequestAsyncHookHandler} */
export async function requireSignedIn (request, reply) {
  if (signedInUser(request) === '') {
    return reply.code(401).send({ statusCode: 401, error: 'Unauthorized', message: `Sign in first: send your user id in ${USER_HEADER}` })
  }
}
