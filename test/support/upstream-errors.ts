import type { Test } from 'tap'
import type { FakeIncodeFault } from '../../src/testing/index.js'
import type { Host } from './host.js'

/** Each Incode call failure as a browser sees it: status, code, Fastify's error name, the fixed message. */
export const UPSTREAM_ERRORS = {
  rejected: [502, 'FST_INCODE_UPSTREAM_REJECTED', 'Bad Gateway', 'The identity verification service rejected the request'],
  upstream: [502, 'FST_INCODE_UPSTREAM_ERROR', 'Bad Gateway', 'The identity verification service failed to answer'],
  bad: [502, 'FST_INCODE_UPSTREAM_BAD_RESPONSE', 'Bad Gateway', 'The identity verification service sent an unusable answer'],
  unreachable: [503, 'FST_INCODE_UPSTREAM_UNREACHABLE', 'Service Unavailable', 'The identity verification service could not be reached'],
  timeout: [504, 'FST_INCODE_UPSTREAM_TIMEOUT', 'Gateway Timeout', 'The identity verification service did not answer in time']
} as const

export type UpstreamFailure = keyof typeof UPSTREAM_ERRORS

/** The text of the error bodies `incodeError` has Incode send: it must reach no answer and no log line. */
export const INCODE_TEXT = 'IncodeInternalText-7f3a'

/** An error answer as Incode writes one, its message carrying INCODE_TEXT. */
export const incodeError = (status: number): FakeIncodeFault => ({
  type: 'status',
  status,
  body: { timestamp: 1, status, error: 'Error', message: `${INCODE_TEXT}: something broke`, path: '/omni/start' }
})

/** Asserts a route's answer to a failed Incode call: its status, Fastify's shape with the fixed message, nothing of Incode's. */
export function assertFailureAnswer (
  t: Test, host: Host, res: { statusCode: number, body: string, json: () => unknown }, failure: UpstreamFailure
): void {
  const [status, code, error, message] = UPSTREAM_ERRORS[failure]
  t.equal(res.statusCode, status, 'status')
  t.same(res.json(), { statusCode: status, code, error, message }, 'Fastify\'s shape with the fixed message')
  const leaks = [host.fake.apiKey, host.fake.url, INCODE_TEXT, 'something broke',
    ...[...host.fake.sessions.values()].map((session) => session.token)]
  t.same(leaks.filter((secret) => res.body.includes(secret)), [], 'no key, token, Incode URL or Incode text in the answer')
}
