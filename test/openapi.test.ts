import t, { type Test } from 'tap'
import swagger from '@fastify/swagger'
import { incodeOpenApi, type FastifyIncodeOptions } from '../src/index.js'
import { startHost } from './support/host.js'

interface Operation {
  summary?: string
  description?: string
  requestBody: { content: Record<string, { schema: { properties: Record<string, { description?: string, example?: unknown }>, additionalProperties: boolean } }> }
  responses: Record<string, { description: string, content: Record<string, { schema: { properties: Record<string, unknown> } }> }>
}

t.test('@fastify/swagger documents both routes from their TypeBox schemas', async (t) => {
  const host = await startHost(t, {
    before: async (app) => { await app.register(swagger, { openapi: { info: { title: 'host', version: '1' } } }) }
  })
  const paths = (host.app.swagger() as { paths: Record<string, { post: Operation }> }).paths

  for (const [path, success] of [['/incode/sessions', ['interviewId', 'token']], ['/incode/onboarding-url', ['interviewId', 'url']]] as const) {
    const operation = paths[path]?.post
    t.ok(operation?.summary && operation.description, `${path} has a summary and a description`)
    const body = operation?.requestBody.content['application/json']?.schema
    t.same(Object.keys(body?.properties ?? {}).sort(), ['language', 'redirectionUrl'], `${path} body fields`)
    t.equal(body?.additionalProperties, false)
    for (const field of Object.values(body?.properties ?? {})) {
      t.ok(field.description && field.example !== undefined, 'each body field has a description and an example')
    }
    const created = operation?.responses['201']
    t.same(Object.keys(created?.content['application/json']?.schema.properties ?? {}).sort(), [...success].sort(),
      `${path} 201 carries exactly ${success.join(' and ')}`)
    t.same(Object.keys(operation?.responses ?? {}).sort(), ['201', '400', '413', '415', '429', '500', '502', '503', '504'],
      `${path} documents every status it answers`)
    for (const [status, response] of Object.entries(operation?.responses ?? {})) {
      t.ok(response.description, `${path} ${status} is described`)
    }
  }
})

