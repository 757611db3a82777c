// idleTimeoutMs and idleClose: the fake ends idle connections as a load balancer does, unannounced.
import { once } from 'node:events'
import { connect } from 'node:net'
import type { Socket } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import type { Test } from 'tap'
import { Pool } from 'undici'
import type { Dispatcher } from 'undici'
import { createFakeIncode } from '../src/testing/index.js'
import type { FakeIncode } from '../src/testing/index.js'
import { startFake } from './support/raw-http.js'
import { until } from './support/wait.js'

/** One keep-alive connection, so reusing it or not is what the test sees. */
function onePool (t: Test, fake: FakeIncode): Pool {
  const pool = new Pool(fake.url, { connections: 1 })
  t.teardown(() => pool.destroy())
  return pool
}

async function get (pool: Pool): Promise<Pick<Dispatcher.ResponseData, 'statusCode' | 'headers'>> {
  const { statusCode, headers, body } = await pool.request({ path: '/nowhere', method: 'GET' })
  await body.dump()
  return { statusCode, headers }
}

/** A raw connection, for what no HTTP client shows: a FIN, or a RST. */
async function rawConnection (t: Test, fake: FakeIncode): Promise<Socket> {
  const socket = connect(Number(new URL(fake.url).port), '127.0.0.1')
  t.teardown(() => socket.destroy())
  await once(socket, 'connect')
  return socket
}

function activeTimers (): number {
  return process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length
}

t.test('without idleTimeoutMs, Node announces and keeps its own keep-alive timeout', async (t) => {
  const fake = await startFake(t)
  const { statusCode, headers } = await get(onePool(t, fake))
  t.equal(statusCode, 404)
  t.equal(headers['keep-alive'], 'timeout=5')
})

t.test('idleTimeoutMs: no Keep-Alive header, and a connection in use stays open', async (t) => {
  const fake = await startFake(t, { idleTimeoutMs: 400 })
  const pool = onePool(t, fake)
  for (let i = 0; i < 4; i++) {
    const { statusCode, headers } = await get(pool)
    t.equal(statusCode, 404)
    t.equal(headers.connection, 'keep-alive')
    t.equal(headers['keep-alive'], undefined, 'the timeout is not announced')
    await sleep(100)
  }
  // A request in progress is not idle, however long it takes.
  fake.failNext({ type: 'delay', ms: 700 })
  t.equal((await get(pool)).statusCode, 404)
  t.equal((await get(pool)).statusCode, 404)
  t.equal(fake.connectionsOpened, 1, 'requests spaced below the idle time reuse one connection')
})

t.test('idleClose fin (default): the client sees its idle connection closed', async (t) => {
  const fake = await startFake(t, { idleTimeoutMs: 200 })
  const pool = onePool(t, fake)
  t.equal((await get(pool)).statusCode, 404)
  const idleSince = Date.now()
  const [, , error] = await once(pool, 'disconnect') as [URL, Dispatcher[], Error]
  t.ok(Date.now() - idleSince >= 150, 'after the idle time')
  t.match(error, { code: 'UND_ERR_SOCKET', message: 'other side closed' })
  await until(() => fake.activeConnections === 0, 'the fake to let the connection go')

  t.equal((await get(pool)).statusCode, 404, 'the next request opens a new connection')
  t.equal(fake.connectionsOpened, 2)
  t.equal(fake.requests.length, 2)

  const silent = await rawConnection(t, fake)
  const ended = once(silent, 'end')
  await t.resolves(ended, 'a connection that never sent a request gets a FIN too')
})

t.test('idleClose reset: the fake forgets, then answers the reused connection with a RST', async (t) => {
  const fake = await startFake(t, { idleTimeoutMs: 200, idleClose: 'reset' })
  const pool = onePool(t, fake)
  let disconnects = 0
  pool.on('disconnect', () => { disconnects++ })
  t.equal((await get(pool)).statusCode, 404)
  await sleep(500)
  t.equal(disconnects, 0, 'no FIN: the client still thinks the connection is good')
  t.equal(fake.activeConnections, 1, 'the socket is still open on the fake\'s side')

  await t.rejects(get(pool), { code: 'ECONNRESET' }, 'the reused connection is reset')
  t.equal(fake.requests.length, 1, 'the request on it was never read')
  t.equal(fake.requestsReceived, 1)
  t.equal(disconnects, 1)

  t.equal((await get(pool)).statusCode, 404, 'a new connection works')
  t.equal(fake.connectionsOpened, 2)
})

t.test('close() destroys forgotten and busy connections and leaves no timer running', async (t) => {
  const timersBefore = activeTimers()
  const fake = await createFakeIncode({ idleTimeoutMs: 300, idleClose: 'reset' })
  const forgotten = await rawConnection(t, fake)
  await sleep(500)
  const busy = await rawConnection(t, fake)
  await until(() => activeTimers() > timersBefore, 'the new connection\'s idle timer')
  fake.failNext({ type: 'hang' })
  busy.write('GET /nowhere HTTP/1.1\r\nhost: fake\r\n\r\n')
  await until(() => fake.requests.length === 1, 'the hung request to arrive')

  const closed = Promise.all([once(forgotten, 'close'), once(busy, 'close')])
  await fake.close()
  await closed
  t.equal(fake.activeConnections, 0)
  t.equal(activeTimers(), timersBefore, 'nothing keeps the process alive')
})

t.test('idle options are checked when the fake starts', async (t) => {
  for (const idleTimeoutMs of [0, 1.5, 2 ** 31, Number.NaN]) {
    await t.rejects(createFakeIncode({ idleTimeoutMs }), RangeError, `idleTimeoutMs ${idleTimeoutMs}`)
  }
  await t.rejects(createFakeIncode({ idleTimeoutMs: 100, idleClose: 'rst' as 'reset' }), RangeError)
  await t.rejects(createFakeIncode({ idleClose: 'fin' }), { name: 'TypeError', message: 'idleClose needs idleTimeoutMs' })
  const fake = await startFake(t, { idleTimeoutMs: 2 ** 31 - 1, idleClose: 'fin' })
  t.equal((await get(onePool(t, fake))).statusCode, 404, 'the longest timer Node can set is fine')
})
