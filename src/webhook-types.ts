// The public types of the webhook routes: the events Incode posts, the options, the callbacks.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { ApproveSessionResult, IncodeScore } from './client-types.js'
import type { HostCallbackContext, IncodeRateLimitOptions } from './common-types.js'

/**
 * Every webhook Incode posts to the webhook URL, tagged by `kind`, unknown keys kept: test `kind`
 * before you read the rest. `dedupeKey` is the same for every redelivery of one event: store
 * events under it with a unique constraint, and a redelivery changes nothing.
 */
export type IncodeWebhookEvent = OnboardingStatusEvent | SessionEvent | FaceAuthenticationEvent | OtherWebhookEvent

/** The onboarding-status webhook: sent each time a session's status changes. */
export interface OnboardingStatusEvent {
  kind: 'onboarding-status'
  interviewId: string
  /**
   * `ID_VALIDATION_FINISHED`, `ID_VALIDATION_FINISHED_SECOND_ID`, `POST_PROCESSING_FINISHED`,
   * `FACE_VALIDATION_FINISHED`, `GOVERNMENT_VALIDATION_FINISHED`, `ONBOARDING_FINISHED`,
   * `MANUAL_REVIEW_APPROVED`, `MANUAL_REVIEW_REJECTED`, `EXPIRED`, …
   */
  onboardingStatus: string
  /** Your `externalCustomerId`, when the session was started with one. */
  externalId?: string
  clientId?: string
  flowId?: string
  /**
   * `interviewId:onboardingStatus`. The webhook carries no event id and its redeliveries are the
   * same body, so a status reached twice cannot be told from a redelivery: both say the same.
   */
  dedupeKey: string
  [field: string]: unknown
}

/** A session webhook (Session Started, Progress, Failed, Succeeded, Pending Review, Identity Enrolled). */
export interface SessionEvent {
  kind: 'session-event'
  /** Incode's `event_type`: `SESSION_STARTED`, `SESSION_SUCCEEDED`, `SESSION_FAILED`, `IDENTITY_ENROLLED`, … */
  eventType: string
  interviewId?: string
  /** A digest of the body: a redelivery has the same. */
  dedupeKey: string
  [field: string]: unknown
}

/** The face authentication (1:1 log-in) webhook, sent when a log-in succeeds or fails. */
export interface FaceAuthenticationEvent {
  kind: 'face-authentication'
  transactionId: string
  interviewId?: string
  /** The identity the face was checked against (Incode's `customerId`). */
  customerId?: string
  /** `faceMatch` true, `overallStatus` `PASS` and no error: the person is who they claim. */
  verified: boolean
  /** The `transactionId`: one per log-in attempt. */
  dedupeKey: string
  [field: string]: unknown
}

/** A webhook of a kind the plugin does not know (a video selfie uploaded, a watchlist updated …): the body as it came. */
export interface OtherWebhookEvent {
  kind: 'other'
  /** A digest of the body: a redelivery has the same. */
  dedupeKey: string
  [field: string]: unknown
}

export type OnWebhook = (
  this: FastifyInstance, event: IncodeWebhookEvent, request: FastifyRequest, context: HostCallbackContext
) => void | Promise<void>

/** What `onOnboardingFinished` gets once Incode says `ONBOARDING_FINISHED`. */
export interface OnboardingOutcome {
  interviewId: string
  /** Incode's score of the session, read with the admin token. */
  score: IncodeScore
  /** With `approve: 'when-ok'` and an `OK` score: the identity the person became (its `customerToken` is a secret). */
  identity?: ApproveSessionResult
  /** This instance approved the session before (a redelivery of the event): no second approval was made. */
  alreadyApproved: boolean
  event: OnboardingStatusEvent
}

export type OnOnboardingFinished = (
  this: FastifyInstance, outcome: OnboardingOutcome, request: FastifyRequest, context: HostCallbackContext
) => void | Promise<void>

/** The webhook option: its settings, with `onWebhook`, `onOnboardingFinished`, or both. */
export type IncodeWebhookOptions = IncodeWebhookSettings & ({ onWebhook: OnWebhook } | { onOnboardingFinished: OnOnboardingFinished })

/** How Incode's dashboard authenticates its webhook calls (set at least one), and what the route does. */
export interface IncodeWebhookSettings {
  /**
   * Awaited for every authenticated, valid webhook, of every kind (test `event.kind`); a throw
   * answers 500, so Incode delivers again. Set it, `onOnboardingFinished`, or both.
   */
  onWebhook?: OnWebhook
  /**
   * Awaited after `onWebhook` for an `ONBOARDING_FINISHED` event: the plugin reads the score
   * (and approves, see `approve`) first. Needs the admin token (`adminToken`, or `adminEmail` and
   * `adminPassword`). A throw, or a failed Incode call, answers 500: Incode delivers again.
   */
  onOnboardingFinished?: OnOnboardingFinished
  /**
   * `'when-ok'`: on `ONBOARDING_FINISHED` with an `OK` score, approve the session
   * (`approveSession`) before `onOnboardingFinished`, once however often the event comes to
   * this instance. Default `false`. Needs the admin token.
   */
  approve?: 'when-ok' | false
  /** A static header Incode sends ("custom headers" in the dashboard). `value`: at least 32 characters. */
  secretHeader?: { name: string, value: string }
  /**
   * OAuth2 client credentials: Incode first asks `{routePrefix}/webhook/token` for a bearer
   * token. `clientSecret`: at least 32 characters. `tokenTtlSeconds`: default 3600.
   */
  oauth?: { clientId: string, clientSecret: string, tokenTtlSeconds?: number }
  /** The webhook routes' own limit, apart from session creation. Default `{ max: 300, timeWindow: '1 minute' }`. */
  rateLimit?: false | IncodeRateLimitOptions
}
