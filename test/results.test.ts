import t from 'tap'
import { IncodeClient, type IncodeClientOptions } from '../src/index.js'
import { clientWithFake, failure } from './support/client.js'
import { createFakeIncode, type FakeIncode } from '../src/testing/index.js'

// Reading how an onboarding ended, with an admin token that is logged in once, shared,
// and renewed.

const credentials = (fake: FakeIncode): Partial<IncodeClientOptions> => ({ adminEmail: fake.adminEmail, adminPassword: fake.adminPassword })

t.test('status and score of a session, before and after it is finished, through one log-in', async (t) => {
  const { fake, client } = await clientWithFake(t, credentials)
  const { interviewId } = await client.startSession()
  t.match(await client.getOnboardingStatus(interviewId), { onboardingStatus: 'UNKNOWN' })
  t.match(await client.getScore(interviewId), { overall: { status: 'UNKNOWN', value: '0.0' } })
  await fake.completeOnboarding(interviewId, { score: { status: 'FAIL', value: '12.5' } })
  t.match(await client.getOnboardingStatus(interviewId), { onboardingStatus: 'ONBOARDING_FINISHED' })
  const score = await client.getScore(interviewId)
  t.same(score.overall, { value: '12.5', status: 'FAIL' })
  t.ok('idValidation' in score, 'Incode\'s whole score object')

  t.equal(fake.requestsTo('/executive/log-in').length, 1, 'one log-in for four reads')
  const reads = [...fake.requestsTo('/omni/get/onboarding/status'), ...fake.requestsTo('/omni/get/score')]
  t.ok(reads.every((read) => read.headers['x-api-key'] === fake.apiKey && read.headers['api-version'] === '1.0' &&
    typeof read.headers['x-incode-hardware-id'] === 'string' && read.query.id === interviewId), 'api key, version, admin token, id')
  t.same(fake.requestsTo('/executive/log-in')[0]?.body, { email: fake.adminEmail, password: fake.adminPassword })
})

t.test('100 simultaneous reads share one log-in', async (t) => {
  const { fake, client } = await clientWithFake(t, credentials)
  const { interviewId } = await client.startSession()
  const reads = await Promise.all(Array.from({ length: 100 }, async (_, i) =>
    i % 2 === 0 ? await client.getScore(interviewId) : await client.getOnboardingStatus(interviewId)))
  t.equal(reads.length, 100)
  t.equal(fake.requestsTo('/executive/log-in').length, 1)
})

t.test('the token is renewed before its 24 hours end', async (t) => {
  const { fake, client } = await clientWithFake(t, credentials)
  const { interviewId } = await client.startSession()
  const now = Date.now()
  t.teardown(() => { Date.now = realNow })
  const realNow = Date.now
  await client.getScore(interviewId)
  Date.now = () => now + 23.5 * 60 * 60 * 1000
  await client.getScore(interviewId)
  Date.now = realNow
  t.equal(fake.requestsTo('/executive/log-in').length, 2, 'a new log-in after 23 h, before Incode refuses the old token')
})

t.test('a static adminToken is used as it is, and not renewed', async (t) => {
  const fake = await createFakeIncode()
  const token = await fetch(`${fake.url}/executive/log-in`, {
    method: 'POST',
    headers: { 'x-api-key': fake.apiKey, 'api-version': '1.0', 'content-type': 'application/json' },
    body: JSON.stringify({ email: fake.adminEmail, password: fake.adminPassword })
  }).then(async (res) => (await res.json() as { token: string }).token)
  const client = new IncodeClient({ apiUrl: fake.url, apiKey: fake.apiKey, configurationId: 'flow-1', adminToken: token })
  t.teardown(async () => { await client.close(); await fake.close() })
  const { interviewId } = await client.startSession()
  t.match(await client.getOnboardingStatus(interviewId), { onboardingStatus: 'UNKNOWN' })
  fake.expireAdminTokens()
  const err = await failure(client.getOnboardingStatus(interviewId))
  t.equal(err.code, 'FST_INCODE_UPSTREAM_REJECTED', 'an expired static token is Incode rejecting the call')
  t.equal(fake.requestsTo('/executive/log-in').length, 1, 'only the test\'s own log-in')
  const again = await failure(client.getOnboardingStatus(interviewId))
  t.equal(again.code, 'FST_INCODE_UPSTREAM_REJECTED', 'the next read sends the token again: it is the host\'s, not forgotten')
  t.equal(fake.requestsTo('/omni/get/onboarding/status').length, 3)
})

