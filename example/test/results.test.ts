// What the example learns after a session starts: Incode's webhook (played by a fake of the test's
// own, configured as real Incode would be) sets the row's status, and a finished onboarding's score
// is read with the admin token. Over real HTTP, as Incode calls it.
import t from 'tap'
import Database from 'better-sqlite3'
import type { Test } from 'tap'
import { buildApp } from '../app.js'
import { sessionRows, temporaryDatabasePath } from './support/database.js'
import { sessionEvent } from 'fastify-incode/testing'
import { alice, realIncode, startExample, WEBHOOK_SECRET } from './support/example.js'

const SECRET_HEADER = { name: 'x-incode-webhook-secret', value: WEBHOOK_SECRET }

/** POSTs a webhook body to the example as Incode would, with the secret header unless told otherwise. */
async function deliver (url: string, body: object, headers: Record<string, string> = { 'x-incode-webhook-secret': WEBHOOK_SECRET }) {
  const res = await fetch(`${url}/incode/webhook`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })
  return { status: res.status, body: await res.json() }
}

/** The example on real HTTP against "real" Incode (a fake), with one session started by alice. */
async function exampleWithSession (t: Test, incode?: Awaited<ReturnType<typeof realIncode>>) {
  incode ??= await realIncode(t)
  const example = await startExample(t, incode.env, { listen: true })
  const res = await fetch(`${example.url}/incode/sessions`, { method: 'POST', headers: alice })
  t.equal(res.status, 201)
  const { interviewId } = await res.json() as { interviewId: string }
  const row = () => sessionRows(example.databasePath).find((candidate) => candidate.interview_id === interviewId)
  return { ...incode, ...example, interviewId, row }
}

t.test('Incode\'s webhook sets the status and the score; a redelivery changes nothing and approves nobody twice', async (t) => {
  const { app, fake, url, logs, interviewId, row } = await exampleWithSession(t)
  const deliveries = await fake.completeOnboarding(interviewId, { webhook: { url: `${url}/incode/webhook`, secretHeader: SECRET_HEADER } })
  t.same(deliveries.map(({ status }) => status), [200])
  const finished = row()
  t.match(finished, { onboarding_status: 'ONBOARDING_FINISHED', status_updated_at: /^\d{4}-\d\d-\d\dT/ })
  t.same(JSON.parse(finished?.score ?? ''), { value: '95.0', status: 'OK' })
  t.same(fake.requestsTo('/omni/get/score').map((request) => request.query), [{ id: interviewId }], 'the score read once, for that session')

  // Incode's redelivery of the same event, and the fake finishing it once more: nothing changes.
  t.same(await deliver(url, { interviewId, onboardingStatus: 'ONBOARDING_FINISHED', flowId: 'real-flow' }), { status: 200, body: { success: true } })
  t.same((await fake.completeOnboarding(interviewId, { webhook: { url: `${url}/incode/webhook`, secretHeader: SECRET_HEADER } }))
    .map(({ status }) => status), [200])
  t.same(row(), finished, 'the same row, to the timestamp')
  // The plugin reads the score of each delivery it is given; the person is approved, and their data read, once.
  t.equal(fake.requestsTo('/omni/get/score').length, 3, 'one score read per delivery')
  t.equal(fake.requestsTo('/omni/process/approve').length, 1, 'one approval')
  t.equal(fake.requestsTo('/omni/get/ocr-data').length, 1, 'the document\'s data read once')
  t.equal(fake.requestsTo('/executive/log-in').length, 1, 'one admin log-in')

  const listed = await app.inject({ url: '/example/sessions', headers: alice })
  t.match(listed.json().sessions, [{
    interviewId,
    onboardingStatus: 'ONBOARDING_FINISHED',
    statusUpdatedAt: finished?.status_updated_at,
    score: { status: 'OK', value: '95.0' }
  }])

  const adminTokens = fake.requestsTo('/omni/get/score').map((request) => String(request.headers['x-incode-hardware-id']))
  const secrets = [WEBHOOK_SECRET, fake.adminPassword, fake.apiKey, ...adminTokens]
  t.same(logs.lines.filter((line) => secrets.some((secret) => line.includes(secret))), [], `no secret in ${logs.lines.length} log lines`)
  t.notOk(secrets.some((secret) => listed.body.includes(secret)), 'nor in what the page reads')
})

