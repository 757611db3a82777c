// Requests another site's page can make with the user's cookies and no CORS preflight (a GET, a
// text/plain or bodiless POST) must not start billable sessions in the user's name.
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import { CrossSiteRefusedError } from './errors.js'

/**
 * A browser's request from anywhere but this app's own origin: an `Origin` that is neither this
 * app's nor allowed, or, without an `Origin`, a `Sec-Fetch-Site` of `cross-site` or `same-site`
 * (another port or subdomain). Servers and curl send neither header.
 */
function isCrossOrigin (request: FastifyRequest, allowedOrigins: Set<string>): boolean {
  const origin = request.headers.origin
  if (origin !== undefined) return origin !== `${request.protocol}://${request.host}` && !allowedOrigins.has(origin)
  const site = request.headers['sec-fetch-site']
  return site === 'cross-site' || site === 'same-site'
}

/**
 * An onRequest hook that answers 403 to such a request; with `simpleOnly`, only to one the
 * browser sent without a preflight (no JSON content type): a JSON one passed the host's CORS.
 */
export function refuseCrossOrigin (allowedOrigins: Set<string>, simpleOnly: boolean) {
  return function refuseCrossOriginRequest (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
    const preflighted = simpleOnly && /^application\/json\s*(;|$)/i.test(request.headers['content-type'] ?? '')
    if (!preflighted && isCrossOrigin(request, allowedOrigins)) {
      request.log.info({ origin: request.headers.origin, secFetchSite: request.headers['sec-fetch-site'] }, 'Cross-site request refused')
      done(new CrossSiteRefusedError())
    } else {
      done()
    }
  }
}
