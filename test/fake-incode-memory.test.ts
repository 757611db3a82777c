// maxRecorded under load: a long run keeps the default 5000 requests and sessions, not all of them.
import t from 'tap'
import { Pool } from 'undici'
import { createFakeIncode } from '../src/testing/index.js'

const STARTS = 20_000
const CONCURRENCY = 16

t.test(`${STARTS} starts over keep-alive connections keep the newest 5000 and count them all`, async (t) => {
  const fake = await createFakeIncode()
  t.teardown(() => fake.close())
  const pool = new Pool(fake.url, { connections: 8 })
  t.teardown(() => pool.destroy())
  const requests = fake.requests
  const statuses = new Map<number, number>()
  let sent = 0

  async function startInTurn (): Promise<void> {
    while (sent < STARTS) {
      const externalCustomerId = String(sent++)
      const { statusCode, body } = await pool.request({
        path: '/omni/start',
        method: 'POST',
        headers: { 'x-api-key': fake.apiKey, 'api-version': '1.0', 'content-type': 'application/json' },
        body: JSON.stringify({ configurationId: 'flow-1', externalCustomerId })
      })
      await body.dump()
      statuses.set(statusCode, (statuses.get(statusCode) ?? 0) + 1)
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, startInTurn))

  t.same([...statuses], [[200, STARTS]])
  t.equal(fake.requests, requests, 'the same array the test held')
  t.equal(requests.length, 5000)
  t.equal(fake.sessions.size, 5000)
  t.equal(fake.requestsReceived, STARTS)
  t.equal(fake.sessionsCreated, STARTS)
  t.equal(new Set(requests.map((request) => (request.body as { externalCustomerId: string }).externalCustomerId)).size, 5000)
  const kept = [...fake.sessions.values()].map((session) => session.body.externalCustomerId)
  t.same(kept, requests.map((request) => (request.body as { externalCustomerId: string }).externalCustomerId),
    'the sessions kept are those of the requests kept')
  t.ok(fake.connectionsOpened <= 8, 'kept alive')
})
