/** Each Incode call failure as a browser sees it: status, code, Fastify's error name, the fixed message. */
export const UPSTREAM_ERRORS = {
  rejected: [502, 'FST_INCODE_UPSTREAM_REJECTED', 'Bad Gateway', 'The identity verification service rejected the request'],
  upstream: [502, 'FST_INCODE_UPSTREAM_ERROR', 'Bad Gateway', 'The identity verification service failed to answer'],
  bad: [502, 'FST_INCODE_UPSTREAM_BAD_RESPONSE', 'Bad Gateway', 'The identity verification service sent an unusable answer'],
  unreachable: [503, 'FST_INCODE_UPSTREAM_UNREACHABLE', 'Service Unavailable', 'The identity verification service could not be reached'],
  timeout: [504, 'FST_INCODE_UPSTREAM_TIMEOUT', 'Gateway Timeout', 'The identity verification service did not answer in time']
} as const

export type UpstreamFailure = keyof typeof UPSTREAM_ERRORS
