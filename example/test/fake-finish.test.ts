// Fake mode's "Finish this verification (fake Incode)", and the fake's own onboarding page: the
// built-in fake completes the onboarding and delivers Incode's webhook to the example over HTTP
// (the webhook the example gives it once it listens), so the whole life of a session shows
// without credentials. Real credentials, no such route.
import t from 'tap'
import { sessionRows, temporaryDatabasePath } from './support/database.js'
import { alice, realIncode, startExample, WEBHOOK_SECRET } from './support/example.js'

/** POSTs to the listening example as `headers` (alice by default), and reads the JSON answer. */
async function postJson (url: string, headers: Record<string, string> = alice): Promise<{ status: number, body: any }> {
  const res = await fetch(url, { method: 'POST', headers })
  return { status: res.status, body: await res.json() }
}

t.test('finish: the fake delivers the webhook; the session shows ONBOARDING_FINISHED and its score, and again changes nothing', async (t) => {
  const { url, databasePath } = await startExample(t, {}, { listen: true })
  const { body: { interviewId } } = await postJson(`${url}/incode/sessions`)

  const first = await postJson(`${url}/example/sessions/${interviewId}/finish`)
  const { identityId } = first.body.recorded
  t.match(identityId, /^[0-9a-f]{24}$/, 'the person was approved: an Incode identity')
  // The fake's default person, ALEX SAMPLE, born 1990-01-31: masked.
  const finished = {
    deliveries: [{ attempt: 1, status: 200 }],
    recorded: { onboardingStatus: 'ONBOARDING_FINISHED', score: { value: '95.0', status: 'OK' }, identityId, maskedName: 'A*** S***', birthYear: 1990 }
  }
  t.same(first, { status: 200, body: finished }, 'the webhook delivered, and what the app recorded from it')
  const listed = await fetch(`${url}/example/sessions`, { headers: alice }).then(async (res) => await res.json())
  t.match(listed, {
    fakeIncode: true,
    sessions: [{
      interviewId,
      onboardingStatus: 'ONBOARDING_FINISHED',
      statusUpdatedAt: /^\d{4}-/,
      score: { status: 'OK', value: '95.0' },
      identityId,
      maskedName: 'A*** S***',
      birthYear: 1990,
      dataDeletedAt: null
    }]
  })

  const rows = sessionRows(databasePath)
  t.same((await postJson(`${url}/example/sessions/${interviewId}/finish`)).body, finished)
  t.same(sessionRows(databasePath), rows, 'the redelivered webhook changed nothing')
})

