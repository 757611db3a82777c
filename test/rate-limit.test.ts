import t from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import rateLimit, { type FastifyRateLimitStoreCtor } from '@fastify/rate-limit'
import fastifyIncode from '../src/index.js'
import { createFakeIncode } from '../src/testing/index.js'
import { assertNoSecretsLogged, captureLogs, post, startHost, type Host } from './support/host.js'

async function burst (app: FastifyInstance, url: string, count: number, remoteAddress = '203.0.113.7'): Promise<number[]> {
  const statuses: number[] = []
  for (let i = 0; i < count; i++) {
    statuses.push((await app.inject({ method: 'POST', url, remoteAddress })).statusCode)
  }
  return statuses
}

function count (statuses: number[], status: number): number {
  return statuses.filter((s) => s === status).length
}

t.test('by default 10 sessions a minute per client IP, across both routes', async (t) => {
  const host = await startHost(t)
  const first = await burst(host.app, '/incode/sessions', 6)
  const second = await burst(host.app, '/incode/onboarding-url', 6)
  t.same([...first, ...second], [201, 201, 201, 201, 201, 201, 201, 201, 201, 201, 429, 429])

  const limited = await host.app.inject({ method: 'POST', url: '/incode/sessions', remoteAddress: '203.0.113.7' })
  t.equal(limited.statusCode, 429)
  t.same(limited.json(), {
    statusCode: 429,
    code: 'FST_INCODE_RATE_LIMITED',
    error: 'Too Many Requests',
    message: 'Too many verification sessions were started; retry later'
  })
  const retryAfter = Number(limited.headers['retry-after'])
  t.ok(retryAfter > 0 && retryAfter <= 60, `retry-after: ${retryAfter}`)
  t.equal(host.fake.requestsTo('/omni/start').length, 10, 'limited requests never reached Incode')
  t.equal(host.recorded.length, 10, 'nor the hook')

  const other = await host.app.inject({ method: 'POST', url: '/incode/sessions', remoteAddress: '198.51.100.1' })
  t.equal(other.statusCode, 201, 'another client has its own count')
  assertNoSecretsLogged(t, host)
})

t.test('trustProxy: true with the limit on the IP: a boot warning, and rotating X-Forwarded-For shows why', async (t) => {
  const host = await startHost(t, { server: { trustProxy: true }, plugin: { rateLimit: { max: 3 } } })
  const warning = host.logs.records.find((record) => /trustProxy is true/.test(String(record.msg)))
  t.equal(warning?.level, 40, 'warned at boot')
  const statuses = []
  for (let i = 0; i < 6; i++) {
    statuses.push((await post(host.app, '/incode/sessions', undefined, { 'x-forwarded-for': `203.0.113.${i}` })).statusCode)
  }
  t.same(statuses, Array(6).fill(201), 'each forged address is a new bucket: the README says so')
})

t.test('no trustProxy warning for a hop count, a keyGenerator, or no limit', async (t) => {
  for (const [server, rateLimit] of [
    // A hop count: Fastify takes it, though its types do not list numbers.
    [{ trustProxy: 1 as unknown as boolean }, undefined],
    [{ trustProxy: '10.0.0.0/8' }, undefined],
    [{ trustProxy: true }, { keyGenerator: () => 'user' }],
    [{ trustProxy: true }, false],
    [{}, undefined]
  ] as const) {
    const host = await startHost(t, { server, plugin: rateLimit === undefined ? {} : { rateLimit } })
    t.notOk(host.logs.records.some((record) => /trustProxy/.test(String(record.msg))), JSON.stringify({ server, rateLimit }))
  }
})

t.test('the trustProxy warning goes through the plugin\'s own context too (registered inside a prefix)', async (t) => {
  const fake = await createFakeIncode()
  const { stream, logs } = captureLogs()
  const app = Fastify({ trustProxy: true, logger: { stream } })
  t.teardown(async () => { await app.close(); await fake.close() })
  await app.register(async (child) => {
    await child.register(fastifyIncode, { apiUrl: fake.url, apiKey: fake.apiKey, configurationId: 'f' })
  }, { prefix: '/api' })
  await app.ready()
  t.ok(logs.records.some((record) => /trustProxy is true/.test(String(record.msg))))
})