t.test('each new status replaces the last; a final one brings the score, and a step\'s status after it is late', async (t) => {
  const { fake, url, interviewId, row } = await exampleWithSession(t)
  const event = (onboardingStatus: string) => deliver(url, { interviewId, onboardingStatus })

  t.equal((await event('ID_VALIDATION_FINISHED')).status, 200)
  t.match(row(), { onboarding_status: 'ID_VALIDATION_FINISHED', score: null })
  t.equal(fake.requestsTo('/omni/get/score').length, 0, 'no score for a step')

  await fake.completeOnboarding(interviewId, { score: { status: 'WARN' } })
  t.equal((await event('ONBOARDING_FINISHED')).status, 200)
  t.match(row(), { onboarding_status: 'ONBOARDING_FINISHED', score: JSON.stringify({ value: '75.0', status: 'WARN' }) })
  const finished = row()

  // A redelivery of a step's event, late: the final status stays, and so does its score.
  t.equal((await event('FACE_VALIDATION_FINISHED')).status, 200)
  t.same(row(), finished)

  // A manual review is a final status of its own: a new score.
  await fake.completeOnboarding(interviewId, { status: 'MANUAL_REVIEW_APPROVED', score: { status: 'OK' } })
  t.equal((await event('MANUAL_REVIEW_APPROVED')).status, 200)
  t.match(row(), { onboarding_status: 'MANUAL_REVIEW_APPROVED', score: JSON.stringify({ value: '95.0', status: 'OK' }) })
  t.equal(fake.requestsTo('/omni/get/score').length, 2)
})

t.test('a failed score read answers 500: Incode delivers again, and the redelivery records the score', async (t) => {
  const { fake, url, logs, interviewId, row } = await exampleWithSession(t)
  // The client tries a read three times (its default `retries` is 2) before it gives up.
  fake.failNext({ type: 'status', status: 500 }, { path: '/omni/get/score', times: 3 })
  const deliveries = await fake.completeOnboarding(interviewId, { webhook: { url: `${url}/incode/webhook`, secretHeader: SECRET_HEADER, retryDelayMs: 10 } })
  t.same(deliveries.map(({ status }) => status), [500, 200])
  t.equal(fake.requestsTo('/omni/get/score').length, 4)
  t.match(row(), { onboarding_status: 'ONBOARDING_FINISHED', score: JSON.stringify({ value: '95.0', status: 'OK' }) })
  t.match(logs.records.find((record) => record.msg === 'The webhook could not be processed: Incode will deliver the event again'), { interviewId })
})

t.test('a webhook without the secret is refused, and changes nothing', async (t) => {
  const { fake, url, interviewId, row } = await exampleWithSession(t)
  const before = row()
  for (const headers of [{}, { 'x-incode-webhook-secret': 'not-the-secret-not-the-secret-not-the-secret' }] as Array<Record<string, string>>) {
    t.equal((await deliver(url, { interviewId, onboardingStatus: 'ONBOARDING_FINISHED' }, headers)).status, 401)
  }
  t.same(row(), before)
  t.equal(fake.requestsTo('/omni/get/score').length, 0)
})

