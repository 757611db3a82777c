// The example's page in a real browser: Debian's Chromium, driven by playwright-core, against the
// example served on 127.0.0.1, the fake's hosted onboarding page included. UPDATE_SCREENSHOT=1
// also writes docs/example.png for the READMEs.
import t from 'tap'
import type { Page } from 'playwright-core'
import { createFakeIncode } from 'fastify-incode/testing'
import { assertNo404, openExample, skipWithoutChromium, writeScreenshot } from './support/chromium.js'
import { sessionRows } from './support/database.js'
import { WEBHOOK_SECRET } from './support/example.js'

/** Clicks a button and waits until the page has finished what the click started. */
async function click (page: Page, name: string): Promise<void> {
  await page.getByRole('button', { name }).click()
  // Every button the page disables while busy (one or several) is enabled again.
  await page.locator('button:disabled').first().waitFor({ state: 'detached' })
}

/** The cells of the Recorded sessions row of one interview. */
async function rowOf (page: Page, interviewId: string): Promise<string[]> {
  return await page.locator(`#sessions tr[data-interview-id="${interviewId}"] td`).allTextContents()
}

t.test('the example\'s page in Chromium', { skip: skipWithoutChromium }, async (t) => {
  t.test('start, finish (fake Incode), then the link finished on the fake\'s page: each session\'s life on the page and in the database', async (t) => {
    // A known webhook secret, to make sure it reaches neither the page nor the log.
    const { page, example } = await openExample(t, { INCODE_WEBHOOK_SECRET: WEBHOOK_SECRET })
    const { databasePath, logs } = example
    t.equal(await page.locator('#no-sessions').textContent(), 'None yet.')
    const finish = page.getByRole('button', { name: 'Finish this verification (fake Incode)' })

    const answer = page.waitForResponse((response) => response.url().endsWith('/incode/sessions'))
    await click(page, 'Start verification')
    const { interviewId, token } = await (await answer).json() as { interviewId: string, token: string }

    t.equal(await page.locator('#interview-id').textContent(), interviewId)
    t.equal(await page.locator('#token').textContent(), `${token.slice(0, 6)}…${token.slice(-4)} (${token.length} characters)`)
    t.notOk((await page.content()).includes(token), 'the whole token is nowhere on the page')
    t.match(await page.locator('#sdk-code').textContent(), `interviewId: '${interviewId}'`)
    t.match(await rowOf(page, interviewId), [interviewId, 'sessions', /\d/, 'no webhook yet', '—'], 'listed under Recorded sessions, no status yet')
    t.match(sessionRows(databasePath), [{ interview_id: interviewId, external_customer_id: 'alice', route: 'sessions', onboarding_status: null }])
    t.equal(sessionRows(databasePath).length, 1)
    t.ok(await finish.isVisible(), 'fake mode offers to finish the verification')
    t.ok(await page.locator('#finish-outcome').isHidden(), 'nothing finished yet')

    await click(page, 'Finish this verification (fake Incode)')
    t.equal(await page.locator('#finish-outcome').textContent(), 'The fake Incode API finished the onboarding and delivered its webhook ' +
      'to this app (HTTP 200). The app recorded the status ONBOARDING_FINISHED and the score OK (95.0).', 'what the finish did, in the panel')
    t.same((await rowOf(page, interviewId)).slice(3), ['ONBOARDING_FINISHED', 'OK (95.0)'], 'the webhook\'s status and the score')
    t.match(sessionRows(databasePath), [{ interview_id: interviewId, onboarding_status: 'ONBOARDING_FINISHED', score: '{"value":"95.0","status":"OK"}' }])
    t.ok(await page.locator('#problem').isHidden(), 'no problem reported')

    await click(page, 'Get onboarding link')
    const link = page.locator('#onboarding-url')
    const href = await link.getAttribute('href') ?? ''
    const [, linkedId = '', linkToken = ''] = /^http:\/\/127\.0\.0\.1:\d+\/onboarding\/([0-9a-f]{24})\?token=(\S+)$/.exec(href) ?? []
    t.not(linkToken, '', 'the link goes to the fake\'s onboarding page, with its session token')
    t.equal(await link.textContent(), `Open your onboarding link (${new URL(href).host})`, 'its text says where it goes…')
    t.notOk((await page.locator('body').innerText()).includes(linkToken), '…and shows no token')
    t.equal(await page.locator('#sessions tr').count(), 2)
    t.match(await rowOf(page, linkedId), [linkedId, 'onboarding-url', /\d/, 'no webhook yet', '—'])
    t.ok(await page.locator('#problem').isHidden(), 'no problem reported')

    // The person opens the link (a new tab) and finishes on the fake's hosted onboarding page. As
    // on a desktop, the example's page learns when its tab is brought back (Playwright otherwise
    // tells every page it has the focus).
    await (await page.context().newCDPSession(page)).send('Emulation.setFocusEmulationEnabled', { enabled: false })
    const [onboarding] = await Promise.all([page.context().waitForEvent('page'), link.click()])
    const statuses: number[] = []
    onboarding.on('response', (response) => { statuses.push(response.status()) })
    await onboarding.waitForLoadState()
    t.equal(await onboarding.locator('h1').textContent(), 'Verify your identity')
    t.equal(await onboarding.locator('#interview-id').textContent(), linkedId, 'the fake\'s page names the interview')
    t.notOk((await onboarding.locator('body').innerText()).includes(linkToken), 'and shows no token')
    await onboarding.getByRole('button', { name: 'Finish as verified (score OK)' }).click()
    await onboarding.locator('h1', { hasText: 'Onboarding finished' }).waitFor()
    t.same(await onboarding.locator('dd').allTextContents(), [linkedId, 'ONBOARDING_FINISHED', 'OK (95.0)', 'Delivered: HTTP 200'],
      'the outcome: the example took the webhook it gave the fake')
    t.same(statuses.filter((status) => status >= 400), [], 'every answer of the fake\'s page a success')
    await onboarding.close()

    // Back on the example's page: its list is read again, and the row shows the result.
    await page.bringToFront()
    await page.locator(`#sessions tr[data-interview-id="${linkedId}"] td`, { hasText: 'ONBOARDING_FINISHED' }).waitFor()
    t.same((await rowOf(page, linkedId)).slice(3), ['ONBOARDING_FINISHED', 'OK (95.0)'], 'the row of the link: status and score')
    t.match(sessionRows(databasePath), [{ interview_id: interviewId }, { interview_id: linkedId, onboarding_status: 'ONBOARDING_FINISHED' }])

    t.notOk((await page.content()).includes(WEBHOOK_SECRET), 'the webhook secret is nowhere on the page')
    t.same(logs.lines.filter((line) => line.includes(WEBHOOK_SECRET)), [], 'nor in the log')
    await assertNo404(t, example, 'the page')
    await writeScreenshot(t, page, 'example.png')
  })

  t.test('failures are told to the person in words, and hide what the failed button showed before', async (t) => {
    const fake = await createFakeIncode()
    t.teardown(() => fake.close())
    const { page } = await openExample(t, { INCODE_API_URL: fake.url, INCODE_API_KEY: fake.apiKey, INCODE_FLOW_ID: 'flow' })
    const problem = page.getByRole('alert')

    fake.failNext({ type: 'status', status: 400, body: { message: 'bad configurationId' } }, { path: '/omni/start' })
    await click(page, 'Start verification')
    t.equal(await problem.textContent(), 'The identity-verification service could not start a session just now. Please try again later.')

    await click(page, 'Get onboarding link')
    t.ok(await page.locator('#onboarding').isVisible(), 'a link shown')
    fake.failNext({ type: 'status', status: 503 }, { path: '/0/omni/onboarding-url', times: 3 })
    await click(page, 'Get onboarding link')
    t.match(await problem.textContent(), /^The identity-verification service (could not|cannot)/)
    t.ok(await page.locator('#onboarding').isHidden(), 'the earlier link is hidden: it is not this click\'s')

    // Three sessions so far; the limit is 10 a minute per user.
    for (let i = 0; i < 7; i++) await click(page, 'Start verification')
    t.ok(await problem.isHidden(), 'the tenth session is still allowed')
    t.ok(await page.locator('#session').isVisible() && await page.locator('#fake-finish').isHidden(), 'real Incode: no fake finish')
    await click(page, 'Start verification')
    t.match(await problem.textContent(), /^Too many verification attempts\. Please wait \d+ seconds? before trying again\.$/)
    t.ok(await page.locator('#session').isHidden(), 'the last session\'s panel is hidden: the refused click made none')

    await page.getByLabel('Signed in as').fill('')
    await click(page, 'Start verification')
    t.equal(await problem.textContent(), 'You are not signed in. Enter a user name above (letters, digits, and . _ @ -).')
    t.notMatch(await page.textContent('body'), /FST_|statusCode|\{"/, 'no raw JSON anywhere')
  })

  t.test('a finish that fails is said in words, and its earlier result hidden', async (t) => {
    const { page } = await openExample(t)
    await click(page, 'Start verification')
    await click(page, 'Finish this verification (fake Incode)')
    t.ok(await page.locator('#finish-outcome').isVisible())

    // Someone else signs in on this page: the session shown is not theirs to finish.
    await page.getByLabel('Signed in as').fill('bob')
    await page.getByLabel('Signed in as').dispatchEvent('change')
    await click(page, 'Finish this verification (fake Incode)')
    t.equal(await page.getByRole('alert').textContent(), 'That session is not among yours. Reload the page.')
    t.ok(await page.locator('#finish-outcome').isHidden(), 'the result of the earlier finish is hidden')
  })
})