t.test('requests the routes refuse anyway do not count', async (t) => {
  const host = await startHost(t, { plugin: { rateLimit: { max: 2 } } })
  for (let i = 0; i < 5; i++) {
    t.equal((await post(host.app, '/incode/sessions', { bogus: true })).statusCode, 400)
    t.equal((await post(host.app, '/incode/sessions', { redirectionUrl: 'https://evil.test/' })).statusCode, 400)
  }
  t.same(await burst(host.app, '/incode/sessions', 3), [201, 201, 429])
})

t.test('rateLimit: false turns it off', async (t) => {
  const host = await startHost(t, { plugin: { rateLimit: false } })
  const statuses = await burst(host.app, '/incode/sessions', 15)
  t.equal(count(statuses, 201), 15)
})

t.test('max and timeWindow are @fastify/rate-limit\'s', async (t) => {
  const host = await startHost(t, { plugin: { rateLimit: { max: 3, timeWindow: 300 } } })
  t.same(await burst(host.app, '/incode/sessions', 4), [201, 201, 201, 429])
  await new Promise((resolve) => setTimeout(resolve, 350))
  t.same(await burst(host.app, '/incode/sessions', 1), [201], 'the window resets')
})

t.test('keyGenerator can use what the host\'s preHandler found, and allowList exempts', async (t) => {
  const host = await startHost(t, {
    plugin: {
      rateLimit: {
        max: 2,
        keyGenerator: async (request) => (request as unknown as { user: string }).user,
        allowList: ['ops']
      },
      routeOptions: {
        preHandler: async (request) => {
          (request as unknown as { user: string }).user = request.headers['x-user'] as string
        }
      }
    }
  })
  const as = async (user: string): Promise<number> => (await post(host.app, '/incode/sessions', undefined, { 'x-user': user })).statusCode
  t.same([await as('ann'), await as('ann'), await as('ann')], [201, 201, 429])
  t.same([await as('bob'), await as('bob'), await as('bob')], [201, 201, 429], 'same IP, own limit')
  t.same([await as('ops'), await as('ops'), await as('ops')], [201, 201, 201], 'allow-listed')
})

t.test('a failing rate-limit store: 503 FST_INCODE_RATE_LIMIT_UNAVAILABLE, or open with skipOnError', async (t) => {
  class BrokenStore {
    incr (_key: string, callback: (err: Error | null) => void): void { callback(new Error('store down')) }
    child (): BrokenStore { return this }
  }
  const closed = await startHost(t, { plugin: { rateLimit: { store: BrokenStore } } })
  const res = await post(closed.app, '/incode/sessions')
  t.equal(res.statusCode, 503)
  t.same(res.json(), {
    statusCode: 503,
    code: 'FST_INCODE_RATE_LIMIT_UNAVAILABLE',
    error: 'Service Unavailable',
    message: 'The rate limit cannot be checked right now; retry later'
  })
  t.equal(closed.fake.requests.length, 0)
  t.equal(closed.recorded.length, 0)

  const open = await startHost(t, { plugin: { rateLimit: { store: BrokenStore, skipOnError: true } } })
  t.equal((await post(open.app, '/incode/sessions')).statusCode, 201)
})

async function hostRouteStatuses (host: Host, count: number): Promise<number[]> {
  const statuses: number[] = []
  for (let i = 0; i < count; i++) {
    statuses.push((await host.app.inject({ method: 'POST', url: '/host/work', remoteAddress: '203.0.113.7' })).statusCode)
  }
  return statuses
}

const hostRoute = (app: FastifyInstance): void => {
  app.post('/host/work', async () => ({ ok: true }))
}

t.test('the host\'s routes are never limited by the plugin: host without @fastify/rate-limit', async (t) => {
  const host = await startHost(t, { plugin: { rateLimit: { max: 1 } }, after: hostRoute })
  await burst(host.app, '/incode/sessions', 3)
  t.equal(count(await hostRouteStatuses(host, 20), 200), 20)
})

