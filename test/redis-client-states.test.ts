import t, { type Test } from 'tap'
import { Redis } from 'ioredis'
import { request } from 'undici'
import type { AddressInfo } from 'node:net'
import { startHost, type Host } from './support/host.js'
import { closedPort } from './support/network.js'
import { startRedisStandIn } from './support/redis-stand-in.js'

// The limit through an ioredis client that is not connected yet or any more: these need no
// Redis server (a closed port, then a stand-in that speaks Redis's protocol), so they run on
// every machine. The limit shared through a real Redis is in redis-rate-limit.test.ts.

/** An ioredis client owned by the test, that tries again every 50 ms while it cannot connect. */
function redisClient (t: Test, port: number): Redis {
  const redis = new Redis({ host: '127.0.0.1', port, retryStrategy: () => 50 })
  redis.on('error', () => {})
  t.teardown(() => redis.disconnect())
  return redis
}

async function listening (host: Host): Promise<string> {
  await host.app.listen({ port: 0, host: '127.0.0.1' })
  return `http://127.0.0.1:${(host.app.server.address() as AddressInfo).port}`
}

async function create (url: string): Promise<number> {
  const res = await request(`${url}/incode/sessions`, { method: 'POST' })
  await res.body.dump()
  return res.statusCode
}

t.test('Redis on a closed port: fail-closed answers 503 quickly, fail-open answers 201', async (t) => {
  const port = await closedPort()

  for (const skipOnError of [false, true]) {
    const host = await startHost(t, { plugin: { rateLimit: { redis: redisClient(t, port), storeTimeout: 300, skipOnError } } })
    const url = await listening(host)
    const started = Date.now()
    const statuses = [await create(url), await create(url)]
    const took = Date.now() - started
    t.same(statuses, skipOnError ? [201, 201] : [503, 503], skipOnError ? 'fail-open' : 'fail-closed')
    t.ok(took < 2000, `two answers in ${took} ms: nothing hangs on a dead Redis (storeTimeout 300 ms each)`)
    t.equal(host.fake.sessions.size, skipOnError ? 2 : 0)
    t.equal(host.logs.records.filter((record) => /rate-limit store of the session routes is unavailable/.test(String(record.msg))).length, 1,
      'one warning for the outage')
  }
})

t.test('a request that arrives while the client connects waits for it, then is counted with one command', async (t) => {
  const port = await closedPort()
  const redis = redisClient(t, port)
  const host = await startHost(t, { plugin: { rateLimit: { redis, max: 2, storeTimeout: 5000 } } })
  const url = await listening(host)
  t.not(redis.status, 'ready', 'the client is not connected')

  const first = create(url)
  await new Promise((resolve) => setTimeout(resolve, 200))
  t.equal(host.fake.sessions.size, 0, 'the request waits: not let through unlimited')
  const standIn = await startRedisStandIn(port)
  t.teardown(() => standIn.close())
  t.equal(await first, 201, 'counted once the client is ready')
  t.same([await create(url), await create(url)], [201, 429], 'and the count goes on: max 2')
  t.equal(standIn.commands.filter((name) => name.startsWith('EVAL')).length, 3, 'one counting command per request, none queued twice')
})
