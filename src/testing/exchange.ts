// One request and the response owed to it: the body read (up to 1 MiB), its record, the plain ways to answer.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { RecordedRequest } from './types.js'

/** One request and the response the fake owes it. */
export interface Exchange {
  req: IncomingMessage
  res: ServerResponse
  recorded: RecordedRequest
}

export const JSON_TYPE = 'application/json'
export const TOO_LARGE = Symbol('body over the cap')

const MAX_BODY_BYTES = 1024 * 1024

/** Collects the whole body, up to the cap; rejects when the client leaves before the end. */
export function readBody (req: IncomingMessage): Promise<Buffer | typeof TOO_LARGE> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_BODY_BYTES) {
        req.removeAllListeners('data')
        req.pause()
        resolve(TOO_LARGE)
      } else {
        chunks.push(chunk)
      }
    })
    req.once('end', () => resolve(Buffer.concat(chunks)))
    // After 'end' or the cap this is a no-op: a promise settles once.
    req.once('close', () => reject(new Error('request closed before its body arrived')))
  })
}

export function record (req: IncomingMessage, raw: Buffer | typeof TOO_LARGE, receivedAt: Date, base: string): RecordedRequest {
  // The server always sets method and url on the requests it emits.
  const url = new URL(req.url as string, base)
  return {
    method: req.method as string,
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers: req.headers,
    body: raw === TOO_LARGE ? undefined : parseBody(raw),
    receivedAt
  }
}

function parseBody (raw: Buffer): unknown {
  if (raw.length === 0) return undefined
  const text = raw.toString('utf8')
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/** Runs `fn` after `ms`, unless the response closes first (client gone, or `close()`). */
export function after (res: ServerResponse, ms: number, fn: () => void): void {
  if (ms <= 0) {
    fn()
    return
  }
  const timer = setTimeout(fn, ms)
  res.once('close', () => clearTimeout(timer))
}

export function send (res: ServerResponse, status: number, headers: Record<string, string>, payload: string): void {
  res.statusCode = status
  // setHeader is case-insensitive, so a fault's 'Content-Type' replaces the default one.
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value)
  res.end(payload)
}