t.test('the host\'s routes are never limited by the plugin: host uses @fastify/rate-limit per route', async (t) => {
  const host = await startHost(t, {
    plugin: { rateLimit: { max: 1 } },
    before: async (app) => { await app.register(rateLimit, { global: false }) },
    after: (app) => {
      app.post('/host/work', { config: { rateLimit: { max: 5, timeWindow: '1 minute' } } }, async () => ({ ok: true }))
      app.post('/host/free', async () => ({ ok: true }))
    }
  })
  t.same(await burst(host.app, '/incode/sessions', 2), [201, 429])
  t.same(count(await hostRouteStatuses(host, 7), 200), 5, 'the host\'s own per-route limit, not the plugin\'s')
  t.same(count(await burst(host.app, '/host/free', 20), 200), 20)
})

t.test('the host\'s routes are never limited by the plugin: host uses @fastify/rate-limit globally', async (t) => {
  const host = await startHost(t, {
    plugin: { rateLimit: { max: 1 } },
    before: async (app) => { await app.register(rateLimit, { max: 8, timeWindow: '1 minute' }) },
    after: hostRoute
  })
  t.same(await burst(host.app, '/incode/sessions', 2), [201, 429], 'the plugin\'s limit holds under the host\'s')
  t.equal(count(await hostRouteStatuses(host, 10), 200), 6, 'the host\'s global limit of 8 counts all its routes, and no more')
})

t.test('route-level rateLimit config that a host onRoute hook adds is honoured by the plugin\'s limiter', async (t) => {
  class CountingStore {
    static children = 0
    readonly counts = new Map<string, number>()
    incr (key: string, callback: (err: Error | null, result?: { current: number, ttl: number }) => void): void {
      const current = (this.counts.get(key) ?? 0) + 1
      this.counts.set(key, current)
      callback(null, { current, ttl: 60_000 })
    }

    child (): CountingStore {
      CountingStore.children++
      return new CountingStore()
    }
  }
  const host = await startHost(t, {
    plugin: { rateLimit: { store: CountingStore, max: 10 } },
    before: (app) => {
      app.addHook('onRoute', (route) => {
        route.config = { ...route.config, rateLimit: { max: 2 } } as typeof route.config
      })
    }
  })
  t.equal(CountingStore.children, 2, 'one store per route')
  t.same(await burst(host.app, '/incode/sessions', 3), [201, 201, 429])
  t.same(await burst(host.app, '/incode/onboarding-url', 3), [201, 201, 429], 'each route counts apart')
})

/**
 * The part of an ioredis client that @fastify/rate-limit's Redis store uses, kept in memory. The
 * limit shared by several instances through a real Redis is tested in redis-rate-limit.test.ts.
 */
class InMemoryRedis {
  readonly keys = new Map<string, number>()
  failing = false
  // The store defines its script as a command of its own name, and calls it.
  defineCommand (name: string): void {
    (this as unknown as Record<string, unknown>)[name] = (key: string, timeWindow: number, _max: number,
      _continueExceeding: boolean, _exponentialBackoff: boolean, callback: (err: Error | null, result?: number[]) => void) => {
      if (this.failing) return callback(new Error('ECONNREFUSED 127.0.0.1:6379'))
      const current = (this.keys.get(key) ?? 0) + 1
      this.keys.set(key, current)
      callback(null, [current, timeWindow])
    }
  }
}

t.test('the redis option counts through the host\'s Redis client, under its nameSpace', async (t) => {
  const redis = new InMemoryRedis()
  const host = await startHost(t, { plugin: { rateLimit: { redis: redis as never, nameSpace: 'kyc-limit:', max: 2 } } })
  t.same(await burst(host.app, '/incode/sessions', 3), [201, 201, 429])
  t.same([...redis.keys], [['kyc-limit:203.0.113.7', 3]])

  redis.failing = true
  const res = await host.app.inject({ method: 'POST', url: '/incode/sessions', remoteAddress: '198.51.100.9' })
  t.equal(res.statusCode, 503)
  t.equal(res.json().code, 'FST_INCODE_RATE_LIMIT_UNAVAILABLE')
})

