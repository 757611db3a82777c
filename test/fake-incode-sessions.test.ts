// The sessions /omni/start creates: the fields Incode answers, a JWT-shaped token, a new id each time.
import t from 'tap'
import { startAnswer, startFake, startSession } from './support/raw-http.js'

function decodeSegment (segment: string | undefined): Record<string, unknown> {
  return JSON.parse(Buffer.from(segment ?? '', 'base64url').toString('utf8'))
}

t.test('POST /omni/start answers a full session, as Incode does', async (t) => {
  const fake = await startFake(t)
  const before = Math.floor(Date.now() / 1000)
  const { statusCode, headers, body } = await startSession(fake, { configurationId: 'flow-1', language: 'en-US' })
  t.equal(statusCode, 200)
  t.match(headers['content-type'], /^application\/json/)
  t.match(headers['processing-time'], /^\d+$/)
  const answer = await body.json() as Record<string, unknown>
  t.same(Object.keys(answer).sort(), [
    'clientId', 'curpValidationRetries', 'env', 'existingSession', 'flowType', 'idCaptureRetries',
    'idCaptureTimeout', 'interviewCode', 'interviewId', 'selfieCaptureRetries', 'selfieCaptureTimeout', 'token'
  ])
  t.match(answer, {
    interviewId: /^[0-9a-f]{24}$/,
    interviewCode: /^[A-Z0-9]{6}$/,
    flowType: 'flow',
    clientId: 'fake-client',
    env: 'demo',
    existingSession: false,
    idCaptureTimeout: 16,
    selfieCaptureTimeout: 16,
    idCaptureRetries: 3,
    selfieCaptureRetries: 3,
    curpValidationRetries: 1
  })

  const token = answer.token as string
  t.ok(token.length <= 256, 'fits where Incode says a token fits')
  const [header, payload, signature, extra] = token.split('.')
  t.equal(extra, undefined, 'three segments')
  t.same(decodeSegment(header), { alg: 'HS256', typ: 'JWT' })
  const claims = decodeSegment(payload)
  t.equal(claims.externalUserId, answer.interviewId)
  t.equal(claims.role, 'ACCESS')
  t.ok((claims.iat as number) >= before)
  t.equal((claims.exp as number) - (claims.iat as number), 90 * 24 * 60 * 60)
  t.equal(Buffer.from(signature ?? '', 'base64url').length, 32)

  const session = fake.sessions.get(answer.interviewId as string)
  t.match(session, {
    interviewId: answer.interviewId,
    token,
    interviewCode: answer.interviewCode,
    configurationId: 'flow-1',
    body: { configurationId: 'flow-1', language: 'en-US' },
    createdAt: Date
  })
})

t.test('every start creates a new session with its own id and token', async (t) => {
  const fake = await startFake(t)
  const answers = await Promise.all(Array.from({ length: 20 }, () => startAnswer(fake)))
  t.equal(new Set(answers.map((answer) => answer.interviewId)).size, 20)
  t.equal(new Set(answers.map((answer) => answer.token)).size, 20)
  t.equal(fake.sessions.size, 20)
})