t.test('reads are retried after a reset or a 5xx: they create nothing', async (t) => {
  const { fake, client } = await clientWithFake(t, credentials)
  const { interviewId } = await client.startSession()
  fake.failNext({ type: 'drop' }, { path: '/omni/get/score' })
  fake.failNext({ type: 'status', status: 500 }, { path: '/omni/get/onboarding/status' })
  t.match(await client.getScore(interviewId), { overall: { status: 'UNKNOWN' } })
  t.match(await client.getOnboardingStatus(interviewId), { onboardingStatus: 'UNKNOWN' })
  t.equal(fake.requestsTo('/omni/get/score').length, 2)
  t.equal(fake.requestsTo('/omni/get/onboarding/status').length, 2)
  fake.failAlways({ type: 'status', status: 404 }, { path: '/omni/get/score' })
  t.equal((await failure(client.getScore(interviewId))).code, 'FST_INCODE_UPSTREAM_REJECTED', 'a 4xx is not retried')
  t.equal(fake.requestsTo('/omni/get/score').length, 3)
})

t.test('an answer without what it must carry is a bad response', async (t) => {
  const { fake, client } = await clientWithFake(t, credentials)
  const { interviewId } = await client.startSession()
  fake.failNext({ type: 'json', body: { status: 'done' } }, { path: '/omni/get/onboarding/status' })
  fake.failNext({ type: 'json', body: { overall: 'OK' } }, { path: '/omni/get/score' })
  t.equal((await failure(client.getOnboardingStatus(interviewId))).code, 'FST_INCODE_UPSTREAM_BAD_RESPONSE')
  t.equal((await failure(client.getScore(interviewId))).code, 'FST_INCODE_UPSTREAM_BAD_RESPONSE')
  fake.failNext({ type: 'json', body: { token: 'a b' } }, { path: '/executive/log-in' })
  const other = new IncodeClient({ apiUrl: fake.url, apiKey: fake.apiKey, configurationId: 'flow-1', ...credentials(fake) })
  t.teardown(() => other.close())
  t.equal((await failure(other.getScore(interviewId))).code, 'FST_INCODE_ADMIN_LOGIN_FAILED', 'a log-in answer without a usable token')
})

t.test('without an admin token or credentials, reads fail before anything is sent', async (t) => {
  const { fake, client } = await clientWithFake(t)
  const err = await failure(client.getScore('0123456789abcdef01234567'))
  t.equal(err.code, 'FST_INCODE_INVALID_OPTION')
  t.match(err.message, /^fastify-incode option "adminToken"/)
  t.equal(fake.requests.length, 0)
})

t.test('the interviewId of a read is checked before anything is sent', async (t) => {
  const { fake, client } = await clientWithFake(t, credentials)
  for (const id of ['', 'a b', '../../admin', 'x'.repeat(65), 42]) {
    t.equal((await failure(client.getOnboardingStatus(id as string))).code, 'FST_INCODE_INVALID_PARAMS', String(id))
  }
  t.equal(fake.requests.length, 0)
})

t.test('admin options are checked', async (t) => {
  const base = { apiUrl: 'http://127.0.0.1:1', apiKey: 'k', configurationId: 'f' }
  for (const [options, name] of [
    [{ adminEmail: 'a@b.c' }, 'adminPassword'],
    [{ adminPassword: 'p' }, 'adminEmail'],
    [{ adminToken: 't', adminEmail: 'a@b.c', adminPassword: 'p' }, 'adminToken'],
    [{ adminToken: '' }, 'adminToken']
  ] as const) {
    t.throws(() => new IncodeClient({ ...base, ...options }), { code: 'FST_INCODE_INVALID_OPTION', message: new RegExp(`^fastify-incode option "${name}"`) })
  }
})
