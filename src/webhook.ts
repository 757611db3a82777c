// The webhook routes: Incode reports how each onboarding ended by POSTing to the host, and does not
// sign what it sends. So the credential is checked first, in constant time, before the body is
// looked at; then the body; then the host's onWebhook.
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import rateLimit from '@fastify/rate-limit'
import { TypeBoxValidatorCompiler, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { describeError, sendIncodeError } from './error-handler.js'
import { WebhookBodyTooDeepError, WebhookNotProcessedError, WebhookRateLimitedError, WebhookUnauthorizedError } from './errors.js'
import { formDecoded } from './form-decoded.js'
import type { HostCallbacks } from './host-callback.js'
import { rateLimitSettings } from './rate-limit.js'
import { OAuthError, WebhookAnswer, WebhookBody, WebhookTokenAnswer } from './schemas.js'
import { describeEvent, webhookEvent } from './webhook-events.js'
import type { WebhookSettings } from './webhook-options.js'
import { sameSecret, WebhookTokens } from './webhook-token.js'
import { onboardingOutcome } from './onboarding-outcome.js'
import { WEBHOOK_AUTH, webhookAuth } from './openapi.js'
import type { IncodeClient } from './client.js'

const BODY_LIMIT = 64 * 1024
const TOKEN_BODY_LIMIT = 4 * 1024
const BEARER = /^Bearer ([\x21-\x7e]{1,1024})$/i
const BASIC = /^Basic ([A-Za-z0-9+/=]{1,1024})$/i
const REALM = 'realm="incode-webhook"'
const MAX_BODY_DEPTH = 32
const REFUSAL_WARN_INTERVAL_MS = 60_000

interface WebhookRoutesOptions extends WebhookSettings {
  /** The instance the plugin was registered on: `this` of onWebhook. */
  owner: FastifyInstance
  /** For the finished-onboarding flow: the score, the approval. */
  client: IncodeClient
  callbacks: HostCallbacks
  tags: string[]
}

export async function incodeWebhookRoutes (instance: FastifyInstance, settings: WebhookRoutesOptions): Promise<void> {
  const fastify = instance.withTypeProvider<TypeBoxTypeProvider>()
  const { secretHeader, oauth, onWebhook, owner, client, callbacks } = settings
  const tokens = oauth === undefined ? undefined : new WebhookTokens(oauth)
  const refusals = new RefusalLog()
  const finishOnboarding = onboardingOutcome({ client, owner, callbacks, approve: settings.approve, onOnboardingFinished: settings.onOnboardingFinished })

  // TypeBox checks the body as it is: nothing stripped or coerced, and no body is a 400.
  fastify.setValidatorCompiler(TypeBoxValidatorCompiler)
  fastify.removeAllContentTypeParsers()
  const parseJson = fastify.getDefaultJsonParser('error', 'error')
  fastify.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (request, body, done) => {
    // Incode's events are flat; a body nested deeper is refused before a host's code walks it.
    parseJson(request, body as string, (err, value) => done(err ?? (depthOf(value) > MAX_BODY_DEPTH ? new WebhookBodyTooDeepError() : null), value))
  })
  fastify.setErrorHandler(sendIncodeError)
  if (settings.rateLimit !== false) {
    // Counted after each route's credential check: only callers who hold the credentials (Incode)
    // are counted, so nobody without them can use up Incode's share of an address.
    await fastify.register(rateLimit, rateLimitSettings(settings.rateLimit, fastify.log, callbacks,
      { client, LimitedError: WebhookRateLimitedError, routes: 'the webhook routes', limit: 'webhooks' }))
  }

  /** Incode's credential, checked before anything else: either configured scheme will do. */
  function authenticate (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
    const header = secretHeader === undefined ? undefined : request.headers[secretHeader.name]
    const bearer = tokens === undefined ? null : BEARER.exec(request.headers.authorization ?? '')
    if ((typeof header === 'string' && sameSecret(header, (secretHeader as { value: string }).value)) ||
        (bearer !== null && (tokens as WebhookTokens).verify(bearer[1] as string))) {
      done()
      return
    }
    refusals.log(request, 'Incode webhook refused: missing or wrong credentials')
    if (tokens !== undefined) reply.header('www-authenticate', `Bearer ${REALM}`)
    done(new WebhookUnauthorizedError())
  }

  // The kind of each event read, for the metrics; a call refused before its body was read has none.
  const kinds = new WeakMap<FastifyRequest, string>()
  fastify.post('/webhook', {
    bodyLimit: BODY_LIMIT,
    onRequest: authenticate,
    onResponse: (request, reply, done) => {
      client.metrics.webhookAnswered(kinds.get(request) ?? 'unknown', reply.statusCode)
      done()
    },
    schema: {
      operationId: 'incodeWebhook',
      tags: settings.tags,
      summary: 'Receive an Incode webhook: onboarding status, session events, face authentication results',
      description: 'Called by Incode. Authenticated by the configured header or an OAuth2 bearer token.',
      body: WebhookBody,
      response: { 200: WebhookAnswer },
      // Which credentials it takes, for incodeOpenApi to document as security schemes.
      [WEBHOOK_AUTH]: webhookAuth(secretHeader?.name, tokens !== undefined)
    }
  }, async (request) => {
    const event = webhookEvent(request.body as Record<string, unknown>)
    kinds.set(request, event.kind)
    const described = describeEvent(event)
    request.log.info(described, 'Incode webhook received')
    try {
      if (onWebhook !== undefined) await callbacks.run('onWebhook', (context) => onWebhook.call(owner, event, request, context))
      if (event.kind === 'onboarding-status') await finishOnboarding?.(event, request)
    } catch (cause) {
      request.log.error({ ...described, code: 'FST_INCODE_WEBHOOK_NOT_PROCESSED', cause: describeError(cause) },
        'The webhook could not be processed: Incode will deliver the event again')
      throw new WebhookNotProcessedError({ cause })
    }
    return { success: true as const }
  })

  if (tokens !== undefined) {
    await fastify.register(async function webhookTokenRoute (child) {
      child.removeAllContentTypeParsers()
      child.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: TOKEN_BODY_LIMIT },
        (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))))
      /** The client credentials, from HTTP Basic or the form; a 401 before the limit counts anything. */
      async function authenticateClient (request: FastifyRequest, reply: FastifyReply): Promise<void> {
        const form = (request.body ?? {}) as Record<string, string | undefined>
        const readings = basicCredentials(request.headers.authorization) ?? [{ id: form.client_id, secret: form.client_secret }]
        reply.header('cache-control', 'no-store').header('pragma', 'no-cache')
        // Every reading is compared (`reduce`, not `some`): the time taken does not tell which matched.
        const known = readings.reduce((found, { id, secret }) =>
          (id !== undefined && secret !== undefined && (tokens as WebhookTokens).isClient(id, secret)) || found, false)
        if (!known) {
          refusals.log(request, 'Incode webhook token refused: missing or wrong client credentials')
          await reply.code(401).header('www-authenticate', `Basic ${REALM}`).send({ error: 'invalid_client' })
        }
      }

      child.post('/webhook/token', {
        bodyLimit: TOKEN_BODY_LIMIT,
        preHandler: authenticateClient,
        schema: {
          operationId: 'incodeWebhookToken',
          tags: settings.tags,
          summary: 'OAuth2 token endpoint for Incode\'s webhook calls',
          description: 'Client credentials grant (RFC 6749 §4.4): HTTP Basic, or client_id and client_secret in the form.',
          response: { 200: WebhookTokenAnswer, 400: OAuthError, 401: OAuthError }
        }
      }, async (request, reply) => {
        const form = (request.body ?? {}) as Record<string, string | undefined>
        if (form.grant_type !== 'client_credentials') {
          return await reply.code(400).send({ error: form.grant_type === undefined ? 'invalid_request' : 'unsupported_grant_type' })
        }
        const { token, expiresIn } = tokens.issue()
        return { access_token: token, token_type: 'Bearer' as const, expires_in: expiresIn }
      })
    })
  }
}

