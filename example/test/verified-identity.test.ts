// The person a finished onboarding verified (a fake of the test's own, configured as real Incode):
// the example approves a session scored OK, and keeps the identity it made and what
// Incode read off the document, masked, and nothing else of it: no customer token, no whole name,
// no birth date, in its rows, its answers or its log.
import t from 'tap'
import Database from 'better-sqlite3'
import type { Test } from 'tap'
import type { FakeOcrData } from 'fastify-incode/testing'
import { birthYear, maskedName } from '../masked-identity.js'
import { sessionRows, temporaryDatabasePath } from './support/database.js'
import { alice, identityOf, realIncode, startExample, WEBHOOK_SECRET } from './support/example.js'

const WEBHOOK = { secretHeader: { name: 'x-incode-webhook-secret', value: WEBHOOK_SECRET }, retryDelayMs: 10 }
// A person of the test's own, found in no other string of the example.
const QUENTIN: FakeOcrData = {
  name: { fullName: 'QUENTIN ZYLBERSTEIN', firstName: 'QUENTIN', givenName: 'QUENTIN', paternalLastName: 'ZYLBERSTEIN' },
  birthDate: Date.UTC(1987, 4, 23),
  documentNumber: 'Z9876543'
}
// Every way the whole name, the birth date or the document could be written out.
const PERSONAL = ['QUENTIN', 'ZYLBERSTEIN', 'Z9876543', String(Date.UTC(1987, 4, 23)), '1987-05-23', '23/05/1987', '05/23/1987', '5/23/1987']

/** The example on real HTTP against "real" Incode (a fake), a session alice started, finished by `person`. */
async function finishedBy (t: Test, ocr: FakeOcrData | undefined, options: { score?: { status: string } } = {}) {
  const { fake, env } = await realIncode(t)
  const example = await startExample(t, env, { listen: true })
  const { interviewId } = await (await fetch(`${example.url}/incode/sessions`, { method: 'POST', headers: alice })).json() as { interviewId: string }
  const finish = (retryDelayMs = WEBHOOK.retryDelayMs) => fake.completeOnboarding(interviewId, {
    webhook: { url: `${example.url}/incode/webhook`, ...WEBHOOK, retryDelayMs }, ...options, ...(ocr === undefined ? {} : { person: { ocr } })
  })
  const row = () => sessionRows(example.databasePath).find((candidate) => candidate.interview_id === interviewId)
  const listed = async () => await example.app.inject({ url: '/example/sessions', headers: alice })
  return { fake, ...example, interviewId, finish, row, listed }
}

t.test('a person verified: the row keeps their Incode identity, their name as initials and the year of their birth, no more', async (t) => {
  const { app, fake, logs, databasePath, interviewId, finish, row, listed } = await finishedBy(t, QUENTIN)
  t.same((await finish()).map(({ status }) => status), [200])
  const [approval] = fake.requestsTo('/omni/process/approve')
  t.same(approval?.query, { interviewId }, 'the example approved the session, its score being OK')
  t.same(fake.requestsTo('/omni/get/ocr-data').map((request) => request.query), [{ id: interviewId }], 'and the example read what Incode verified')

  const { identityId, customerToken } = await identityOf(app, interviewId)
  t.match(row(), { identity_id: identityId, masked_name: 'Q*** Z***', birth_year: 1987 })
  const answer = await listed()
  t.match(answer.json().sessions, [{ interviewId, identityId, maskedName: 'Q*** Z***', birthYear: 1987, dataDeletedAt: null }])
  t.match(logs.records.find((record) => record.msg === 'Verified identity recorded, its name and birth date masked'), { interviewId })

  const kept = { 'the log': logs.lines.join('\n'), 'the database': JSON.stringify(sessionRows(databasePath)), 'the sessions route': answer.body }
  for (const [where, text] of Object.entries(kept)) {
    t.notOk(text.includes(customerToken), `no customer token in ${where}`)
    t.same(PERSONAL.filter((value) => text.includes(value)), [], `no whole name, birth date or document number in ${where}`)
  }
})

t.test('a score that is not OK verifies nobody: no approval, no document read, the score recorded', async (t) => {
  const { fake, finish, row } = await finishedBy(t, QUENTIN, { score: { status: 'FAIL' } })
  t.same((await finish()).map(({ status }) => status), [200])
  t.match(row(), { onboarding_status: 'ONBOARDING_FINISHED', score: JSON.stringify({ value: '30.0', status: 'FAIL' }), identity_id: null, masked_name: null, birth_year: null })
  t.equal(fake.requestsTo('/omni/process/approve').length + fake.requestsTo('/omni/get/ocr-data').length, 0)
})

