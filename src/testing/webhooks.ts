// Incode's webhooks: sent with a static header or an OAuth2 token, delivered again as Incode does
// (anything but a 200 JSON answer or a 204 fails, up to 5 attempts, each wait 2.5 times the last).
import { validateHeaderName, validateHeaderValue } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import { request } from 'undici'
import type { Dispatcher } from 'undici'
import { isHttpUrl } from '../urls.js'
import { checkInteger } from './checks.js'
import type { FakeSession, FakeWebhookTarget, WebhookDelivery } from './types.js'

const JSON_TYPE = /^application\/json\s*(;|$)/i

export type ResolvedWebhook = FakeWebhookTarget & Required<Pick<FakeWebhookTarget, 'attempts' | 'retryDelayMs' | 'timeoutMs'>>

type Outcome = Omit<WebhookDelivery, 'attempt'>

// Incode's redelivery: 5 attempts, the first redelivery after 30 s, each wait 2.5 times the last.
const DEFAULT_ATTEMPTS = 5
const DEFAULT_RETRY_DELAY_MS = 30_000
const BACKOFF = 2.5

/** Checks a webhook target and fills in its defaults, before anything is sent. */
export function resolveWebhook (target: FakeWebhookTarget): ResolvedWebhook {
  checkHttpUrl('webhook.url', target.url)
  if (target.oauth !== undefined) checkHttpUrl('webhook.oauth.tokenUrl', target.oauth.tokenUrl)
  if (target.secretHeader !== undefined) {
    validateHeaderName(target.secretHeader.name)
    validateHeaderValue(target.secretHeader.name, target.secretHeader.value)
  }
  return {
    ...target,
    attempts: checkInteger('webhook.attempts', target.attempts ?? DEFAULT_ATTEMPTS, 1),
    retryDelayMs: checkInteger('webhook.retryDelayMs', target.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS, 0),
    timeoutMs: checkInteger('webhook.timeoutMs', target.timeoutMs ?? 5000, 1)
  }
}

/** The body Incode POSTs: `externalId` only for a session started with an `externalCustomerId`. */
export function onboardingStatusEvent (session: FakeSession, clientId: string): Record<string, string> {
  const { externalCustomerId } = session.body
  return {
    interviewId: session.interviewId,
    onboardingStatus: session.onboardingStatus,
    ...(typeof externalCustomerId === 'string' ? { externalId: externalCustomerId } : {}),
    clientId,
    flowId: session.configurationId
  }
}

/**
 * Delivers `event` until it succeeds, `attempts` deliveries, or `closed` aborts; never rejects.
 * `onDelivery` hears of each delivery as it ends.
 */
export async function deliverWebhook (
  webhook: ResolvedWebhook,
  event: Record<string, unknown>,
  dispatcher: Dispatcher,
  closed: AbortSignal,
  onDelivery?: (delivery: WebhookDelivery) => void
): Promise<WebhookDelivery[]> {
  const deliveries: WebhookDelivery[] = []
  const payload = JSON.stringify(event)
  let wait = webhook.retryDelayMs
  for (let attempt = 1; attempt <= webhook.attempts; attempt++) {
    if (attempt > 1) {
      if (!await waitUnlessClosed(wait, closed)) break
      wait *= BACKOFF
    }
    const delivery = { attempt, ...await deliverOnce(webhook, payload, dispatcher, closed) }
    deliveries.push(delivery)
    onDelivery?.(delivery)
    if (delivery.error === undefined) break
  }
  return deliveries
}

/** Waits `ms`; false, at once, when `closed` aborts the wait. */
function waitUnlessClosed (ms: number, closed: AbortSignal): Promise<boolean> {
  return sleep(ms, true, { signal: closed }).catch(() => false)
}

async function deliverOnce (webhook: ResolvedWebhook, payload: string, dispatcher: Dispatcher, closed: AbortSignal): Promise<Outcome> {
  const signal = AbortSignal.any([closed, AbortSignal.timeout(webhook.timeoutMs)])
  try {
    const headers: Record<string, string> = { 'content-type': 'application/json' }
    if (webhook.secretHeader !== undefined) headers[webhook.secretHeader.name] = webhook.secretHeader.value
    if (webhook.oauth !== undefined) {
      const token = await fetchAccessToken(webhook.oauth, dispatcher, signal)
      if (typeof token !== 'string') return token
      headers.authorization = `Bearer ${token}`
    }
    const { status, body, contentType } = await post(webhook.url, headers, payload, dispatcher, signal)
    if (status === 204 || (status === 200 && JSON_TYPE.test(contentType))) return { status, body }
    const error = status === 200 ? 'The webhook answered 200 without content-type application/json' : `The webhook answered ${status}`
    return { status, body, error }
  } catch (err) {
    return { status: 0, body: '', error: describeFailure(err) }
  }
}

/** The access token, or the failed delivery its absence makes. */
async function fetchAccessToken (
  { tokenUrl, clientId, clientSecret }: NonNullable<FakeWebhookTarget['oauth']>,
  dispatcher: Dispatcher,
  signal: AbortSignal
): Promise<string | Outcome> {
  const { status, body } = await post(tokenUrl, {
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
    authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`
  }, 'grant_type=client_credentials', dispatcher, signal)
  if (!isSuccess(status)) return { status, body, error: `The token endpoint answered ${status}` }
  return accessTokenIn(body) ?? { status, body, error: 'The token endpoint answered no access_token' }
}

async function post (url: string, headers: Record<string, string>, payload: string, dispatcher: Dispatcher, signal: AbortSignal) {
  const answer = await request(url, { method: 'POST', headers, body: payload, dispatcher, signal })
  const contentType = answer.headers['content-type']
  return { status: answer.statusCode, body: await answer.body.text(), contentType: typeof contentType === 'string' ? contentType : '' }
}

function accessTokenIn (body: string): string | undefined {
  try {
    const { access_token: token } = JSON.parse(body) as { access_token?: unknown }
    return typeof token === 'string' && token !== '' ? token : undefined
  } catch {
    return undefined
  }
}

function isSuccess (status: number): boolean {
  return status >= 200 && status < 300
}

function describeFailure (err: unknown): string {
  const { code } = err as { code?: unknown }
  return typeof code === 'string' ? `${String(err)} (${code})` : String(err)
}

function checkHttpUrl (name: string, value: string): void {
  if (!isHttpUrl(value)) throw new TypeError(`${name} must be an http(s) URL, got ${value}`)
}
