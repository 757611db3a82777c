import t from 'tap'
import Fastify from 'fastify'
import { Type } from 'typebox'
import { TypeBoxValidatorCompiler, type TypeBoxTypeProvider } from 'type-provider-typebox-6'
import fastifyIncode from '../src/index.js'
import { createFakeIncode } from '../src/testing/index.js'

// A host on TypeBox's current line (`typebox` 1.x with @fastify/type-provider-typebox 6) keeps its
// own schemas, validator and typed handlers; the plugin's routes keep theirs (TypeBox 0.34).

t.test('a host on typebox 1.x and provider 6: its routes and the plugin\'s each validate with their own TypeBox', async (t) => {
  const fake = await createFakeIncode()
  const app = Fastify().withTypeProvider<TypeBoxTypeProvider>()
  t.teardown(async () => {
    await app.close()
    await fake.close()
  })
  app.setValidatorCompiler(TypeBoxValidatorCompiler)
  await app.register(fastifyIncode, { apiUrl: fake.url, apiKey: fake.apiKey, configurationId: 'flow-1' })
  app.post('/accounts', { schema: { body: Type.Object({ name: Type.String({ minLength: 1 }) }, { additionalProperties: false }) } }, async (request) => {
    // Typed by provider 6: `name` is a string here.
    const name: string = request.body.name
    return { created: name, interviewIdFromIncode: (await app.incode.startSession()).interviewId.length > 0 }
  })

  const host = await app.inject({ method: 'POST', url: '/accounts', payload: { name: 'Alex' } })
  t.same(host.json(), { created: 'Alex', interviewIdFromIncode: true }, 'the host\'s route, validated by its own TypeBox')
  t.equal((await app.inject({ method: 'POST', url: '/accounts', payload: { name: '' } })).statusCode, 400, 'and refused by it')

  const session = await app.inject({ method: 'POST', url: '/incode/sessions', payload: { language: 'es-ES' } })
  t.equal(session.statusCode, 201, 'the plugin\'s route, validated by its own')
  const refused = await app.inject({ method: 'POST', url: '/incode/sessions', payload: { language: 'es-ES', extra: 1 } })
  t.equal(refused.statusCode, 400, 'an unknown key is still refused by the plugin\'s schema')
  t.equal(fake.requestsTo('/omni/start').length, 2)
})
