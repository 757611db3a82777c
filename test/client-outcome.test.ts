import { inspect } from 'node:util'
import t from 'tap'
import { IncodeCallError, type IncodeClient, type IncodeClientOptions } from '../src/index.js'
import type { FakeIncode, FakeIncodeFault, FakeIncodePath } from '../src/testing/index.js'
import { clientWithFake, failure } from './support/client.js'
import { assertNoSecretsLogged, post, startHost } from './support/host.js'

// What a KYC back end asks Incode once an onboarding is finished — approve, read the document's
// data and images, erase — and the face log-in check, called as a host calls them, against the
// fake over real sockets. Their answers are personal data and a long-lived credential: none of it
// may reach a log line or an error.

const credentials = (fake: FakeIncode): Partial<IncodeClientOptions> => ({ adminEmail: fake.adminEmail, adminPassword: fake.adminPassword })
const withRetries = (fake: FakeIncode): Partial<IncodeClientOptions> => ({ ...credentials(fake), retries: 2 })
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]
const BIRTH_DATE = Date.UTC(1990, 0, 31)
const APPROVE = '/omni/process/approve'

/** The error a call failed with, as a user compares it: the fields that say what happened. */
function shapeOf (err: IncodeCallError): Record<string, unknown> {
  return { code: err.code, statusCode: err.statusCode, message: err.message, upstreamStatus: err.upstreamStatus, attempts: err.attempts }
}

const REJECTED_400 = {
  code: 'FST_INCODE_UPSTREAM_REJECTED',
  statusCode: 502,
  message: 'The identity verification service rejected the request',
  upstreamStatus: 400,
  attempts: 1
}

t.test('approveSession: the person becomes an identity, Incode\'s uuid and token under their names, unknown keys kept', async (t) => {
  const { fake, client } = await clientWithFake(t, credentials)
  const first = await client.startSession()
  const second = await client.startSession()
  const stranger = await client.startSession()
  await fake.completeOnboarding(first.interviewId, { person: { face: 'face-of-alex' } })
  await fake.completeOnboarding(second.interviewId, { person: { face: 'face-of-alex' }, score: { status: 'WARN' } })
  await fake.completeOnboarding(stranger.interviewId)

  const identity = await client.approveSession(first.interviewId)
  t.match(identity, { identityId: /^[0-9a-f]{24}$/, customerToken: /^[\w-]+\.[\w-]+\.[\w-]+$/ })
  t.same(identity, { success: true, identityId: identity.identityId, customerToken: identity.customerToken, totalScore: 'OK', existingCustomer: false },
    'Incode\'s other keys (success) are kept; uuid and token are not repeated')
  t.same(fake.requestsTo(APPROVE).map((request) => [request.method, request.query, request.body]),
    [['POST', { interviewId: first.interviewId }, {}]], 'POST ?interviewId= with an empty JSON body')

  const again = await client.approveSession(second.interviewId)
  t.same(again, { success: true, identityId: identity.identityId, customerToken: identity.customerToken, totalScore: 'WARN', existingCustomer: true },
    'another session with the same face: the same identity, an existing customer')
  const other = await client.approveSession(stranger.interviewId)
  t.not(other.identityId, identity.identityId, 'another face: another identity')
  t.equal(other.existingCustomer, false)

  fake.failNext({ type: 'json', body: { uuid: 'u-1', token: 't-1', existingCustomer: 'yes', customerId: 'c-1' } }, { path: APPROVE })
  t.same(await client.approveSession(first.interviewId), { identityId: 'u-1', customerToken: 't-1', existingCustomer: false, customerId: 'c-1' },
    'an answer without success, an existingCustomer that is not true: not an existing customer; other keys kept')
})

t.test('approveSession of an unfinished or unknown session: Incode\'s 400 as a rejection, sent once', async (t) => {
  const { fake, client } = await clientWithFake(t, withRetries)
  const { interviewId } = await client.startSession()
  const err = await failure(client.approveSession(interviewId))
  t.ok(err instanceof IncodeCallError, 'an Incode call failure')
  t.same(shapeOf(err), REJECTED_400)
  t.same(shapeOf(await failure(client.approveSession('0'.repeat(24)))), REJECTED_400, 'an unknown interviewId')
  t.equal(fake.requestsTo(APPROVE).length, 2, 'each sent once')
  for (const bad of ['', 'a b', 'x'.repeat(65), 42]) {
    t.equal((await failure(client.approveSession(bad as never))).code, 'FST_INCODE_INVALID_PARAMS', `interviewId ${JSON.stringify(bad)}`)
  }
  t.equal(fake.requestsTo(APPROVE).length, 2, 'a malformed interviewId is never sent')
})

