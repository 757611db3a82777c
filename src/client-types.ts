// The public types of the client: its options, what each call takes and what it returns.
import type { Dispatcher } from 'undici'

export interface IncodeClientOptions {
  /** Incode API base, e.g. `https://demo-api.incodesmile.com`; a trailing `/` or `/0` is dropped. */
  apiUrl: string
  /**
   * Incode API key, sent as `x-api-key` on every call off Incode's token-only `/0/` family:
   * `startSession`, `getFinishStatus`, the admin log-in and the admin-token calls. The `/0/`
   * calls (`getOnboardingUrl`, `getScoreForToken`) go with the session token alone, as the
   * browser's own do.
   */
  apiKey: string
  /** Flow id sent as `configurationId` on every `/omni/start`. */
  configurationId: string
  /** Sent as the `clientId` query parameter of onboarding-url calls when set. */
  clientId?: string
  /** One deadline per call, in ms, covering connect, headers, body, retries and backoff. Default 10000. */
  timeout?: number
  /** Extra attempts for failures Incode provably did not process, and for 429/503. Default 2. */
  retries?: number
  /** Caps the open connections of the client's own pool, exactly. Default: no cap, as global `fetch`. */
  connections?: number
  /**
   * How long, in ms, a connection to Incode stays pooled while idle when Incode's answers do not
   * announce a keep-alive timeout (announced ones are honoured). Default 500: below the idle
   * timeout of any load balancer likely to sit in front of Incode, so a pooled connection is never
   * reused just as the other side closes it.
   */
  keepAliveTimeout?: number
  /** Use this undici dispatcher (a proxy agent, a test double) instead of an own pool; it is never closed. */
  dispatcher?: Dispatcher
  /**
   * An Incode admin (executive) token for `getOnboardingStatus`, `getScore` and
   * `verifyFaceAuthentication` (so also the compat routes' `POST /auth`). It lives 24 hours and is
   * not renewed: prefer `adminEmail` and `adminPassword`.
   */
  adminToken?: string
  /** With `adminPassword`: the client logs in (`POST /executive/log-in`) when it first needs an admin token, and renews it. */
  adminEmail?: string
  adminPassword?: string
}

export interface StartSessionParams {
  /** Overrides the configured flow id for this session. */
  configurationId?: string
  /** Your id of the person, at most 256 characters. */
  externalCustomerId?: string
  /** Absolute http(s) URL of printable ASCII, at most 2048 characters once normalised. */
  redirectionUrl?: string
  /** Letters, digits and `-`, at most 16 characters (`en-US`). */
  language?: string
  /** ISO 3166 alpha-2 or alpha-3, or `ALL`. */
  countryCode?: string
  /** At most 50 entries of strings, each key and value at most 1024 characters. */
  customFields?: Record<string, string>
}

/** Incode's whole `/omni/start` answer: `token` and `interviewId`, plus whatever else it sent. */
export interface StartSessionResult {
  token: string
  interviewId: string
  [field: string]: unknown
}

/** Incode's onboarding-status answer: `onboardingStatus`, plus whatever else it sent. */
export interface OnboardingStatusResult {
  /** `ONBOARDING_FINISHED`, `ID_VALIDATION_FINISHED`, `MANUAL_REVIEW_APPROVED`, `EXPIRED`, … */
  onboardingStatus: string
  [field: string]: unknown
}

/** One score of Incode's score object: `value` as Incode sends it (a number as a string), and a status. */
export interface IncodeScoreValue {
  value?: string | number
  /** `OK`, `WARN`, `FAIL`, `UNKNOWN`, `MANUAL`, `MANUAL_OK`, `MANUAL_FAIL`, `MANUAL_PENDING`, … */
  status: string
  [field: string]: unknown
}

/** Incode's score object (`GET /omni/get/score`): `overall`, and the modules' own blocks. */
export interface IncodeScore {
  overall: IncodeScoreValue
  [module: string]: unknown
}

/** Incode's finish-status answer: where the flow sends the person, and what to do. */
export interface FinishStatusResult {
  redirectionUrl: string | null
  action: string
  [field: string]: unknown
}

/** What the Web SDK's face log-in (`renderLogin`) gives the front end, to verify on the back end. */
export interface FaceAuthenticationParams {
  token: string
  transactionId: string
  interviewToken: string
}

/** What `verifyFaceLogin` found. */
export interface FaceLoginResult {
  /** The score names the claimed identity, and its overall status is `OK`. */
  verified: boolean
  /** The identity the score's `authentication` block names, if any. */
  identityId: string | undefined
  score: IncodeScore
}

export interface FaceAuthenticationResult {
  verified: boolean
  [field: string]: unknown
}

/** What `approveSession` returns: the identity the person became. Unknown keys of Incode's answer are kept. */
export interface ApproveSessionResult {
  /** The Incode identity (Incode's `uuid`): the same for every approved session of one person. */
  identityId: string
  /** A long-lived token of that identity (Incode's `token`): a secret, store it as one. */
  customerToken: string
  /** The session's overall score as Incode weighed it (`OK`, `WARN`, `FAIL` …). */
  totalScore?: string
  /** `true` when the person was an identity already (a second approval, or another session of theirs). */
  existingCustomer: boolean
  [field: string]: unknown
}

/** A name as Incode read it off a document. */
export interface IncodeOcrName {
  fullName?: string
  firstName?: string
  givenName?: string
  paternalLastName?: string
  maternalLastName?: string
  [field: string]: unknown
}

/**
 * What Incode read off the person's document (`GET /omni/get/ocr-data`): personal data, never
 * logged by the plugin. The common fields are typed; every other key Incode sends is kept.
 * Dates are milliseconds since the epoch, as Incode sends them.
 */
export interface IncodeOcrData {
  name?: IncodeOcrName
  birthDate?: number
  gender?: string
  documentNumber?: string
  /** The address in one line. */
  address?: string
  addressFields?: { street?: string, colony?: string, postalCode?: string, city?: string, state?: string, country?: string, [field: string]: unknown }
  issueDate?: number
  expireAt?: number
  nationality?: string
  typeOfId?: string
  issuingCountry?: string
  [field: string]: unknown
}

/** The kinds of image Incode keeps for a session, and any other it may name. */
export type IncodeImageKind =
  | 'croppedFace' | 'croppedFrontID' | 'croppedBackID' | 'selfie' | 'document' | 'fullFrameFrontID' | 'fullFrameBackID'
  | (string & Record<never, never>)

/** The images `getImages` returns, decoded from Incode's base64, by kind; a kind Incode has none of is absent. */
export type IncodeImages = Partial<Record<IncodeImageKind, Buffer>>

export interface DeleteSessionsOptions extends CallOptions {
  /** Erase the personal data only (OCR data, images), keeping the sessions and their scores. Default `false`: everything. */
  piiOnly?: boolean
}

export interface CallOptions {
  /**
   * Cancels the call while its request has not been written. Once written, the request of every
   * call but `startSession` is aborted; a `startSession` request is left to finish (see
   * `onLateSession`). The promise rejects with the signal's reason either way, as `fetch` does.
   */
  signal?: AbortSignal
}

export interface StartSessionOptions extends CallOptions {
  /**
   * Receives a session Incode created after the call had already failed with its deadline
   * (`FST_INCODE_UPSTREAM_TIMEOUT`) or been aborted by `signal`: the request had been written, so
   * Incode may still create (and bill) the session. Awaited by `close()`.
   */
  onLateSession?: (session: StartSessionResult) => unknown
}
