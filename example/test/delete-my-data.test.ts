// "Delete my data", over real HTTP in fake mode (the fake's admin log-in): the signed-in user's own
// session erased at Incode, then the row emptied of the person and marked with when; nobody
// else's; a failure answered in the plugin's words with the row as it was; no route without admin
// credentials.
import t from 'tap'
import type { Test } from 'tap'
import { sessionRows } from './support/database.js'
import { alice, identityOf, realIncode, startExample, WEBHOOK_SECRET } from './support/example.js'

const bob = { 'x-demo-user': 'bob' }

/**
 * The listening example, a session alice started and Incode finished (the person verified), and
 * calls to it: in fake mode through the finish route, else through the fake of `incode`.
 */
async function finishedSession (t: Test, incode?: Awaited<ReturnType<typeof realIncode>>) {
  const example = await startExample(t, incode?.env ?? {}, { listen: true })
  const call = async (method: string, path: string, headers: Record<string, string> = alice) => {
    const res = await fetch(`${example.url}${path}`, { method, headers })
    return { status: res.status, body: await res.json() as any }
  }
  const { body: { interviewId } } = await call('POST', '/incode/sessions')
  if (incode === undefined) {
    t.equal((await call('POST', `/example/sessions/${interviewId}/finish`)).status, 200)
  } else {
    const secretHeader = { name: 'x-incode-webhook-secret', value: WEBHOOK_SECRET }
    await incode.fake.completeOnboarding(interviewId, { webhook: { url: `${example.url}/incode/webhook`, secretHeader } })
  }
  const row = () => sessionRows(example.databasePath).find((candidate) => candidate.interview_id === interviewId)
  const deleteData = (headers?: Record<string, string>) => call('DELETE', `/example/sessions/${interviewId}/data`, headers)
  return { ...example, call, interviewId, row, deleteData }
}

t.test('delete my data: Incode erases the session, and the row forgets the person and says when', async (t) => {
  const { app, logs, call, interviewId, row, deleteData } = await finishedSession(t)
  t.match(row(), { identity_id: /^[0-9a-f]{24}$/, masked_name: 'A*** S***', birth_year: 1990 }, 'a verified person to start with')
  const { customerToken } = await identityOf(app, interviewId)

  const before = Date.now()
  const deleted = await deleteData()
  t.match(deleted, { status: 200, body: { interviewId, dataDeletedAt: /^\d{4}-\d\d-\d\dT/ } }, 'when it was deleted')
  t.same(Object.keys(deleted.body).sort(), ['dataDeletedAt', 'interviewId'])
  t.ok(Date.parse(deleted.body.dataDeletedAt) >= before - 1000, 'just now')
  t.match(row(), { onboarding_status: 'ONBOARDING_FINISHED', identity_id: null, masked_name: null, birth_year: null, data_deleted_at: deleted.body.dataDeletedAt },
    'the status kept, the person forgotten')
  t.match((await call('GET', '/example/sessions')).body.sessions, [{ interviewId, dataDeletedAt: deleted.body.dataDeletedAt, identityId: null, maskedName: null, birthYear: null }])

  await t.rejects(app.incode.getOcrData(interviewId), { code: 'FST_INCODE_UPSTREAM_REJECTED' }, 'Incode no longer knows the session')
  t.match(logs.records.find((record) => record.msg === 'The session\'s data was deleted at Incode and here'), { interviewId })
  t.same(logs.lines.filter((line) => line.includes(customerToken) || line.includes('ALEX') || line.includes('SAMPLE')), [], 'no customer token, no name in the log')

  // Again (a second click, another tab): nothing more to delete, and nothing sent to Incode.
  t.same(await deleteData(), { status: 200, body: deleted.body })
})

t.test('delete my data sends Incode the one session, for all its data', async (t) => {
  const incode = await realIncode(t)
  const { deleteData, interviewId } = await finishedSession(t, incode)
  const { fake } = incode
  t.equal((await deleteData()).status, 200)
  t.same(fake.requestsTo('/omni/interviews').map((request) => [request.method, request.body]),
    [['DELETE', { filter: { ids: [interviewId] }, config: { deletePiiDataOnly: false } }]])
  t.equal((await deleteData()).status, 200)
  t.equal(fake.requestsTo('/omni/interviews').length, 1, 'a second delete sends nothing')
})