/**
 * Refused credentials, logged at `warn` at most once a minute with how many there were since the
 * last such line, the others at `debug`: strangers' junk is not counted by the limit, so it must
 * not flood the log either, while a dashboard set up wrong still shows within a minute.
 */
class RefusalLog {
  #lastWarnAt = -Infinity
  #refused = 0

  log (request: FastifyRequest, message: string): void {
    this.#refused++
    if (Date.now() - this.#lastWarnAt < REFUSAL_WARN_INTERVAL_MS) {
      request.log.debug(message)
      return
    }
    request.log.warn({ refused: this.#refused }, message)
    this.#lastWarnAt = Date.now()
    this.#refused = 0
  }
}

/**
 * The client credentials of `Authorization: Basic base64(id ":" secret)`, in each way they may be
 * written. RFC 6749 §2.3.1 form-encodes the id and the secret before the Basic encoding; Incode,
 * like most clients (the fake too), sends them as they are. A secret with `%` or `+` in it reads
 * differently either way, so both readings are offered, the one as sent first.
 */
function basicCredentials (authorization: string | undefined): Array<{ id: string, secret: string }> | undefined {
  const encoded = BASIC.exec(authorization ?? '')?.[1]
  if (encoded === undefined) return undefined
  const decoded = Buffer.from(encoded, 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon < 0) return undefined
  const sent = { id: decoded.slice(0, colon), secret: decoded.slice(colon + 1) }
  const id = formDecoded(sent.id)
  const secret = formDecoded(sent.secret)
  return id === undefined || secret === undefined || (id === sent.id && secret === sent.secret) ? [sent] : [sent, { id, secret }]
}

/** How deep a parsed JSON value nests (a scalar is 0), walked without recursion. */
function depthOf (value: unknown): number {
  let deepest = 0
  const pending: Array<[unknown, number]> = [[value, 0]]
  while (pending.length > 0) {
    const [next, depth] = pending.pop() as [unknown, number]
    if (typeof next !== 'object' || next === null) continue
    deepest = Math.max(deepest, depth + 1)
    if (deepest > MAX_BODY_DEPTH) break
    for (const child of Object.values(next)) pending.push([child, depth + 1])
  }
  return deepest
}
