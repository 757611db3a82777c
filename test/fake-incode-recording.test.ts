// What the fake records: every request as received (bodies capped at 1 MiB), kept up to maxRecorded, until reset().
import { once } from 'node:events'
import { connect } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { createFakeIncode } from '../src/testing/index.js'
import { call, getOnboardingUrl, startAnswer, startFake, startSession, statusOf } from './support/raw-http.js'
import { until } from './support/wait.js'

t.test('records every request: method, path, query, headers, body', async (t) => {
  const fake = await startFake(t)
  const started = new Date()
  await (await startSession(fake, { configurationId: 'flow-1' }, { 'x-extra': 'yes' })).body.dump()
  await (await getOnboardingUrl(fake, 'some-token', '?clientId=fake-client&a=1')).body.dump()
  await (await startSession(fake, 'plain words', { 'content-type': 'text/plain' })).body.dump()
  await (await call(fake, '/elsewhere', { method: 'POST' })).body.dump()

  t.equal(fake.requests.length, 4)
  const [start, url, text, empty] = fake.requests
  t.match(start, {
    method: 'POST',
    path: '/omni/start',
    query: {},
    headers: { 'x-api-key': fake.apiKey, 'api-version': '1.0', 'x-extra': 'yes' },
    body: { configurationId: 'flow-1' }
  })
  t.ok(start?.receivedAt instanceof Date && start.receivedAt >= started)
  t.match(url, {
    method: 'GET',
    path: '/0/omni/onboarding-url',
    query: { clientId: 'fake-client', a: '1' },
    headers: { 'x-incode-hardware-id': 'some-token' },
    body: undefined
  })
  t.equal(text?.body, 'plain words', 'a body that is not JSON is kept as text')
  t.match(empty, { method: 'POST', path: '/elsewhere', body: undefined })
  t.same(fake.requestsTo('/omni/start'), [start, text])
  t.same(fake.requestsTo('/nowhere'), [])
})

t.test('bodies are capped at 1 MiB', async (t) => {
  const fake = await startFake(t)
  // Exactly 1 MiB of valid JSON still goes through.
  const frame = JSON.stringify({ configurationId: 'flow-1', customFields: { pad: '' } })
  const fits = JSON.stringify({ configurationId: 'flow-1', customFields: { pad: 'x'.repeat(1024 * 1024 - frame.length) } })
  t.equal(Buffer.byteLength(fits), 1024 * 1024)
  t.equal((await startSession(fake, fits)).statusCode, 200)

  const { statusCode, headers, body } = await startSession(fake, fits + ' ')
  t.equal(statusCode, 413)
  t.equal(headers.connection, 'close')
  t.match(await body.json(), { status: 413, error: 'Payload Too Large', path: '/omni/start' })
  t.equal(fake.requests.length, 2)
  t.equal(fake.requests[1]?.body, undefined, 'recorded, without the body')

  const huge = await startSession(fake, 'x'.repeat(8 * 1024 * 1024))
  t.equal(huge.statusCode, 413)
  await huge.body.dump()
  await until(() => fake.activeConnections === 0, 'the connection to close')
  t.equal(fake.sessions.size, 1)
})

t.test('a client that leaves in the middle of its body is not recorded', async (t) => {
  const fake = await startFake(t)
  const socket = connect(Number(new URL(fake.url).port), '127.0.0.1')
  await once(socket, 'connect')
  // Node answers 100-continue in the same tick as it hands the request over: once the client
  // reads it, the fake is waiting for the body.
  socket.write('POST /omni/start HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\nexpect: 100-continue\r\n\r\n')
  const [interim] = await once(socket, 'data') as [Buffer]
  t.match(interim.toString(), /^HTTP\/1\.1 100 Continue/)
  socket.write('{"config')
  await sleep(10)
  socket.destroy()
  await until(() => fake.activeConnections === 0, 'the connection to close')
  t.equal(fake.requests.length, 0)
  t.equal((await startSession(fake)).statusCode, 200, 'and the fake carries on')
})

t.test('reset forgets requests, sessions, faults and counts', async (t) => {
  const fake = await startFake(t)
  const requests = fake.requests
  const { token } = await startAnswer(fake)
  fake.failNext({ type: 'status', status: 500 })
  fake.failAlways({ type: 'status', status: 502 })
  t.equal(fake.requestsReceived, 1)
  t.equal(fake.sessionsCreated, 1)
  fake.reset()
  t.equal(requests.length, 0, 'the same array, emptied')
  t.equal(fake.sessions.size, 0)
  t.equal(fake.requestsReceived, 0)
  t.equal(fake.sessionsCreated, 0)
  const answer = await getOnboardingUrl(fake, token)
  t.equal(answer.statusCode, 401, 'no fault left, and the old token is unknown')
  await answer.body.dump()
})

t.test('maxRecorded: only the newest requests and sessions are kept, all are counted', async (t) => {
  const fake = await startFake(t, { maxRecorded: 3 })
  const requests = fake.requests
  const answers = []
  for (let i = 0; i < 5; i++) {
    const { statusCode, body } = await startSession(fake, { configurationId: 'flow-1', externalCustomerId: `customer-${i}` })
    t.equal(statusCode, 200)
    answers.push(await body.json() as { token: string, interviewId: string })
  }
  const customers = (kept: Iterable<{ body: unknown }>) => [...kept].map((entry) => (entry.body as { externalCustomerId: string }).externalCustomerId)
  t.equal(fake.requests, requests, 'the same array the test held')
  t.same(customers(requests), ['customer-2', 'customer-3', 'customer-4'], 'the newest three requests, oldest first')
  t.same([...fake.sessions.keys()], answers.slice(2).map((answer) => answer.interviewId), 'the newest three sessions')
  t.equal(fake.sessionsCreated, 5)
  t.equal(fake.requestsReceived, 5)

  const [first, , , , last] = answers
  const dropped = await getOnboardingUrl(fake, first?.token)
  t.equal(dropped.statusCode, 401, 'a dropped session\'s token is unknown')
  t.match(await dropped.body.json(), { status: 401, message: 'Invalid or missing session token' })
  t.equal(await statusOf(call(fake, `/onboarding/${first?.interviewId}`)), 404, 'and so is its page')
  t.equal(await statusOf(getOnboardingUrl(fake, last?.token)), 200, 'a kept one still works')
  t.equal(await statusOf(startSession(fake, {}, { 'x-api-key': 'wrong' })), 403)
  t.equal(fake.requestsReceived, 9, 'every request counts')
  t.equal(fake.sessionsCreated, 5, 'only the sessions created')
  t.equal(requests.length, 3)
  t.same(requests.map((request) => request.path), ['/onboarding/' + first?.interviewId, '/0/omni/onboarding-url', '/omni/start'])
})

t.test('maxRecorded must be a positive integer', async (t) => {
  for (const maxRecorded of [0, -1, 2.5, Number.NaN]) {
    await t.rejects(createFakeIncode({ maxRecorded }), { name: 'RangeError', message: `maxRecorded must be a positive integer, got ${maxRecorded}` })
  }
  const fake = await startFake(t, { maxRecorded: 1 })
  await startAnswer(fake)
  await startAnswer(fake)
  t.equal(fake.requests.length, 1)
  t.equal(fake.sessions.size, 1)
})
