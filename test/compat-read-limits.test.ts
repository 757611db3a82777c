import t, { type Test } from 'tap'
import { request } from 'undici'
import { startHost, type HostOptions } from './support/host.js'

// The compat routes that read with the token their caller sends (POST /finish, GET /fetch-score,
// POST /auth) each cost an Incode call, a forged token's too: they have a limit of their own,
// apart from session creation, and a refused token is the caller's doing, not an operator's.

const BROWSER = { 'sec-fetch-site': 'same-origin' }
const FORGED = 'eyJhbGciOiJIUzI1NiJ9.eyJleHRlcm5hbFVzZXJJZCI6ImZvcmdlZCJ9.c2lnbmF0dXJl'

async function compatHost (t: Test, options: HostOptions = {}) {
  const host = await startHost(t, { ...options, plugin: { compatRoutes: true, ...options.plugin } })
  return { ...host, url: await host.app.listen({ port: 0, host: '127.0.0.1' }) }
}

async function fetchScore (url: string, token: string) {
  const res = await request(`${url}/incode/fetch-score`, { headers: { ...BROWSER, 'x-token': token } })
  return { status: res.statusCode, headers: res.headers, body: await res.body.json() as Record<string, unknown> }
}

async function finish (url: string, body: string) {
  const res = await request(`${url}/incode/finish`, { method: 'POST', headers: { ...BROWSER, 'content-type': 'text/plain;charset=UTF-8' }, body })
  return { status: res.statusCode, body: await res.body.json() as Record<string, unknown> }
}

t.test('100 forged tokens: 60 reach Incode, the rest are 429, and none is logged as an operator\'s error', async (t) => {
  const host = await compatHost(t)
  const answers = []
  for (let i = 0; i < 100; i++) answers.push(await fetchScore(host.url, `${FORGED}${i}`))
  t.same(answers.slice(0, 60).map((answer) => answer.body.code), Array(60).fill('FST_INCODE_UPSTREAM_REJECTED'), 'Incode refuses the first 60')
  t.same(answers[60]?.body, { statusCode: 429, code: 'FST_INCODE_READ_RATE_LIMITED', error: 'Too Many Requests', message: 'Too many requests; retry later' })
  t.ok(answers.slice(60).every((answer) => answer.status === 429 && Number(answer.headers['retry-after']) > 0), 'then 429 with retry-after')
  t.equal(host.fake.requestsTo('/0/omni/get/score').length, 60, 'only 60 Incode calls')
  const lines = host.logs.records.filter((record) => /^Incode score call failed/.test(String(record.msg)))
  t.equal(lines.length, 60)
  t.same([...new Set(lines.map((line) => line.level))], [30], 'at info, not error')
  t.equal(lines[0]?.msg, 'Incode score call failed: Incode refused the session token the caller sent (401)')
})

t.test('each reading route counts on its own, and none of them touches the session limit', async (t) => {
  const host = await compatHost(t, { plugin: { rateLimit: { max: 1 }, compatRoutes: { readRateLimit: { max: 2, timeWindow: '1 minute' } } } })
  const { token } = (await request(`${host.url}/incode/start`, { headers: BROWSER }).then(async (res) => await res.body.json())) as { token: string }
  t.same([(await fetchScore(host.url, token)).status, (await fetchScore(host.url, token)).status, (await fetchScore(host.url, token)).status],
    [200, 200, 429], 'fetch-score: max 2')
  const body = JSON.stringify({ token })
  t.same([(await finish(host.url, body)).status, (await finish(host.url, body)).status, (await finish(host.url, body)).status],
    [200, 200, 429], 'finish: its own 2')
  t.equal((await request(`${host.url}/incode/start`, { headers: BROWSER })).statusCode, 429, 'the session limit (max 1) was spent by the one start only')
})

t.test('the read limit holds with the session limit off, and readRateLimit: false turns it off', async (t) => {
  const limited = await compatHost(t, { plugin: { rateLimit: false, compatRoutes: { readRateLimit: { max: 1 } } } })
  t.same([(await fetchScore(limited.url, FORGED)).status, (await fetchScore(limited.url, FORGED)).status], [502, 429])
  t.same([(await limited.app.inject({ method: 'POST', url: '/incode/sessions' })).statusCode,
    (await limited.app.inject({ method: 'POST', url: '/incode/sessions' })).statusCode], [201, 201], 'sessions unlimited, as asked')

  const open = await compatHost(t, { plugin: { compatRoutes: { readRateLimit: false } } })
  const statuses = new Set<number>()
  for (let i = 0; i < 70; i++) statuses.add((await fetchScore(open.url, FORGED)).status)
  t.same([...statuses], [502], 'no limit on reads')
})

t.test('compatRoutes: {} is compatRoutes: true, the default read limit of 60 included', async (t) => {
  const host = await compatHost(t, { plugin: { compatRoutes: {} } })
  const answer = await fetchScore(host.url, FORGED)
  t.equal(answer.headers['x-ratelimit-limit'], '60')
})

t.test('a body over 16 KiB is a 413 and reaches nobody', async (t) => {
  const host = await compatHost(t)
  const res = await finish(host.url, JSON.stringify({ token: 'x'.repeat(17 * 1024) }))
  t.equal(res.status, 413)
  t.equal(res.body.code, 'FST_ERR_CTP_BODY_TOO_LARGE')
  t.equal(host.fake.requestsTo('/omni/finish-status').length, 0)
})

t.test('compatRoutes options are checked when the plugin loads', async (t) => {
  for (const [compatRoutes, name] of [
    ['yes', 'compatRoutes'],
    [{ limit: 1 }, 'compatRoutes.limit'],
    [{ readRateLimit: 'x' }, 'compatRoutes.readRateLimit'],
    [{ readRateLimit: { max: -1 } }, 'compatRoutes.readRateLimit.max'],
    [{ readRateLimit: { timeWindow: 'soon' } }, 'compatRoutes.readRateLimit.timeWindow'],
    [{ readRateLimit: { keyGenerator: () => 'k' } }, 'compatRoutes.readRateLimit.keyGenerator']
  ] as const) {
    await t.rejects(startHost(t, { plugin: { compatRoutes: compatRoutes as never } }),
      { code: 'FST_INCODE_INVALID_OPTION', message: new RegExp(`^fastify-incode option "${name.replaceAll('.', '\\.')}"`) }, name)
  }
})

t.test('their limit shares the session limit\'s store: an outage line names both', async (t) => {
  class BrokenStore {
    incr (_key: string, callback: (err: Error | null) => void): void { callback(new Error('store down')) }
    child (): BrokenStore { return this }
  }
  const host = await compatHost(t, { plugin: { rateLimit: { store: BrokenStore } } })
  t.equal((await fetchScore(host.url, FORGED)).status, 503)
  t.same(host.logs.records.filter((record) => record.level === 40).map((record) => record.msg),
    ['The rate-limit store of the session routes and the compat routes that read is unavailable: they fail closed (503) until it is back'])
})
