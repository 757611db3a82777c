// What @fastify/swagger cannot learn from the plugin's route schemas, added to the document it
// builds. Give this to @fastify/swagger's `transformObject`:
// - the session routes take an optional body ("no body" means "no options"), while
//   @fastify/swagger marks every body it documents as required;
// - the webhook's credentials: a route schema can name security schemes, but @fastify/swagger
//   fails when a scheme is not in the host's `openapi.components`, so the webhook route only
//   notes which credentials it takes (an `x-` extension) and the schemes are added here;
// - the token route's form, which the route reads itself so that its errors are OAuth2's.
import { WebhookTokenForm } from './schemas.js'

/** The operations whose body is optional. */
const OPTIONAL_BODIES = new Set(['incodeStartSession', 'incodeStartOnboardingUrl'])

/** Where the webhook route notes its credentials for `incodeOpenApi`; removed from the document. */
export const WEBHOOK_AUTH = 'x-incode-webhook-auth'

/** The credentials the webhook route takes, by the header's name and whether OAuth2 is on. */
interface WebhookAuth { secretHeader?: string, oauth?: true }

const SECRET_SCHEME = 'incodeWebhookSecret'
const OAUTH_SCHEME = 'incodeWebhookOAuth'
const BASIC_SCHEME = 'incodeWebhookTokenBasic'

type SecurityRequirement = Record<string, string[]>
interface Operation {
  operationId?: unknown
  requestBody?: { required?: boolean, content?: Record<string, { schema: unknown }> }
  security?: SecurityRequirement[]
  [WEBHOOK_AUTH]?: WebhookAuth
}
interface OpenApiDocument {
  paths?: Record<string, Record<string, Operation>>
  components?: { securitySchemes?: Record<string, unknown> }
}

/** The note the webhook route carries: the header's name (not its value), and OAuth2 if on. */
export function webhookAuth (secretHeader: string | undefined, oauth: boolean): WebhookAuth {
  return { ...(secretHeader === undefined ? {} : { secretHeader }), ...(oauth ? { oauth: true } : {}) }
}

/**
 * Completes an OpenAPI 3 document of the plugin's routes, in place: the optional bodies shown as
 * optional; the webhook's security schemes, added to `components.securitySchemes` next to the
 * host's (a scheme of the host's with the same name is kept), and named on the webhook routes.
 */
export function incodeOpenApi<Document extends object> (document: Document): Document {
  const openapi = document as OpenApiDocument
  const schemes: Record<string, unknown> = {}
  for (const [path, item] of Object.entries(openapi.paths ?? {})) {
    for (const operation of Object.values(item)) {
      if (OPTIONAL_BODIES.has(String(operation.operationId)) && operation.requestBody !== undefined) operation.requestBody.required = false
      const auth = operation[WEBHOOK_AUTH]
      if (auth !== undefined) {
        delete operation[WEBHOOK_AUTH]
        // The token route is the webhook's, one segment down: `{prefix}/webhook/token`.
        const own = webhookSchemes(auth, `${path}/token`)
        Object.assign(schemes, own)
        // Either credential will do: alternatives, not both at once.
        operation.security = Object.keys(own).map((name) => ({ [name]: [] }))
      }
      if (operation.operationId === 'incodeWebhookToken') {
        schemes[BASIC_SCHEME] = {
          type: 'http',
          scheme: 'basic',
          description: 'The webhook\'s OAuth2 client id and secret (`webhook.oauth`); they may instead be sent as `client_id` and `client_secret` in the form.'
        }
        // `{}`: no header at all, the credentials then in the form.
        operation.security = [{ [BASIC_SCHEME]: [] }, {}]
        operation.requestBody ??= { required: true, content: { 'application/x-www-form-urlencoded': { schema: JSON.parse(JSON.stringify(WebhookTokenForm)) } } }
      }
    }
  }
  if (Object.keys(schemes).length > 0) {
    openapi.components = { ...openapi.components, securitySchemes: { ...schemes, ...openapi.components?.securitySchemes } }
  }
  return document
}

/** The webhook's schemes: the secret header, the OAuth2 client credentials flow. */
function webhookSchemes (auth: WebhookAuth, tokenUrl: string): Record<string, unknown> {
  return {
    ...(auth.secretHeader === undefined
      ? {}
      : {
          [SECRET_SCHEME]: {
            type: 'apiKey',
            in: 'header',
            name: auth.secretHeader,
            description: 'The secret set as `webhook.secretHeader`, sent by Incode in this header with each webhook.'
          }
        }),
    ...(auth.oauth === true
      ? {
          [OAUTH_SCHEME]: {
            type: 'oauth2',
            description: 'A bearer token from the token route, with the client id and secret set as `webhook.oauth`.',
            flows: { clientCredentials: { tokenUrl, scopes: {} } }
          }
        }
      : {})
  }
}
