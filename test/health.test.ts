// fastify.incode.health() as a readiness check: each rate-limit store of the routes answering, the
// admin token obtainable where configured, each within its bound; and @fastify/under-pressure's
// status route built on it. Redis here is a closed port and a stand-in that speaks its protocol,
// so these run on every machine; redis-rate-limit.test.ts checks a real Redis.
import t, { type Test } from 'tap'
import { Redis } from 'ioredis'
import underPressure from '@fastify/under-pressure'
import type { FastifyRateLimitStoreCtor } from '@fastify/rate-limit'
import type { IncodeHealth } from '../src/index.js'
import { assertNoSecretsLogged, startHost } from './support/host.js'
import { closedPort } from './support/network.js'
import { startRedisStandIn } from './support/redis-stand-in.js'

const ADMIN = { adminEmail: 'admin@host.test', adminPassword: 'admin-password' }
const SECRET_HEADER = { name: 'x-incode-webhook-secret', value: 'a-webhook-secret-of-at-least-32-characters' }

function redisClient (t: Test, port: number): Redis {
  const redis = new Redis({ host: '127.0.0.1', port, retryStrategy: () => 50 })
  redis.on('error', () => {})
  t.teardown(() => redis.disconnect())
  return redis
}

/** Resolves with the health, or rejects if it takes longer than `ms`: a check must never hang. */
async function within (ms: number, health: Promise<IncodeHealth>): Promise<IncodeHealth> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((resolve, reject) => { timer = setTimeout(() => reject(new Error(`health() took over ${ms} ms`)), ms) })
  try {
    return await Promise.race([health, late])
  } finally {
    clearTimeout(timer)
  }
}

t.test('the default host: the in-memory store answers, no admin token to check', async (t) => {
  const host = await startHost(t)
  t.match(await host.app.incode.health(), { ok: true, checks: { rateLimitStore: { ok: true, durationMs: Number } } })
  t.same(Object.keys((await host.app.incode.health()).checks), ['rateLimitStore'])
  t.equal(host.fake.requests.length, 0, 'Incode is not called')
})

t.test('nothing to check without routes, limit or admin token', async (t) => {
  for (const plugin of [{ exposeRoutes: false }, { rateLimit: false as const }]) {
    const host = await startHost(t, { plugin })
    t.same(await host.app.incode.health(), { ok: true, checks: {} })
  }
})

t.test('the admin token: obtained by a log-in the calls then use; a refused one fails the check without a log-in each time', async (t) => {
  const host = await startHost(t, { fake: ADMIN, plugin: ADMIN })
  t.match(await host.app.incode.health(), { ok: true, checks: { adminToken: { ok: true }, rateLimitStore: { ok: true } } })
  const { interviewId } = (await host.app.inject({ method: 'POST', url: '/incode/sessions' })).json()
  await host.app.incode.getScore(interviewId)
  await host.app.incode.health()
  t.equal(host.fake.requestsTo('/executive/log-in').length, 1, 'one log-in for the check and the calls')

  const refused = await startHost(t, { fake: ADMIN, plugin: { ...ADMIN, adminPassword: 'not-the-password' } })
  const first = await refused.app.incode.health()
  t.same(first.checks.adminToken, {
    ok: false,
    durationMs: first.checks.adminToken?.durationMs,
    code: 'FST_INCODE_ADMIN_LOGIN_FAILED',
    message: first.checks.adminToken?.message
  })
  t.match(first.checks.adminToken?.message, /^The administrator log-in to the identity verification service failed/)
  t.equal(first.ok, false)
  t.equal(first.checks.rateLimitStore?.ok, true, 'the other check is its own')
  t.match(await refused.app.incode.health(), { ok: false, checks: { adminToken: { code: 'FST_INCODE_ADMIN_LOGIN_FAILED', message: /no new log-in for \d+ s/ } } })
  t.equal(refused.fake.requestsTo('/executive/log-in').length, 1, 'a refused log-in is not tried again at once: the account is not locked by probes')
  assertNoSecretsLogged(t, refused, [ADMIN.adminPassword, 'not-the-password'])

  const given = await startHost(t, { plugin: { adminToken: 'a-token-the-host-holds' } })
  t.match(await given.app.incode.health(), { ok: true, checks: { adminToken: { ok: true } } })
  t.equal(given.fake.requests.length, 0, 'a token the host gave is held: nothing to call')
})

