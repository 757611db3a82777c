// The example's page in a real browser: Debian's Chromium, driven by playwright-core, against the
// example served on 127.0.0.1, the fake's hosted onboarding page included: a session's life from
// its start to the verified person (masked) and "Delete my data". UPDATE_SCREENSHOT=1 also writes
// example/example.png for the README.
import t from 'tap'
import type { Page } from 'playwright-core'
import { createFakeIncode } from 'fastify-incode/testing'
import { assertNo404, openExample, skipWithoutChromium, writeScreenshot } from './support/chromium.js'
import { sessionRows } from './support/database.js'
import { identityOf, WEBHOOK_SECRET } from './support/example.js'

// The fake's default person, ALEX SAMPLE, born 1990-01-31: every way the page could show the whole
// name or the birth date. The page shows "A*** S***" and "1990-**-**" only.
const PERSONAL = [/ALEX/i, /SAMPLE/, /1990-01-31/, /31\/0?1\/1990/, /0?1\/31\/1990/, /Jan(uary)? 31/, /649382400000/]

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

/** The line under an interview's row: the person verified, or when their data was deleted, and its button. */
function detailsOf (page: Page, interviewId: string) {
  return page.locator(`#sessions tr[data-details-of="${interviewId}"]`)
}

/** What of the whole name or birth date the page shows anywhere: nothing, if it masks them. */
async function personalDataOn (page: Page): Promise<string[]> {
  const text = `${await page.content()}\n${await page.locator('body').innerText()}`
  return PERSONAL.filter((pattern) => pattern.test(text)).map(String)
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

    t.ok(await page.locator('#verified').isHidden(), 'nobody verified yet')
    t.match(await detailsOf(page, interviewId).innerText(), /^No verified identity\./, 'nobody verified under the row…')
    t.ok(await detailsOf(page, interviewId).getByRole('button', { name: 'Delete my data' }).isVisible(), '…and the data can be deleted')

    await click(page, 'Finish this verification (fake Incode)')
    t.equal(await page.locator('#finish-outcome').textContent(), 'The fake Incode API finished the onboarding and delivered its webhook ' +
      'to this app (HTTP 200). The app recorded the status ONBOARDING_FINISHED and the score OK (95.0). Incode approved the person: ' +
      'the app recorded their identity, and their name and birth date masked.', 'what the finish did, in the panel')
    t.same((await rowOf(page, interviewId)).slice(3), ['ONBOARDING_FINISHED', 'OK (95.0)'], 'the webhook\'s status and the score')
    const { identityId, customerToken } = await identityOf(example.app, interviewId)
    t.same(await page.locator('#verified dd').allTextContents(), [identityId, 'A*** S***', '1990-**-**'],
      'the panel: the Incode identity, the name as initials, the birth date as its year')
    t.match(await detailsOf(page, interviewId).innerText(), `Verified: identity ${identityId}, name A*** S***, born 1990-**-**.`, 'and the row')
    t.same(await personalDataOn(page), [], 'the whole name and birth date nowhere on the page')
    t.notOk((await page.content()).includes(customerToken), 'nor the customer token')
    t.match(sessionRows(databasePath), [{
      interview_id: interviewId,
      onboarding_status: 'ONBOARDING_FINISHED',
      score: '{"value":"95.0","status":"OK"}',
      identity_id: identityId,
      masked_name: 'A*** S***',
      birth_year: 1990
    }])
    t.ok(await page.locator('#problem').isHidden(), 'no problem reported')

    await click(page, 'Get onboarding link')
    const link = page.locator('#onboarding-url')
    const href = await link.getAttribute('href') ?? ''
    const [, linkedId = '', linkToken = ''] = /^http:\/\/127\.0\.0\.1:\d+\/onboarding\/([0-9a-f]{24})\?token=(\S+)$/.exec(href) ?? []
    t.not(linkToken, '', 'the link goes to the fake\'s onboarding page, with its session token')
    t.equal(await link.textContent(), `Open your onboarding link (${new URL(href).host})`, 'its text says where it goes…')
    t.notOk((await page.locator('body').innerText()).includes(linkToken), '…and shows no token')
    t.equal(await page.locator('#sessions tr[data-interview-id]').count(), 2)
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
    const linked = await identityOf(example.app, linkedId)
    t.match(await detailsOf(page, linkedId).innerText(), `Verified: identity ${linked.identityId}, name A*** S***, born 1990-**-**.`)
    t.match(sessionRows(databasePath), [{ interview_id: interviewId }, { interview_id: linkedId, onboarding_status: 'ONBOARDING_FINISHED', identity_id: linked.identityId }])

    // "Delete my data" on the link's row: asked first; Cancel deletes nothing.
    const deleteLinked = detailsOf(page, linkedId).getByRole('button', { name: 'Delete my data' })
    const asked: string[] = []
    page.once('dialog', (dialog) => { asked.push(dialog.message()); dialog.dismiss() })
    await deleteLinked.click()
    await page.locator('button:disabled').first().waitFor({ state: 'detached' })
    t.same(asked, ['Delete the data of this verification, at Incode and in this app? This cannot be undone.'])
    t.match(sessionRows(databasePath), [{}, { interview_id: linkedId, identity_id: linked.identityId, data_deleted_at: null }], 'Cancel: nothing deleted')

    page.once('dialog', (dialog) => { dialog.accept() })
    const deletion = page.waitForResponse((response) => response.request().method() === 'DELETE')
    await deleteLinked.click()
    t.equal((await deletion).status(), 200)
    // The row is redrawn once the page has read the answer: wait for it, not for a button that
    // may not have been disabled yet when the wait began.
    await detailsOf(page, linkedId).getByText(/^Data deleted at /).waitFor()
    t.match(await detailsOf(page, linkedId).innerText(), /^Data deleted at \d.*, at Incode and in this app\.$/, 'the row marked')
    t.equal(await detailsOf(page, linkedId).getByRole('button').count(), 0, 'nothing left to delete')
    t.match(sessionRows(databasePath), [
      { interview_id: interviewId, identity_id: identityId },
      { interview_id: linkedId, identity_id: null, masked_name: null, birth_year: null, data_deleted_at: /^\d{4}-/ }
    ], 'the verified fields cleared in SQLite, the other session kept')
    t.ok(await page.locator('#problem').isHidden(), 'no problem reported')
    t.ok(await page.locator('#verified').isVisible(), 'the panel still shows the first session\'s person, not deleted')

    t.notOk((await page.content()).includes(WEBHOOK_SECRET), 'the webhook secret is nowhere on the page')
    const secretOrPersonal = [WEBHOOK_SECRET, customerToken, linked.customerToken]
    t.same(logs.lines.filter((line) => secretOrPersonal.some((value) => line.includes(value)) || PERSONAL.some((pattern) => pattern.test(line))), [],
      `no webhook secret, customer token, whole name or birth date in ${logs.lines.length} log lines`)
    await assertNo404(t, example, 'the page')
    await writeScreenshot(t, page, 'example.png')
  })

  t.test('delete my data of the session in the panel: a failure said in words, then done; the panel forgets the person', async (t) => {
    const fake = await createFakeIncode()
    t.teardown(() => fake.close())
    const { page, example } = await openExample(t, {
      INCODE_API_URL: fake.url,
      INCODE_API_KEY: fake.apiKey,
      INCODE_FLOW_ID: 'flow',
      INCODE_WEBHOOK_SECRET: WEBHOOK_SECRET,
      INCODE_ADMIN_EMAIL: fake.adminEmail,
      INCODE_ADMIN_PASSWORD: fake.adminPassword
    })
    await click(page, 'Start verification')
    const interviewId = await page.locator('#interview-id').textContent() ?? ''
    // The person goes through Incode's capture elsewhere; Incode calls the app's webhook.
    await fake.completeOnboarding(interviewId, { webhook: { url: `${example.url}/incode/webhook`, secretHeader: { name: 'x-incode-webhook-secret', value: WEBHOOK_SECRET } } })
    await page.getByLabel('Signed in as').dispatchEvent('change')
    await page.locator('#verified').waitFor()
    t.same((await page.locator('#verified dd').allTextContents()).slice(1), ['A*** S***', '1990-**-**'], 'the panel shows the person verified')

    page.on('dialog', (dialog) => { dialog.accept() })
    // Incode fails the deletion each time the client sends it.
    fake.failNext({ type: 'status', status: 500 }, { path: '/omni/interviews', times: 3 })
    await click(page, 'Delete my data')
    t.equal(await page.getByRole('alert').textContent(), 'The identity-verification service did not delete your data just now. Please try again later.')
    t.notMatch(await page.textContent('body'), /FST_|statusCode|\{"/, 'no raw JSON anywhere')
    t.ok(await page.locator('#verified').isVisible(), 'not deleted: the panel still shows the person')
    t.match(sessionRows(example.databasePath), [{ interview_id: interviewId, identity_id: /\S/, data_deleted_at: null }])

    await click(page, 'Delete my data')
    t.ok(await page.getByRole('alert').isHidden(), 'trying again: done')
    t.ok(await page.locator('#verified').isHidden(), 'the panel no longer shows the person')
    t.match(await page.locator('#data-deleted').textContent(), /^Data deleted at \d.*, at Incode and in this app\.$/)
    t.match(await detailsOf(page, interviewId).innerText(), /^Data deleted at /)
    t.match(sessionRows(example.databasePath), [{ interview_id: interviewId, identity_id: null, masked_name: null, birth_year: null, data_deleted_at: /^\d{4}-/ }])
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
