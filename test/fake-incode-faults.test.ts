// How each fault misbehaves: status, garbage, json, delay, hang, trickle and drop, as a client sees them.
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { call, getOnboardingUrl, startFake, startSession } from './support/raw-http.js'
import { until } from './support/wait.js'

t.test('fault status: the status, a JSON, text or empty body, extra headers', async (t) => {
  const fake = await startFake(t)
  fake.failNext({ type: 'status', status: 500, body: { status: 5001, message: 'trouble' } })
  fake.failNext({ type: 'status', status: 502, body: 'Bad Gateway' })
  fake.failNext({ type: 'status', status: 429, headers: { 'retry-after': '2', 'Content-Type': 'text/html' } })
  fake.failNext({ type: 'status', status: 503, body: { a: 1 }, headers: { 'content-type': 'application/problem+json' } })

  const json = await startSession(fake)
  t.equal(json.statusCode, 500)
  t.match(json.headers['content-type'], /^application\/json/)
  t.equal(json.headers['processing-time'], undefined, 'a fault answers exactly what it was told')
  t.same(await json.body.json(), { status: 5001, message: 'trouble' })

  const text = await startSession(fake)
  t.equal(text.statusCode, 502)
  t.match(text.headers['content-type'], /^text\/plain/)
  t.equal(await text.body.text(), 'Bad Gateway')

  const empty = await startSession(fake)
  t.equal(empty.statusCode, 429)
  t.equal(empty.headers['retry-after'], '2')
  t.equal(empty.headers['content-type'], 'text/html')
  t.equal(await empty.body.text(), '')

  const typed = await startSession(fake)
  t.equal(typed.statusCode, 503)
  t.equal(typed.headers['content-type'], 'application/problem+json', 'a fault header beats the default')
  await typed.body.dump()

  t.equal((await startSession(fake)).statusCode, 200, 'then back to normal')
  t.equal(fake.sessions.size, 1)
  t.equal(fake.requests.length, 5, 'faulted requests are recorded')
})

t.test('fault garbage and json: 200 answers the client cannot use', async (t) => {
  const fake = await startFake(t)
  fake.failNext({ type: 'garbage' })
  fake.failNext({ type: 'json', body: {} })
  fake.failNext({ type: 'json', body: { url: 1 } })

  const garbage = await startSession(fake)
  t.equal(garbage.statusCode, 200)
  t.match(garbage.headers['content-type'], /^application\/json/)
  const text = await garbage.body.text()
  t.throws(() => JSON.parse(text))

  const noToken = await startSession(fake)
  t.equal(noToken.statusCode, 200)
  t.same(await noToken.body.json(), {})

  const wrongType = await getOnboardingUrl(fake, 'not even a token')
  t.equal(wrongType.statusCode, 200, 'faults come before any check')
  t.same(await wrongType.body.json(), { url: 1 })
  t.equal(fake.sessions.size, 0)
})

t.test('fault delay: waits, then answers normally', async (t) => {
  const fake = await startFake(t)
  fake.failNext({ type: 'delay', ms: 150 })
  const began = Date.now()
  const { statusCode, body } = await startSession(fake)
  t.ok(Date.now() - began >= 140, 'waited')
  t.equal(statusCode, 200)
  await body.dump()
  t.equal(fake.sessions.size, 1)

  fake.failNext({ type: 'delay', ms: 0 })
  t.equal((await startSession(fake)).statusCode, 200, 'no wait at all')
})

t.test('fault hang (headers): the client sees nothing until its own deadline', async (t) => {
  const fake = await startFake(t)
  fake.failNext({ type: 'hang' })
  await t.rejects(call(fake, '/omni/start', { method: 'POST', headersTimeout: 200 }), { code: 'UND_ERR_HEADERS_TIMEOUT' })
  t.equal(fake.requests.length, 1)
  fake.failNext({ type: 'hang', phase: 'headers' })
  await t.rejects(call(fake, '/omni/start', { method: 'POST', headersTimeout: 200 }), { code: 'UND_ERR_HEADERS_TIMEOUT' })
})

t.test('fault hang (body): headers, then a body that never ends', async (t) => {
  const fake = await startFake(t)
  fake.failNext({ type: 'hang', phase: 'body' })
  const { statusCode, headers, body } = await startSession(fake)
  t.equal(statusCode, 200)
  t.match(headers['content-type'], /^application\/json/)
  const chunks: string[] = []
  body.on('data', (chunk: Buffer) => chunks.push(chunk.toString()))
  await until(() => chunks.length > 0, 'the first part of the body')
  t.match(chunks.join(''), /^\{"token":"/)
  await sleep(100)
  t.equal(body.readableEnded, false, 'still not finished')
  body.destroy()
  await until(() => fake.activeConnections === 0, 'the connection to close')
})

t.test('fault trickle: one byte at a time, forever', async (t) => {
  const fake = await startFake(t)
  fake.failNext({ type: 'trickle', intervalMs: 10 })
  fake.failNext({ type: 'trickle' })
  for (const interval of [10, 50]) {
    const began = Date.now()
    const { statusCode, body } = await startSession(fake)
    t.equal(statusCode, 200)
    let received = ''
    for await (const chunk of body) {
      received += String(chunk)
      if (received.length >= 4) break
    }
    t.equal(received, '    ', 'whitespace: still valid JSON so far')
    t.ok(Date.now() - began >= interval * 3, `about one byte every ${interval} ms`)
    await until(() => fake.activeConnections === 0, 'the client to hang up')
  }
})

t.test('fault drop: before the headers, or in the middle of the body', async (t) => {
  const fake = await startFake(t)
  fake.failNext({ type: 'drop' })
  fake.failNext({ type: 'drop', phase: 'before-headers' })
  fake.failNext({ type: 'drop', phase: 'after-headers' })

  await t.rejects(startSession(fake), { code: 'UND_ERR_SOCKET' })
  await t.rejects(startSession(fake), { code: 'UND_ERR_SOCKET' })

  const { statusCode, body } = await startSession(fake)
  t.equal(statusCode, 200, 'the headers arrived')
  await t.rejects(body.text(), 'the body did not')

  t.equal((await startSession(fake)).statusCode, 200, 'then back to normal')
  t.equal(fake.requests.length, 4)
})