t.test('a failed read of the document\'s data answers 500: Incode delivers again, and the redelivery records the person, approved once', async (t) => {
  const { fake, logs, interviewId, finish, row } = await finishedBy(t, QUENTIN)
  // The client tries a read three times before it gives up.
  fake.failNext({ type: 'status', status: 500 }, { path: '/omni/get/ocr-data', times: 3 })
  t.same((await finish()).map(({ status }) => status), [500, 200])
  t.match(row(), { identity_id: /^[0-9a-f]{24}$/, masked_name: 'Q*** Z***', birth_year: 1987 })
  t.equal(fake.requestsTo('/omni/process/approve').length, 1, 'the redelivery reused the approval')
  t.match(logs.records.find((record) => record.msg === 'The webhook could not be processed: Incode will deliver the event again'), { interviewId })
  t.same(logs.lines.filter((line) => PERSONAL.some((value) => line.includes(value))), [], 'the failure logged nothing personal')
})

t.test('two deliveries of the finished onboarding at once: one approves, the other answers 500 and its redelivery finds the person', async (t) => {
  const { fake, logs, interviewId, finish, row } = await finishedBy(t, QUENTIN)
  // Incode takes its time to approve: the second delivery comes while the first waits, and is
  // delivered again after a tenth of a second, then 250 ms later.
  fake.failNext({ type: 'delay', ms: 150 }, { path: '/omni/process/approve' })
  const deliveries = (await Promise.all([finish(100), finish(100)])).map((attempts) => attempts.map(({ status }) => status))
  t.same(deliveries.map((statuses) => statuses.at(-1)), [200, 200], 'both answered 200 in the end')
  t.same(deliveries.map((statuses) => statuses[0]).sort(), [200, 500], 'the second at first 500')
  t.equal(fake.requestsTo('/omni/process/approve').length, 1, 'approved once')
  t.match(row(), { identity_id: /^[0-9a-f]{24}$/, masked_name: 'Q*** Z***', approval_claimed_at: null })
  t.match(logs.records.find((record) => record.msg === 'The webhook could not be processed: Incode will deliver the event again'),
    { interviewId, cause: { name: 'ApprovalInProgressError', code: 'EXAMPLE_APPROVAL_IN_PROGRESS' } })
})

t.test('a document with no name nor birth date read: the identity alone', async (t) => {
  const { finish, row } = await finishedBy(t, { name: undefined, birthDate: undefined })
  await finish()
  t.match(row(), { identity_id: /^[0-9a-f]{24}$/, masked_name: null, birth_year: null })
})

t.test('a name is masked as the first letter of each word and three stars, whatever its length; a birth date as its year (UTC)', async (t) => {
  t.equal(maskedName({ fullName: '  MARÍA JOSÉ  DE LA CRUZ ' }), 'M*** J*** D*** L*** C***')
  t.equal(maskedName({ fullName: 'AL BO' }), maskedName({ fullName: 'ALEXANDRA BOTTICELLI' }), 'two names of other lengths look the same')
  t.equal(maskedName({ firstName: 'ÉMILE', paternalLastName: 'ZOLA', maternalLastName: 'AUBERT' }), 'É*** Z*** A***', 'without fullName: its parts')
  t.equal(maskedName({ givenName: '𝒜DA', paternalLastName: 'LOVELACE' }), '𝒜*** L***', 'the given name, and a letter outside the BMP whole')
  t.equal(maskedName({ fullName: '' }), null)
  t.equal(maskedName(undefined), null)
  t.equal(birthYear(Date.UTC(2000, 0, 1)), 2000, 'New Year\'s Day at midnight UTC: its own year, wherever the server is')
  t.equal(birthYear(Date.UTC(1999, 11, 31, 23, 59)), 1999)
  t.equal(birthYear(undefined), null)
  t.equal(birthYear(Number.NaN), null)
})

t.test('a database of the example before identities (version 3) keeps its rows and gains the new columns', async (t) => {
  const databasePath = temporaryDatabasePath(t)
  const old = new Database(databasePath)
  old.exec(`create table onboarding_sessions (interview_id text primary key, external_customer_id text not null,
    route text not null, created_at text not null, onboarding_status text, status_updated_at text, score text,
    unique_id text, session_token text);
    create unique index onboarding_sessions_unique_id on onboarding_sessions (unique_id);
    insert into onboarding_sessions values ('${'c'.repeat(24)}', 'alice', 'sessions', '2026-01-02T03:04:05.000Z',
      'ONBOARDING_FINISHED', '2026-01-02T03:09:00.000Z', '{"value":"95.0","status":"OK"}', null, null);
    pragma user_version = 3`)
  old.close()

  const { app } = await startExample(t, { DATABASE_PATH: databasePath })
  t.match((await app.inject({ url: '/example/sessions', headers: alice })).json().sessions, [{
    interviewId: 'c'.repeat(24),
    onboardingStatus: 'ONBOARDING_FINISHED',
    score: { value: '95.0', status: 'OK' },
    identityId: null,
    maskedName: null,
    birthYear: null,
    dataDeletedAt: null
  }])
})
