import t from 'tap'
import type { IncodeWebhookEvent } from '../src/index.js'
import { assertNoSecretsLogged, startHost } from './support/host.js'

// Incode posts more than the onboarding-status webhook to the one URL: session events, face
// authentication results, kinds not known yet. Each reaches onWebhook tagged with its kind (a 400
// would be delivered again, five times), with a dedupeKey that a redelivery shares.

const SECRET_HEADER = { name: 'x-incode-webhook-secret', value: 'w'.repeat(40) }
const INTERVIEW_ID = '0123456789abcdef01234567'
// The 1:1 face authentication webhook, as Incode's documentation shows one.
const FACE_LOGIN = {
  customerId: '67460a9995516d9a553aa95b',
  token: '',
  interviewId: '60000a22b09a35d2ef5aaa99',
  interviewToken: '',
  transactionId: '549994d9r3474bfcbbbdc5a5',
  faceMatch: true,
  spoofAttempt: false,
  secondFactor: false,
  children: [],
  hasFaceMask: false,
  hasLenses: false,
  spoofConfidence: 0.0010233838,
  recognitionConfidence: { confidence: 0.93098663, candidates: [] },
  overallScore: 0.93098663,
  overallStatus: 'PASS'
}

async function webhookHost (t: Parameters<typeof startHost>[0]) {
  const events: IncodeWebhookEvent[] = []
  const host = await startHost(t, { plugin: { webhook: { secretHeader: SECRET_HEADER, onWebhook: async (event) => { events.push(event) } } } })
  const deliver = async (body: string | Record<string, unknown>) => await host.app.inject({
    method: 'POST',
    url: '/incode/webhook',
    headers: { [SECRET_HEADER.name]: SECRET_HEADER.value, 'content-type': 'application/json' },
    payload: typeof body === 'string' ? body : JSON.stringify(body)
  })
  return { ...host, events, deliver }
}

t.test('every kind is answered 200 and reaches onWebhook tagged', async (t) => {
  const host = await webhookHost(t)
  const bodies = [
    { interviewId: INTERVIEW_ID, onboardingStatus: 'ONBOARDING_FINISHED' },
    { event_type: 'SESSION_SUCCEEDED', interviewId: INTERVIEW_ID, timestamp: '2026-12-02T10:00:00Z' },
    FACE_LOGIN,
    { ...FACE_LOGIN, transactionId: 't-2', faceMatch: false, overallStatus: 'FAIL', error: 'User is not recognized', errorCode: 4015, errorMessage: 'NA' },
    { interviewId: INTERVIEW_ID, videoSelfieUrl: 'https://incode.example/video.mp4' }
  ]
  for (const body of bodies) t.equal((await host.deliver(body)).statusCode, 200)
  t.match(host.events, [
    { kind: 'onboarding-status', interviewId: INTERVIEW_ID, onboardingStatus: 'ONBOARDING_FINISHED', dedupeKey: `${INTERVIEW_ID}:ONBOARDING_FINISHED` },
    { kind: 'session-event', eventType: 'SESSION_SUCCEEDED', event_type: 'SESSION_SUCCEEDED', interviewId: INTERVIEW_ID, timestamp: '2026-12-02T10:00:00Z' },
    { kind: 'face-authentication', transactionId: FACE_LOGIN.transactionId, customerId: FACE_LOGIN.customerId, verified: true, dedupeKey: FACE_LOGIN.transactionId },
    { kind: 'face-authentication', transactionId: 't-2', verified: false, errorCode: 4015 },
    { kind: 'other', interviewId: INTERVIEW_ID, videoSelfieUrl: 'https://incode.example/video.mp4' }
  ], 'each with its kind, and every key Incode sent')
  t.same(host.logs.records.filter((record) => record.msg === 'Incode webhook received').map(({ kind, interviewId, onboardingStatus, eventType, verified }) =>
    ({ kind, interviewId, onboardingStatus, eventType, verified })), [
    { kind: 'onboarding-status', interviewId: INTERVIEW_ID, onboardingStatus: 'ONBOARDING_FINISHED', eventType: undefined, verified: undefined },
    { kind: 'session-event', interviewId: INTERVIEW_ID, onboardingStatus: undefined, eventType: 'SESSION_SUCCEEDED', verified: undefined },
    { kind: 'face-authentication', interviewId: FACE_LOGIN.interviewId, onboardingStatus: undefined, eventType: undefined, verified: true },
    { kind: 'face-authentication', interviewId: FACE_LOGIN.interviewId, onboardingStatus: undefined, eventType: undefined, verified: false },
    { kind: 'other', interviewId: undefined, onboardingStatus: undefined, eventType: undefined, verified: undefined }
  ], 'one line each, naming the kind and the ids only')
  assertNoSecretsLogged(t, host, [FACE_LOGIN.customerId, 'video.mp4', SECRET_HEADER.value])
})

