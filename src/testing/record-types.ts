// The public types of what the fake records: the requests it received, the sessions it started.
import type { IncomingHttpHeaders } from 'node:http'
import type { FakeOcrData, FakeScore } from './onboarding-types.js'

/**
 * One request as the fake received it. `Body` is what the endpoint takes (`requestsTo` picks it
 * by path, see `FakeIncodeRequestBody`); `requests`, which mixes every endpoint, has `unknown`.
 */
export interface RecordedRequest<Body = unknown> {
  method: string
  /** The pathname only; the query string is in `query`. */
  path: string
  query: Record<string, string>
  headers: IncomingHttpHeaders
  /**
   * The parsed JSON body. Typed as what the endpoint takes, since that is what a client sends; a
   * body that was not JSON (which the fake answers with a 400) is kept as its text all the same,
   * and an empty one (or one over the 1 MiB cap) as undefined.
   */
  body: Body
  receivedAt: Date
}

/** The JSON body of `POST /omni/start`, as a client sends it; keys the fake does not know are kept. */
export interface FakeStartRequestBody {
  configurationId?: string
  externalCustomerId?: string
  redirectionUrl?: string
  language?: string
  countryCode?: string
  customFields?: Record<string, string>
  [key: string]: unknown
}

/** The body `requestsTo(path)` types its requests with: each endpoint's JSON body, none for a GET. */
export interface FakeIncodeRequestBodies {
  '/omni/start': FakeStartRequestBody
  '/executive/log-in': { email?: string, password?: string, [key: string]: unknown }
  '/omni/authentication/verify': { transactionId?: string, token?: string, interviewToken?: string, [key: string]: unknown }
  '/0/omni/onboarding-url': undefined
  '/omni/get/onboarding/status': undefined
  '/omni/get/score': undefined
  '/0/omni/get/score': undefined
  '/omni/finish-status': undefined
  '/omni/process/approve': Record<string, unknown>
  '/omni/get/ocr-data': undefined
  '/omni/get/images': { images?: string[], [key: string]: unknown }
  '/omni/interviews': {
    filter?: { ids?: string[], [key: string]: unknown }
    config?: { deletePiiDataOnly?: boolean, [key: string]: unknown }
    [key: string]: unknown
  }
}

/** A session the fake started on `POST /omni/start`. */
export interface FakeSession {
  /** 24 lowercase hex characters, like Incode's Mongo-style ids. */
  interviewId: string
  /**
   * JWT-shaped session token: sent as `X-Incode-Hardware-Id` by the `/0/...` calls, by
   * `/omni/finish-status` and (instead of an admin token) by `/omni/get/score`; sent as
   * `token` in the body of `/omni/authentication/verify`.
   */
  token: string
  /** 6 uppercase letters or digits. */
  interviewCode: string
  configurationId: string
  /** The `/omni/start` body as received. */
  body: FakeStartRequestBody
  createdAt: Date
  /** What `GET /omni/get/onboarding/status` answers: `'UNKNOWN'` until `completeOnboarding` or the onboarding page sets it. */
  onboardingStatus: string
  /** The overall score: `{ status: 'UNKNOWN', value: '0.0' }` until `completeOnboarding` or the onboarding page sets it. */
  score: FakeScore
  /**
   * When `GET /omni/finish-status` was first called with this session's token (the user
   * finished; Incode's scores are final from then on), undefined until then.
   */
  finishedByUserAt: Date | undefined
  /**
   * Who finished the onboarding, set with its status and score: the face that decides their
   * identity, and what `GET /omni/get/ocr-data` reads off their document (`{}` once their
   * personal data was deleted). Undefined until the onboarding is finished.
   */
  person: { face: string, ocr: FakeOcrData } | undefined
  /** The identity a face log-in matched, reported in the score's `authentication` block; undefined for an onboarding. */
  authentication: { identityId: string } | undefined
  /** `DELETE /omni/interviews` with `deletePiiDataOnly` erased its personal data: no OCR data, no images. */
  personalDataDeleted: boolean
}