t.test('delete my data: only the signed-in user\'s own sessions; nothing is deleted for anyone else', async (t) => {
  const incode = await realIncode(t)
  const { call, row, deleteData } = await finishedSession(t, incode)
  const { fake } = incode
  const before = row()
  t.match(before, { identity_id: /^[0-9a-f]{24}$/ }, 'alice\'s person verified')
  const notYours = { statusCode: 404, error: 'Not Found', message: 'You have no session with this interviewId' }
  t.same(await deleteData(bob), { status: 404, body: notYours }, 'bob\'s is not alice\'s')
  t.same(await call('DELETE', `/example/sessions/${'0'.repeat(24)}/data`), { status: 404, body: notYours }, 'unknown')
  t.match(await deleteData({}), { status: 401, body: { message: /^Sign in first/ } })
  t.equal((await call('DELETE', `/example/sessions/${'0'.repeat(65)}/data`)).status, 400)
  t.same(row(), before, 'alice\'s row as it was')
  t.equal(fake.requestsTo('/omni/interviews').length, 0, 'no deletion reached Incode')
})

t.test('a deletion Incode fails is answered in the plugin\'s words, the row as it was; trying again deletes', async (t) => {
  const incode = await realIncode(t)
  const { row, deleteData } = await finishedSession(t, incode)
  const { fake } = incode
  const before = row()
  t.match(before, { identity_id: /^[0-9a-f]{24}$/ })
  // The client sends a deletion three times (deleting twice deletes nothing more) before it gives up.
  fake.failNext({ type: 'status', status: 500 }, { path: '/omni/interviews', times: 3 })
  t.same(await deleteData(), {
    status: 502,
    body: { statusCode: 502, code: 'FST_INCODE_UPSTREAM_ERROR', error: 'Bad Gateway', message: 'The identity verification service failed to answer' }
  })
  t.same(row(), before, 'nothing marked: the data is still at Incode')
  t.match(await deleteData(), { status: 200, body: { dataDeletedAt: /^\d{4}-/ } })
})

t.test('a browser that goes away while Incode deletes: the deletion runs to its end, and the row says so on the next visit', async (t) => {
  const incode = await realIncode(t)
  const { url, interviewId, row } = await finishedSession(t, incode)
  // Incode takes its time; the person closes the tab meanwhile.
  incode.fake.failNext({ type: 'delay', ms: 300 }, { path: '/omni/interviews' })
  const gone = fetch(`${url}/example/sessions/${interviewId}/data`, { method: 'DELETE', headers: alice, signal: AbortSignal.timeout(100) })
  await t.rejects(gone, { name: 'TimeoutError' })
  const deadline = Date.now() + 5000
  while (row()?.data_deleted_at === null && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
  t.match(row(), { identity_id: null, data_deleted_at: /^\d{4}-/ })
  t.equal(incode.fake.requestsTo('/omni/interviews').length, 1)
})

t.test('a status Incode delivers after the deletion reads nothing more from Incode', async (t) => {
  const incode = await realIncode(t)
  const { url, row, deleteData, interviewId } = await finishedSession(t, incode)
  await deleteData()
  const deleted = row()
  const scoresRead = incode.fake.requestsTo('/omni/get/score').length
  const res = await fetch(`${url}/incode/webhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-incode-webhook-secret': WEBHOOK_SECRET },
    body: JSON.stringify({ interviewId, onboardingStatus: 'MANUAL_REVIEW_APPROVED' })
  })
  t.equal(res.status, 200)
  t.match(row(), { ...deleted, onboarding_status: 'MANUAL_REVIEW_APPROVED', status_updated_at: /^\d{4}-/, score: null }, 'the status recorded, the data still deleted')
  t.equal(incode.fake.requestsTo('/omni/get/score').length, scoresRead, 'no score asked of a session Incode no longer has')
})

t.test('without admin credentials nobody is verified, the page is told it cannot delete, and there is no such route', async (t) => {
  const incode = await realIncode(t, { INCODE_ADMIN_EMAIL: '', INCODE_ADMIN_PASSWORD: '' })
  const { call, deleteData } = await finishedSession(t, incode)
  const { fake } = incode
  t.match(await call('GET', '/example/sessions'), { status: 200, body: { fakeIncode: false, canDeleteData: false } })
  t.equal((await deleteData()).status, 404)
  t.equal(fake.requestsTo('/omni/interviews').length, 0)
})
