// Where a browser may send a person at the end of the hosted flow: only within the host's
// allowedRedirectionUrls, compared as parsed URLs (scheme, host, port, path on a segment boundary).
import { RedirectNotAllowedError, RedirectTooLongError } from './errors.js'
import { MAX_REDIRECTION_URL_LENGTH } from './params.js'

/** The browser's redirectionUrl, normalised, when it is within an allowed entry; a 400 otherwise. */
export function allowedRedirectionUrl (value: string, allowed: URL[]): string {
  const url = URL.canParse(value) ? new URL(value) : undefined
  if (url === undefined || url.username !== '' || url.password !== '' ||
      !allowed.some((entry) => entry.protocol === url.protocol && entry.host === url.host &&
        isWithinPath(url.pathname, entry.pathname))) {
    throw new RedirectNotAllowedError()
  }
  // Normalising can grow it (`{` becomes `%7B`): what is sent is what must fit.
  if (url.href.length > MAX_REDIRECTION_URL_LENGTH) throw new RedirectTooLongError()
  return url.href
}

/** `/app` allows `/app` and `/app/…` but not `/application`; `/app/` allows `/app/…`. */
function isWithinPath (path: string, prefix: string): boolean {
  return prefix.endsWith('/') ? path.startsWith(prefix) : path === prefix || path.startsWith(prefix + '/')
}