t.test('finish with INCODE_WEBHOOK_SECRET set uses that secret, and no log line carries it', async (t) => {
  const { url, logs } = await startExample(t, { INCODE_WEBHOOK_SECRET: WEBHOOK_SECRET }, { listen: true })
  const { body: { interviewId } } = await postJson(`${url}/incode/sessions`)
  t.equal((await postJson(`${url}/example/sessions/${interviewId}/finish`)).status, 200)
  // Known, this secret lets you play Incode yourself.
  const res = await fetch(`${url}/incode/webhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-incode-webhook-secret': WEBHOOK_SECRET },
    body: JSON.stringify({ interviewId, onboardingStatus: 'ONBOARDING_FINISHED' })
  })
  t.equal(res.status, 200)
  t.ok(logs.lines.some((line) => line.includes('Incode webhook received')), 'the webhook was logged')
  t.same(logs.lines.filter((line) => line.includes(WEBHOOK_SECRET)), [], `no secret in ${logs.lines.length} log lines`)
})

t.test('finish: only the signed-in user\'s own sessions', async (t) => {
  const { url } = await startExample(t, {}, { listen: true })
  const { body: { interviewId } } = await postJson(`${url}/incode/sessions`)
  const notYours = { statusCode: 404, error: 'Not Found', message: 'You have no session with this interviewId' }
  t.same(await postJson(`${url}/example/sessions/${interviewId}/finish`, { 'x-demo-user': 'bob' }), { status: 404, body: notYours })
  t.same(await postJson(`${url}/example/sessions/${'0'.repeat(24)}/finish`), { status: 404, body: notYours })
  t.equal((await postJson(`${url}/example/sessions/${interviewId}/finish`, {})).status, 401)
  t.equal((await postJson(`${url}/example/sessions/${'0'.repeat(65)}/finish`)).status, 400)
})

t.test('finish: a session recorded by an earlier run of the example, whose fake is gone, is a 409', async (t) => {
  const databasePath = temporaryDatabasePath(t)
  const first = await startExample(t, { DATABASE_PATH: databasePath }, { listen: true })
  const { body: { interviewId, token } } = await postJson(`${first.url}/incode/sessions`)
  await first.app.close()

  const { url } = await startExample(t, { DATABASE_PATH: databasePath }, { listen: true })
  t.same(await postJson(`${url}/example/sessions/${interviewId}/finish`), {
    status: 409,
    body: { statusCode: 409, error: 'Conflict', message: 'This session was started by an earlier run of the example, whose fake Incode API is gone' }
  })
  // The token of a session the fake no longer knows proves nothing.
  t.equal((await postJson(`${url}/example/sessions/${interviewId}/finish`, { 'x-token': token })).status, 404)
})

t.test('with real credentials there is no finish route', async (t) => {
  const { fake, env } = await realIncode(t)
  const { url } = await startExample(t, env, { listen: true })
  const { body: { interviewId } } = await postJson(`${url}/incode/sessions`)
  t.equal((await postJson(`${url}/example/sessions/${interviewId}/finish`)).status, 404)
  t.equal(fake.sessions.get(interviewId)?.onboardingStatus, 'UNKNOWN', 'nothing finished the session')
})

t.test('the onboarding link opens the fake\'s page; finishing there delivers the webhook to the app, which records status and score', async (t) => {
  const { url, logs } = await startExample(t, { INCODE_WEBHOOK_SECRET: WEBHOOK_SECRET }, { listen: true })
  const { body: { interviewId, url: link } } = await postJson(`${url}/incode/onboarding-url`)
  const page = await (await fetch(link)).text()
  const token = /name="token" value="([^"]+)"/.exec(page)?.[1] ?? ''
  const action = /<form method="post" action="([^"]+)"/.exec(page)?.[1] ?? ''
  t.equal(action, `/onboarding/${interviewId}/complete`)

  // As the browser sends the form: "Finish as failed (score FAIL)".
  const outcome = await fetch(new URL(action, link), { method: 'POST', body: new URLSearchParams({ token, score: 'FAIL' }) })
  t.equal(outcome.status, 200)
  t.match(await outcome.text(), '<dd id="webhook">Delivered: HTTP 200</dd>', 'the fake\'s page: the app took the webhook')
  const listed = await fetch(`${url}/example/sessions`, { headers: alice }).then(async (res) => await res.json() as { sessions: unknown[] })
  t.match(listed.sessions, [{ interviewId, onboardingStatus: 'ONBOARDING_FINISHED', score: { status: 'FAIL', value: '30.0' }, identityId: null, maskedName: null }],
    'failed: nobody verified')
  t.match(logs.records.filter((record) => record.msg === 'Incode webhook received'), [{ interviewId }], 'with the secret header')
})

t.test('before the app listens the fake has no webhook of it: the finish delivers nothing and records nothing', async (t) => {
  const { app } = await startExample(t)
  const { interviewId } = (await app.inject({ method: 'POST', url: '/incode/sessions', headers: alice })).json()
  const finish = await app.inject({ method: 'POST', url: `/example/sessions/${interviewId}/finish`, headers: alice })
  t.same(finish.json(), { deliveries: [], recorded: { onboardingStatus: null, score: null, identityId: null, maskedName: null, birthYear: null } })
})
