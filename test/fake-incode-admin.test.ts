// Admin tokens: POST /executive/log-in, what it refuses, how long its tokens live, expireAdminTokens and reset.
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { createFakeIncode } from '../src/testing/index.js'
import type { FakeIncode } from '../src/testing/index.js'
import { adminToken, assertIncodeError, getWithToken, logIn, startAnswer, startFake, statusOf } from './support/raw-http.js'
import type { Headers } from './support/raw-http.js'

function claimsOf (token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'))
}

/** An admin-only call: 200 while `token` is a live admin token, 401 once it is not. */
async function statusWithAdmin (fake: FakeIncode, token: string | undefined): Promise<number> {
  const { interviewId } = await startAnswer(fake)
  return await statusOf(getWithToken(fake, `/omni/get/onboarding/status?id=${interviewId}`, token))
}

t.test('defaults: the fake admin\'s email and a random password', async (t) => {
  const fake = await startFake(t)
  t.equal(fake.adminEmail, 'admin@fake-incode.test')
  t.match(fake.adminPassword, /^fake-admin-password-[0-9a-f]{16}$/)
  const other = await startFake(t)
  t.not(other.adminPassword, fake.adminPassword, 'each fake makes up its own password')
})

t.test('POST /executive/log-in answers a fresh JWT-shaped admin token each time', async (t) => {
  const fake = await startFake(t, { adminEmail: 'ops@host.example', adminPassword: 's3cret' })
  t.equal(fake.adminEmail, 'ops@host.example')
  t.equal(fake.adminPassword, 's3cret')
  const before = Math.floor(Date.now() / 1000)
  const { statusCode, headers, body } = await logIn(fake, { email: 'ops@host.example', password: 's3cret' })
  t.equal(statusCode, 200)
  t.match(headers['content-type'], /^application\/json/)
  t.match(headers['processing-time'], /^\d+$/)
  const answer = await body.json() as { token: string }
  t.same(Object.keys(answer), ['token'])
  const claims = claimsOf(answer.token)
  t.match(claims, { externalUserId: 'ops@host.example', role: 'ADMIN' })
  t.ok((claims.iat as number) >= before)
  t.equal((claims.exp as number) - (claims.iat as number), 24 * 60 * 60, 'lives 24 hours, as Incode\'s do')

  const second = await adminToken(fake)
  t.not(second, answer.token, 'a new token for every log-in')
  t.equal(await statusWithAdmin(fake, answer.token), 200, 'the first still works')
  t.equal(await statusWithAdmin(fake, second), 200)
})

t.test('POST /executive/log-in refuses what Incode refuses, in Incode\'s error shape', async (t) => {
  const fake = await startFake(t)
  const right = { email: fake.adminEmail, password: fake.adminPassword }
  const cases: Array<{ name: string, status: number, message: string, body?: unknown, headers?: Headers }> = [
    { name: 'wrong api key', status: 403, message: 'Invalid or missing API key', headers: { 'x-api-key': 'nope' } },
    { name: 'no api key', status: 403, message: 'Invalid or missing API key', headers: { 'x-api-key': undefined } },
    { name: 'no api-version', status: 400, message: 'Missing or unsupported api-version header', headers: { 'api-version': undefined } },
    { name: 'text/plain', status: 400, message: 'Content-Type must be application/json', headers: { 'content-type': 'text/plain' } },
    { name: 'not JSON', status: 400, message: 'The body must be a JSON object', body: 'email=a' },
    { name: 'array', status: 400, message: 'The body must be a JSON object', body: [right] },
    { name: 'no email', status: 400, message: 'email is required', body: { password: right.password } },
    { name: 'numeric password', status: 400, message: 'password is required', body: { email: right.email, password: 7 } },
    { name: 'empty password', status: 400, message: 'password is required', body: { email: right.email, password: '' } },
    { name: 'wrong password', status: 401, message: 'Wrong email or password', body: { ...right, password: 'guess' } },
    { name: 'wrong email', status: 401, message: 'Wrong email or password', body: { ...right, email: 'someone@else.test' } }
  ]
  for (const { name, status, message, body, headers } of cases) {
    const answer = await logIn(fake, body ?? right, headers)
    await assertIncodeError(t, answer, { status, message, path: '/executive/log-in' }, name)
  }
  t.equal(await statusOf(logIn(fake)), 200, 'the right credentials still work')
})

t.test('admin tokens expire after adminTokenTtlMs', async (t) => {
  const fake = await startFake(t, { adminTokenTtlMs: 100 })
  const token = await adminToken(fake)
  t.equal((claimsOf(token).exp as number) - (claimsOf(token).iat as number), 1, 'exp rounded up to a second')
  t.equal(await statusWithAdmin(fake, token), 200)
  await sleep(150)
  const { interviewId } = await startAnswer(fake)
  const expired = await getWithToken(fake, `/omni/get/onboarding/status?id=${interviewId}`, token)
  await assertIncodeError(t, expired, { status: 401, message: 'Invalid, expired or missing admin token', path: '/omni/get/onboarding/status' }, 'expired')
  t.equal(await statusWithAdmin(fake, await adminToken(fake)), 200, 'a new log-in works')
})

t.test('expireAdminTokens: every token so far answers 401, the next log-in works', async (t) => {
  const fake = await startFake(t)
  const first = await adminToken(fake)
  const second = await adminToken(fake)
  fake.expireAdminTokens()
  t.equal(await statusWithAdmin(fake, first), 401)
  t.equal(await statusWithAdmin(fake, second), 401)
  t.equal(await statusWithAdmin(fake, await adminToken(fake)), 200)
})

t.test('reset forgets admin tokens, not the credentials', async (t) => {
  const fake = await startFake(t, { adminPassword: 'kept' })
  const token = await adminToken(fake)
  fake.reset()
  t.equal(await statusWithAdmin(fake, token), 401)
  t.equal(fake.adminPassword, 'kept')
  t.equal(await statusWithAdmin(fake, await adminToken(fake)), 200)
})

t.test('only the newest maxRecorded admin tokens are kept', async (t) => {
  const fake = await startFake(t, { maxRecorded: 20 })
  const [oldest, ...rest] = [await adminToken(fake), await adminToken(fake), await adminToken(fake)]
  for (let i = 0; i < 18; i++) await adminToken(fake)
  t.equal(await statusWithAdmin(fake, oldest), 401, 'the 21st log-in dropped the first token')
  t.equal(await statusWithAdmin(fake, rest[0]), 200, 'the second is still kept')
})

t.test('adminTokenTtlMs must be a positive integer', async (t) => {
  for (const adminTokenTtlMs of [0, -1, 1.5, Number.NaN]) {
    await t.rejects(createFakeIncode({ adminTokenTtlMs }), { name: 'RangeError', message: `adminTokenTtlMs must be a positive integer, got ${adminTokenTtlMs}` })
  }
})
