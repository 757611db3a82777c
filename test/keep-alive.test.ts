import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { startHost } from './support/host.js'

// Incode sits behind load balancers that close idle connections, often without a Keep-Alive
// header to say when. A pooled connection reused just as the other side drops it fails a request
// that never reached Incode; the pool must let go of idle connections first.

for (const idleClose of ['fin', 'reset'] as const) {
  t.test(`an Incode that drops connections idle for 1 s (${idleClose}, unannounced): every session succeeds with the defaults`, async (t) => {
    const host = await startHost(t, { plugin: { rateLimit: false }, fake: { idleTimeoutMs: 1000, idleClose } })
    const statuses: number[] = []
    for (let i = 0; i < 4; i++) {
      // Right at the other side's idle timeout: the moment a reused connection would meet its close.
      if (i > 0) await sleep(1000)
      statuses.push((await host.app.inject({ method: 'POST', url: '/incode/sessions' })).statusCode)
    }
    t.same(statuses, [201, 201, 201, 201])
    t.equal(host.fake.requestsTo('/omni/start').length, 4, 'one request each, none retried')
    t.equal(host.fake.connectionsOpened, 4, 'the pool let go of each connection before the other side could')
  })
}

t.test('keepAliveTimeout is honoured: an idle connection is reused within it, replaced after it', async (t) => {
  const host = await startHost(t, { plugin: { rateLimit: false, keepAliveTimeout: 800 }, fake: { idleTimeoutMs: 10_000 } })
  const start = async (): Promise<number> => (await host.app.inject({ method: 'POST', url: '/incode/sessions' })).statusCode
  t.equal(await start(), 201)
  await sleep(400)
  t.equal(await start(), 201)
  t.equal(host.fake.connectionsOpened, 1, 'reused after 400 ms idle')
  await sleep(1000)
  t.equal(await start(), 201)
  t.equal(host.fake.connectionsOpened, 2, 'replaced after 1 000 ms idle')
})

t.test('what remains: a keepAliveTimeout longer than Incode\'s silent drop fails the reused request, unretried', async (t) => {
  const host = await startHost(t, {
    plugin: { rateLimit: false, keepAliveTimeout: 5000, retries: 2 },
    fake: { idleTimeoutMs: 200, idleClose: 'reset' }
  })
  t.equal((await host.app.inject({ method: 'POST', url: '/incode/sessions' })).statusCode, 201)
  await sleep(400)
  const res = await host.app.inject({ method: 'POST', url: '/incode/sessions' })
  t.equal(res.json().code, 'FST_INCODE_UPSTREAM_UNREACHABLE', 'the reset reads as unreachable')
  const line = host.logs.records.find((record) => record.code === 'FST_INCODE_UPSTREAM_UNREACHABLE')
  t.equal(line?.attempts, 1, 'and is not retried: from here, a written request may have reached Incode')
  t.equal(host.fake.requestsTo('/omni/start').length, 1, 'in truth it never did')
})
