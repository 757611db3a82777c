// The example's stand-in for your authentication: the signed-in user's id comes in a header, or, on
// the routes Incode's sample front ends call to start a session, in a cookie. A real app reads its
// session cookie or token here instead.

export const USER_HEADER = 'x-demo-user'
// The sample page's sign-in (public/sample/): Incode's sample code sends no header of its own, so
// the browser's cookie carries the user, as your app's session cookie would.
export const USER_COOKIE = 'demo-user'
const USER_ID = /^[\w.@-]{1,64}$/

// The plugin's routePrefix: its default, which app.js keeps.
const PREFIX = '/incode'
// Where the cookie counts: the compat routes that start a session, which refuse another site's
// request (403) before anything reads it. The POST routes do not check the origin, and a POST
// without a body is a request any page may send with the user's cookies; there the header, which
// another site's page cannot send unless CORS allows it, is the only sign-in.
const COOKIE_ROUTES = new Set([`GET ${PREFIX}/start`, `GET ${PREFIX}/onboarding-url`])
// The compat routes of a session already started, which a phone calls without signing in: the
// session token it holds is the proof (what Incode's capture itself sends to Incode).
const TOKEN_ROUTES = new Set([`POST ${PREFIX}/finish`, `GET ${PREFIX}/fetch-score`])

/** @param {import('fastify').FastifyRequest} request */
function routeOf (request) {
  return `${request.method} ${request.routeOptions.url}`
}

/**
 * One cookie's value from a `Cookie` header, or undefined.
 * @param {string} name
 * @param {string | undefined} header
 */
function cookie (name, header = '') {
  for (const pair of header.split(';')) {
    const at = pair.indexOf('=')
    if (at !== -1 && pair.slice(0, at).trim() === name) return pair.slice(at + 1).trim()
  }
  return undefined
}

/**
 * The signed-in user's id, or '' when nobody is signed in. Never take the customer id from the
 * request body: the plugin refuses it there for that reason.
 * @param {import('fastify').FastifyRequest} request
 */
export function signedInUser (request) {
  const user = request.headers[USER_HEADER] ?? (cookieCounts(request) ? cookie(USER_COOKIE, request.headers.cookie) : undefined)
  return typeof user === 'string' && USER_ID.test(user) ? user : ''
}

/**
 * Whether the sign-in cookie counts: on the compat start routes, from this app's own pages. A
 * browser says where a request comes from in `Sec-Fetch-Site`; the plugin already refuses
 * another origin's request, and this keeps the cookie to `same-origin` as a second line. Servers
 * and curl send no `Sec-Fetch-Site`.
 * @param {import('fastify').FastifyRequest} request
 */
function cookieCounts (request) {
  const site = request.headers['sec-fetch-site']
  return COOKIE_ROUTES.has(routeOf(request)) && (site === undefined || site === 'same-origin')
}

/**
 * The rate limit's key: the signed-in user, or, for a phone resuming a session without signing in,
 * its address.
 * @param {import('fastify').FastifyRequest} request
 */
export function rateLimitKey (request) {
  return signedInUser(request) || `address ${request.ip}`
}

/**
 * An onRequest hook: 401 unless someone is signed in.
 * @param {import('fastify').FastifyRequest} request
 * @param {import('fastify').FastifyReply} reply
 */
export async function requireSignedIn (request, reply) {
  if (signedInUser(request) === '') {
    return reply.code(401).send({ statusCode: 401, error: 'Unauthorized', message: `Sign in first: send your user id in ${USER_HEADER}` })
  }
}

/**
 * The plugin's routes: signed in to start a session. Incode's "continue on your phone" opens the
 * page on a phone that is not signed in: it resumes with the uniqueId the signed-in browser got
 * (`GET /incode/start?uniqueId=`), then finishes and reads the score with the session token. Both
 * are secrets that only the person's own devices hold.
 * @param {import('fastify').FastifyRequest} request
 * @param {import('fastify').FastifyReply} reply
 */
export async function requireSignedInToStart (request, reply) {
  const route = routeOf(request)
  const query = /** @type {Record<string, unknown>} */ (request.query)
  const resume = route === `GET ${PREFIX}/start` && ('uniqueId' in query || 'uuid' in query)
  if (!resume && !TOKEN_ROUTES.has(route)) return await requireSignedIn(request, reply)
}
