import t from 'tap'
import swagger from '@fastify/swagger'
import { incodeOpenApi } from '../src/index.js'
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

t.test('issue 12: a valid OpenAPI 3.0 and 3.1 document, tagged, with stable operationIds, optional bodies and honest error examples', async (t) => {
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
