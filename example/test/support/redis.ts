// The example tests' Redis (REDIS_URL, which CI sets): a name space of each test's own for the rate
// limit's counts, so that runs never count each other's requests, its keys removed after.
import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import type { Test } from 'tap'

export const REDIS_URL = process.env.REDIS_URL || undefined

/** A RATE_LIMIT_NAMESPACE no other run uses; what was counted under it is removed when the test ends. */
export function freshNameSpace (t: Test): string {
  if (REDIS_URL === undefined) throw new Error('REDIS_URL is not set: CI must run the tests on a Redis')
  const nameSpace = `fastify-incode-example-test-${process.pid}-${randomBytes(4).toString('hex')}:`
  t.teardown(async () => {
    const redis = new Redis(REDIS_URL)
    try {
      const keys = await redis.keys(`${nameSpace}*`)
      if (keys.length > 0) await redis.del(...keys)
    } finally {
      redis.disconnect()
    }
  })
  return nameSpace
}
