// The uniqueId of Incode's "continue on your phone": a UUID v7, so it carries the time it was
// issued (its first 48 bits, in ms) and an old one can be refused with nothing stored. Whoever
// holds a uniqueId resumes the session, token and all: a bearer credential that must expire.
import { randomBytes } from 'node:crypto'

/** A fresh UUID v7: the time now, then 74 random bits. */
export function newResumeId (now = Date.now()): string {
  const bytes = randomBytes(16)
  bytes.writeUIntBE(now, 0, 6)
  bytes[6] = 0x70 | ((bytes[6] as number) & 0x0f)
  bytes[8] = 0x80 | ((bytes[8] as number) & 0x3f)
  const hex = bytes.toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

/** When a UUID v7 was issued: its first 48 bits. */
export function resumeIdIssuedAt (uniqueId: string): Date {
  return new Date(Number.parseInt(uniqueId.slice(0, 8) + uniqueId.slice(9, 13), 16))
}