t.test('a webhook for a session this app did not record is answered 200 and ignored, with a warning', async (t) => {
  const { fake, url, logs, databasePath } = await exampleWithSession(t)
  const before = sessionRows(databasePath)
  // Another app on the same Incode account started it.
  const started = await fetch(`${fake.url}/omni/start`, {
    method: 'POST',
    headers: { 'x-api-key': fake.apiKey, 'api-version': '1.0', 'content-type': 'application/json' },
    body: JSON.stringify({ configurationId: 'real-flow' })
  })
  const { interviewId: stranger } = await started.json() as { interviewId: string }
  for (const onboardingStatus of ['ID_VALIDATION_FINISHED', 'ONBOARDING_FINISHED']) {
    if (onboardingStatus === 'ONBOARDING_FINISHED') await fake.completeOnboarding(stranger)
    t.same(await deliver(url, { interviewId: stranger, onboardingStatus }), { status: 200, body: { success: true } }, onboardingStatus)
  }
  t.same(sessionRows(databasePath), before, 'no row written, none changed')
  t.equal(fake.requestsTo('/omni/get/ocr-data').length, 0, 'nobody\'s document read')
  t.match(logs.records.filter((record) => record.level === 40), [
    { interviewId: stranger, onboardingStatus: 'ID_VALIDATION_FINISHED', msg: /did not record: ignored$/ },
    { interviewId: stranger, onboardingStatus: 'ONBOARDING_FINISHED', msg: /did not record: ignored$/ }
  ])
})

t.test('a webhook of another kind than the onboarding status (a session event) is answered 200 and changes nothing', async (t) => {
  const { fake, url, interviewId, databasePath } = await exampleWithSession(t)
  const before = sessionRows(databasePath)
  const deliveries = await fake.sendWebhook(sessionEvent({ eventType: 'SESSION_SUCCEEDED', interviewId }), { webhook: { url: `${url}/incode/webhook`, secretHeader: SECRET_HEADER } })
  t.same(deliveries.map(({ status }) => status), [200])
  t.same(sessionRows(databasePath), before)
  t.equal(fake.requests.filter((request) => request.path.startsWith('/omni/get/')).length, 0, 'nothing read from Incode')
})

t.test('without admin credentials: the status, no score, and a warning at boot', async (t) => {
  const incode = await realIncode(t, { INCODE_ADMIN_EMAIL: '', INCODE_ADMIN_PASSWORD: '' })
  const { fake, url, logs, interviewId, row } = await exampleWithSession(t, incode)
  t.match(logs.records.filter((record) => record.level === 40).map((record) => record.msg), [
    'No INCODE_ADMIN_EMAIL and INCODE_ADMIN_PASSWORD (or INCODE_ADMIN_TOKEN) set: scores are not fetched, verified people are ' +
    'not approved nor shown, and the page offers no "Delete my data".'
  ])
  await fake.completeOnboarding(interviewId)
  t.equal((await deliver(url, { interviewId, onboardingStatus: 'ONBOARDING_FINISHED' })).status, 200)
  t.match(row(), { onboarding_status: 'ONBOARDING_FINISHED', score: null, identity_id: null })
  t.same(fake.requests.map((request) => request.path), ['/omni/start'], 'no log-in, no score, no approval: only the session\'s start')
})

t.test('with INCODE_ADMIN_TOKEN the score is read with that token, no log-in', async (t) => {
  const incode = await realIncode(t)
  const login = await fetch(`${incode.fake.url}/executive/log-in`, {
    method: 'POST',
    headers: { 'x-api-key': incode.fake.apiKey, 'api-version': '1.0', 'content-type': 'application/json' },
    body: JSON.stringify({ email: incode.fake.adminEmail, password: incode.fake.adminPassword })
  })
  const { token } = await login.json() as { token: string }
  Object.assign(incode.env, { INCODE_ADMIN_TOKEN: token, INCODE_ADMIN_EMAIL: '', INCODE_ADMIN_PASSWORD: '' })
  const { fake, url, interviewId, row } = await exampleWithSession(t, incode)
  await fake.completeOnboarding(interviewId)
  t.equal((await deliver(url, { interviewId, onboardingStatus: 'ONBOARDING_FINISHED' })).status, 200)
  t.match(row(), { onboarding_status: 'ONBOARDING_FINISHED', score: /"status":"OK"/ })
  t.same(fake.requestsTo('/omni/get/score').map((request) => request.headers['x-incode-hardware-id']), [token])
  t.equal(fake.requestsTo('/executive/log-in').length, 1, 'the test\'s own log-in only')
})