t.test('a ban from @fastify/rate-limit answers 429 like any other limit hit', async (t) => {
  const host = await startHost(t, { plugin: { rateLimit: { max: 1, ban: 0 } } })
  const statuses = await burst(host.app, '/incode/sessions', 3)
  t.same(statuses, [201, 429, 429])
})

type StoreMode = 'up' | 'error' | 'hang' | 'late'

/** A store whose health the test switches: working, failing at once, never answering, or late. */
function switchableStore (): { Store: FastifyRateLimitStoreCtor, state: { mode: StoreMode } } {
  const state: { mode: StoreMode } = { mode: 'up' }
  const counts = new Map<string, number>()
  class Store {
    incr (key: string, callback: (err: Error | null, result?: { current: number, ttl: number }) => void): void {
      if (state.mode === 'error') return callback(new Error('ECONNREFUSED'))
      if (state.mode === 'hang') return
      if (state.mode === 'late') {
        setTimeout(() => callback(null, { current: 1, ttl: 60_000 }), 400)
        return
      }
      const current = (counts.get(key) ?? 0) + 1
      counts.set(key, current)
      callback(null, { current, ttl: 60_000 })
    }

    child (): Store { return this }
  }
  return { Store, state }
}

function outageLines (host: Host): { down: number, back: number } {
  return {
    down: host.logs.records.filter((record) => record.level === 40 && /rate-limit store of the session routes is unavailable/.test(String(record.msg))).length,
    back: host.logs.records.filter((record) => record.level === 30 && /rate-limit store of the session routes is back/.test(String(record.msg))).length
  }
}

t.test('a store that never answers, or answers too late: 503 within storeTimeout, not a hung request', async (t) => {
  for (const mode of ['hang', 'late'] as const) {
    const { Store, state } = switchableStore()
    const host = await startHost(t, { plugin: { rateLimit: { store: Store, storeTimeout: 200 } } })
    state.mode = mode
    const started = Date.now()
    const res = await post(host.app, '/incode/sessions')
    const took = Date.now() - started
    t.equal(res.statusCode, 503, mode)
    t.equal(res.json().code, 'FST_INCODE_RATE_LIMIT_UNAVAILABLE')
    t.ok(took >= 190 && took < 700, `${mode}: answered in ${took} ms`)
    await new Promise((resolve) => setTimeout(resolve, 300))
    t.equal(host.fake.requests.length, 0, `${mode}: Incode not called, not even after a late answer`)
  }
})

for (const failOpen of [false, true]) {
  t.test(`an outage fails ${failOpen ? 'open' : 'closed'}, is logged once, and limiting resumes after it`, async (t) => {
    const { Store, state } = switchableStore()
    const host = await startHost(t, { plugin: { rateLimit: { store: Store, skipOnError: failOpen, max: 3, storeTimeout: 100 } } })
    t.equal((await post(host.app, '/incode/sessions')).statusCode, 201)

    state.mode = 'error'
    const during = [await post(host.app, '/incode/sessions'), await post(host.app, '/incode/onboarding-url')]
    state.mode = 'hang'
    during.push(await post(host.app, '/incode/sessions'))
    t.same(during.map((res) => res.statusCode), failOpen ? [201, 201, 201] : [503, 503, 503])
    t.same(outageLines(host), { down: 1, back: 0 }, 'one warning for the whole outage, not one per request')

    state.mode = 'up'
    const after = await burst(host.app, '/incode/sessions', 3, '127.0.0.1')
    t.same(after, [201, 201, 429], 'the count goes on where the store left it, and limits again')
    t.same(outageLines(host), { down: 1, back: 1 }, 'its end is logged once')
    t.equal(host.fake.sessions.size, failOpen ? 6 : 3)

    state.mode = 'error'
    await post(host.app, '/incode/sessions')
    t.same(outageLines(host), { down: 2, back: 1 }, 'a new outage is logged again')
  })
}