t.test('approveSession is not sent again once Incode may have seen it: a 500, a cut connection, a timeout', async (t) => {
  const { fake, client } = await clientWithFake(t, (fake) => ({ ...withRetries(fake), timeout: 400 }))
  const { interviewId } = await client.startSession()
  await fake.completeOnboarding(interviewId)
  const cases: Array<[FakeIncodeFault, string]> = [
    [{ type: 'status', status: 500 }, 'FST_INCODE_UPSTREAM_ERROR'],
    [{ type: 'drop' }, 'FST_INCODE_UPSTREAM_UNREACHABLE'],
    [{ type: 'drop', phase: 'after-headers' }, 'FST_INCODE_UPSTREAM_BAD_RESPONSE'],
    [{ type: 'hang' }, 'FST_INCODE_UPSTREAM_TIMEOUT']
  ]
  for (const [fault, code] of cases) {
    const before = fake.requestsTo(APPROVE).length
    fake.failNext(fault, { path: APPROVE, times: 3 })
    const err = await failure(client.approveSession(interviewId))
    t.match(err, { code, attempts: 1 }, `${JSON.stringify(fault)}: ${code}`)
    t.equal(fake.requestsTo(APPROVE).length - before, 1, `${JSON.stringify(fault)}: one request reached Incode`)
    fake.clearFaults()
  }
})

t.test('approveSession after a 503, Incode asking to be asked again, is sent again as every call is', async (t) => {
  // The retry rule of every call, /omni/start included: 429 and 503 say Incode did not process it.
  const { fake, client } = await clientWithFake(t, withRetries)
  const { interviewId } = await client.startSession()
  await fake.completeOnboarding(interviewId)
  fake.failNext({ type: 'status', status: 503 }, { path: APPROVE })
  t.match(await client.approveSession(interviewId), { existingCustomer: false }, 'approved on the second request')
  t.equal(fake.requestsTo(APPROVE).length, 2)
})

t.test('approveSession with an expired admin token: one renewal, the approval sent again with the new token', async (t) => {
  const { fake, client } = await clientWithFake(t, withRetries)
  const { interviewId } = await client.startSession()
  await fake.completeOnboarding(interviewId)
  await client.getScore(interviewId)
  fake.expireAdminTokens()
  t.match(await client.approveSession(interviewId), { existingCustomer: false })
  t.equal(fake.requestsTo('/executive/log-in').length, 2, 'the first log-in and one renewal')
  const tokens = fake.requestsTo(APPROVE).map((request) => request.headers['x-incode-hardware-id'])
  t.equal(tokens.length, 2, 'refused with 401, then approved')
  t.not(tokens[0], tokens[1], 'the second with the renewed token')
})

t.test('approveSession with an unusable answer: a typed error that carries neither the token nor any data', async (t) => {
  const { fake, client } = await clientWithFake(t, withRetries)
  const { interviewId } = await client.startSession()
  await fake.completeOnboarding(interviewId)
  const { customerToken, identityId } = await client.approveSession(interviewId)
  const bodies = [
    { success: false, uuid: identityId, token: customerToken, name: 'ALEX SAMPLE' },
    { success: true, token: customerToken, documentNumber: 'D1234567' },
    { success: true, uuid: identityId },
    { success: true, uuid: 'a b', token: customerToken },
    { success: true, uuid: identityId, token: 42 },
    [customerToken],
    customerToken,
    null
  ]
  for (const body of bodies) {
    const before = fake.requestsTo(APPROVE).length
    fake.failNext({ type: 'json', body }, { path: APPROVE })
    const err = await failure(client.approveSession(interviewId))
    t.same(shapeOf(err), {
      code: 'FST_INCODE_UPSTREAM_BAD_RESPONSE', statusCode: 502, message: 'The identity verification service sent an unusable answer', upstreamStatus: 200, attempts: 1
    }, JSON.stringify(body))
    const told = `${JSON.stringify(err)} ${inspect(err, { depth: 10 })}`
    t.notOk([customerToken, identityId, 'ALEX', 'D1234567'].some((secret) => told.includes(secret)), 'nothing of the answer on the error')
    t.equal(fake.requestsTo(APPROVE).length - before, 1, 'and not sent again')
  }
  fake.failNext({ type: 'garbage' }, { path: APPROVE })
  t.equal((await failure(client.approveSession(interviewId))).code, 'FST_INCODE_UPSTREAM_BAD_RESPONSE', 'not JSON at all')
})

