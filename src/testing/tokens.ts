// Tokens shaped like Incode's HS256 JWTs, so code that peeks at the claims works, signed with random bytes.
import { randomBytes } from 'node:crypto'

const HEADER = encodeSegment({ alg: 'HS256', typ: 'JWT' })

/** `header.claims.signature`, with `iat` and `exp` (seconds) added to `claims`; nobody can, or should, verify it. */
export function createJwtShapedToken (claims: Record<string, string>, issuedAt: Date, ttlSeconds: number): string {
  const iat = Math.floor(issuedAt.getTime() / 1000)
  const payload = encodeSegment({ ...claims, iat, exp: iat + ttlSeconds })
  return `${HEADER}.${payload}.${randomBytes(32).toString('base64url')}`
}

function encodeSegment (value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url')
}
