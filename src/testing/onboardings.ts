// Finishing an onboarding as Incode's back end does: status and score at once, then the
// onboarding-status webhook, to the target given or to the account's own (Incode's dashboard holds
// one per account); and any other webhook a test sends the same way.
import { Agent } from 'undici'
import { personOf } from './people.js'
import type { CompleteOnboardingOptions, FakeSession, FakeWebhookTarget, WebhookDelivery } from './types.js'
import { deliverWebhook, onboardingStatusEvent, resolveWebhook } from './webhooks.js'
import type { ResolvedWebhook } from './webhooks.js'

export class Onboardings {
  readonly #clientId: string
  #webhook: ResolvedWebhook | undefined
  // Webhooks go out through their own agent, so close() can end them and their sockets.
  readonly #agent = new Agent()
  readonly #closed = new AbortController()

  constructor (clientId: string, webhook: FakeWebhookTarget | undefined) {
    this.#clientId = clientId
    this.setWebhook(webhook)
  }

  /** The account's webhook from now on, checked before it replaces the old one; undefined: none. */
  setWebhook (target: FakeWebhookTarget | undefined): void {
    this.#webhook = target === undefined ? undefined : resolveWebhook(target)
  }

  /**
   * Sets the session's status and score, then delivers the webhook to `options.webhook` (checked
   * before anything changes: a bad one rejects) or, without one, to the account's. Resolves with
   * every delivery, none without a webhook; with the account's webhook it never rejects.
   */
  async complete (session: FakeSession, options: CompleteOnboardingOptions): Promise<WebhookDelivery[]> {
    const webhook = this.#target(options.webhook)
    completeSession(session, options)
    return await this.#deliver(webhook, onboardingStatusEvent(session, this.#clientId))
  }

  /**
   * As `complete` with the account's webhook, but resolves after the first delivery (undefined
   * without a webhook): the redeliveries go on behind, as Incode's do, until `close()`.
   */
  completeFromPage (session: FakeSession, options: CompleteOnboardingOptions): Promise<WebhookDelivery | undefined> {
    completeSession(session, options)
    const webhook = this.#webhook
    if (webhook === undefined) return Promise.resolve(undefined)
    return new Promise((resolve) => {
      // Never rejects: its promise is left behind, and the first delivery resolves the page's answer.
      deliverWebhook(webhook, onboardingStatusEvent(session, this.#clientId), this.#agent, this.#closed.signal, resolve)
    })
  }

  /** Delivers any webhook body to the target given or the account's, as `complete` delivers its event. */
  async send (body: Record<string, unknown>, target: FakeWebhookTarget | undefined): Promise<WebhookDelivery[]> {
    return await this.#deliver(this.#target(target), body)
  }

  #target (target: FakeWebhookTarget | undefined): ResolvedWebhook | undefined {
    return target === undefined ? this.#webhook : resolveWebhook(target)
  }

  async #deliver (webhook: ResolvedWebhook | undefined, body: Record<string, unknown>): Promise<WebhookDelivery[]> {
    return webhook === undefined ? [] : await deliverWebhook(webhook, body, this.#agent, this.#closed.signal)
  }

  /** Cuts the deliveries in progress short, stops their redeliveries, and closes their sockets. */
  async close (): Promise<void> {
    this.#closed.abort(new Error('The fake Incode API was closed'))
    await this.#agent.destroy()
  }
}

const DEFAULT_SCORE_VALUES: Record<string, string> = { OK: '95.0', WARN: '75.0', FAIL: '30.0' }

/** Sets what `completeOnboarding` says: the onboarding status, the overall score, who finished, the face log-in's match. */
function completeSession (session: FakeSession, { status, score, person, authentication }: CompleteOnboardingOptions): void {
  session.onboardingStatus = status ?? 'ONBOARDING_FINISHED'
  const scoreStatus = score?.status ?? 'OK'
  session.score = { status: scoreStatus, value: score?.value ?? DEFAULT_SCORE_VALUES[scoreStatus] ?? '0.0' }
  session.person = personOf(person)
  session.personalDataDeleted = false
  session.authentication = authentication === undefined ? undefined : { identityId: authentication.identityId }
}
