// Incode's onboarding-status webhook: sent with a static header or an OAuth2 token, delivered again on failure.
import { validateHeaderName, validateHeaderValue } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import { request } from 'undici'
import type { Dispatcher } from 'undici'
import { isHttpUrl } from '../params.js'
import { checkInteger } from './checks.js'
import type { FakeSession, FakeWebhookTarget, WebhookDelivery } from './types.js'

export type ResolvedWebhook = FakeWebhookTarget & Required<Pick<FakeWebhookTarget, 'attempts' | 'retryDelayMs' | 'timeoutMs'>>

type Outcome = Omit<WebhookDelivery, 'attempt'>

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
    attempts: checkInteger('webhook.attempts', target.attempts ?? 2, 1),
    retryDelayMs: checkInteger('webhook.retryDelayMs', target.retryDelayMs ?? 10, 0),
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

/** Delivers `event` until a 2xx answer, `attempts` deliveries, or `closed` aborts. */
export async function deliverWebhook (
  webhook: ResolvedWebhook,
  event: Record<string, string>,
  dispatcher: Dispatcher,
  closed: AbortSignal
): Promise<WebhookDelivery[]> {
  const deliveries: WebhookDelivery[] = []
  const payload = JSON.stringify(event)
  for (let attempt = 1; attempt <= webhook.attempts; attempt++) {
    if (attempt > 1 && !await waitUnlessClosed(webhook.retryDelayMs, closed)) break
    const outcome = await deliverOnce(webhook, payload, dispatcher, closed)
    deliveries.push({ attempt, ...outcome })
    if (outcome.error === undefined) break
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
    const { status, body } = await post(webhook.url, headers, payload, dispatcher, signal)
    return isSuccess(status) ? { status, body } : { status, body, error: `The webhook answered ${status}` }
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
  return { status: answer.statusCode, body: await answer.body.text() }
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
