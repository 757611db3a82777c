// Incode's hosted onboarding as the fake plays it: the page its onboarding URLs open, where a person ends the interview verified or failed, and what that did.
import { isHttpUrl } from '../urls.js'
import type { IncodeAccount } from './account.js'
import type { Exchange } from './exchange.js'
import { sendAnswer, sendError } from './incode-http.js'
import type { FakeSession, WebhookDelivery } from './types.js'

export const ONBOARDING_PAGE_PREFIX = '/onboarding/'
const COMPLETION_SUFFIX = '/complete'
const FORM_TYPE = /^application\/x-www-form-urlencoded\s*(;|$)/i
const SCORES = new Set(['OK', 'FAIL'])
// Nothing but the page itself: no script, no resource from anywhere, forms only to the fake.
const CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; base-uri 'none'"
const STYLE = `body { font: 16px/1.5 system-ui, sans-serif; max-width: 36rem; margin: 2rem auto; padding: 0 1rem; color: #1d2430; }
.brand { margin: 0; font-size: 0.85rem; color: #6b4fb3; font-weight: 600; }
h1 { font-size: 1.4rem; margin: 0.25rem 0 1rem; }
code, dd { font-family: ui-monospace, monospace; }
button { font: inherit; padding: 0.5rem 1rem; margin: 0.5rem 0.5rem 0 0; border: 0; border-radius: 0.4rem; background: #2c5cc5; color: #fff; cursor: pointer; }
button.fail { background: #a4332a; }
dt { font-weight: 600; }
dd { margin: 0 0 0.5rem; overflow-wrap: anywhere; }
.hint { font-size: 0.85rem; color: #667; }`

/** The page's address for a session, as `GET /0/omni/onboarding-url` hands it out. */
export function onboardingPageUrl (fakeUrl: string, session: FakeSession): string {
  // Embeds the token, as Incode's URLs may: clients must treat the URL as a secret.
  return `${fakeUrl}${ONBOARDING_PAGE_PREFIX}${session.interviewId}?token=${session.token}`
}

/** Whether a path under the page's prefix is where the page's form posts to. */
export function isCompletionPath (path: string): boolean {
  return path.endsWith(COMPLETION_SUFFIX)
}

/** `GET /onboarding/<interviewId>?token=`: the page, for the session's own token. */
export function sendOnboardingPage (exchange: Exchange, account: IncodeAccount): void {
  const interviewId = exchange.recorded.path.slice(ONBOARDING_PAGE_PREFIX.length)
  const session = sessionOfPage(exchange, account, interviewId, exchange.recorded.query.token)
  if (session === undefined) return
  // Only a known id reaches the page, and ids are hex; the token is in the form only, never in the text.
  sendPage(exchange, 'Verify your identity', `<p>Interview <code id="interview-id">${interviewId}</code></p>
<p>Here Incode's hosted flow would ask for your consent, then the front and back of your ID and a selfie. This fake plays
its end: choose how the verification ends. Incode's back end then records the result and calls the account's webhook.</p>
<form method="post" action="${ONBOARDING_PAGE_PREFIX}${interviewId}${COMPLETION_SUFFIX}">
<input type="hidden" name="token" value="${escapeHtml(session.token)}">
<button type="submit" name="score" value="OK">Finish as verified (score OK)</button>
<button type="submit" name="score" value="FAIL" class="fail">Finish as failed (score FAIL)</button>
</form>`)
}

/**
 * `POST /onboarding/<interviewId>/complete`, form-encoded `token` (the session's) and `score`
 * (`OK` or `FAIL`): finishes the onboarding as `completeOnboarding` does, delivers the account's
 * webhook, then shows what happened.
 */
export function completeOnboardingFromPage (exchange: Exchange, account: IncodeAccount): void {
  const { headers, body, path } = exchange.recorded
  if (!FORM_TYPE.test(headers['content-type'] ?? '')) {
    sendError(exchange, 400, 'Content-Type must be application/x-www-form-urlencoded')
    return
  }
  const form = new URLSearchParams(typeof body === 'string' ? body : '')
  const interviewId = path.slice(ONBOARDING_PAGE_PREFIX.length, -COMPLETION_SUFFIX.length)
  const session = sessionOfPage(exchange, account, interviewId, form.get('token') ?? undefined)
  if (session === undefined) return
  const score = form.get('score') ?? ''
  if (!SCORES.has(score)) {
    sendError(exchange, 400, 'score must be OK or FAIL')
    return
  }
  // Never rejects: the account's webhook was checked when it was set, and a delivery that fails is
  // a delivery, which the page tells.
  account.onboardings.completeFromPage(session, { score: { status: score } })
    .then((delivery) => sendOutcomePage(exchange, session, delivery))
}

/** The session of `interviewId` when `token` is its own; undefined after answering 404 or 401. */
function sessionOfPage (exchange: Exchange, account: IncodeAccount, interviewId: string, token: string | undefined): FakeSession | undefined {
  const session = account.sessions.get(interviewId)
  if (session === undefined) {
    sendError(exchange, 404, 'Unknown interview')
  } else if (token !== session.token) {
    sendError(exchange, 401, 'Invalid or missing session token')
  } else {
    return session
  }
  return undefined
}

function sendOutcomePage (exchange: Exchange, session: FakeSession, delivery: WebhookDelivery | undefined): void {
  const { interviewId, onboardingStatus, score, body: { redirectionUrl } } = session
  // Incode's hosted flow ends at the host's redirectionUrl.
  const next = isHttpUrl(redirectionUrl)
    ? `<p><a id="redirection-url" href="${escapeHtml(redirectionUrl)}">Continue to ${escapeHtml(new URL(redirectionUrl).host)}</a></p>`
    : '<p class="hint">The session has no redirectionUrl: the hosted flow ends here.</p>'
  sendPage(exchange, 'Onboarding finished', `<dl>
<dt>Interview</dt><dd id="interview-id">${interviewId}</dd>
<dt>Status</dt><dd id="status">${escapeHtml(onboardingStatus)}</dd>
<dt>Score</dt><dd id="score">${escapeHtml(`${score.status} (${score.value})`)}</dd>
<dt>Webhook</dt><dd id="webhook">${escapeHtml(webhookOutcome(delivery))}</dd>
</dl>
${next}`)
}

/** The first delivery, in words: its HTTP status, why it failed, or that the account has no webhook. */
function webhookOutcome (delivery: WebhookDelivery | undefined): string {
  if (delivery === undefined) return 'None is configured for this account: nothing was sent'
  if (delivery.error === undefined) return `Delivered: HTTP ${delivery.status}`
  return `Not delivered: ${delivery.error}. Incode delivers it again later, as the account's webhook says`
}

function sendPage (exchange: Exchange, heading: string, content: string): void {
  sendAnswer(exchange, 200, 'text/html; charset=utf-8', `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${heading} · Fake Incode</title>
<link rel="icon" href="data:,">
<style>${STYLE}</style>
</head>
<body>
<p class="brand">Fake Incode · hosted onboarding</p>
<h1>${heading}</h1>
${content}
</body>
</html>
`, { 'content-security-policy': CONTENT_SECURITY_POLICY })
}

function escapeHtml (text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`)
}
