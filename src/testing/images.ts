// The images Incode keeps of a session, as the fake makes them: a 1×1 PNG per kind and session,
// its colour drawn from both, so that a test can tell them apart.
import { createHash } from 'node:crypto'
import { crc32, deflateSync } from 'node:zlib'

/** The kinds of image a finished session has. */
export const IMAGE_KINDS: ReadonlySet<string> = new Set([
  'croppedFace', 'croppedFrontID', 'croppedBackID', 'selfie', 'document', 'fullFrameFrontID', 'fullFrameBackID'
])

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

/** A valid 1×1 RGB PNG whose one pixel's colour comes from the session and the kind. */
export function fakeImage (interviewId: string, kind: string): Buffer {
  const [red, green, blue] = createHash('sha256').update(`${interviewId}/${kind}`).digest()
  // Width 1, height 1, 8 bits per channel, colour type 2 (RGB), no interlace.
  const header = Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0])
  // One scanline: filter byte 0, then the pixel.
  const pixels = deflateSync(Buffer.from([0, red as number, green as number, blue as number]))
  return Buffer.concat([PNG_SIGNATURE, chunk('IHDR', header), chunk('IDAT', pixels), chunk('IEND', Buffer.alloc(0))])
}

function chunk (type: string, data: Buffer): Buffer {
  const typed = Buffer.concat([Buffer.from(type, 'latin1'), data])
  const length = Buffer.alloc(4)
  length.writeUInt32BE(data.length)
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(typed))
  return Buffer.concat([length, typed, crc])
}
