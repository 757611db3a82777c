// Which request gets which fault: failNext, failAlways and failRandomly, their order, every path, and faults refused when armed.
import t from 'tap'
import type { Dispatcher } from 'undici'
import type { FakeIncodePath } from '../src/testing/index.js'
import { adminToken, getOnboardingUrl, getWithToken, logIn, postJson, sendJson, startAnswer, startFake, startSession, statusOf } from './support/raw-http.js'

t.test('failNext: times, path, order, and its place before failAlways', async (t) => {
  const fake = await startFake(t)
  const { token } = await startAnswer(fake)
  fake.failAlways({ type: 'status', status: 503 })
  fake.failNext({ type: 'status', status: 500 }, { times: 2 })
  fake.failNext({ type: 'status', status: 401 }, { path: '/0/omni/onboarding-url' })
  fake.failNext({ type: 'status', status: 429 })

  const statuses = async (count: number, send: () => Promise<Dispatcher.ResponseData>) => {
    const seen: number[] = []
    for (let i = 0; i < count; i++) {
      const answer = await send()
      await answer.body.dump()
      seen.push(answer.statusCode)
    }
    return seen
  }
  t.same(await statuses(1, () => getOnboardingUrl(fake, token)), [500], 'the oldest matching fault first')
  t.same(await statuses(1, () => startSession(fake)), [500], 'times: 2')
  t.same(await statuses(1, () => startSession(fake)), [429], 'a fault for another path is left alone')
  t.same(await statuses(2, () => getOnboardingUrl(fake, token)), [401, 503], 'then the path fault, then the standing one')
  fake.clearFaults()
  t.same(await statuses(2, () => getOnboardingUrl(fake, token)), [200, 200])
})

t.test('failAlways: until cleared, per path, the newest wins', async (t) => {
  const fake = await startFake(t)
  const { token } = await startAnswer(fake)
  fake.failAlways({ type: 'status', status: 502 }, { path: '/omni/start' })
  for (let i = 0; i < 3; i++) {
    t.equal((await startSession(fake)).statusCode, 502)
  }
  t.equal((await getOnboardingUrl(fake, token)).statusCode, 200, 'other paths answer normally')
  fake.failAlways({ type: 'status', status: 500 })
  t.equal((await startSession(fake)).statusCode, 500)
  t.equal((await getOnboardingUrl(fake, token)).statusCode, 500)
  fake.clearFaults()
  t.equal((await startSession(fake)).statusCode, 200)
})

/** A `random` for failRandomly that returns these rolls in turn, then 1 (never a fault). */
function scripted (rolls: number[]): () => number {
  return () => rolls.shift() ?? 1
}

t.test('failRandomly: a roll below the rate faults, and a second roll picks the fault', async (t) => {
  const fake = await startFake(t)
  const rolls = [0.7, 0.2, 0.1, 0.49, 0.9, 0.5]
  fake.failRandomly([{ type: 'status', status: 500 }, { type: 'status', status: 503 }], { rate: 0.5, random: scripted(rolls) })
  const seen = []
  for (let i = 0; i < 4; i++) seen.push(await statusOf(startSession(fake)))
  t.same(seen, [200, 500, 503, 200], 'miss, hit (first fault), hit (second fault), miss at exactly the rate')
  t.same(rolls, [], 'one roll per request, one more per fault')
  t.equal(fake.sessions.size, 2)
})

t.test('failRandomly: after failNext, before failAlways, per path, newest rule first', async (t) => {
  const fake = await startFake(t)
  const { token } = await startAnswer(fake)
  const olderRolls: number[] = []
  const newerRolls: number[] = []
  fake.failAlways({ type: 'status', status: 502 })
  fake.failRandomly({ type: 'status', status: 429 }, { rate: 0.5, path: '/omni/start', random: scripted(olderRolls) })
  fake.failRandomly({ type: 'json', body: {} }, { rate: 0.5, path: '/omni/start', random: scripted(newerRolls) })
  fake.failNext({ type: 'status', status: 500 })

  t.equal(await statusOf(startSession(fake)), 500, 'failNext first, without a roll')
  newerRolls.push(0.9)
  olderRolls.push(0.1, 0.99)
  t.equal(await statusOf(startSession(fake)), 429, 'the newer rule missed, the older one hit')
  newerRolls.push(0.3, 0)
  const json = await startSession(fake)
  t.same(await json.body.json(), {}, 'the newer rule hit: the older one did not roll')
  newerRolls.push(0.6)
  olderRolls.push(0.6)
  t.equal(await statusOf(startSession(fake)), 502, 'both missed: the standing fault')
  t.equal(await statusOf(getOnboardingUrl(fake, token)), 502, 'another path: no roll, the standing fault')
  t.same([olderRolls, newerRolls], [[], []], 'every roll used, none more')

  fake.clearFaults()
  t.equal(await statusOf(startSession(fake)), 200, 'clearFaults disarms them')
  fake.failRandomly({ type: 'status', status: 500 }, { rate: 1 })
  fake.reset()
  t.equal(await statusOf(startSession(fake)), 200, 'reset disarms them')
})

