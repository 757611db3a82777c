// How Incode speaks HTTP: the JSON bodies it takes, JSON answers with Processing-Time, errors in its shape.
import { STATUS_CODES } from 'node:http'
import { isObject } from '../is-object.js'
import { JSON_TYPE, send } from './exchange.js'
import type { Exchange } from './exchange.js'

/**
 * The body, when it is a JSON object sent as such whose `keys` all hold non-empty strings;
 * undefined after answering 400 with the first problem found.
 */
export function readJsonBody<Key extends string> (exchange: Exchange, keys: readonly Key[]): (Record<string, unknown> & Record<Key, string>) | undefined {
  const { headers, body } = exchange.recorded
  const problem = findJsonObjectProblem(headers['content-type'], body) ?? findMissingString(body as Record<string, unknown>, keys)
  if (problem === undefined) return body as Record<string, unknown> & Record<Key, string>
  sendError(exchange, 400, problem)
  return undefined
}

function findJsonObjectProblem (contentType: string | undefined, body: unknown): string | undefined {
  if (!/^application\/json\s*(;|$)/i.test(contentType ?? '')) return 'Content-Type must be application/json'
  if (!isObject(body)) return 'The body must be a JSON object'
  return undefined
}

function findMissingString (body: Record<string, unknown>, keys: readonly string[]): string | undefined {
  const missing = keys.find((key) => typeof body[key] !== 'string' || body[key] === '')
  return missing === undefined ? undefined : `${missing} is required`
}

/** Incode's error shape: `{ timestamp, status, error, message, path }`. */
export function sendError (exchange: Exchange, status: number, message: string, headers: Record<string, string> = {}): void {
  sendJson(exchange, status, {
    timestamp: Date.now(),
    status,
    error: STATUS_CODES[status],
    message,
    path: exchange.recorded.path
  }, headers)
}

export function sendJson (exchange: Exchange, status: number, body: unknown, headers: Record<string, string> = {}): void {
  sendAnswer(exchange, status, JSON_TYPE, JSON.stringify(body), headers)
}

/** A normal answer: carries `Processing-Time` as Incode's do. */
export function sendAnswer (exchange: Exchange, status: number, contentType: string, payload: string, headers: Record<string, string> = {}): void {
  send(exchange.res, status, {
    'content-type': contentType,
    'processing-time': String(Date.now() - exchange.recorded.receivedAt.getTime()),
    ...headers
  }, payload)
}
