// What every route of the plugin does around its Incode calls: await them logging a failure,
// end them when the browser leaves, and put the host's hooks and settings around its own.
import { performance } from 'node:perf_hooks'
import type { FastifyContextConfig, FastifyReply, FastifyRequest, LogLevel, onRequestHookHandler, preHandlerHookHandler } from 'fastify'
import type { IncodeClient } from './client.js'
import { describeError } from './error-handler.js'
import { ClientClosedError, isIncodeCallError, UpstreamRejectedError, type IncodeCallError } from './errors.js'
import { CallAbort } from './transport.js'
import type { IncodeRouteOptions } from './types.js'

/**
 * A route's hooks and settings: the plugin's own checks around the host's `routeOptions` (its
 * onRequest after the plugin's first check, its preHandler before the plugin's last), in fresh
 * arrays for each route, as @fastify/rate-limit appends its hook to them: a request the route
 * refuses anyway is then not counted against the limit.
 */
export function routeHooks (
  routeOptions: IncodeRouteOptions,
  own: { onRequest: onRequestHookHandler, preHandler?: preHandlerHookHandler, config?: FastifyContextConfig }
): { onRequest: onRequestHookHandler[], preHandler: preHandlerHookHandler[], config: FastifyContextConfig, logLevel?: LogLevel } {
  return {
    onRequest: [own.onRequest, routeOptions.onRequest ?? []].flat(),
    preHandler: [routeOptions.preHandler ?? [], own.preHandler ?? []].flat(),
    config: { ...routeOptions.config, ...own.config },
    ...(routeOptions.logLevel === undefined ? {} : { logLevel: routeOptions.logLevel })
  }
}

/** Awaits an Incode call of a route, and logs its failure. */
export type AwaitLoggingFailure = <T>(request: FastifyRequest, call: string, interviewId: string | undefined, sent: Promise<T>) => Promise<T>

/**
 * The routes' way to await an Incode call: a failure is logged with what an operator needs to act
 * (the code, Incode's status, the attempts, the host called, the network error's code, a hint
 * for a refused key or flow id), and nothing secret.
 */
export function failureLogger (client: IncodeClient): AwaitLoggingFailure {
  const host = new URL(client.apiUrl).host
  return async function awaitLoggingFailure (request, call, interviewId, sent) {
    const started = performance.now()
    try {
      return await sent
    } catch (err) {
      if (isIncodeCallError(err)) {
        // Incode refusing the call usually means a wrong key or flow id: an operator must act. A
        // token the caller brought being refused is the caller's doing (a forged one, say).
        const level = isCallerTokenRefused(call, err) ? 'info' : err instanceof UpstreamRejectedError ? 'error' : 'warn'
        const cause = networkCause(err)
        request.log[level]({
          code: err.code,
          upstreamStatus: err.upstreamStatus,
          incodeStatus: err.incodeStatus,
          attempts: err.attempts,
          durationMs: elapsed(started),
          host,
          ...(cause === undefined ? {} : { cause: describeError(cause) }),
          ...(interviewId === undefined ? {} : { interviewId })
        }, `Incode ${call} call failed${hint(call, err)}`)
      }
      throw err
    }
  }
}

/** The error below the call's own: what the connection failed with (ECONNREFUSED, ENOTFOUND, a TLS code …). */
function networkCause (err: IncodeCallError): unknown {
  let cause: unknown = err.cause
  while (isIncodeCallError(cause)) cause = cause.cause
  return cause
}

// The routes' calls that send the API key (the others go with a session token alone). A face
// log-in's first call, finish-status, sends it; its score read, on the /0/ family, does not.
const API_KEY_CALLS = new Set(['start', 'finish-status', 'authentication-verify', 'face-login'])
// The calls the compat routes make with the session token their caller sent.
const CALLER_TOKEN_CALLS = new Set(['finish-status', 'score'])

function isCallerTokenRefused (call: string, err: IncodeCallError): boolean {
  return CALLER_TOKEN_CALLS.has(call) && err instanceof UpstreamRejectedError && err.upstreamStatus === 401
}

/** What a refusal usually means, for the operator reading the line. */
function hint (call: string, err: IncodeCallError): string {
  if (!(err instanceof UpstreamRejectedError)) return ''
  if (isCallerTokenRefused(call, err)) return ': Incode refused the session token the caller sent (401)'
  if (err.upstreamStatus === 403 && API_KEY_CALLS.has(call)) return ': Incode refused the API key (403); check the apiKey option'
  if (err.upstreamStatus === 400 && call === 'start') return ': Incode refused the parameters (400); check the configurationId option (the flow id)'
  return ''
}

/** Fires when the browser goes away before its answer; the transport's cheap signal. */
export function disconnectSignal (reply: FastifyReply): CallAbort {
  const signal = new CallAbort()
  // `on`, not `once`: 'close' comes once, and `once` would wrap the listener per request.
  reply.raw.on('close', () => {
    if (!reply.raw.writableFinished) signal.abort(new ClientClosedError('The client closed the connection'))
  })
  return signal
}

/** Milliseconds since `started`, rounded, for a log line. */
export function elapsed (started: number): number {
  return Math.round(performance.now() - started)
}