t.test('failRandomly: Math.random by default; rate 1 always faults, 0 never', async (t) => {
  const fake = await startFake(t)
  fake.failRandomly([{ type: 'status', status: 500 }], { rate: 1 })
  for (let i = 0; i < 5; i++) t.equal(await statusOf(startSession(fake)), 500)
  fake.clearFaults()
  fake.failRandomly({ type: 'status', status: 500 }, { rate: 0 })
  for (let i = 0; i < 5; i++) t.equal(await statusOf(startSession(fake)), 200)
})

t.test('failRandomly: a rate outside 0..1, no fault, or a fault Node could not send is refused', async (t) => {
  const fake = await startFake(t)
  for (const rate of [-0.1, 1.5, Number.NaN]) {
    t.throws(() => fake.failRandomly({ type: 'garbage' }, { rate }), { name: 'RangeError', message: `failRandomly: rate must be a number from 0 to 1, got ${rate}` })
  }
  t.throws(() => fake.failRandomly([], { rate: 0.5 }), { name: 'RangeError', message: 'failRandomly: faults must hold at least one fault' })
  t.throws(() => fake.failRandomly([{ type: 'garbage' }, { type: 'status', status: 600 }], { rate: 1 }), RangeError)
  t.equal(await statusOf(startSession(fake)), 200, 'nothing was armed')
})

t.test('faults that Node could not send are refused when armed', async (t) => {
  const fake = await startFake(t)
  t.throws(() => fake.failNext({ type: 'garbage' }, { times: 0 }), RangeError)
  t.throws(() => fake.failNext({ type: 'garbage' }, { times: 1.5 }), RangeError)
  t.throws(() => fake.failNext({ type: 'status', status: 99 }), RangeError)
  t.throws(() => fake.failAlways({ type: 'status', status: 600 }), RangeError)
  t.throws(() => fake.failAlways({ type: 'status', status: 500.5 }), RangeError)
  t.throws(() => fake.failNext({ type: 'status', status: 500, headers: { 'bad header': 'x' } }), TypeError)
  t.throws(() => fake.failNext({ type: 'status', status: 500, headers: { ok: 'line\nbreak' } }), TypeError)
  t.equal((await startSession(fake)).statusCode, 200, 'nothing was armed')
})

t.test('faults aim at every path: log-in, status, scores, finish-status, verify, approve, OCR, images and deletion too', async (t) => {
  const fake = await startFake(t)
  const admin = await adminToken(fake)
  const { token, interviewId } = await startAnswer(fake)
  await fake.completeOnboarding(interviewId)
  const asAdmin = { 'x-incode-hardware-id': admin }
  const calls: Record<Exclude<FakeIncodePath, '/omni/start' | '/0/omni/onboarding-url'>, () => Promise<Dispatcher.ResponseData>> = {
    '/executive/log-in': () => logIn(fake),
    '/omni/get/onboarding/status': () => getWithToken(fake, `/omni/get/onboarding/status?id=${interviewId}`, admin),
    '/omni/get/score': () => getWithToken(fake, `/omni/get/score?id=${interviewId}`, admin),
    '/0/omni/get/score': () => getWithToken(fake, '/0/omni/get/score', token),
    '/omni/finish-status': () => getWithToken(fake, '/omni/finish-status', token),
    '/omni/authentication/verify': () => postJson(fake, '/omni/authentication/verify',
      { transactionId: 'tx', token, interviewToken: 'it' }, asAdmin),
    '/omni/process/approve': () => postJson(fake, `/omni/process/approve?interviewId=${interviewId}`, {}, asAdmin),
    '/omni/get/ocr-data': () => getWithToken(fake, `/omni/get/ocr-data?id=${interviewId}`, admin),
    '/omni/get/images': () => postJson(fake, `/omni/get/images?id=${interviewId}`, { images: ['selfie'] }, asAdmin),
    // An id the fake does not keep: deleting it deletes nothing, so the other calls go on working.
    '/omni/interviews': () => sendJson(fake, 'DELETE', '/omni/interviews', { filter: { ids: ['0'.repeat(24)] } }, asAdmin)
  }
  for (const [path, send] of Object.entries(calls) as Array<[FakeIncodePath, () => Promise<Dispatcher.ResponseData>]>) {
    fake.failNext({ type: 'status', status: 503, body: { aimed: path } }, { path })
    const others = await Promise.all(Object.values(calls).filter((other) => other !== send).map((other) => statusOf(other())))
    t.same(new Set(others), new Set([200]), `${path}: the other paths answer normally`)
    const faulted = await send()
    t.equal(faulted.statusCode, 503, path)
    t.same(await faulted.body.json(), { aimed: path }, path)
    t.equal(await statusOf(send()), 200, `${path}: then normally again`)
  }

  fake.failAlways({ type: 'drop' }, { path: '/omni/get/score' })
  fake.failRandomly({ type: 'status', status: 429 }, { rate: 1, path: '/executive/log-in' })
  await t.rejects(calls['/omni/get/score'](), { code: 'UND_ERR_SOCKET' })
  t.equal(await statusOf(logIn(fake)), 429)
  t.equal(await statusOf(calls['/0/omni/get/score']()), 200, 'other paths are left alone')
})
