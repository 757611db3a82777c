// What the client asks Incode with the admin token: how an onboarding stands (its status, its
// score), a face log-in's check, and once an onboarding is finished what a KYC back end does:
// approve the person, read the verified data and images, erase them. Each call's request and how
// its answer is read, kept apart from the client so that it stays one list of endpoints. The answers
// carry personal data and a long-lived customer token: none of it is ever logged here, and a
// failure's error carries only Incode's status.
import { InvalidParamsError } from './errors.js'
import { checkFaceAuthentication, checkInterviewId } from './call-params.js'
import { isMatch, readScore, TOKEN } from './incode-shapes.js'
import { isObject } from './is-object.js'
import type {
  ApproveSessionResult,
  FaceAuthenticationParams,
  FaceAuthenticationResult,
  IncodeImages,
  IncodeOcrData,
  IncodeScore,
  OnboardingStatusResult
} from './types.js'

/** One call made with the admin token: its request (less the headers), how its answer is read, whether it may be sent again. */
export interface AdminCall<T> {
  /** What the call is, as its metrics name it. */
  name: string
  method: 'GET' | 'POST' | 'DELETE'
  path: string
  body?: unknown
  readResult: (answer: unknown) => T | undefined
  /** Creates nothing and changes nothing that a second one would change again. */
  idempotent: boolean
}

const IMAGE_KIND = /^[A-Za-z][A-Za-z0-9]{0,39}$/
const MAX_IMAGE_KINDS = 20
const MAX_DELETED_AT_ONCE = 1000

/** `GET /omni/get/onboarding/status?id=`: a read, retried after a reset or a 5xx too, as it creates nothing. */
export function onboardingStatusCall (interviewId: string): AdminCall<OnboardingStatusResult> {
  return {
    name: 'onboarding-status',
    method: 'GET',
    path: `/omni/get/onboarding/status?id=${encodeURIComponent(checkInterviewId(interviewId))}`,
    readResult: (answer) => isObject(answer) && typeof answer.onboardingStatus === 'string' ? answer as OnboardingStatusResult : undefined,
    idempotent: true
  }
}

/** `GET /omni/get/score?id=`: a read, as above. */
export function scoreCall (interviewId: string): AdminCall<IncodeScore> {
  return {
    name: 'score',
    method: 'GET',
    path: `/omni/get/score?id=${encodeURIComponent(checkInterviewId(interviewId))}`,
    readResult: readScore,
    idempotent: true
  }
}

/** `POST /omni/authentication/verify`: not sent again once Incode may have seen it, as a face log-in's transaction is checked once. */
export function faceAuthenticationCall (params: FaceAuthenticationParams): AdminCall<FaceAuthenticationResult> {
  return {
    name: 'authentication-verify',
    method: 'POST',
    path: '/omni/authentication/verify',
    body: checkFaceAuthentication(params),
    readResult: (answer) => isObject(answer) && typeof answer.verified === 'boolean' ? answer as FaceAuthenticationResult : undefined,
    idempotent: false
  }
}

/** `POST /omni/process/approve?interviewId=`: the person becomes an identity. Never sent again once Incode may have seen it. */
export function approveCall (interviewId: string): AdminCall<ApproveSessionResult> {
  return {
    name: 'approve',
    method: 'POST',
    path: `/omni/process/approve?interviewId=${encodeURIComponent(checkInterviewId(interviewId))}`,
    body: {},
    readResult: readApproval,
    idempotent: false
  }
}

/** `GET /omni/get/ocr-data?id=`: what Incode read off the person's document. */
export function ocrDataCall (interviewId: string): AdminCall<IncodeOcrData> {
  return {
    name: 'ocr-data',
    method: 'GET',
    path: `/omni/get/ocr-data?id=${encodeURIComponent(checkInterviewId(interviewId))}`,
    readResult: (answer) => isObject(answer) ? answer as IncodeOcrData : undefined,
    idempotent: true
  }
}

/** `POST /omni/get/images?id=` with `{ images: kinds }`: the images Incode keeps, as bytes. A read, though a POST. */
export function imagesCall (interviewId: string, kinds: unknown): AdminCall<IncodeImages> {
  return {
    name: 'images',
    method: 'POST',
    path: `/omni/get/images?id=${encodeURIComponent(checkInterviewId(interviewId))}`,
    body: { images: checkImageKinds(kinds) },
    readResult: readImages,
    idempotent: true
  }
}

/**
 * `DELETE /omni/interviews`: the sessions' data erased, or only their personal data. Sent again
 * after a failure: deleting twice deletes nothing more.
 */
export function deleteSessionsCall (interviewIds: unknown, piiOnly: unknown): AdminCall<true> {
  if (!Array.isArray(interviewIds) || interviewIds.length === 0 || interviewIds.length > MAX_DELETED_AT_ONCE) {
    throw new InvalidParamsError('interviewIds', `must be an array of 1 to ${MAX_DELETED_AT_ONCE} interviewIds`)
  }
  if (piiOnly !== undefined && typeof piiOnly !== 'boolean') throw new InvalidParamsError('piiOnly', 'must be a boolean')
  return {
    name: 'delete-sessions',
    method: 'DELETE',
    path: '/omni/interviews',
    body: { filter: { ids: interviewIds.map((id: unknown) => checkInterviewId(id)) }, config: { deletePiiDataOnly: piiOnly === true } },
    readResult: (answer) => isObject(answer) && answer.success !== false ? true : undefined,
    idempotent: true
  }
}

/** Incode's `uuid` and `token` under the names they have here; every other key kept. */
function readApproval (answer: unknown): ApproveSessionResult | undefined {
  if (!isObject(answer) || answer.success === false || !isMatch(TOKEN, answer.uuid) || !isMatch(TOKEN, answer.token)) return undefined
  const { uuid, token, ...rest } = answer
  return { ...rest, identityId: uuid, customerToken: token, existingCustomer: answer.existingCustomer === true }
}

/** Each image Incode sent as base64, decoded; anything else in the answer is left out. */
function readImages (answer: unknown): IncodeImages | undefined {
  if (!isObject(answer)) return undefined
  const images: IncodeImages = {}
  for (const [kind, value] of Object.entries(answer)) {
    if (typeof value === 'string' && value !== '') images[kind] = Buffer.from(value, 'base64')
  }
  return images
}

function checkImageKinds (kinds: unknown): string[] {
  if (!Array.isArray(kinds) || kinds.length === 0 || kinds.length > MAX_IMAGE_KINDS ||
      !kinds.every((kind) => isMatch(IMAGE_KIND, kind))) {
    throw new InvalidParamsError('kinds', `must be an array of 1 to ${MAX_IMAGE_KINDS} image kinds such as "croppedFace"`)
  }
  return kinds as string[]
}
