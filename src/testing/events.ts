// The other kinds of webhook Incode posts besides the onboarding status, built as Incode sends
// them, for `sendWebhook`: session events and face log-in (1:1 authentication) results.

export interface SessionEventOptions {
  /** Incode's `event_type`: `SESSION_STARTED`, `SESSION_PROGRESS`, `SESSION_FAILED`, `SESSION_SUCCEEDED`, `SESSION_PENDING_REVIEW`, `IDENTITY_ENROLLED` … */
  eventType: string
  interviewId: string
  clientId?: string
  flowId?: string
  /** Default: now. */
  timestamp?: Date
}

/** A session webhook: `{ event_type, interviewId, clientId, flowId, timestamp }` (ISO 8601). */
export function sessionEvent ({ eventType, interviewId, clientId = 'fake-client', flowId, timestamp = new Date() }: SessionEventOptions): Record<string, unknown> {
  return {
    event_type: eventType,
    interviewId,
    clientId,
    ...(flowId === undefined ? {} : { flowId }),
    timestamp: timestamp.toISOString()
  }
}

export interface FaceAuthenticationResultOptions {
  /** The log-in attempt's id, as the SDK's `renderLogin` reports it. */
  transactionId: string
  /** The identity the face was checked against (Incode's `customerId`). */
  customerId: string
  /** The log-in's own session. */
  interviewId: string
  /** The face matched the identity, live: `faceMatch: true`, `overallStatus: 'PASS'`. */
  verified: boolean
}

/**
 * A face authentication result as Incode posts it: the identity, the match, the liveness, and for
 * a face it did not recognise `error: 'User is not recognized'`, `errorCode: 4015`.
 */
export function faceAuthenticationResult ({ transactionId, customerId, interviewId, verified }: FaceAuthenticationResultOptions): Record<string, unknown> {
  return {
    customerId,
    token: '',
    interviewId,
    interviewToken: '',
    transactionId,
    faceMatch: verified,
    spoofAttempt: false,
    secondFactor: false,
    children: false,
    hasFaceMask: false,
    hasLenses: false,
    spoofConfidence: 0.01,
    recognitionConfidence: { confidence: verified ? 0.99 : 0.12, candidates: verified ? 1 : 0 },
    overallScore: verified ? '98.5' : '12.0',
    overallStatus: verified ? 'PASS' : 'FAIL',
    ...(verified ? {} : { error: 'User is not recognized', errorCode: 4015, errorMessage: 'NA' })
  }
}