t.test('getOcrData: the default person, a test\'s own, {} before the end; a read, asked again after a 503', async (t) => {
  const { fake, client } = await clientWithFake(t, withRetries)
  const { interviewId } = await client.startSession()
  t.same(await client.getOcrData(interviewId), {}, 'nothing read before the onboarding ends')
  await fake.completeOnboarding(interviewId)
  const ocr = await client.getOcrData(interviewId)
  t.match(ocr, {
    name: { fullName: 'ALEX SAMPLE', firstName: 'ALEX', givenName: 'ALEX', paternalLastName: 'SAMPLE' },
    birthDate: BIRTH_DATE,
    gender: 'F',
    documentNumber: 'D1234567',
    address: '1 SAMPLE STREET, SPRINGFIELD, IL 62701',
    nationality: 'USA',
    typeOfId: 'DriverLicense',
    issuingCountry: 'USA'
  })
  t.equal(new Date(ocr.birthDate as number).toISOString(), '1990-01-31T00:00:00.000Z', 'the birth date in ms, UTC')
  t.same(fake.requestsTo('/omni/get/ocr-data').map((request) => [request.method, request.query, request.body]),
    [['GET', { id: interviewId }, undefined], ['GET', { id: interviewId }, undefined]], 'GET ?id= without a body')

  const { interviewId: other } = await client.startSession()
  await fake.completeOnboarding(other, { person: { ocr: { name: { fullName: 'ROBIN ROE' }, documentNumber: 'X7654321', vehicleClass: 'B' } } })
  t.match(await client.getOcrData(other), { name: { fullName: 'ROBIN ROE' }, documentNumber: 'X7654321', vehicleClass: 'B', birthDate: BIRTH_DATE },
    'the test\'s person over the default, and a key Incode sends that the type does not name')

  const before = fake.requestsTo('/omni/get/ocr-data').length
  fake.failNext({ type: 'status', status: 503 }, { path: '/omni/get/ocr-data' })
  fake.failNext({ type: 'status', status: 500 }, { path: '/omni/get/ocr-data' })
  t.match(await client.getOcrData(interviewId), { documentNumber: 'D1234567' }, 'read after a 503 and a 500')
  t.equal(fake.requestsTo('/omni/get/ocr-data').length - before, 3, 'three requests: a read creates nothing')

  for (const body of [['ALEX SAMPLE'], 'ALEX SAMPLE', null, 42]) {
    fake.failNext({ type: 'json', body }, { path: '/omni/get/ocr-data' })
    const err = await failure(client.getOcrData(interviewId))
    t.same(shapeOf(err), {
      code: 'FST_INCODE_UPSTREAM_BAD_RESPONSE', statusCode: 502, message: 'The identity verification service sent an unusable answer', upstreamStatus: 200, attempts: 1
    }, `an answer that is not an object: ${JSON.stringify(body)}`)
    t.notOk(inspect(err, { depth: 10 }).includes('ALEX'), 'and nothing of it on the error')
  }
  t.same(shapeOf(await failure(client.getOcrData('0'.repeat(24)))), REJECTED_400, 'an unknown session')
  t.equal((await failure(client.getOcrData('a/b'))).code, 'FST_INCODE_INVALID_PARAMS')
})