t.test('a valid OpenAPI 3.0 and 3.1 document, tagged, with stable operationIds, optional bodies and honest error examples', async (t) => {
  const { Validator } = await import('@seriousme/openapi-schema-validator')
  for (const version of ['3.0.3', '3.1.0']) {
    const host = await startHost(t, {
      plugin: {
        compatRoutes: true,
        adminToken: 'admin-token',
        webhook: { onWebhook: () => {}, secretHeader: { name: 'x-secret', value: 's'.repeat(32) }, oauth: { clientId: 'incode', clientSecret: 'c'.repeat(32) } }
      },
      before: async (app) => {
        await app.register(swagger, {
          openapi: { openapi: version, info: { title: 'host', version: '1' } },
          transformObject: (document) => 'openapiObject' in document ? incodeOpenApi(document.openapiObject) : document.swaggerObject
        })
      }
    })
    const document = host.app.swagger() as unknown as { openapi: string, paths: Record<string, Record<string, OpenApiOperation>> }
    t.equal(document.openapi, version)
    const result = await new Validator().validate(document as never)
    t.same(result.errors ?? [], [], `OpenAPI ${version}: the document validates`)
    t.equal(result.valid, true)

    const operations = Object.values(document.paths).flatMap((item) => Object.values(item))
    const ids = operations.map((operation) => operation.operationId)
    t.same(ids.slice().sort(), [
      'incodeCompatAuth', 'incodeCompatFetchScore', 'incodeCompatFinish', 'incodeCompatOnboardingUrl', 'incodeCompatStart',
      'incodeStartOnboardingUrl', 'incodeStartSession', 'incodeWebhook', 'incodeWebhookToken'
    ], 'one stable operationId each')
    t.ok(operations.every((operation) => operation.tags?.join() === 'incode'), 'every operation tagged incode')

    const start = document.paths['/incode/sessions']?.post
    t.equal(start?.requestBody?.required, false, 'the optional body shown as optional')
    t.equal(document.paths['/incode/finish']?.post?.requestBody?.required, true, 'a required body stays required')
    for (const [status, code] of [['400', 'FST_ERR_VALIDATION'], ['429', 'FST_INCODE_RATE_LIMITED'], ['500', 'FST_INCODE_SESSION_NOT_RECORDED'],
      ['502', 'FST_INCODE_UPSTREAM_ERROR'], ['503', 'FST_INCODE_UPSTREAM_UNREACHABLE'], ['504', 'FST_INCODE_UPSTREAM_TIMEOUT']] as const) {
      const schema = start?.responses[status]?.content?.['application/json']?.schema
      // OpenAPI 3.0 has `example`; 3.1 keeps JSON Schema's `examples`.
      const example = (field: string): unknown => schema?.properties?.[field]?.example ?? schema?.properties?.[field]?.examples?.[0]
      t.same([example('code'), example('statusCode')], [code, Number(status)], `${version}: ${status}'s example is a ${status}`)
    }
    t.same(Object.keys(start?.responses['429']?.headers ?? {}).sort(),
      ['retry-after', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset'], '429 documents its headers')
  }
})

t.test('routeOptions.tags: the host\'s own tags', async (t) => {
  const host = await startHost(t, {
    plugin: { routeOptions: { tags: ['identity', 'onboarding'] } },
    before: async (app) => { await app.register(swagger, { openapi: { info: { title: 'host', version: '1' } } }) }
  })
  const paths = (host.app.swagger() as unknown as { paths: Record<string, Record<string, OpenApiOperation>> }).paths
  t.same(paths['/incode/sessions']?.post?.tags, ['identity', 'onboarding'])
  await t.rejects(startHost(t, { plugin: { routeOptions: { tags: [] } } }), { code: 'FST_INCODE_INVALID_OPTION', message: /routeOptions\.tags/ })
})

interface OpenApiOperation {
  operationId?: string
  tags?: string[]
  requestBody?: { required?: boolean }
  responses: Record<string, {
    headers?: Record<string, unknown>
    content?: Record<string, { schema?: { properties?: Record<string, { example?: unknown, examples?: unknown[] }> } }>
  }>
}

t.test('incodeOpenApi leaves a document without paths as it is', async (t) => {
  t.same(incodeOpenApi({ openapi: '3.0.3' }), { openapi: '3.0.3' })
})

interface SecuredDocument {
  paths: Record<string, Record<string, OpenApiOperation & { security?: unknown[], requestBody?: { content?: Record<string, { schema?: unknown }> } }>>
  components: { securitySchemes?: Record<string, unknown> }
  security?: unknown[]
}

const secretHeader = { name: 'X-Incode-Secret', value: 's'.repeat(32) }
const oauth = { clientId: 'incode', clientSecret: 'c'.repeat(32) }

/** The document a host gets with incodeOpenApi as its transformObject, checked valid. */
async function securedDocument (t: Test, version: string, plugin: Partial<FastifyIncodeOptions>,
  openapi: Record<string, unknown> = {}, transform = true): Promise<SecuredDocument> {
  const { Validator } = await import('@seriousme/openapi-schema-validator')
  const host = await startHost(t, {
    plugin,
    before: async (app) => {
      await app.register(swagger, {
        openapi: { openapi: version, info: { title: 'host', version: '1' }, ...openapi },
        ...(transform ? { transformObject: (document) => 'openapiObject' in document ? incodeOpenApi(document.openapiObject) : document.swaggerObject } : {})
      })
    }
  })
  const document = host.app.swagger() as unknown as SecuredDocument
  const result = await new Validator().validate(document as never)
  t.same(result.errors ?? [], [], `OpenAPI ${version}: the document validates`)
  return document
}

t.test('the webhook\'s credentials: its security schemes, as alternatives, in OpenAPI 3.0 and 3.1', async (t) => {
  const apiKey = { type: 'apiKey', in: 'header', name: 'x-incode-secret' }
  const oauth2 = (tokenUrl: string): unknown => ({ type: 'oauth2', flows: { clientCredentials: { tokenUrl, scopes: {} } } })
  for (const version of ['3.0.3', '3.1.0']) {
    const secret = await securedDocument(t, version, { webhook: { onWebhook: () => {}, secretHeader } })
    t.same(Object.keys(secret.components.securitySchemes ?? {}), ['incodeWebhookSecret'], `${version} secret header only: one scheme`)
    t.match(secret.components.securitySchemes?.incodeWebhookSecret, apiKey, 'an apiKey scheme in the configured header')
    t.same(secret.paths['/incode/webhook']?.post?.security, [{ incodeWebhookSecret: [] }])
    t.equal(secret.paths['/incode/webhook/token'], undefined, 'no token route without oauth')

    const bearer = await securedDocument(t, version, { webhook: { onWebhook: () => {}, oauth } })
    t.same(Object.keys(bearer.components.securitySchemes ?? {}), ['incodeWebhookOAuth', 'incodeWebhookTokenBasic'], `${version} OAuth2 only`)
    t.match(bearer.components.securitySchemes?.incodeWebhookOAuth, oauth2('/incode/webhook/token'), 'the client credentials flow, from the token route')
    t.same(bearer.paths['/incode/webhook']?.post?.security, [{ incodeWebhookOAuth: [] }])

    const both = await securedDocument(t, version, { routePrefix: '/kyc', webhook: { onWebhook: () => {}, secretHeader, oauth } })
    t.match(both.components.securitySchemes, { incodeWebhookSecret: apiKey, incodeWebhookOAuth: oauth2('/kyc/webhook/token') }, `${version} both, under the prefix`)
    t.same(both.paths['/kyc/webhook']?.post?.security, [{ incodeWebhookSecret: [] }, { incodeWebhookOAuth: [] }], 'either one will do')
    for (const document of [secret, bearer, both]) t.notMatch(JSON.stringify(document), 'x-incode-webhook-auth', 'the route\'s note is gone')

    const none = await securedDocument(t, version, {})
    t.equal(none.components.securitySchemes, undefined, `${version} no webhook: no security schemes`)
    t.ok(Object.values(none.paths).flatMap((item) => Object.values(item)).every((operation) => operation.security === undefined), 'and no security')
  }
})

t.test('the token route: its form and HTTP Basic documented', async (t) => {
  for (const version of ['3.0.3', '3.1.0']) {
    const document = await securedDocument(t, version, { routePrefix: '/kyc', webhook: { onWebhook: () => {}, oauth } })
    const token = document.paths['/kyc/webhook/token']?.post
    t.same(token?.security, [{ incodeWebhookTokenBasic: [] }, {}], `${version}: HTTP Basic, or nothing (the credentials in the form)`)
    t.match(document.components.securitySchemes?.incodeWebhookTokenBasic, { type: 'http', scheme: 'basic' })
    t.equal(token?.requestBody?.required, true)
    t.same(Object.keys(token?.requestBody?.content ?? {}), ['application/x-www-form-urlencoded'], 'a form')
    t.match(token?.requestBody?.content?.['application/x-www-form-urlencoded']?.schema, {
      type: 'object',
      required: ['grant_type'],
      properties: { grant_type: { type: 'string', enum: ['client_credentials'] }, client_id: { type: 'string' }, client_secret: { type: 'string' } }
    }, 'its fields')
  }
})

t.test('the host\'s own components and security are kept', async (t) => {
  const hostSchemes = { hostBearer: { type: 'http', scheme: 'bearer' } }
  for (const version of ['3.0.3', '3.1.0']) {
    const document = await securedDocument(t, version, { webhook: { onWebhook: () => {}, secretHeader, oauth } },
      { components: { securitySchemes: hostSchemes }, security: [{ hostBearer: [] }] })
    t.same(Object.keys(document.components.securitySchemes ?? {}).sort(),
      ['hostBearer', 'incodeWebhookOAuth', 'incodeWebhookSecret', 'incodeWebhookTokenBasic'], `${version}: the host's scheme and the plugin's`)
    t.same(document.security, [{ hostBearer: [] }], 'the host\'s security stays the default')
    t.same(document.paths['/incode/webhook']?.post?.security, [{ incodeWebhookSecret: [] }, { incodeWebhookOAuth: [] }], 'the webhook takes its own')
    t.same(Object.keys(hostSchemes), ['hostBearer'], 'the host\'s options are not changed')
  }
})

t.test('without incodeOpenApi the document still builds and validates, with the route\'s note only', async (t) => {
  const document = await securedDocument(t, '3.1.0', { webhook: { onWebhook: () => {}, secretHeader, oauth } }, {}, false)
  t.equal(document.components.securitySchemes, undefined)
  t.same((document.paths['/incode/webhook']?.post as Record<string, unknown> | undefined)?.['x-incode-webhook-auth'],
    { secretHeader: 'x-incode-secret', oauth: true })
})

t.test('incodeOpenApi: a document without components, run twice; a scheme of the host\'s name kept', async (t) => {
  const paths = (): unknown => ({
    '/w/webhook': { post: { 'x-incode-webhook-auth': { secretHeader: 'x-s' } } },
    '/w/webhook/token': { post: { operationId: 'incodeWebhookToken' } }
  })
  const once = incodeOpenApi({ paths: paths() }) as unknown as SecuredDocument
  t.same(Object.keys(once.components.securitySchemes ?? {}), ['incodeWebhookSecret', 'incodeWebhookTokenBasic'])
  const twice = incodeOpenApi(once)
  t.same(twice.paths['/w/webhook']?.post?.security, [{ incodeWebhookSecret: [] }], 'the webhook\'s security stays')
  t.same(Object.keys(twice.paths['/w/webhook/token']?.post?.requestBody?.content ?? {}), ['application/x-www-form-urlencoded'])

  const mine = { type: 'apiKey', in: 'header', name: 'x-mine' }
  const host = incodeOpenApi({ paths: paths(), components: { securitySchemes: { incodeWebhookSecret: mine } } }) as unknown as SecuredDocument
  t.same(host.components.securitySchemes?.incodeWebhookSecret, mine, 'the host\'s scheme of that name kept')
})
