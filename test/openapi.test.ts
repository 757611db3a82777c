import t from 'tap'
import swagger from '@fastify/swagger'
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
