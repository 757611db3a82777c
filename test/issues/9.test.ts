import t from 'tap'
import type { AddressInfo } from 'node:net'
import { Agent, request } from 'undici'
import { startHost } from '../support/host.js'

// Issue 9: a 16-connection pool turned Incode's latency into a queue, and a burst of browsers
// waited out the whole deadline. At a 200 ms upstream and a 1 500 ms deadline, a queue of 16
// would answer most of 300 browsers with 504; with the pool out of the way, all get a session.

t.test('300 browsers at once against a 200 ms Incode, 1 500 ms deadline: 300 × 201, all recorded', async (t) => {
  const host = await startHost(t, { plugin: { rateLimit: false, timeout: 1500 }, fake: { latencyMs: 200 } })
  await host.app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = host.app.server.address() as AddressInfo
  const browsers = new Agent({ connections: 300 })
  t.teardown(() => browsers.close())

  const statuses = await Promise.all(Array.from({ length: 300 }, async () => {
    const res = await request(`http://127.0.0.1:${port}/incode/sessions`, { method: 'POST', dispatcher: browsers })
    await res.body.dump()
    return res.statusCode
  }))
  t.same(statuses.filter((status) => status !== 201), [], 'every browser got its session')
  t.equal(host.fake.sessions.size, 300, 'Incode created 300 sessions')
  t.equal(host.recorded.length, 300, 'and the host recorded all 300')
  t.ok(host.recorded.every((session) => session.delivered), 'each delivered to its browser')
})
