// The webhook's finished-onboarding flow as a host uses it: the score read, the approval when the
// score is OK (once, however often Incode delivers), the host's callback awaited and bounded, and
// every failure answered with a 500 so that Incode delivers again.
import t, { type Test } from 'tap'
import { request } from 'undici'
import type { OnboardingOutcome } from '../src/index.js'
import type { FakeWebhookTarget } from '../src/testing/index.js'
import { Approvals } from '../src/onboarding-outcome.js'
import { clientWithFake } from './support/client.js'
import { assertNoSecretsLogged, startHost, type HostOptions } from './support/host.js'

const SECRET_HEADER = { name: 'x-incode-webhook-secret', value: 'a-webhook-secret-of-at-least-32-characters' }

interface FinishedHost extends Awaited<ReturnType<typeof startHost>> {
  url: string
  outcomes: OnboardingOutcome[]
  /** Starts a session through the plugin and finishes it on the fake, without a webhook. */
  finishedSession: (options?: Parameters<Awaited<ReturnType<typeof startHost>>['fake']['completeOnboarding']>[1]) => Promise<string>
  deliver: (interviewId: string, onboardingStatus?: string) => Promise<{ status: number, body: Record<string, unknown> }>
  webhook: (retryDelayMs?: number) => FakeWebhookTarget
}

async function finishedHost (t: Test, webhook: Record<string, unknown>, options: HostOptions = {}): Promise<FinishedHost> {
  const outcomes: OnboardingOutcome[] = []
  const host = await startHost(t, {
    ...options,
    plugin: {
      ...options.plugin,
      webhook: {
        secretHeader: SECRET_HEADER,
        onOnboardingFinished: async (outcome: OnboardingOutcome) => { outcomes.push(outcome) },
        ...webhook
      }
    },
  })
  const url = await host.app.listen({ port: 0, host: '127.0.0.1' })
  return {
    ...host,
    url,
    outcomes,
    finishedSession: async (completion = {}) => {
      const { interviewId } = (await host.app.inject({ method: 'POST', url: '/incode/sessions' })).json()
      await host.fake.completeOnboarding(interviewId, completion)
      return interviewId
    },
    deliver: async (interviewId, onboardingStatus = 'ONBOARDING_FINISHED') => {
      const res = await request(`${url}/incode/webhook`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [SECRET_HEADER.name]: SECRET_HEADER.value },
        body: JSON.stringify({ interviewId, onboardingStatus, clientId: host.fake.clientId })
      })
      return { status: res.statusCode, body: await res.body.json() as Record<string, unknown> }
    },
    webhook: (retryDelayMs = 0) => ({ url: `${url}/incode/webhook`, secretHeader: SECRET_HEADER, retryDelayMs })
  }
}

/** A host whose plugin logs in with the fake's admin credentials. */
async function adminHost (t: Test, webhook: Record<string, unknown>, options: HostOptions = {}): Promise<FinishedHost> {
  return await finishedHost(t, webhook, { ...options, fake: { adminEmail: 'admin@host.test', adminPassword: 'admin-password', ...options.fake }, plugin: { adminEmail: 'admin@host.test', adminPassword: 'admin-password', ...options.plugin } })
}

const NOT_PROCESSED = { statusCode: 500, code: 'FST_INCODE_WEBHOOK_NOT_PROCESSED' }

t.test('an OK score: approved once, the identity handed to the host; a redelivery is told so and approves nothing', async (t) => {
  const host = await adminHost(t, { approve: 'when-ok' })
  const { interviewId } = (await host.app.inject({ method: 'POST', url: '/incode/sessions' })).json()
  const deliveries = await host.fake.completeOnboarding(interviewId, { webhook: host.webhook() })
  t.same(deliveries.map((delivery) => delivery.status), [200], 'delivered at the first attempt, as Incode counts it')

  t.equal(host.outcomes.length, 1)
  const [outcome] = host.outcomes
  t.match(outcome, {
    interviewId,
    score: { overall: { status: 'OK', value: '95.0' } },
    identity: { identityId: /^[0-9a-f]{24}$/, customerToken: /\./, totalScore: 'OK', existingCustomer: false, success: true },
    alreadyApproved: false,
    event: { kind: 'onboarding-status', interviewId, onboardingStatus: 'ONBOARDING_FINISHED' }
  })
  t.equal(host.fake.requestsTo('/omni/process/approve').length, 1)
  t.equal(host.fake.requestsTo('/omni/process/approve')[0]?.query.interviewId, interviewId)

  t.same(await host.deliver(interviewId), { status: 200, body: { success: true } })
  t.equal(host.fake.requestsTo('/omni/process/approve').length, 1, 'no second approval')
  t.equal(host.fake.requestsTo('/omni/get/score').length, 2, 'one score read per delivery')
  t.match(host.outcomes[1], { alreadyApproved: true, identity: { identityId: outcome?.identity?.identityId } }, 'the same identity, told it is a redelivery')

  const line = host.logs.records.find((record) => record.msg === 'Incode onboarding finished')
  t.match(line, { interviewId, score: 'OK', approved: true, alreadyApproved: false, existingCustomer: false })
  assertNoSecretsLogged(t, host, [outcome?.identity?.customerToken as string])
})

