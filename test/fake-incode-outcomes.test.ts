// What the fake answers once an onboarding is finished: approval (one identity per face), the
// document's data, its images, and deletion, after which reads answer as Incode's do.
import t from 'tap'
import { DEFAULT_OCR_DATA } from '../src/testing/index.js'
import type { FakeIncode } from '../src/testing/index.js'
import { adminToken, assertIncodeError, getWithToken, postJson, sendJson, startAnswer, startFake } from './support/raw-http.js'

const PNG_SIGNATURE = '89504e470d0a1a0a'

async function asAdmin (fake: FakeIncode) {
  const admin = await adminToken(fake)
  const headers = { 'x-incode-hardware-id': admin }
  return {
    approve: (id: string) => postJson(fake, `/omni/process/approve?interviewId=${id}`, {}, headers),
    ocr: (id: string) => getWithToken(fake, `/omni/get/ocr-data?id=${id}`, admin),
    images: (id: string, images: unknown) => postJson(fake, `/omni/get/images?id=${id}`, { images }, headers),
    score: (id: string) => getWithToken(fake, `/omni/get/score?id=${id}`, admin),
    remove: (body: unknown) => sendJson(fake, 'DELETE', '/omni/interviews', body, headers)
  }
}

t.test('approve: a finished session becomes an identity, one per face; existingCustomer from the second approval on', async (t) => {
  const fake = await startFake(t)
  const incode = await asAdmin(fake)
  const first = await startAnswer(fake)
  const second = await startAnswer(fake)
  const stranger = await startAnswer(fake)
  await fake.completeOnboarding(first.interviewId, { person: { face: 'alex' } })
  await fake.completeOnboarding(second.interviewId, { person: { face: 'alex' }, score: { status: 'WARN' } })
  await fake.completeOnboarding(stranger.interviewId)

  const approved = await (await incode.approve(first.interviewId)).body.json() as Record<string, unknown>
  t.match(approved, { success: true, uuid: /^[0-9a-f]{24}$/, token: /^[\w-]+\.[\w-]+\.[\w-]+$/, totalScore: 'OK', existingCustomer: false })
  const claims = JSON.parse(Buffer.from(String(approved.token).split('.')[1] as string, 'base64url').toString()) as Record<string, number | string>
  t.match(claims, { externalUserId: approved.uuid, role: 'CUSTOMER' })
  t.equal(Number(claims.exp) - Number(claims.iat), 365 * 24 * 60 * 60, 'a customer token lives a year')

  const again = await (await incode.approve(second.interviewId)).body.json() as Record<string, unknown>
  t.match(again, { uuid: approved.uuid, token: approved.token, totalScore: 'WARN', existingCustomer: true }, 'the same face: the same identity')
  t.match(await (await incode.approve(first.interviewId)).body.json(), { uuid: approved.uuid, existingCustomer: true }, 'a second approval of a session')
  const other = await (await incode.approve(stranger.interviewId)).body.json() as Record<string, unknown>
  t.not(other.uuid, approved.uuid, 'another face: another identity')
  t.equal(other.existingCustomer, false)
})

t.test('approve refuses what Incode refuses: an unfinished, unknown or missing session, no admin token, no API key', async (t) => {
  const fake = await startFake(t)
  const incode = await asAdmin(fake)
  const { interviewId, token } = await startAnswer(fake)
  const path = '/omni/process/approve'
  await assertIncodeError(t, await incode.approve(interviewId), { status: 400, message: 'The onboarding is not finished', path }, 'not finished')
  await fake.completeOnboarding(interviewId, { status: 'ID_VALIDATION_FINISHED' })
  await assertIncodeError(t, await incode.approve(interviewId), { status: 400, message: 'The onboarding is not finished', path }, 'a step, not the end')
  await fake.completeOnboarding(interviewId, { status: 'MANUAL_REVIEW_APPROVED' })
  t.equal((await incode.approve(interviewId)).statusCode, 200, 'a reviewer\'s approval is an end')
  await assertIncodeError(t, await incode.approve('0'.repeat(24)), { status: 400, message: 'Unknown interview id', path }, 'unknown')
  await assertIncodeError(t, await postJson(fake, path, {}, { 'x-incode-hardware-id': await adminToken(fake) }), { status: 400, message: 'interviewId is required', path }, 'missing')
  await assertIncodeError(t, await postJson(fake, `${path}?interviewId=${interviewId}`, {}, { 'x-incode-hardware-id': token }),
    { status: 401, message: 'Invalid, expired or missing admin token', path }, 'the session\'s own token is not enough')
  await assertIncodeError(t, await postJson(fake, `${path}?interviewId=${interviewId}`, {}, { 'x-api-key': 'wrong' }),
    { status: 403, message: 'Invalid or missing API key', path }, 'no API key')
})

