// Where a browser may send a person at the end of the hosted flow: only within the host's
// allowedRedirectionUrls, compared as parsed URLs (scheme, host, port, path on a segment boundary).
import { RedirectNotAllowedError, RedirectTooLongError } from './errors.js'
import { readRedirectionUrl } from './urls.js'

/** The browser's redirectionUrl, normalised, when it is within an allowed entry; a 400 otherwise. */
export function allowedRedirectionUrl (value: string, allowed: URL[]): string {
  const { url, fault } = readRedirectionUrl(value)
  if (url === undefined || fault === 'form' ||
      !allowed.some((entry) => entry.protocol === url.protocol && entry.host === url.host &&
        isWithinPath(url.pathname, entry.pathname))) {
    throw new RedirectNotAllowedError()
  }
  if (fault === 'length') throw new RedirectTooLongError()
  return url.href
}

/** `/app` allows `/app` and `/app/…` but not `/application`; `/app/` allows `/app/…`. */
function isWithinPath (path: string, prefix: string): boolean {
  return prefix.endsWith('/') ? path.startsWith(prefix) : path === prefix || path.startsWith(prefix + '/')
}
