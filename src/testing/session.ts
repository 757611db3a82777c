// A session as Incode's `/omni/start` makes one: a Mongo-style id, a short code and a JWT-shaped token.
import { randomBytes, randomInt } from 'node:crypto'
import type { FakeSession } from './types.js'

// Incode's session tokens live 90 days by default; their `exp - iat` says the same.
const SESSION_TOKEN_TTL_SECONDS = 90 * 24 * 60 * 60
const INTERVIEW_CODE_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'

export function createSession (configurationId: string, body: Record<string, unknown>): FakeSession {
  const createdAt = new Date()
  const interviewId = randomBytes(12).toString('hex')
  return {
    interviewId,
    token: createSessionToken(interviewId, createdAt),
    interviewCode: createInterviewCode(),
    configurationId,
    body,
    createdAt
  }
}

/**
 * Shaped like Incode's HS256 tokens (same header and claims) so that code which peeks at the
 * claims works, but signed with random bytes: nobody can, or should, verify it.
 */
function createSessionToken (interviewId: string, issuedAt: Date): string {
  const iat = Math.floor(issuedAt.getTime() / 1000)
  const header = encodeSegment({ alg: 'HS256', typ: 'JWT' })
  const payload = encodeSegment({
    externalUserId: interviewId,
    role: 'ACCESS',
    iat,
    exp: iat + SESSION_TOKEN_TTL_SECONDS
  })
  return `${header}.${payload}.${randomBytes(32).toString('base64url')}`
}

function encodeSegment (value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url')
}

function createInterviewCode (): string {
  let code = ''
  for (let i = 0; i < 6; i++) {
    code += INTERVIEW_CODE_ALPHABET.charAt(randomInt(INTERVIEW_CODE_ALPHABET.length))
  }
  return code
}