t.test('OCR data: {} until the end, then the default person, or the one the test gives, key by key', async (t) => {
  const fake = await startFake(t)
  const incode = await asAdmin(fake)
  const { interviewId } = await startAnswer(fake)
  t.same(await (await incode.ocr(interviewId)).body.json(), {}, 'nothing read before the onboarding ends')
  await fake.completeOnboarding(interviewId)
  const read = await (await incode.ocr(interviewId)).body.json() as Record<string, unknown>
  t.same(read, DEFAULT_OCR_DATA)
  t.match(read, { name: { fullName: 'ALEX SAMPLE' }, birthDate: Date.UTC(1990, 0, 31), documentNumber: 'D1234567' })

  const { interviewId: other } = await startAnswer(fake)
  await fake.completeOnboarding(other, { person: { ocr: { name: { fullName: 'ROBIN ROE' }, gender: undefined, vehicleClass: 'B' } } })
  const given = await (await incode.ocr(other)).body.json() as Record<string, unknown>
  t.match(given, { name: { fullName: 'ROBIN ROE' }, vehicleClass: 'B', birthDate: DEFAULT_OCR_DATA.birthDate })
  t.notOk('gender' in given, 'a key set to undefined is left out')
  t.notOk('firstName' in (given.name as object), 'the name is replaced whole')
  await assertIncodeError(t, await incode.ocr('0'.repeat(24)), { status: 400, message: 'Unknown interview id', path: '/omni/get/ocr-data' }, 'unknown')
})

t.test('images: a PNG per kind asked for and per session, none of a kind it does not keep, none before the end', async (t) => {
  const fake = await startFake(t)
  const incode = await asAdmin(fake)
  const { interviewId } = await startAnswer(fake)
  t.same(await (await incode.images(interviewId, ['selfie'])).body.json(), {}, 'nothing before the onboarding ends')
  await fake.completeOnboarding(interviewId)
  const images = await (await incode.images(interviewId, ['croppedFace', 'selfie', 'hologram'])).body.json() as Record<string, string>
  t.same(Object.keys(images), ['croppedFace', 'selfie'], 'no hologram kept')
  const bytes = Object.values(images).map((image) => Buffer.from(image, 'base64'))
  t.same(bytes.map((image) => image.subarray(0, 8).toString('hex')), [PNG_SIGNATURE, PNG_SIGNATURE], 'PNGs')
  t.not(images.croppedFace, images.selfie, 'each kind its own')
  const { interviewId: other } = await startAnswer(fake)
  await fake.completeOnboarding(other)
  t.not((await (await incode.images(other, ['selfie'])).body.json() as Record<string, string>).selfie, images.selfie, 'each session its own')
  t.match(fake.requestsTo('/omni/get/images').at(-1)?.body, { images: ['selfie'] }, 'typed as the body a client sends')

  const path = '/omni/get/images'
  for (const images of ['selfie', [1], undefined]) {
    await assertIncodeError(t, await incode.images(interviewId, images), { status: 400, message: 'images must be an array of image names', path }, JSON.stringify(images))
  }
  const admin = { 'x-incode-hardware-id': await adminToken(fake) }
  await assertIncodeError(t, await incode.images('0'.repeat(24), ['selfie']), { status: 400, message: 'Unknown interview id', path }, 'unknown')
  await assertIncodeError(t, await postJson(fake, `${path}?id=${interviewId}`, '{"images"', admin), { status: 400, message: 'The body must be a JSON object', path }, 'not JSON')
})

