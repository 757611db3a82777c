// What a KYC back end asks Incode once an onboarding is finished, as the fake answers it: approve
// the person, read their document's data and images, delete them. API key and admin token, each.
import { isObject } from '../is-object.js'
import { checkAdminToken, checkApiKey, sessionOfQuery } from './account.js'
import type { IncodeAccount } from './account.js'
import type { Exchange } from './exchange.js'
import { fakeImage, IMAGE_KINDS } from './images.js'
import { readJsonBody, sendError, sendJson } from './incode-http.js'
import type { FakeSession } from './types.js'

// The statuses after which Incode approves: the onboarding ended, or a reviewer approved it.
const APPROVABLE_STATUSES = new Set(['ONBOARDING_FINISHED', 'MANUAL_REVIEW_APPROVED'])

/** `POST /omni/process/approve?interviewId=`: the person becomes an identity, one per face. */
export function approveSession (exchange: Exchange, account: IncodeAccount): void {
  const session = adminSessionOf(exchange, account, 'interviewId')
  if (session === undefined) return
  if (session.person === undefined || !APPROVABLE_STATUSES.has(session.onboardingStatus)) {
    sendError(exchange, 400, 'The onboarding is not finished')
    return
  }
  const identity = account.identities.approve(session.person.face)
  sendJson(exchange, 200, {
    success: true,
    uuid: identity.uuid,
    token: identity.customerToken,
    totalScore: session.score.status,
    existingCustomer: identity.approvals > 1
  })
}

/** `GET /omni/get/ocr-data?id=`: what the document says; `{}` before the end, or once the personal data is deleted. */
export function sendOcrData (exchange: Exchange, account: IncodeAccount): void {
  const session = adminSessionOf(exchange, account, 'id')
  if (session !== undefined) sendJson(exchange, 200, personalDataOf(session)?.ocr ?? {})
}

/** `POST /omni/get/images?id=` with `{ images: kinds }`: base64 PNGs of the kinds the session has. */
export function sendImages (exchange: Exchange, account: IncodeAccount): void {
  const session = adminSessionOf(exchange, account, 'id')
  if (session === undefined) return
  const body = readJsonBody(exchange, [])
  if (body === undefined) return
  const { images: kinds } = body
  if (!Array.isArray(kinds) || !kinds.every((kind) => typeof kind === 'string')) {
    sendError(exchange, 400, 'images must be an array of image names')
    return
  }
  const images: Record<string, string> = {}
  if (personalDataOf(session) !== undefined) {
    for (const kind of kinds) {
      if (IMAGE_KINDS.has(kind)) images[kind] = fakeImage(session.interviewId, kind).toString('base64')
    }
  }
  sendJson(exchange, 200, images)
}

/**
 * `DELETE /omni/interviews` with `{ filter: { ids }, config: { deletePiiDataOnly } }`: each
 * session kept is forgotten (every read of it answers as for an unknown one), or, with
 * `deletePiiDataOnly`, loses its OCR data and images. Ids the fake does not keep are passed over.
 */
export function deleteSessions (exchange: Exchange, account: IncodeAccount): void {
  if (!checkApiKey(exchange, account) || !checkAdminToken(exchange, account)) return
  const body = readJsonBody(exchange, [])
  if (body === undefined) return
  const ids = isObject(body.filter) ? body.filter.ids : undefined
  const piiOnly = isObject(body.config) ? body.config.deletePiiDataOnly : undefined
  if (!Array.isArray(ids) || ids.length === 0 || !ids.every((id) => typeof id === 'string')) {
    sendError(exchange, 400, 'filter.ids must be a non-empty array of interview ids')
  } else if (piiOnly !== undefined && typeof piiOnly !== 'boolean') {
    sendError(exchange, 400, 'config.deletePiiDataOnly must be a boolean')
  } else {
    for (const id of ids) {
      const session = account.sessions.get(id)
      if (session === undefined) continue
      if (piiOnly === true) session.personalDataDeleted = true
      else account.sessions.delete(session)
    }
    sendJson(exchange, 200, { success: true })
  }
}

/** The session's person while their personal data is kept. */
function personalDataOf (session: FakeSession): FakeSession['person'] {
  return session.personalDataDeleted ? undefined : session.person
}

/** API key, admin token, then the session `?<name>=` names; undefined after answering 403, 401 or 400. */
function adminSessionOf (exchange: Exchange, account: IncodeAccount, name: string): FakeSession | undefined {
  if (!checkApiKey(exchange, account) || !checkAdminToken(exchange, account)) return undefined
  return sessionOfQuery(exchange, account, name)
}