t.test('deliveries at the same time share one approval', async (t) => {
  const host = await adminHost(t, { approve: 'when-ok' }, { fake: { latencyMs: 30 } })
  const interviewId = await host.finishedSession()
  const answers = await Promise.all(Array.from({ length: 5 }, () => host.deliver(interviewId)))
  t.same(answers.map((answer) => answer.status), [200, 200, 200, 200, 200])
  t.equal(host.fake.requestsTo('/omni/process/approve').length, 1)
  t.equal(new Set(host.outcomes.map((outcome) => outcome.identity?.identityId)).size, 1)
})

t.test('no approval for a score that is not OK, nor without approve; the host is told the score all the same', async (t) => {
  const host = await adminHost(t, { approve: 'when-ok' })
  for (const status of ['WARN', 'FAIL']) {
    const interviewId = await host.finishedSession({ score: { status } })
    t.equal((await host.deliver(interviewId)).status, 200)
    t.match(host.outcomes.at(-1), { interviewId, score: { overall: { status } }, alreadyApproved: false })
    t.notOk('identity' in (host.outcomes.at(-1) as object), `${status}: no identity`)
  }
  t.equal(host.fake.requestsTo('/omni/process/approve').length, 0)

  const manual = await adminHost(t, {})
  const interviewId = await manual.finishedSession()
  t.equal((await manual.deliver(interviewId)).status, 200)
  t.match(manual.outcomes, [{ interviewId, score: { overall: { status: 'OK' } }, alreadyApproved: false }])
  t.equal(manual.fake.requestsTo('/omni/process/approve').length, 0, 'approve defaults to false')
})

t.test('only ONBOARDING_FINISHED runs the flow; onWebhook sees every event first', async (t) => {
  const seen: string[] = []
  const host = await adminHost(t, { approve: 'when-ok', onWebhook: async (event: { kind: string, onboardingStatus?: string }) => { seen.push(`${event.kind}:${event.onboardingStatus}`) } })
  const interviewId = await host.finishedSession()
  t.equal((await host.deliver(interviewId, 'ID_VALIDATION_FINISHED')).status, 200)
  t.equal(host.fake.requestsTo('/omni/get/score').length, 0, 'no score read for a step')
  t.equal(host.outcomes.length, 0)
  await host.deliver(interviewId)
  t.same(seen, ['onboarding-status:ID_VALIDATION_FINISHED', 'onboarding-status:ONBOARDING_FINISHED'])
  t.equal(host.outcomes.length, 1)
})

t.test('approve without onOnboardingFinished: the plugin approves, logs, and answers 200', async (t) => {
  const host = await adminHost(t, { approve: 'when-ok', onOnboardingFinished: undefined, onWebhook: async () => {} })
  const interviewId = await host.finishedSession()
  t.equal((await host.deliver(interviewId)).status, 200)
  t.equal(host.fake.requestsTo('/omni/process/approve').length, 1)
  t.match(host.logs.records.find((record) => record.msg === 'Incode onboarding finished'), { interviewId, approved: true })
})

t.test('a failed score read, approval or callback answers 500, and the redelivery Incode makes finishes the work once', async (t) => {
  let failCallback = true
  const host = await adminHost(t, {
    approve: 'when-ok',
    onOnboardingFinished: async function (outcome: OnboardingOutcome) {
      if (failCallback) throw new Error('the database is down')
      host.outcomes.push(outcome)
    }
  })
  const interviewId = await host.finishedSession()

  host.fake.failAlways({ type: 'status', status: 503 }, { path: '/omni/get/score' })
  t.match(await host.deliver(interviewId), { status: 500, body: NOT_PROCESSED }, 'the score cannot be read')
  host.fake.clearFaults()
  // A 500 (unlike a 503, which asks to come back) may have approved: not sent again in this delivery.
  host.fake.failNext({ type: 'status', status: 500 }, { path: '/omni/process/approve' })
  t.match(await host.deliver(interviewId), { status: 500, body: NOT_PROCESSED }, 'the approval failed')
  t.equal(host.fake.requestsTo('/omni/process/approve').length, 1, 'an approval is never sent twice in one delivery')
  t.match(await host.deliver(interviewId), { status: 500, body: NOT_PROCESSED }, 'the host\'s callback threw')
  t.equal(host.fake.requestsTo('/omni/process/approve').length, 2, 'a failed approval is made again on the next delivery')
  failCallback = false

  const deliveries = await host.fake.completeOnboarding(interviewId, { webhook: host.webhook() })
  t.same(deliveries.map((delivery) => delivery.status), [200])
  t.equal(host.fake.requestsTo('/omni/process/approve').length, 2, 'the approval that succeeded is not made again')
  t.match(host.outcomes, [{ interviewId, alreadyApproved: true, identity: { existingCustomer: false } }])
  const failures = host.logs.records.filter((record) => record.level === 50)
  t.ok(failures.length >= 3, 'each failure logged as an error')
  t.notOk(host.logs.lines.some((line) => line.includes('the database is down') && line.includes('customerToken')))
})

