import t, { type Test } from 'tap'
import { randomUUID } from 'node:crypto'
import { createServer, connect, type Server, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'
import { Redis } from 'ioredis'
import { request } from 'undici'
import { assertNoSecretsLogged, startHost, type Host } from './support/host.js'
import { until } from './support/wait.js'

// Several instances sharing one limit through a real Redis (REDIS_URL, which .ci/run sets); what
// needs no server (a client that cannot connect yet) is in redis-client-states.test.ts.

const REDIS_URL = process.env.REDIS_URL
const skip = REDIS_URL === undefined ? 'REDIS_URL is not set: these tests need a Redis (CI starts one)' : false
if (REDIS_URL === undefined && process.env.CI !== undefined) {
  t.fail('CI must run the Redis tests: set REDIS_URL')
}

/** A Redis client owned by the test, as a host owns its own. */
function redisClient (t: Test, url = REDIS_URL as string): Redis {
  const redis = new Redis(url)
  redis.on('error', () => {})
  t.teardown(() => redis.disconnect())
  return redis
}

/** An instance of the host app on a real port, limited through `redis`. */
async function instance (t: Test, redis: Redis, rateLimit: Record<string, unknown>, extra = {}): Promise<Host & { url: string }> {
  const host = await startHost(t, { plugin: { rateLimit: { redis, ...rateLimit }, ...extra } })
  await host.app.listen({ port: 0, host: '127.0.0.1' })
  return { ...host, url: `http://127.0.0.1:${(host.app.server.address() as AddressInfo).port}` }
}

async function create (url: string, headers: Record<string, string> = {}): Promise<{ status: number, retryAfter: string | undefined }> {
  const res = await request(`${url}/incode/sessions`, { method: 'POST', headers })
  await res.body.dump()
  return { status: res.statusCode, retryAfter: res.headers['retry-after'] as string | undefined }
}

// One parent test, so that a machine without Redis reports one skip.
t.test('a limit shared through a real Redis', { skip }, async (t) => {
  t.test('two instances with max 5 share one namespace: exactly 5 of 20 requests reach Incode', async (t) => {
    const nameSpace = `fastify-incode-test:${randomUUID()}:`
    const a = await instance(t, redisClient(t), { nameSpace, max: 5 })
    const b = await instance(t, redisClient(t), { nameSpace, max: 5 })

    const answers = []
    for (let i = 0; i < 20; i++) answers.push(await create(i % 2 === 0 ? a.url : b.url))
    t.equal(answers.filter((answer) => answer.status === 201).length, 5, '5 created')
    t.equal(a.fake.sessions.size + b.fake.sessions.size, 5, 'exactly 5 reached Incode')
    t.ok(a.fake.sessions.size > 0 && b.fake.sessions.size > 0, 'through both instances')
    const limited = answers.filter((answer) => answer.status === 429)
    t.equal(limited.length, 15, 'the rest are 429')
    t.ok(limited.every((answer) => Number(answer.retryAfter) > 0), 'each with retry-after')

    const other = await instance(t, redisClient(t), { nameSpace: `fastify-incode-test:${randomUUID()}:`, max: 5 })
    const own = []
    for (let i = 0; i < 6; i++) own.push((await create(other.url)).status)
    t.same(own, [201, 201, 201, 201, 201, 429], 'another namespace does not share the count')
    assertNoSecretsLogged(t, a)
  })

  t.test('health() checks the shared store by counting in it, under no client\'s key', async (t) => {
    const nameSpace = `fastify-incode-test:${randomUUID()}:`
    const redis = redisClient(t)
    const host = await instance(t, redis, { nameSpace, max: 1 })
    t.match(await host.app.incode.health(), { ok: true, checks: { rateLimitStore: { ok: true } } })
    t.same(await redis.keys(`${nameSpace}*`), [`${nameSpace}fastify-incode:health`], 'its one key, in the namespace')
    t.equal((await create(host.url)).status, 201, 'the probe used up nobody\'s limit (max 1)')
  })

  t.test('per-user limits: two users behind one IP each get their own max', async (t) => {
    const redis = redisClient(t)
    const host = await instance(t, redis, {
      nameSpace: `fastify-incode-test:${randomUUID()}:`,
      max: 2,
      keyGenerator: async (request: { user?: string }) => `user:${request.user}`
    }, {
      routeOptions: {
        preHandler: async (request: { user?: string, headers: Record<string, unknown> }) => { request.user = String(request.headers['x-user']) }
      }
    })
    const as = async (user: string): Promise<number> => (await create(host.url, { 'x-user': user })).status
    t.same([await as('ann'), await as('ann'), await as('ann')], [201, 201, 429])
    t.same([await as('bob'), await as('bob'), await as('bob')], [201, 201, 429])
  })

  t.test('the window resets: after timeWindow the same user may create sessions again', async (t) => {
    const host = await instance(t, redisClient(t), { nameSpace: `fastify-incode-test:${randomUUID()}:`, max: 2, timeWindow: 600 })
    t.same([(await create(host.url)).status, (await create(host.url)).status, (await create(host.url)).status], [201, 201, 429])
    await new Promise((resolve) => setTimeout(resolve, 700))
    t.equal((await create(host.url)).status, 201)
  })

  t.test('the plugin never closes the host\'s Redis client', async (t) => {
    const redis = redisClient(t)
    const host = await instance(t, redis, { nameSpace: `fastify-incode-test:${randomUUID()}:` })
    await create(host.url)
    await host.app.close()
    t.equal(await redis.ping(), 'PONG')
  })

  /** A TCP proxy in front of Redis that the test can cut and restore, as an outage would. */
  async function redisProxy (t: Test): Promise<{ url: string, cut: () => Promise<void>, restore: () => Promise<void> }> {
    const target = new URL(REDIS_URL as string)
    const sockets = new Set<Socket>()
    let server: Server
    let port = 0
    const listen = async (): Promise<void> => {
      server = createServer((client) => {
        const upstream = connect(Number(target.port || 6379), target.hostname)
        for (const socket of [client, upstream]) {
          sockets.add(socket)
          socket.on('error', () => {})
          socket.on('close', () => { sockets.delete(socket); client.destroy(); upstream.destroy() })
        }
        client.pipe(upstream).pipe(client)
      })
      await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
      port = (server.address() as AddressInfo).port
    }
    const cut = async (): Promise<void> => {
      const closed = new Promise((resolve) => server.close(resolve))
      for (const socket of sockets) socket.destroy()
      await closed
    }
    await listen()
    t.teardown(cut)
    return { url: `redis://127.0.0.1:${port}`, cut, restore: listen }
  }

  for (const skipOnError of [false, true]) {
    t.test(`Redis going away mid-run and coming back (${skipOnError ? 'fail-open' : 'fail-closed'})`, async (t) => {
      const proxy = await redisProxy(t)
      const redis = redisClient(t, proxy.url)
      const host = await instance(t, redis, { nameSpace: `fastify-incode-test:${randomUUID()}:`, max: 3, storeTimeout: 300, skipOnError })
      t.equal((await create(host.url)).status, 201, 'limited through Redis')

      await proxy.cut()
      const started = Date.now()
      const during = [(await create(host.url)).status, (await create(host.url)).status]
      t.same(during, skipOnError ? [201, 201] : [503, 503])
      t.ok(Date.now() - started < 2 * 300 + 500, 'answered quickly')

      await proxy.restore()
      await until(() => redis.status === 'ready', 'the client to reconnect by itself')
      const after = []
      for (let i = 0; i < 4; i++) after.push((await create(host.url)).status)
      t.ok(after.includes(429), `limiting resumed without a restart: ${after.join(', ')}`)
      t.ok(host.logs.records.some((record) => /rate-limit store of the session routes is back/.test(String(record.msg))), 'the recovery is logged')
    })
  }

  t.test('a Redis that stops answering (CLIENT PAUSE): 503 within storeTimeout, then it recovers', async (t) => {
    const redis = redisClient(t)
    const admin = redisClient(t)
    const host = await instance(t, redis, { nameSpace: `fastify-incode-test:${randomUUID()}:`, storeTimeout: 300 })
    t.equal((await create(host.url)).status, 201)
    await admin.call('CLIENT', 'PAUSE', '1200', 'ALL')
    const started = Date.now()
    t.equal((await create(host.url)).status, 503)
    t.ok(Date.now() - started < 300 + 500, `answered in ${Date.now() - started} ms while Redis hangs`)
    await new Promise((resolve) => setTimeout(resolve, 1300))
    t.equal((await create(host.url)).status, 201, 'answers again once Redis does')
  })

  t.test('an outage with maxRetriesPerRequest: null (BullMQ\'s setting) queues nothing, inflates nothing', async (t) => {
    const proxy = await redisProxy(t)
    const redis = new Redis(proxy.url, { maxRetriesPerRequest: null })
    redis.on('error', () => {})
    t.teardown(() => redis.disconnect())
    const offlineQueue = (redis as unknown as { offlineQueue: { length: number } }).offlineQueue
    const host = await startHost(t, {
      plugin: { rateLimit: { redis, nameSpace: `fastify-incode-test:${randomUUID()}:`, max: 3, storeTimeout: 300 } }
    })
    const create = async (): Promise<number> => (await host.app.inject({ method: 'POST', url: '/incode/sessions' })).statusCode
    t.equal(await create(), 201, 'one counted before the outage')

    await proxy.cut()
    await until(() => redis.status !== 'ready', 'the client to notice')
    const during = await Promise.all(Array.from({ length: 2000 }, create))
    t.same([...new Set(during)], [503], '2 000 refused with 503 at storeTimeout')
    t.equal(offlineQueue.length, 0, 'and not one command left waiting in the client\'s offline queue')

    await proxy.restore()
    await until(() => redis.status === 'ready', 'the client to reconnect')
    t.same([await create(), await create(), await create()], [201, 201, 429], 'the count goes on from 1: no backlog was flushed into it')
  })
})