t.test('a redelivery has the same dedupeKey, whatever the order of its keys; another event has another', async (t) => {
  const host = await webhookHost(t)
  await host.deliver('{"event_type":"SESSION_PROGRESS","interviewId":"0123456789abcdef01234567","timestamp":"2026-12-02T10:00:00Z"}')
  await host.deliver('{"timestamp":"2026-12-02T10:00:00Z","interviewId":"0123456789abcdef01234567","event_type":"SESSION_PROGRESS"}')
  await host.deliver('{"event_type":"SESSION_PROGRESS","interviewId":"0123456789abcdef01234567","timestamp":"2026-12-02T10:05:00Z"}')
  await host.deliver({ watchlist: { id: 'w-1', hits: [1, 2] } })
  await host.deliver({ watchlist: { hits: [1, 2], id: 'w-1' } })
  const keys = host.events.map((event) => event.dedupeKey)
  t.equal(keys[0], keys[1], 'the same session event, redelivered')
  t.not(keys[0], keys[2], 'the session resumed again later: another event')
  t.equal(keys[3], keys[4], 'an unknown kind, redelivered with its keys in another order')
  t.match(keys[3], /^[A-Za-z0-9_-]{32}$/)
})

t.test('an onboarding-status body is still checked as one; an interviewId that is no id never reaches a log line', async (t) => {
  const host = await webhookHost(t)
  for (const body of [{ onboardingStatus: 'ONBOARDING_FINISHED' }, { interviewId: '<script>', onboardingStatus: 'EXPIRED' }, { interviewId: INTERVIEW_ID, onboardingStatus: 7 }]) {
    t.equal((await host.deliver(body)).statusCode, 400, JSON.stringify(body))
  }
  t.equal((await host.deliver({ event_type: 'SESSION_STARTED', interviewId: { $gt: '' } })).statusCode, 200)
  t.same(host.events.map((event) => [event.kind, event.interviewId]), [['session-event', undefined]], 'only the session event passed, its odd id not taken as one')
  t.notOk(host.logs.lines.some((line) => line.includes('$gt')), 'and not logged')
})

t.test('a face log-in is verified only when the face matched, the overall status passed and no error came', async (t) => {
  const host = await webhookHost(t)
  const cases: Array<[string, Record<string, unknown>, boolean]> = [
    ['all three', FACE_LOGIN, true],
    ['the face did not match', { ...FACE_LOGIN, transactionId: 't-3', faceMatch: false }, false],
    ['the overall status failed (a spoof)', { ...FACE_LOGIN, transactionId: 't-4', overallStatus: 'FAIL' }, false],
    ['an error came with it', { ...FACE_LOGIN, transactionId: 't-5', errorCode: 4015 }, false],
    ['only an overall status', { transactionId: 't-6', overallStatus: 'PASS' }, false],
    ['only an error', { transactionId: 't-7', errorCode: 4015 }, false]
  ]
  for (const [name, body, verified] of cases) {
    t.equal((await host.deliver(body)).statusCode, 200, name)
    t.match(host.events.at(-1), { kind: 'face-authentication', verified }, name)
  }
  await host.deliver({ transactionId: 't-8', amount: 5 })
  t.match(host.events.at(-1), { kind: 'other' }, 'a transactionId alone is not a face log-in')
})
