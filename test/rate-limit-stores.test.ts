import t, { type Test } from 'tap'
import { randomUUID } from 'node:crypto'
import Fastify, { type FastifyInstance } from 'fastify'
import rateLimit from '@fastify/rate-limit'
import { Redis } from 'ioredis'
import { startHost } from './support/host.js'

// The plugin counts in stores of its own (in memory, or in Redis with the host's client), built
// only on @fastify/rate-limit's public API. Each is held to the installed @fastify/rate-limit's own
// store: the same requests, the same answers, headers included, with every option that changes how
// a window moves.

const REDIS_URL = process.env.REDIS_URL
if (REDIS_URL === undefined && process.env.CI !== undefined) t.fail('CI must run the Redis tests: set REDIS_URL')

interface Answer { status: number, remaining: string | undefined, reset: string | undefined }

const VARIANTS = [
  { name: 'a window from the first request', options: {} },
  { name: 'continueExceeding', options: { continueExceeding: true } },
  { name: 'exponentialBackoff', options: { exponentialBackoff: true } }
]

/** The answers to requests from `keys` (one client each) in turn, at `pause` ms apart. */
async function answers (app: FastifyInstance, url: string, keys: string[], pause = 0): Promise<Answer[]> {
  const seen: Answer[] = []
  for (const key of keys) {
    const res = await app.inject({ method: 'POST', url, headers: { 'x-client': key, 'content-type': 'application/json' }, payload: '{}' })
    seen.push({ status: res.statusCode === 201 ? 200 : res.statusCode, remaining: res.headers['x-ratelimit-remaining'] as string | undefined, reset: res.headers['x-ratelimit-reset'] as string | undefined })
    if (pause > 0) await new Promise((resolve) => setTimeout(resolve, pause))
  }
  return seen
}

/** @fastify/rate-limit on its own, with its own store, as a host would register it. */
async function reference (t: Test, options: Record<string, unknown>): Promise<FastifyInstance> {
  const app = Fastify()
  t.teardown(async () => await app.close())
  await app.register(rateLimit, { ...options, keyGenerator: (request) => String(request.headers['x-client']) })
  app.post('/limited', async () => ({ ok: true }))
  await app.ready()
  return app
}

async function plugin (t: Test, options: Record<string, unknown>): Promise<FastifyInstance> {
  const host = await startHost(t, { plugin: { rateLimit: { ...options, keyGenerator: (request) => String(request.headers['x-client']) } } })
  return host.app
}

const SEQUENCE = ['a', 'a', 'a', 'a', 'b', 'a', 'a']

t.test('in memory: the same answers as @fastify/rate-limit\'s own store', async (t) => {
  for (const { name, options } of VARIANTS) {
    const limit = { max: 2, timeWindow: 60_000, ...options }
    const expected = await answers(await reference(t, limit), '/limited', SEQUENCE)
    const seen = await answers(await plugin(t, limit), '/incode/sessions', SEQUENCE)
    t.same(seen, expected, name)
  }
})

t.test('in memory: a window ends after timeWindow, as in @fastify/rate-limit', async (t) => {
  const limit = { max: 1, timeWindow: 200 }
  const expected = await answers(await reference(t, limit), '/limited', ['a', 'a', 'a'], 150)
  const seen = await answers(await plugin(t, limit), '/incode/sessions', ['a', 'a', 'a'], 150)
  t.same(seen.map(({ status }) => status), expected.map(({ status }) => status))
  t.same(seen.map(({ status }) => status), [200, 429, 200], 'the third request is in a new window')
})

t.test('in memory: at most `cache` keys are kept, the least recently counted going first', async (t) => {
  const limit = { max: 1, timeWindow: 60_000, cache: 2 }
  const keys = ['a', 'b', 'c', 'a', 'c', 'b']
  const expected = await answers(await reference(t, limit), '/limited', keys)
  const seen = await answers(await plugin(t, limit), '/incode/sessions', keys)
  t.same(seen, expected)
  t.same(seen.map(({ status }) => status), [200, 200, 200, 200, 429, 200], '"a" and then "b" were forgotten')
})

t.test('in Redis: the same answers and the same keys as @fastify/rate-limit\'s own store', { skip: REDIS_URL === undefined ? 'REDIS_URL is not set: this test needs a Redis (CI starts one)' : false }, async (t) => {
  const redis = new Redis(REDIS_URL as string)
  t.teardown(() => redis.disconnect())
  for (const { name, options } of VARIANTS) {
    const [theirs, ours] = [`fastify-incode-test:${randomUUID()}:`, `fastify-incode-test:${randomUUID()}:`]
    const expected = await answers(await reference(t, { max: 2, timeWindow: 60_000, redis, nameSpace: theirs, ...options }), '/limited', SEQUENCE)
    const seen = await answers(await plugin(t, { max: 2, timeWindow: 60_000, redis, nameSpace: ours, ...options }), '/incode/sessions', SEQUENCE)
    t.same(seen, expected, name)
    t.same((await redis.keys(`${ours}*`)).map((key) => key.slice(ours.length)).sort(), ['a', 'b'], `${name}: one key per client, under nameSpace`)
    t.equal(await redis.get(`${ours}a`), await redis.get(`${theirs}a`), `${name}: counted alike`)
    await redis.del(...await redis.keys(`${theirs}*`), ...await redis.keys(`${ours}*`))
  }
})

t.test('in Redis: a route\'s own limit counts under the route, as in @fastify/rate-limit', { skip: REDIS_URL === undefined ? 'REDIS_URL is not set: this test needs a Redis (CI starts one)' : false }, async (t) => {
  const redis = new Redis(REDIS_URL as string)
  t.teardown(() => redis.disconnect())
  const [theirs, ours] = [`fastify-incode-test:${randomUUID()}:`, `fastify-incode-test:${randomUUID()}:`]
  const app = Fastify()
  t.teardown(async () => await app.close())
  await app.register(rateLimit, { redis, nameSpace: theirs, keyGenerator: (request) => String(request.headers['x-client']) })
  app.get('/fetch-score', { config: { rateLimit: { max: 1, timeWindow: 60_000 } } }, async () => ({ ok: true }))
  const host = await startHost(t, {
    plugin: {
      rateLimit: { redis, nameSpace: ours, keyGenerator: (request) => String(request.headers['x-client']) },
      compatRoutes: { readRateLimit: { max: 1, timeWindow: 60_000 } }
    }
  })
  const statuses = async (target: FastifyInstance, url: string): Promise<number[]> => {
    const seen = []
    for (let i = 0; i < 2; i++) {
      seen.push((await target.inject({ method: 'GET', url, headers: { 'x-client': 'a', 'x-token': 'forged-token' } })).statusCode)
    }
    return seen
  }
  t.same(await statuses(app, '/fetch-score'), [200, 429], '@fastify/rate-limit: one, then refused')
  t.same((await statuses(host.app, '/incode/fetch-score')).slice(1), [429], 'the plugin: one (refused by Incode), then refused by the limit')
  t.same(await redis.keys(`${theirs}*`), [`${theirs}GET/fetch-score-a`])
  t.same(await redis.keys(`${ours}*`), [`${ours}GET/incode/fetch-score-a`], 'under nameSpace, the route, the key')
  t.equal(await redis.get(`${ours}GET/incode/fetch-score-a`), '2')
  await redis.del(`${theirs}GET/fetch-score-a`, `${ours}GET/incode/fetch-score-a`)
})
