import t, { type Test } from 'tap'
import type { FakeIncodeFault, FakeIncodePath } from '../src/testing/index.js'
import { assertNoSecretsLogged, post, startHost, type Host } from './support/host.js'
import { closedPort } from './support/network.js'
import { UPSTREAM_ERRORS as expected } from './support/upstream-errors.js'

// Every row of SPEC §6 that Incode can cause, on both routes, end to end.

const INCODE_TEXT = 'IncodeInternalText-7f3a'
const incodeError = (status: number): FakeIncodeFault => ({
  type: 'status',
  status,
  body: { timestamp: 1, status, error: 'Error', message: `${INCODE_TEXT}: something broke`, path: '/omni/start' }
})

interface Row {
  name: string
  fault: FakeIncodeFault
  always?: boolean
  expect: keyof typeof expected
  /** Requests Incode receives on the faulted path (retries show here). */
  attempts: number
}

const rows: Row[] = [
  { name: '401', fault: incodeError(401), expect: 'rejected', attempts: 1 },
  { name: '403', fault: incodeError(403), expect: 'rejected', attempts: 1 },
  { name: '400', fault: incodeError(400), expect: 'rejected', attempts: 1 },
  { name: '404', fault: incodeError(404), expect: 'rejected', attempts: 1 },
  { name: '429 on every attempt', fault: incodeError(429), always: true, expect: 'upstream', attempts: 3 },
  { name: '500', fault: incodeError(500), expect: 'upstream', attempts: 1 },
  { name: '502', fault: incodeError(502), expect: 'upstream', attempts: 1 },
  { name: '503 on every attempt', fault: incodeError(503), always: true, expect: 'upstream', attempts: 3 },
  { name: 'a 200 that is not JSON', fault: { type: 'garbage' }, expect: 'bad', attempts: 1 },
  { name: 'a 200 JSON without token', fault: { type: 'json', body: { interviewId: '0123456789abcdef01234567' } }, expect: 'bad', attempts: 1 },
  { name: 'a 200 JSON without url', fault: { type: 'json', body: { link: 'https://x.test/' } }, expect: 'bad', attempts: 1 },
  { name: 'a connection dropped before the headers', fault: { type: 'drop' }, expect: 'unreachable', attempts: 1 },
  { name: 'a connection dropped after the headers', fault: { type: 'drop', phase: 'after-headers' }, expect: 'bad', attempts: 1 },
  { name: 'headers that never come', fault: { type: 'hang' }, expect: 'timeout', attempts: 1 },
  { name: 'a body that never ends', fault: { type: 'hang', phase: 'body' }, expect: 'timeout', attempts: 1 },
  { name: 'a body that trickles and never ends', fault: { type: 'trickle', intervalMs: 20 }, expect: 'timeout', attempts: 1 }
]

function assertFailure (t: Test, host: Host, res: { statusCode: number, body: string, json: () => unknown }, row: Row): void {
  const [status, code, error, message] = expected[row.expect]
  t.equal(res.statusCode, status, 'status')
  t.same(res.json(), { statusCode: status, code, error, message }, 'Fastify\'s shape with the fixed message')
  const leaks = [host.fake.apiKey, host.fake.url, INCODE_TEXT, 'something broke',
    ...[...host.fake.sessions.values()].map((session) => session.token)]
  t.same(leaks.filter((secret) => res.body.includes(secret)), [], 'no key, token, Incode URL or Incode text in the answer')
}

for (const route of ['sessions', 'onboarding-url'] as const) {
  for (const path of ['/omni/start', '/0/omni/onboarding-url'] as FakeIncodePath[]) {
    if (route === 'sessions' && path !== '/omni/start') continue
    for (const row of rows) {
      if (row.name.includes('without token') && path !== '/omni/start') continue
      if (row.name.includes('without url') && path === '/omni/start') continue
      t.test(`/incode/${route}, ${row.name} from ${path}`, async (t) => {
        const host = await startHost(t, { plugin: { timeout: 400 } })
        if (row.always === true) host.fake.failAlways(row.fault, { path })
        else host.fake.failNext(row.fault, { path })
        const res = await post(host.app, `/incode/${route}`)

        assertFailure(t, host, res, row)
        t.equal(host.fake.requestsTo(path).length, row.attempts, `${row.attempts} attempt(s) reached Incode`)
        const sessionExisted = path !== '/omni/start'
        t.equal(host.recorded.length, sessionExisted ? 1 : 0,
          sessionExisted ? 'the session Incode created was recorded once' : 'the hook did not run')
        const line = host.logs.records.find((record) => /^Incode (start|onboarding-url) call failed($|: )/.test(String(record.msg)))
        t.match(line, { code: expected[row.expect][1], attempts: row.attempts, durationMs: Number })
        if (sessionExisted) t.equal(line?.interviewId, host.recorded[0]?.interviewId, 'the log line names the interviewId')
        t.notOk(host.logs.lines.some((l) => l.includes(INCODE_TEXT)), 'Incode\'s text is in no log line')
        assertNoSecretsLogged(t, host)
      })
    }
  }
}

t.test('a refused connection on both routes: 503 after retries + 1 attempts', async (t) => {
  const port = await closedPort()
  for (const retries of [0, 3]) {
    for (const route of ['sessions', 'onboarding-url']) {
      const host = await startHost(t, { plugin: { apiUrl: `http://127.0.0.1:${port}`, retries } })
      const res = await post(host.app, `/incode/${route}`)
      assertFailure(t, host, res, { name: 'refused', fault: { type: 'drop' }, expect: 'unreachable', attempts: retries + 1 })
      t.match(host.logs.records.find((record) => record.msg === 'Incode start call failed'), { attempts: retries + 1 },
        `retries ${retries}: ${retries + 1} attempts`)
      t.equal(host.recorded.length, 0)
      assertNoSecretsLogged(t, host)
    }
  }
})
