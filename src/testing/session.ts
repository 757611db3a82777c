// A session as Incode's `/omni/start` makes one: a Mongo-style id, a short code and a JWT-shaped token.
import { randomBytes, randomInt } from 'node:crypto'
import { createJwtShapedToken } from './tokens.js'
import type { FakeSession, FakeStartRequestBody } from './types.js'

// Incode's session tokens live 90 days by default; their `exp - iat` says the same.
const SESSION_TOKEN_TTL_SECONDS = 90 * 24 * 60 * 60
const INTERVIEW_CODE_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'

export function createSession (configurationId: string, body: FakeStartRequestBody): FakeSession {
  const createdAt = new Date()
  const interviewId = randomBytes(12).toString('hex')
  return {
    interviewId,
    token: createJwtShapedToken({ externalUserId: interviewId, role: 'ACCESS' }, createdAt, SESSION_TOKEN_TTL_SECONDS),
    interviewCode: createInterviewCode(),
    configurationId,
    body,
    createdAt,
    onboardingStatus: 'UNKNOWN',
    score: { status: 'UNKNOWN', value: '0.0' },
    finishedByUserAt: undefined,
    person: undefined,
    authentication: undefined,
    personalDataDeleted: false
  }
}

function createInterviewCode (): string {
  let code = ''
  for (let i = 0; i < 6; i++) {
    code += INTERVIEW_CODE_ALPHABET.charAt(randomInt(INTERVIEW_CODE_ALPHABET.length))
  }
  return code
}
