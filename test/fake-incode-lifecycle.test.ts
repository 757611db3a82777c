// The fake's lifecycle: what it starts with, its socket counts, latencyMs, close() and a port in use.
import t from 'tap'
import { Pool } from 'undici'
import { createFakeIncode } from '../src/testing/index.js'
import { startFake, startSession } from './support/raw-http.js'
import { until } from './support/wait.js'

t.test('defaults: a local url, a random api key, the fake client id', async (t) => {
  const fake = await startFake(t)
  t.match(fake.url, /^http:\/\/127\.0\.0\.1:\d+$/)
  t.match(fake.apiKey, /^fake-api-key-[0-9a-f]{16}$/)
  t.equal(fake.clientId, 'fake-client')
  const other = await startFake(t)
  t.not(other.apiKey, fake.apiKey, 'each fake makes up its own key')
  t.not(other.url, fake.url)
})

t.test('options: apiKey, clientId, configurationIds and port', async (t) => {
  const fake = await startFake(t, { apiKey: 'key-1', clientId: 'client-1', configurationIds: ['flow-a'], port: 0 })
  t.equal(fake.apiKey, 'key-1')
  t.equal(fake.clientId, 'client-1')

  const accepted = await startSession(fake, { configurationId: 'flow-a' })
  t.equal(accepted.statusCode, 200)
  t.equal((await accepted.body.json() as { clientId: string }).clientId, 'client-1')

  const refused = await startSession(fake, { configurationId: 'flow-b' })
  t.equal(refused.statusCode, 400)
  t.match(await refused.body.json(), { status: 400, message: 'Unknown configurationId' })
  t.equal(fake.sessions.size, 1)
})

t.test('counts connections: opened, active and peak, across keep-alive reuse', async (t) => {
  const fake = await startFake(t)
  const pool = new Pool(fake.url, { connections: 3 })
  t.teardown(() => pool.destroy())
  // Slow answers, so three requests need three connections at once.
  fake.failAlways({ type: 'delay', ms: 100 })
  const round = () => Promise.all(Array.from({ length: 3 }, async () => {
    const answer = await pool.request({ path: '/nowhere', method: 'GET' })
    await answer.body.dump()
    return answer.statusCode
  }))

  t.same(await round(), [404, 404, 404])
  t.equal(fake.connectionsOpened, 3)
  t.equal(fake.peakConnections, 3)
  t.equal(fake.activeConnections, 3, 'kept alive')

  await round()
  t.equal(fake.connectionsOpened, 3, 'reused')

  fake.reset()
  t.equal(fake.connectionsOpened, 0)
  t.equal(fake.peakConnections, 3, 'the peak restarts at what is open')

  await pool.close()
  await until(() => fake.activeConnections === 0, 'the pool to close')
  fake.reset()
  t.equal(fake.peakConnections, 0)
})

t.test('latencyMs delays every answer', async (t) => {
  const fake = await startFake(t, { latencyMs: 120 })
  const began = Date.now()
  const { statusCode, headers, body } = await startSession(fake)
  t.equal(statusCode, 200)
  t.ok(Date.now() - began >= 110)
  t.ok(Number(headers['processing-time']) >= 110, 'and says so in Processing-Time')
  await body.dump()

  fake.failNext({ type: 'status', status: 500 })
  const faultBegan = Date.now()
  t.equal((await startSession(fake)).statusCode, 500)
  t.ok(Date.now() - faultBegan >= 110, 'faulted answers too')
})

t.test('close() ends hung, trickling and delayed requests, and can be called twice', async (t) => {
  const fake = await createFakeIncode({ latencyMs: 20 })
  fake.failNext({ type: 'hang' })
  fake.failNext({ type: 'trickle', intervalMs: 5 })
  fake.failNext({ type: 'delay', ms: 60_000 })
  const hung = startSession(fake)
  const trickling = startSession(fake)
  const delayed = startSession(fake)
  await until(() => fake.requests.length === 3, 'the requests to arrive')
  t.equal(fake.activeConnections, 3)
  const { body } = await trickling
  await new Promise((resolve) => body.once('data', resolve))

  // Watched before the close, so no rejection goes unhandled for a moment.
  const clientsSeeTheEnd = Promise.all([
    t.rejects(hung, { code: 'UND_ERR_SOCKET' }, 'the client sees its connection closed'),
    t.rejects(delayed, { code: 'UND_ERR_SOCKET' }),
    t.rejects(body.text())
  ])
  const closing = fake.close()
  t.equal(fake.close(), closing, 'the same promise')
  await closing
  t.equal(fake.activeConnections, 0)
  await clientsSeeTheEnd
  await fake.close()
})

t.test('a port in use fails createFakeIncode', async (t) => {
  const fake = await startFake(t)
  await t.rejects(createFakeIncode({ port: Number(new URL(fake.url).port) }), { code: 'EADDRINUSE' })
})