t.test('without INCODE_WEBHOOK_SECRET there is no webhook route, and a warning says how to get one', async (t) => {
  const { env } = await realIncode(t, { INCODE_WEBHOOK_SECRET: '' })
  const { app, logs } = await startExample(t, env)
  t.equal((await app.inject({ method: 'POST', url: '/incode/webhook', payload: {} })).statusCode, 404)
  t.match(logs.records.filter((record) => record.level === 40).map((record) => record.msg),
    [/^No INCODE_WEBHOOK_SECRET set: no \/incode\/webhook route, so no session learns its status\. Set it, and the same value as the x-incode-webhook-secret header/])
})

t.test('with OAuth2 client credentials and no secret header, Incode gets a token first, then delivers with it', async (t) => {
  const oauth = { clientId: 'incode', clientSecret: 'example-test-oauth-client-secret-0123456789' }
  const incode = await realIncode(t, { INCODE_WEBHOOK_SECRET: '', INCODE_WEBHOOK_OAUTH_CLIENT_ID: oauth.clientId, INCODE_WEBHOOK_OAUTH_CLIENT_SECRET: oauth.clientSecret })
  const { fake, url, logs, interviewId, row } = await exampleWithSession(t, incode)
  t.same(logs.records.filter((record) => record.level >= 40), [], 'a webhook route, so no warning')
  const webhook = { url: `${url}/incode/webhook`, oauth: { tokenUrl: `${url}/incode/webhook/token`, ...oauth } }
  t.same((await fake.completeOnboarding(interviewId, { webhook })).map(({ status }) => status), [200])
  t.match(row(), { onboarding_status: 'ONBOARDING_FINISHED', identity_id: /^[0-9a-f]{24}$/ })
  t.equal((await deliver(url, { interviewId, onboardingStatus: 'EXPIRED' })).status, 401, 'no secret header to take')
})

t.test('a webhook secret too short fails boot, naming the variable and the option, not the value', async (t) => {
  const { env } = await realIncode(t, { INCODE_WEBHOOK_SECRET: 'short-secret' })
  const failed = buildApp({ ...env, DATABASE_PATH: temporaryDatabasePath(t) }, { logger: false })
  await t.rejects(failed, { message: /^INCODE_WEBHOOK_SECRET \(fastify-incode's option webhook\.secretHeader\.value\) must be at least 32/ })
  t.notMatch(String(await failed.catch((err: Error) => err.message)), 'short-secret')
})

t.test('a database of the example before statuses keeps its rows and gains the new columns', async (t) => {
  const databasePath = temporaryDatabasePath(t)
  const old = new Database(databasePath)
  old.exec(`create table onboarding_sessions (interview_id text primary key, external_customer_id text not null,
    route text not null, created_at text not null);
    insert into onboarding_sessions values ('${'a'.repeat(24)}', 'alice', 'sessions', '2026-01-02T03:04:05.000Z')`)
  old.close()

  const { app } = await startExample(t, { DATABASE_PATH: databasePath })
  t.same((await app.inject({ url: '/example/sessions', headers: alice })).json().sessions, [{
    interviewId: 'a'.repeat(24),
    externalCustomerId: 'alice',
    route: 'sessions',
    createdAt: '2026-01-02T03:04:05.000Z',
    onboardingStatus: null,
    statusUpdatedAt: null,
    score: null,
    identityId: null,
    maskedName: null,
    birthYear: null,
    dataDeletedAt: null
  }])
  await app.close()
  // Opened again, it is at the newest version already: nothing to do.
  const again = await startExample(t, { DATABASE_PATH: databasePath })
  t.equal(sessionRows(again.databasePath).length, 1)
})
