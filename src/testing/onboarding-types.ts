// The public types of a finished onboarding in the fake: who finished, their score, the webhook sent.

/**
 * What Incode reads off a document, as `GET /omni/get/ocr-data` answers it: names, dates in ms
 * since the epoch, and any other key given. The fake's default person is ALEX SAMPLE, born
 * 1990-01-31 (`DEFAULT_OCR_DATA` in the README of the package).
 */
export interface FakeOcrData {
  name?: { fullName?: string, firstName?: string, givenName?: string, paternalLastName?: string, maternalLastName?: string, [key: string]: unknown }
  birthDate?: number
  gender?: string
  documentNumber?: string
  address?: string
  addressFields?: Record<string, string>
  issueDate?: number
  expireAt?: number
  nationality?: string
  typeOfId?: string
  issuingCountry?: string
  [key: string]: unknown
}

/** Who finishes an onboarding in `completeOnboarding`. */
export interface FakePerson {
  /**
   * Sessions finished with the same face are one person: their approvals make one identity
   * (one `uuid`), `existingCustomer: true` from the second on. Default: a face of the session's own.
   */
  face?: string
  /** Its top-level keys replace the default person's (ALEX SAMPLE); a key set to `undefined` is left out. */
  ocr?: FakeOcrData
}

/** `OK`, `WARN`, `FAIL`, `UNKNOWN`, `MANUAL`, and other statuses Incode may add (`MANUAL_OK` …). */
export type FakeScoreStatus = 'OK' | 'WARN' | 'FAIL' | 'UNKNOWN' | 'MANUAL' | (string & Record<never, never>)

/** An overall score as Incode writes one: `value` is a number in a string, such as `'92.3'`. */
export interface FakeScore {
  status: FakeScoreStatus
  value: string
}

export interface CompleteOnboardingOptions {
  /** The session's new `onboardingStatus`, sent in the webhook. Default `'ONBOARDING_FINISHED'`. */
  status?: string
  /**
   * The session's new overall score. Default `{ status: 'OK', value: '95.0' }`; without `value`:
   * `'95.0'` for `OK`, `'75.0'` for `WARN`, `'30.0'` for `FAIL`, `'0.0'` for any other status.
   */
  score?: { status: FakeScoreStatus, value?: string }
  /** Who finished: their face and what their document says. Default: ALEX SAMPLE, with a face of their own. */
  person?: FakePerson
  /**
   * For a face log-in session (the authentication flow): the identity the face matched, which the
   * score reports as `authentication: { overall, identityId }`. Default: none, an onboarding.
   */
  authentication?: { identityId: string }
  /**
   * Where and how to POST the onboarding-status webhook, this time only. Default: the account's
   * webhook (the `webhook` option, or `setWebhook`); without one, no webhook is sent.
   */
  webhook?: FakeWebhookTarget
}

/**
 * The webhook as Incode's dashboard configures it. Give `secretHeader`, `oauth`, both, or
 * neither (an unauthenticated webhook, to test that the host refuses it).
 */
export interface FakeWebhookTarget {
  /** An http(s) URL; anything else is a TypeError. */
  url: string
  /** A static header sent with every delivery, as the dashboard's custom headers are. */
  secretHeader?: { name: string, value: string }
  /**
   * OAuth2 client credentials. Before each delivery (a fresh token every time, none cached), the
   * fake POSTs `grant_type=client_credentials` form-encoded to `tokenUrl` (an http(s) URL) with
   * `Authorization: Basic base64(clientId:clientSecret)`, reads `access_token` from the JSON
   * answer, then sends the webhook with `Authorization: Bearer <access_token>`.
   */
  oauth?: { tokenUrl: string, clientId: string, clientSecret: string }
  /**
   * How many deliveries at most. As Incode's, a delivery succeeds only on a 200 answer with
   * `content-type: application/json`, or a 204; anything else is delivered again. An integer ≥ 1.
   * Default 5, as Incode's.
   */
  attempts?: number
  /**
   * The wait before the first redelivery, in ms; each later wait is 2.5 times the one before, as
   * Incode's (30 s, 75 s, 187.5 s, 468.75 s). An integer ≥ 0. Default 30 000, as Incode's: tests
   * set a few ms.
   */
  retryDelayMs?: number
  /** How long one delivery (token request and webhook together) may take, in ms. An integer ≥ 1. Default 5000. */
  timeoutMs?: number
}

/** One delivery of a webhook, as `completeOnboarding` reports it. */
export interface WebhookDelivery {
  /** 1 for the first delivery, 2 for the redelivery … */
  attempt: number
  /**
   * The webhook's answer status; the token endpoint's when getting the token failed (the
   * webhook was then not sent); 0 when no answer came (network error, timeout, `close()`).
   */
  status: number
  /** The answer's body as text; empty when no answer came. */
  body: string
  /** Why the delivery failed, when it did not end in a 200 JSON answer or a 204. */
  error?: string
}