t.test('Incode redelivers a 500 as it does: the host is told once the callback works', async (t) => {
  let calls = 0
  const host = await adminHost(t, {
    onOnboardingFinished: async (outcome: OnboardingOutcome) => {
      calls++
      if (calls < 3) throw new Error('not yet')
      host.outcomes.push(outcome)
    }
  })
  const { interviewId } = (await host.app.inject({ method: 'POST', url: '/incode/sessions' })).json()
  const deliveries = await host.fake.completeOnboarding(interviewId, { webhook: host.webhook(5) })
  t.same(deliveries.map((delivery) => delivery.status), [500, 500, 200])
  t.equal(host.outcomes.length, 1)
})

t.test('a callback that never ends is cut off at hookTimeout: 500, and its signal aborted', async (t) => {
  let signal: AbortSignal | undefined
  const host = await adminHost(t, {
    onOnboardingFinished: async (_outcome: OnboardingOutcome, _request: unknown, context: { signal: AbortSignal }) => {
      signal = context.signal
      await new Promise(() => {})
    }
  }, { plugin: { hookTimeout: 100 } })
  const interviewId = await host.finishedSession()
  t.match(await host.deliver(interviewId), { status: 500 })
  t.equal(signal?.aborted, true)
})

t.test('a finished onboarding of a session Incode does not know (deleted, another account\'s) answers 200 and approves nothing', async (t) => {
  const host = await adminHost(t, { approve: 'when-ok' })
  const interviewId = await host.finishedSession()
  await host.app.incode.deleteSessions([interviewId])
  t.same(await host.deliver(interviewId), { status: 200, body: { success: true } }, 'a redelivery would change nothing')
  t.equal(host.fake.requestsTo('/omni/process/approve').length, 0)
  t.equal(host.outcomes.length, 0)
  t.match(host.logs.records.find((record) => record.level === 40 && record.interviewId === interviewId),
    { msg: /^Incode knows no session with this interviewId/ })
})

t.test('approve and onOnboardingFinished need the admin token: ready() names the option', async (t) => {
  for (const webhook of [{ approve: 'when-ok', onWebhook: async () => {} }, { onOnboardingFinished: async () => {} }]) {
    await t.rejects(finishedHost(t, { onOnboardingFinished: undefined, ...webhook }), {
      code: 'FST_INCODE_INVALID_OPTION',
      message: /^fastify-incode option "webhook\.(approve|onOnboardingFinished)"/
    }, Object.keys(webhook).join(', '))
  }
  await t.rejects(adminHost(t, { approve: 'yes' }), { code: 'FST_INCODE_INVALID_OPTION', message: 'fastify-incode option "webhook.approve" must be "when-ok" or false' })
  await t.rejects(adminHost(t, { onOnboardingFinished: 'later' }), { code: 'FST_INCODE_INVALID_OPTION', message: /"webhook\.onOnboardingFinished" must be a function/ })
})

t.test('the approvals remembered are the newest: an older one is made again on its next delivery', async (t) => {
  const { fake, client } = await clientWithFake(t, (fake) => ({ adminEmail: fake.adminEmail, adminPassword: fake.adminPassword }))
  const approvals = new Approvals(client, 1)
  const ids: string[] = []
  for (let i = 0; i < 2; i++) {
    const session = await client.startSession()
    await fake.completeOnboarding(session.interviewId)
    ids.push(session.interviewId)
  }
  const [first, second] = ids as [string, string]
  const identity = await approvals.approve(first)
  t.equal(await approvals.approve(first), identity, 'remembered')
  t.ok(approvals.has(first))
  await approvals.approve(second)
  t.notOk(approvals.has(first), 'the oldest forgotten')
  t.match(await approvals.approve(first), { identityId: identity.identityId, existingCustomer: true })
  t.equal(fake.requestsTo('/omni/process/approve').length, 3)
})
