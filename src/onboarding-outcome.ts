// What a KYC back end does when Incode says ONBOARDING_FINISHED, done by the webhook route: read
// the score, approve the person when asked and the score is OK, then hand the outcome to the
// host. Any failure answers non-2xx, so Incode delivers the event again; an approval is made once
// however often the event comes (concurrent deliveries share it, a redelivery reuses it).
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { IncodeClient } from './client.js'
import { IncodeCallError } from './errors.js'
import type { HostCallbacks } from './host-callback.js'
import type { ApproveSessionResult, IncodeScore, OnboardingOutcome, OnboardingStatusEvent, OnOnboardingFinished } from './types.js'

// About an hour of Incode's redeliveries at a busy host's rate; older approvals are forgotten.
const REMEMBERED_APPROVALS = 10_000

interface OutcomeSettings {
  client: IncodeClient
  owner: FastifyInstance
  callbacks: HostCallbacks
  approve: 'when-ok' | false
  onOnboardingFinished: OnOnboardingFinished | undefined
}

/** The approvals this instance made, by interviewId: in flight ones shared, failed ones forgotten. */
export class Approvals {
  readonly #made = new Map<string, Promise<ApproveSessionResult>>()

  /** `remembered`: how many approvals are kept, the newest. */
  constructor (readonly client: IncodeClient, readonly remembered = REMEMBERED_APPROVALS) {}

  has (interviewId: string): boolean {
    return this.#made.has(interviewId)
  }

  approve (interviewId: string): Promise<ApproveSessionResult> {
    const made = this.#made.get(interviewId)
    if (made !== undefined) return made
    const approval = this.client.approveSession(interviewId)
    this.#made.set(interviewId, approval)
    if (this.#made.size > this.remembered) this.#made.delete(this.#made.keys().next().value as string)
    approval.catch(() => this.#made.delete(interviewId))
    return approval
  }
}

/** The session's score; undefined when Incode answers that it has no such session (its 400). */
async function scoreOf (client: IncodeClient, interviewId: string): Promise<IncodeScore | undefined> {
  try {
    return await client.getScore(interviewId)
  } catch (err) {
    if (err instanceof IncodeCallError && err.upstreamStatus === 400) return undefined
    throw err
  }
}

/** Runs the finished-onboarding flow for an event, when there is one to run; resolves once it is done. */
export function onboardingOutcome (settings: OutcomeSettings): ((event: OnboardingStatusEvent, request: FastifyRequest) => Promise<void>) | undefined {
  const { client, owner, callbacks, approve, onOnboardingFinished } = settings
  if (approve === false && onOnboardingFinished === undefined) return undefined
  const approvals = new Approvals(client)
  return async function finishOnboarding (event, request) {
    if (event.onboardingStatus !== 'ONBOARDING_FINISHED') return
    const { interviewId } = event
    const score = await scoreOf(client, interviewId)
    if (score === undefined) {
      // Delivering it again would change nothing: Incode does not know the session.
      request.log.warn({ interviewId }, 'Incode knows no session with this interviewId (deleted, or of another account): its finished onboarding is left alone')
      return
    }
    const approved = approve === 'when-ok' && score.overall.status === 'OK'
    const alreadyApproved = approved && approvals.has(interviewId)
    const identity = approved ? await approvals.approve(interviewId) : undefined
    request.log.info({ interviewId, score: score.overall.status, approved, alreadyApproved, existingCustomer: identity?.existingCustomer },
      'Incode onboarding finished')
    if (onOnboardingFinished === undefined) return
    const outcome: OnboardingOutcome = { interviewId, score, alreadyApproved, event }
    if (identity !== undefined) outcome.identity = identity
    await callbacks.run('onOnboardingFinished', (context) => onOnboardingFinished.call(owner, outcome, request, context))
  }
}
