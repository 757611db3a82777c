// The webhook routes: Incode reports how each onboarding ended by POSTing to the host, and does not
// sign what it sends. So the credential is checked first, in constant time, before the body is
// looked at; then the body; then the host's onWebhook.
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import rateLimit from '@fastify/rate-limit'
import { TypeBoxValidatorCompiler, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { describeError, sendIncodeError } from './error-handler.js'
import { WebhookNotProcessedError, WebhookRateLimitedError, WebhookUnauthorizedError } from './errors.js'
import { hostCallbacksOf } from './host-callback.js'
import type { WebhookSettings } from './options.js'
import { rateLimitSettings } from './rate-limit.js'
import { OAuthError, WebhookAnswer, WebhookBody, WebhookTokenAnswer } from './schemas.js'
import type { IncodeWebhookEvent } from './types.js'
import { sameSecret, WebhookTokens } from './webhook-token.js'

const BODY_LIMIT = 64 * 1024
const TOKEN_BODY_LIMIT = 4 * 1024
const BEARER = /^Bearer ([\x21-\x7e]{1,1024})$/i
const BASIC = /^Basic ([A-Za-z0-9+/=]{1,1024})$/i
const REALM = 'realm="incode-webhook"'

export interface WebhookRoutesOptions extends WebhookSettings {
  /** The instance the plugin was registered on: `this` of onWebhook. */
  owner: FastifyInstance
  hookTimeout: number
  tags: string[]
}

export async function incodeWebhookRoutes (instance: FastifyInstance, settings: WebhookRoutesOptions): Promise<void> {
  const fastify = instance.withTypeProvider<TypeBoxTypeProvider>()
  const { secretHeader, oauth, onWebhook, owner } = settings
  const tokens = oauth === undefined ? undefined : new WebhookTokens(oauth)
  const callbacks = hostCallbacksOf(fastify, settings.hookTimeout)

  // TypeBox checks the body as it is: nothing stripped or coerced, and no body is a 400.
  fastify.setValidatorCompiler(TypeBoxValidatorCompiler)
  fastify.removeAllContentTypeParsers()
  fastify.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: BODY_LIMIT },
    fastify.getDefaultJsonParser('error', 'error'))
  fastify.setErrorHandler(sendIncodeError)
  if (settings.rateLimit !== false) {
    await fastify.register(rateLimit, rateLimitSettings(settings.rateLimit, fastify.log, callbacks,
      { hook: 'onRequest', LimitedError: WebhookRateLimitedError }))
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
    request.log.warn('Incode webhook refused: missing or wrong credentials')
    if (tokens !== undefined) reply.header('www-authenticate', `Bearer ${REALM}`)
    done(new WebhookUnauthorizedError())
  }

  fastify.post('/webhook', {
    bodyLimit: BODY_LIMIT,
    onRequest: authenticate,
    schema: {
      operationId: 'incodeWebhook',
      tags: settings.tags,
      summary: 'Receive an Incode onboarding-status webhook',
      description: 'Called by Incode. Authenticated by the configured header or an OAuth2 bearer token.',
      body: WebhookBody,
      response: { 200: WebhookAnswer }
    }
  }, async (request) => {
    const body = request.body
    const { interviewId, onboardingStatus } = body
    const event: IncodeWebhookEvent = { ...body, dedupeKey: `${interviewId}:${onboardingStatus}` }
    request.log.info({ interviewId, onboardingStatus }, 'Incode webhook received')
    try {
      await callbacks.run('onWebhook', (context) => onWebhook.call(owner, event, request, context))
    } catch (cause) {
      request.log.error({ interviewId, onboardingStatus, code: 'FST_INCODE_WEBHOOK_NOT_PROCESSED', cause: describeError(cause) },
        'onWebhook failed: Incode will deliver the event again')
      throw new WebhookNotProcessedError({ cause })
    }
    return { success: true as const }
  })

  if (tokens !== undefined) {
    await fastify.register(async function webhookTokenRoute (child) {
      child.removeAllContentTypeParsers()
      child.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: TOKEN_BODY_LIMIT },
        (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))))
      child.post('/webhook/token', {
        bodyLimit: TOKEN_BODY_LIMIT,
        schema: {
          operationId: 'incodeWebhookToken',
          tags: settings.tags,
          summary: 'OAuth2 token endpoint for Incode\'s webhook calls',
          description: 'Client credentials grant (RFC 6749 §4.4): HTTP Basic, or client_id and client_secret in the form.',
          response: { 200: WebhookTokenAnswer, 400: OAuthError, 401: OAuthError }
        }
      }, async (request, reply) => {
        const form = (request.body ?? {}) as Record<string, string | undefined>
        const client = basicCredentials(request.headers.authorization) ?? { id: form.client_id, secret: form.client_secret }
        reply.header('cache-control', 'no-store').header('pragma', 'no-cache')
        if (client.id === undefined || client.secret === undefined || !tokens.isClient(client.id, client.secret)) {
          request.log.warn('Incode webhook token refused: missing or wrong client credentials')
          return await reply.code(401).header('www-authenticate', `Basic ${REALM}`).send({ error: 'invalid_client' })
        }
        if (form.grant_type !== 'client_credentials') {
          return await reply.code(400).send({ error: form.grant_type === undefined ? 'invalid_request' : 'unsupported_grant_type' })
        }
        const { token, expiresIn } = tokens.issue()
        return { access_token: token, token_type: 'Bearer' as const, expires_in: expiresIn }
      })
    })
  }
}

/** `Authorization: Basic base64(urlencoded id ":" urlencoded secret)`, as RFC 6749 §2.3.1 has it. */
function basicCredentials (authorization: string | undefined): { id: string, secret: string } | undefined {
  const encoded = BASIC.exec(authorization ?? '')?.[1]
  if (encoded === undefined) return undefined
  const decoded = Buffer.from(encoded, 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon < 0) return undefined
  try {
    return { id: decodeURIComponent(decoded.slice(0, colon)), secret: decodeURIComponent(decoded.slice(colon + 1)) }
  } catch {
    return undefined
  }
}
