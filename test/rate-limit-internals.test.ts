import t from 'tap'
import { createRequire } from 'node:module'

// src/rate-limit.ts builds @fastify/rate-limit's own stores from their private files, the one way
// to bound how long a request waits for them. If an update moves or changes them, this fails by
// name, before any user notices (package.json pins the minor range for the same reason).

const require = createRequire(import.meta.url)
type Incr = (key: string, callback: (error: Error | null, result?: { current: number, ttl: number }) => void, timeWindow: number, max: number) => void
type StoreCtor = new (continueExceeding: boolean, exponentialBackoff: boolean, ...rest: unknown[]) => { incr: Incr, child: unknown }

t.test('@fastify/rate-limit/store/LocalStore.js: (continueExceeding, exponentialBackoff, cache), incr and child', async (t) => {
  const LocalStore = require('@fastify/rate-limit/store/LocalStore.js') as StoreCtor
  t.equal(typeof LocalStore, 'function')
  const store = new LocalStore(false, false, 10)
  t.equal(typeof store.child, 'function')
  const counts: number[] = []
  for (let i = 0; i < 3; i++) {
    await new Promise<void>((resolve, reject) => store.incr('key', (error, result) => {
      if (error !== null || result === undefined) return reject(error)
      counts.push(result.current)
      resolve()
    }, 60_000, 2))
  }
  t.same(counts, [1, 2, 3], 'counts per key')
})

t.test('@fastify/rate-limit/store/RedisStore.js: (continueExceeding, exponentialBackoff, redis, nameSpace), incr and child', async (t) => {
  const RedisStore = require('@fastify/rate-limit/store/RedisStore.js') as StoreCtor
  t.equal(typeof RedisStore, 'function')
  const defined: string[] = []
  const redis = { defineCommand: (name: string) => { defined.push(name) } }
  const store = new RedisStore(false, false, redis, 'ns:') as unknown as { incr: Incr, child: unknown, key: string }
  t.ok(defined.includes('rateLimit'), 'it defines its script on the host\'s client')
  t.equal(store.key, 'ns:', 'under the nameSpace given')
  t.equal(typeof store.incr, 'function')
  t.equal(typeof store.child, 'function')
})