t.test('an admin log-in that never answers fails the check within the call timeout', async (t) => {
  const host = await startHost(t, { fake: ADMIN, plugin: { ...ADMIN, timeout: 300, retries: 0 } })
  host.fake.failAlways({ type: 'hang' }, { path: '/executive/log-in' })
  const health = await within(3000, host.app.incode.health())
  t.equal(health.ok, false)
  t.match(health.checks.adminToken?.code, /^FST_INCODE_(ADMIN_LOGIN_FAILED|CALL_NOT_SENT)$/)
})

t.test('a Redis store: answering, then gone, then back; each answer within storeTimeout', async (t) => {
  const port = await closedPort()
  const redis = redisClient(t, port)
  const host = await startHost(t, { plugin: { rateLimit: { redis, storeTimeout: 200 } } })

  const down = await within(3000, host.app.incode.health())
  t.same(down.checks.rateLimitStore, {
    ok: false,
    durationMs: down.checks.rateLimitStore?.durationMs,
    code: 'FST_INCODE_RATE_LIMIT_UNAVAILABLE',
    message: 'The rate limit cannot be checked right now; retry later'
  })
  t.ok((down.checks.rateLimitStore?.durationMs ?? Infinity) < 2000, 'bounded by storeTimeout, not by Redis')

  const standIn = await startRedisStandIn(port)
  t.teardown(() => standIn.close())
  await new Promise((resolve) => redis.once('ready', resolve))
  t.match(await host.app.incode.health(), { ok: true, checks: { rateLimitStore: { ok: true } } })
  t.ok(standIn.commands.some((name) => name.startsWith('EVAL')), 'counted in the store as the routes count')
  t.equal((await host.app.inject({ method: 'POST', url: '/incode/sessions' })).statusCode, 201, 'the probe uses no client\'s count')
})

t.test('the webhook routes\' own store has its own check', async (t) => {
  const port = await closedPort()
  const host = await startHost(t, {
    plugin: {
      rateLimit: false,
      webhook: { secretHeader: SECRET_HEADER, onWebhook: async () => {}, rateLimit: { redis: redisClient(t, port), storeTimeout: 200 } }
    }
  })
  t.match(await within(3000, host.app.incode.health()), {
    ok: false,
    checks: { webhookRateLimitStore: { ok: false, code: 'FST_INCODE_RATE_LIMIT_UNAVAILABLE' } }
  })
  t.notOk('rateLimitStore' in (await host.app.incode.health()).checks, 'the session routes have no limit')
})

t.test('a host\'s store that never answers fails the check within storeTimeout', async (t) => {
  class Silent {
    incr (): void {}
    child (): Silent { return new Silent() }
  }
  const host = await startHost(t, { plugin: { rateLimit: { store: Silent as unknown as FastifyRateLimitStoreCtor, storeTimeout: 200 } } })
  t.match(await within(3000, host.app.incode.health()), { ok: false, checks: { rateLimitStore: { code: 'FST_INCODE_RATE_LIMIT_UNAVAILABLE' } } })
})

t.test('@fastify/under-pressure\'s healthCheck: its status route answers 503 while the store is away', async (t) => {
  const port = await closedPort()
  const redis = redisClient(t, port)
  const host = await startHost(t, {
    plugin: { rateLimit: { redis, storeTimeout: 200 } },
    after: async (app) => {
      await app.register(underPressure, {
        exposeStatusRoute: '/ready',
        healthCheck: async () => (await app.incode.health()).ok,
        healthCheckInterval: 50
      })
    }
  })
  t.equal((await host.app.inject('/ready')).statusCode, 503)
  t.match((await host.app.inject({ method: 'POST', url: '/incode/sessions' })).json(), { statusCode: 503, code: 'FST_UNDER_PRESSURE' },
    'under-pressure holds every route while unhealthy')
  const standIn = await startRedisStandIn(port)
  t.teardown(() => standIn.close())
  let ready = await host.app.inject('/ready')
  for (const deadline = Date.now() + 5000; ready.statusCode !== 200 && Date.now() < deadline;) {
    await new Promise((resolve) => setTimeout(resolve, 50))
    ready = await host.app.inject('/ready')
  }
  t.equal(ready.statusCode, 200, 'ready once the store answers again')
  t.same(ready.json(), { status: 'ok' })
  t.equal((await host.app.inject({ method: 'POST', url: '/incode/sessions' })).statusCode, 201)
})
