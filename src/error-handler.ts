// How the plugin's routes answer errors: their own in Fastify's shape with a fixed message, logged
// without the host's data; anything else goes on to the host's error handler.
import { STATUS_CODES } from 'node:http'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { ClientClosedError, HookTimeoutError, InvalidParamsError, isIncodeCallError, isOwnError } from './errors.js'

/** Answers the plugin's own errors in Fastify's shape; anything else goes to the host's handler. */
export function sendIncodeError (error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error instanceof ClientClosedError) {
    // Nobody is left to read an answer; one is still sent so that Fastify ends the request (499 is
    // nginx's "client closed request").
    request.log.info('The client closed the connection before its answer')
    return reply.code(499).send()
  }
  if (typeof error.code !== 'string' || !error.code.startsWith('FST_INCODE_') || error.statusCode === undefined) throw error
  // The host's own code misbehaved: its operator must hear of it, in words that carry no data.
  if (error instanceof HookTimeoutError) {
    request.log.error({ code: error.code, hook: (error as { hook?: string }).hook }, 'A host callback did not settle within hookTimeout')
  } else if (error instanceof InvalidParamsError) {
    request.log.error({ code: error.code, cause: describeError(error) }, error.message)
  }
  return reply.code(error.statusCode).send({
    statusCode: error.statusCode,
    code: error.code,
    error: STATUS_CODES[error.statusCode],
    message: error.message
  })
}

/**
 * What identifies an error in a log line: its name and code, and the message only when it is one
 * of the plugin's own fixed sentences (the host's may carry its data, a token say).
 */
export function describeError (error: unknown): ErrorDescription {
  if (typeof error !== 'object' || error === null) return {}
  const { name, code } = error as { name?: unknown, code?: unknown }
  const description: ErrorDescription = {
    ...(typeof name === 'string' ? { name } : {}),
    ...(typeof code === 'string' ? { code } : {})
  }
  if (isOwnError(error)) description.message = error.message
  // A failed call inside the host's callback (a getScore in onWebhook, say): what Incode answered.
  if (isIncodeCallError(error)) {
    description.attempts = error.attempts
    if (error.upstreamStatus !== undefined) description.upstreamStatus = error.upstreamStatus
  }
  return description
}

interface ErrorDescription {
  name?: string
  code?: string
  message?: string
  attempts?: number
  upstreamStatus?: number
}