t.test('getImages: PNG bytes, one per kind and session, unknown kinds absent, {} before the end', async (t) => {
  const { fake, client } = await clientWithFake(t, withRetries)
  const first = await client.startSession()
  const second = await client.startSession()
  t.same(await client.getImages(first.interviewId, ['croppedFace']), {}, 'no image before the onboarding ends')
  await fake.completeOnboarding(first.interviewId)
  await fake.completeOnboarding(second.interviewId)

  const kinds = ['croppedFace', 'croppedFrontID', 'croppedBackID', 'selfie', 'document', 'fullFrameFrontID', 'fullFrameBackID', 'passportPage']
  const images = await client.getImages(first.interviewId, kinds)
  t.same(Object.keys(images).sort(), kinds.filter((kind) => kind !== 'passportPage').sort(), 'every kind the session has; not the one it lacks')
  for (const [kind, image] of Object.entries(images)) {
    t.ok(Buffer.isBuffer(image), `${kind}: a Buffer`)
    t.same([...(image as Buffer).subarray(0, 8)], PNG_SIGNATURE, `${kind}: the PNG signature`)
    t.equal((image as Buffer).subarray(12, 16).toString('latin1'), 'IHDR', `${kind}: its header chunk first`)
    t.equal((image as Buffer).subarray(-8, -4).toString('latin1'), 'IEND', `${kind}: its end chunk last`)
  }
  const distinct = new Set(Object.values(images).map((image) => (image as Buffer).toString('hex')))
  t.equal(distinct.size, 7, 'a different image per kind')
  const { croppedFace } = await client.getImages(second.interviewId, ['croppedFace'])
  t.ok(Buffer.isBuffer(croppedFace), 'the other session has a face too')
  t.notOk((croppedFace as Buffer).equals(images.croppedFace as Buffer), 'and it is another one')
  t.same(fake.requestsTo('/omni/get/images').map((request) => [request.method, request.query, request.body]), [
    ['POST', { id: first.interviewId }, { images: ['croppedFace'] }],
    ['POST', { id: first.interviewId }, { images: kinds }],
    ['POST', { id: second.interviewId }, { images: ['croppedFace'] }]
  ], 'POST ?id= with { images: kinds }')

  fake.failNext({ type: 'json', body: { croppedFace: '', selfie: 42, document: 'iVBORw0KGgo=', note: null } }, { path: '/omni/get/images' })
  const decoded = await client.getImages(first.interviewId, ['croppedFace', 'selfie', 'document'])
  t.same(Object.keys(decoded), ['document'], 'only base64 strings become images; empty and other values are left out')
  t.same([...(decoded.document as Buffer)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'decoded from base64')

  for (const body of [['iVBORw0KGgo='], 'iVBORw0KGgo=', null]) {
    fake.failNext({ type: 'json', body }, { path: '/omni/get/images' })
    t.equal((await failure(client.getImages(first.interviewId, ['croppedFace']))).code, 'FST_INCODE_UPSTREAM_BAD_RESPONSE', JSON.stringify(body))
  }
  const before = fake.requestsTo('/omni/get/images').length
  fake.failNext({ type: 'status', status: 503 }, { path: '/omni/get/images' })
  fake.failNext({ type: 'drop' }, { path: '/omni/get/images' })
  t.ok(Buffer.isBuffer((await client.getImages(first.interviewId, ['selfie'])).selfie), 'read after a 503 and a cut connection: a POST, but a read')
  t.equal(fake.requestsTo('/omni/get/images').length - before, 3)
})

t.test('getImages refuses malformed kinds before anything is sent, the admin log-in included', async (t) => {
  const { fake, client } = await clientWithFake(t, withRetries)
  const { interviewId } = await client.startSession()
  await fake.completeOnboarding(interviewId)
  const sent = fake.requests.length
  const twentyOne = Array.from({ length: 21 }, (_, index) => `kind${index}`)
  for (const kinds of [[], 'croppedFace', undefined, ['cropped Face'], ['croppedFace', 42], ['9lives'], ['x'.repeat(41)], twentyOne]) {
    const err = await failure(client.getImages(interviewId, kinds as never))
    t.same([err.code, err.statusCode, err.message], [
      'FST_INCODE_INVALID_PARAMS', 500, 'Incode call parameter "kinds" must be an array of 1 to 20 image kinds such as "croppedFace"'
    ], JSON.stringify(kinds))
  }
  t.equal((await failure(client.getImages('a b', ['croppedFace']))).code, 'FST_INCODE_INVALID_PARAMS', 'a malformed interviewId')
  t.equal((await failure(client.getImages(interviewId, ['croppedFace'], null as never))).code, 'FST_INCODE_INVALID_PARAMS', 'options that are not an object')
  t.equal(fake.requests.length, sent, 'no request reached Incode')

  const twenty = twentyOne.slice(1)
  t.same(await client.getImages(interviewId, twenty), {}, 'twenty kinds are asked for; the fake has none of these')
  t.same(fake.requestsTo('/omni/get/images')[0]?.body, { images: twenty })
})

t.test('deleteSessions: everything, after which every read of the session fails as Incode\'s 400', async (t) => {
  const { fake, client } = await clientWithFake(t, withRetries)
  const { interviewId } = await client.startSession()
  const { interviewId: kept } = await client.startSession()
  await fake.completeOnboarding(interviewId)
  await fake.completeOnboarding(kept)
  t.equal(await client.deleteSessions([interviewId]), undefined)
  t.same(fake.requestsTo('/omni/interviews').map((request) => [request.method, request.body]),
    [['DELETE', { filter: { ids: [interviewId] }, config: { deletePiiDataOnly: false } }]], 'DELETE with every id and deletePiiDataOnly false')
  t.same(shapeOf(await failure(client.getOcrData(interviewId))), REJECTED_400, 'its OCR data is gone')
  t.same(shapeOf(await failure(client.getScore(interviewId))), REJECTED_400, 'its score too')
  t.same(shapeOf(await failure(client.getImages(interviewId, ['croppedFace']))), REJECTED_400, 'and its images')
  t.match(await client.getOcrData(kept), { documentNumber: 'D1234567' }, 'another session is left as it was')
  await client.deleteSessions([interviewId], { piiOnly: false })
  t.same(fake.requestsTo('/omni/interviews')[1]?.body, { filter: { ids: [interviewId] }, config: { deletePiiDataOnly: false } },
    'deleting again: accepted, deletes nothing more')
})

t.test('deleteSessions with piiOnly: the OCR data and images are {}, the score is still read', async (t) => {
  const { fake, client } = await clientWithFake(t, withRetries)
  const first = await client.startSession()
  const second = await client.startSession()
  await fake.completeOnboarding(first.interviewId)
  await fake.completeOnboarding(second.interviewId)
  await client.deleteSessions([first.interviewId, second.interviewId], { piiOnly: true })
  t.same(fake.requestsTo('/omni/interviews')[0]?.body,
    { filter: { ids: [first.interviewId, second.interviewId] }, config: { deletePiiDataOnly: true } })
  for (const { interviewId } of [first, second]) {
    t.same(await client.getOcrData(interviewId), {}, 'no OCR data')
    t.same(await client.getImages(interviewId, ['croppedFace', 'selfie']), {}, 'no images')
    t.match(await client.getScore(interviewId), { overall: { status: 'OK' } }, 'the score is kept')
  }
})

t.test('deleteSessions: sent again after a 503 or a cut connection, and an answer of failure is an error', async (t) => {
  const { fake, client } = await clientWithFake(t, withRetries)
  const { interviewId } = await client.startSession()
  fake.failNext({ type: 'status', status: 503 }, { path: '/omni/interviews' })
  fake.failNext({ type: 'drop' }, { path: '/omni/interviews' })
  await client.deleteSessions([interviewId])
  t.equal(fake.requestsTo('/omni/interviews').length, 3, 'deleting twice deletes nothing more: asked three times')
  for (const body of [{ success: false }, 'deleted', null]) {
    fake.failNext({ type: 'json', body }, { path: '/omni/interviews' })
    t.equal((await failure(client.deleteSessions([interviewId]))).code, 'FST_INCODE_UPSTREAM_BAD_RESPONSE', JSON.stringify(body))
  }
  fake.failNext({ type: 'json', body: {} }, { path: '/omni/interviews' })
  t.equal(await client.deleteSessions([interviewId]), undefined, 'an object without success: false is a success')
})

t.test('deleteSessions refuses malformed input before anything is sent', async (t) => {
  const { fake, client } = await clientWithFake(t, withRetries)
  const { interviewId } = await client.startSession()
  const sent = fake.requests.length
  const ids = (count: number): string[] => Array.from({ length: count }, (_, index) => index.toString(16).padStart(24, '0'))
  const idsMessage = 'Incode call parameter "interviewIds" must be an array of 1 to 1000 interviewIds'
  const cases: Array<[unknown, unknown, string, string]> = [
    [[], {}, 'interviewIds', idsMessage],
    [ids(1001), {}, 'interviewIds', idsMessage],
    [interviewId, {}, 'interviewIds', idsMessage],
    [undefined, {}, 'interviewIds', idsMessage],
    [[interviewId, 'a b'], {}, 'interviewId', 'Incode call parameter "interviewId" must be an Incode interviewId (letters, digits, _ and -, at most 64)'],
    [[interviewId, 42], {}, 'interviewId', 'Incode call parameter "interviewId" must be an Incode interviewId (letters, digits, _ and -, at most 64)'],
    [[interviewId], { piiOnly: 'yes' }, 'piiOnly', 'Incode call parameter "piiOnly" must be a boolean'],
    [[interviewId], { piiOnly: 1 }, 'piiOnly', 'Incode call parameter "piiOnly" must be a boolean'],
    [[interviewId], null, 'options', 'Incode call parameter "options" must be an object']
  ]
  for (const [given, options, name, message] of cases) {
    const err = await failure(client.deleteSessions(given as never, options as never))
    t.same([err.code, err.statusCode, err.message], ['FST_INCODE_INVALID_PARAMS', 500, message], `${name}: ${JSON.stringify(given)?.slice(0, 40)} ${JSON.stringify(options)}`)
  }
  t.equal(fake.requests.length, sent, 'no request reached Incode, not even a log-in')
  await client.deleteSessions(ids(1000))
  t.equal(fake.requestsTo('/omni/interviews')[0]?.body.filter?.ids?.length, 1000, 'a thousand ids go in one call')
})

t.test('the outcome calls heed the caller\'s signal: aborted before, nothing is sent; a signal that is not one is refused', async (t) => {
  const { fake, client } = await clientWithFake(t, withRetries)
  const { interviewId, token } = await client.startSession()
  await fake.completeOnboarding(interviewId)
  const sent = fake.requests.length
  const aborted = { signal: AbortSignal.abort() }
  const calls = [
    async () => await client.approveSession(interviewId, aborted),
    async () => await client.getOcrData(interviewId, aborted),
    async () => await client.getImages(interviewId, ['croppedFace'], aborted),
    async () => await client.deleteSessions([interviewId], aborted),
    async () => await client.verifyFaceLogin(token, '0'.repeat(24), aborted)
  ]
  for (const call of calls) await t.rejects(async () => { await call() }, { name: 'AbortError' })
  t.equal(fake.requests.length, sent, 'no log-in, no call')
  t.equal((await failure(client.getOcrData(interviewId, { signal: 'soon' } as never))).code, 'FST_INCODE_INVALID_PARAMS')

  fake.failNext({ type: 'delay', ms: 1000 }, { path: '/omni/get/ocr-data' })
  const started = Date.now()
  await t.rejects(client.getOcrData(interviewId, { signal: AbortSignal.timeout(100) }), { name: 'TimeoutError' })
  t.ok(Date.now() - started < 900, 'a read under way is given up when the signal aborts')
})

t.test('verifyFaceLogin: finishes the log-in session, then verified when the score names the candidate and is OK', async (t) => {
  const { fake, client } = await clientWithFake(t, withRetries)
  const onboarding = await client.startSession()
  await fake.completeOnboarding(onboarding.interviewId)
  const { identityId } = await client.approveSession(onboarding.interviewId)
  const { identityId: otherIdentity } = await client.approveSession((await finished(fake, client)).interviewId)

  const login = await client.startSession()
  await fake.completeOnboarding(login.interviewId, { authentication: { identityId } })
  const sent = fake.requests.length
  const verified = await client.verifyFaceLogin(login.token, identityId)
  t.match(verified, { verified: true, identityId, score: { overall: { status: 'OK' }, authentication: { identityId } } })
  t.same(fake.requests.slice(sent).map((request) => [request.path, request.headers['x-incode-hardware-id']]),
    [['/omni/finish-status', login.token], ['/0/omni/get/score', login.token]], 'finish-status, then the token-only score, with the session token')

  t.match(await client.verifyFaceLogin(login.token, otherIdentity), { verified: false, identityId },
    'another identity claimed: not verified, and the one the face matched is told')

  const failed = await client.startSession()
  await fake.completeOnboarding(failed.interviewId, { authentication: { identityId }, score: { status: 'FAIL' } })
  t.match(await client.verifyFaceLogin(failed.token, identityId), { verified: false, identityId, score: { overall: { status: 'FAIL' } } },
    'the right identity, a failed score: not verified')

  const plain = await client.startSession()
  await fake.completeOnboarding(plain.interviewId)
  const unmatched = await client.verifyFaceLogin(plain.token, identityId)
  t.same([unmatched.verified, unmatched.identityId], [false, undefined], 'a score without an authentication block: no identity, not verified')
  t.notOk('authentication' in unmatched.score)

  for (const authentication of ['x', { identityId: 'a b' }, { identityId: 42 }, null]) {
    fake.failNext({ type: 'json', body: { overall: { status: 'OK' }, authentication } }, { path: '/0/omni/get/score' })
    t.same(await client.verifyFaceLogin(login.token, identityId), { verified: false, identityId: undefined, score: { overall: { status: 'OK' }, authentication } },
      `an authentication block ${JSON.stringify(authentication)}: no identity read from it`)
  }
})

t.test('verifyFaceLogin refuses a malformed candidate or token before anything is sent', async (t) => {
  const { fake, client } = await clientWithFake(t, withRetries)
  const { token } = await client.startSession()
  const sent = fake.requests.length
  for (const candidate of ['', 'a b', 'x'.repeat(65), 42, undefined]) {
    t.equal((await failure(client.verifyFaceLogin(token, candidate as never))).code, 'FST_INCODE_INVALID_PARAMS', `candidate ${JSON.stringify(candidate)}`)
  }
  t.equal((await failure(client.verifyFaceLogin('a\r\nb', '0'.repeat(24)))).code, 'FST_INCODE_INVALID_PARAMS', 'a token that could not be a header')
  t.equal(fake.requests.length, sent, 'nothing sent')
})

t.test('verifyFaceLogin: a failed finish-status ends the check, the score unread', async (t) => {
  const { fake, client } = await clientWithFake(t, withRetries)
  const { token } = await client.startSession()
  fake.failNext({ type: 'status', status: 500 }, { path: '/omni/finish-status' })
  t.match(await failure(client.verifyFaceLogin(token, '0'.repeat(24))), { code: 'FST_INCODE_UPSTREAM_ERROR', attempts: 1 })
  t.equal(fake.requestsTo('/0/omni/get/score').length, 0)
})

t.test('no log line, at trace, and no error of the outcome calls holds personal data, an image or a secret', async (t) => {
  const errors: unknown[] = []
  const results: unknown[] = []
  /** A host route that makes one call, keeps what it returned or threw, and lets Fastify log a failure. */
  const remember = async (call: () => Promise<unknown>): Promise<{ ok: true }> => {
    try {
      results.push(await call())
      return { ok: true }
    } catch (err) {
      errors.push(err)
      throw err
    }
  }
  const admin = { adminEmail: 'kyc@fake-incode.test', adminPassword: 'fake-admin-password-of-the-log-test' }
  const host = await startHost(t, {
    plugin: { timeout: 400, retries: 1, ...admin },
    fake: admin,
    after: (app) => {
      app.post<{ Body: { id: string } }>('/kyc/approve', async (request) => await remember(async () => await app.incode.approveSession(request.body.id)))
      app.post<{ Body: { id: string } }>('/kyc/ocr', async (request) => await remember(async () => await app.incode.getOcrData(request.body.id)))
      app.post<{ Body: { id: string, kinds: string[] } }>('/kyc/images', async (request) =>
        await remember(async () => await app.incode.getImages(request.body.id, request.body.kinds)))
      app.post<{ Body: { ids: string[], piiOnly?: unknown } }>('/kyc/delete', async (request) =>
        await remember(async () => { await app.incode.deleteSessions(request.body.ids, { piiOnly: request.body.piiOnly as boolean }) }))
    }
  })
  const { fake } = host
  const { app } = host
  const { interviewId } = await app.incode.startSession()
  const { interviewId: other } = await app.incode.startSession()
  await fake.completeOnboarding(interviewId, { person: { face: 'face-of-alex' } })
  await fake.completeOnboarding(other, { person: { face: 'face-of-alex' } })

  t.equal((await post(app, '/kyc/approve', { id: interviewId })).statusCode, 200)
  t.equal((await post(app, '/kyc/approve', { id: other })).statusCode, 200)
  t.equal((await post(app, '/kyc/ocr', { id: interviewId })).statusCode, 200)
  t.equal((await post(app, '/kyc/images', { id: interviewId, kinds: ['croppedFace', 'croppedFrontID', 'selfie', 'document'] })).statusCode, 200)
  const { customerToken } = results[0] as { customerToken: string }
  const images = Object.values(results[3] as Record<string, Buffer>).map((image) => image.toString('base64'))
  t.equal(images.length, 4)

  const leaky = `ALEX SAMPLE D1234567 ${BIRTH_DATE} ${customerToken} ${images[0]} ${fake.apiKey}`
  const faults: Array<[FakeIncodePath, FakeIncodeFault]> = [
    [APPROVE, { type: 'status', status: 400, body: { status: 400, message: leaky } }],
    [APPROVE, { type: 'status', status: 401, body: { status: 401, message: leaky } }],
    [APPROVE, { type: 'status', status: 500, body: leaky }],
    [APPROVE, { type: 'json', body: { success: false, uuid: 'u-1', token: customerToken, message: leaky } }],
    [APPROVE, { type: 'json', body: { token: customerToken, name: { fullName: 'ALEX SAMPLE' } } }],
    [APPROVE, { type: 'drop', phase: 'after-headers' }],
    [APPROVE, { type: 'hang', phase: 'body' }],
    ['/omni/get/ocr-data', { type: 'json', body: [leaky] }],
    ['/omni/get/ocr-data', { type: 'status', status: 500, body: { message: leaky } }],
    ['/omni/get/ocr-data', { type: 'status', status: 403, body: { message: leaky } }],
    ['/omni/get/images', { type: 'json', body: images[0] }],
    ['/omni/get/images', { type: 'status', status: 400, body: { message: leaky } }],
    ['/omni/interviews', { type: 'json', body: { success: false, message: leaky } }],
    ['/omni/interviews', { type: 'status', status: 500, body: leaky }]
  ]
  const routeOf: Record<string, [string, Record<string, unknown>]> = {
    [APPROVE]: ['/kyc/approve', { id: interviewId }],
    '/omni/get/ocr-data': ['/kyc/ocr', { id: interviewId }],
    '/omni/get/images': ['/kyc/images', { id: interviewId, kinds: ['croppedFace'] }],
    '/omni/interviews': ['/kyc/delete', { ids: [other], piiOnly: true }]
  }
  for (const [path, fault] of faults) {
    fake.failNext(fault, { path, times: 2 })
    const [route, body] = routeOf[path] as [string, Record<string, unknown>]
    const answer = await post(app, route, body)
    t.ok(answer.statusCode >= 500, `${path} ${JSON.stringify(fault).slice(0, 40)}: failed (${answer.statusCode})`)
    t.notOk(['ALEX', 'D1234567', customerToken].some((secret) => answer.body.includes(secret)), 'and the answer holds none of it')
    fake.clearFaults()
  }
  // Malformed parameters that look like personal data: refused, naming the parameter only.
  await post(app, '/kyc/approve', { id: 'ALEX SAMPLE D1234567' })
  await post(app, '/kyc/ocr', { id: customerToken })
  await post(app, '/kyc/images', { id: interviewId, kinds: ['ALEX SAMPLE'] })
  await post(app, '/kyc/delete', { ids: [interviewId, 'D1234567 ALEX'] })
  await post(app, '/kyc/delete', { ids: [interviewId], piiOnly: 'ALEX SAMPLE' })
  // And the successes after them: a deletion of personal data, then one of everything.
  t.equal((await post(app, '/kyc/delete', { ids: [other], piiOnly: true })).statusCode, 200)
  t.equal((await post(app, '/kyc/ocr', { id: other })).statusCode, 200)
  t.equal((await post(app, '/kyc/delete', { ids: [interviewId, other] })).statusCode, 200)
  await post(app, '/kyc/ocr', { id: interviewId })

  t.equal(errors.length, faults.length + 6, 'every failure was thrown')
  const logged = new Set(host.logs.records.map((record) => (record.err as { code?: string } | undefined)?.code))
  t.ok(['FST_INCODE_UPSTREAM_REJECTED', 'FST_INCODE_UPSTREAM_BAD_RESPONSE', 'FST_INCODE_UPSTREAM_ERROR', 'FST_INCODE_UPSTREAM_TIMEOUT',
    'FST_INCODE_INVALID_PARAMS'].every((code) => logged.has(code)), 'the failures were logged, with their errors')
  t.ok(host.logs.records.some((record) => record.level === 30), 'info lines were captured')
  const adminTokens = [...new Set(fake.requestsTo('/omni/get/ocr-data').map((request) => String(request.headers['x-incode-hardware-id'])))]
  t.ok(adminTokens.length >= 1 && adminTokens.every((token) => token.length > 20), 'the admin token the calls used')
  const secrets = [customerToken, 'ALEX', 'SAMPLE', 'D1234567', String(BIRTH_DATE), ...images, fake.apiKey, fake.adminPassword, ...adminTokens]
  assertNoSecretsLogged(t, host, secrets)
  for (const err of errors) {
    const told = `${(err as Error).message} ${JSON.stringify(err)} ${inspect(err, { depth: 10 })}`
    t.same(secrets.filter((secret) => told.includes(secret)), [], `${(err as { code?: string }).code}: nothing on the error`)
  }
})

/** A session whose onboarding the fake has finished, with a face of its own. */
async function finished (fake: FakeIncode, client: IncodeClient): Promise<{ interviewId: string }> {
  const session = await client.startSession()
  await fake.completeOnboarding(session.interviewId)
  return session
}