t.test('deletion: a session forgotten everywhere, or only its personal data; unknown ids passed over; bad bodies refused', async (t) => {
  const fake = await startFake(t)
  const incode = await asAdmin(fake)
  const gone = await startAnswer(fake)
  const kept = await startAnswer(fake)
  await fake.completeOnboarding(gone.interviewId)
  await fake.completeOnboarding(kept.interviewId)

  const piiOnly = await incode.remove({ filter: { ids: [kept.interviewId] }, config: { deletePiiDataOnly: true } })
  t.same(await piiOnly.body.json(), { success: true })
  t.same(await (await incode.ocr(kept.interviewId)).body.json(), {}, 'no OCR data after its personal data is deleted')
  t.same(await (await incode.images(kept.interviewId, ['selfie'])).body.json(), {}, 'no images either')
  t.match(await (await incode.score(kept.interviewId)).body.json(), { overall: { status: 'OK' } }, 'the score is kept')
  t.equal(fake.sessions.get(kept.interviewId)?.personalDataDeleted, true)

  const full = await incode.remove({ filter: { ids: [gone.interviewId, '0'.repeat(24)] }, config: { deletePiiDataOnly: false } })
  t.equal(full.statusCode, 200)
  await full.body.dump()
  t.notOk(fake.sessions.has(gone.interviewId), 'forgotten')
  for (const [name, answer] of [['OCR data', await incode.ocr(gone.interviewId)], ['score', await incode.score(gone.interviewId)], ['approval', await incode.approve(gone.interviewId)]] as const) {
    t.equal(answer.statusCode, 400, `${name} of a deleted session: unknown`)
    await answer.body.dump()
  }
  t.equal((await getWithToken(fake, '/0/omni/get/score', gone.token)).statusCode, 401, 'its token is unknown too')
  t.equal(fake.sessions.size, 1, 'the other session stays')
  t.equal((await incode.remove({ filter: { ids: [kept.interviewId] } })).statusCode, 200, 'without config: everything')
  t.equal(fake.sessions.size, 0)

  const path = '/omni/interviews'
  const idsProblem = { status: 400, message: 'filter.ids must be a non-empty array of interview ids', path }
  for (const body of [{}, { filter: { ids: [] } }, { filter: { ids: [7] } }, { filter: 'x' }]) {
    await assertIncodeError(t, await incode.remove(body), idsProblem, JSON.stringify(body))
  }
  await assertIncodeError(t, await incode.remove('[]'), { status: 400, message: 'The body must be a JSON object', path }, 'not an object')
  await assertIncodeError(t, await incode.remove({ filter: { ids: ['a'] }, config: { deletePiiDataOnly: 'yes' } }),
    { status: 400, message: 'config.deletePiiDataOnly must be a boolean', path }, 'piiOnly not a boolean')
  await assertIncodeError(t, await sendJson(fake, 'DELETE', path, { filter: { ids: ['a'] } }), { status: 401, message: 'Invalid, expired or missing admin token', path }, 'no admin token')
})

t.test('a face log-in session\'s score names the identity its face matched; an onboarding\'s does not', async (t) => {
  const fake = await startFake(t)
  const incode = await asAdmin(fake)
  const { interviewId, token } = await startAnswer(fake)
  await fake.completeOnboarding(interviewId, { authentication: { identityId: 'identity-7' }, score: { status: 'OK' } })
  const score = await (await getWithToken(fake, '/0/omni/get/score', token)).body.json()
  t.match(score, { authentication: { overall: { status: 'OK', value: '95.0' }, identityId: 'identity-7' } })
  await fake.completeOnboarding(interviewId)
  t.notOk('authentication' in (await (await incode.score(interviewId)).body.json() as object), 'completed again as an onboarding')
})

t.test('reset() forgets identities: the same face approved afresh', async (t) => {
  const fake = await startFake(t)
  const approveOnce = async () => {
    const incode = await asAdmin(fake)
    const { interviewId } = await startAnswer(fake)
    await fake.completeOnboarding(interviewId, { person: { face: 'alex' } })
    return await (await incode.approve(interviewId)).body.json() as { uuid: string, existingCustomer: boolean }
  }
  const before = await approveOnce()
  fake.reset()
  const after = await approveOnce()
  t.equal(after.existingCustomer, false)
  t.not(after.uuid, before.uuid)
})

t.test('identities are kept as sessions are: the newest maxRecorded faces', async (t) => {
  const fake = await startFake(t, { maxRecorded: 1 })
  const approve = async (face: string) => {
    const incode = await asAdmin(fake)
    const { interviewId } = await startAnswer(fake)
    await fake.completeOnboarding(interviewId, { person: { face } })
    return await (await incode.approve(interviewId)).body.json() as { uuid: string, existingCustomer: boolean }
  }
  const first = await approve('alex')
  t.match(await approve('alex'), { uuid: first.uuid, existingCustomer: true })
  await approve('robin')
  t.match(await approve('alex'), { existingCustomer: false }, 'alex\'s identity was dropped for robin\'s')
})
