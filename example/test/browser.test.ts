// The example's page in a real browser: Debian's Chromium, driven by playwright-core, against the
// example served on 127.0.0.1. UPDATE_SCREENSHOT=1 also writes docs/example.png for the README.
import t from 'tap'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type Page } from 'playwright-core'
import { createFakeIncode } from 'fastify-incode/testing'
import type { Test } from 'tap'
import { sessionRows } from './support/database.js'
import { startExample, WEBHOOK_SECRET, type Example } from './support/example.js'

const CHROMIUM = '/usr/bin/chromium'
// No traffic but to 127.0.0.1: this machine has no network, and a test should not need one.
const FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'
]
// The root README's picture of the example, and example/README.md's.
const SCREENSHOT = fileURLToPath(new URL('../../docs/example.png', import.meta.url))

// Outside CI a machine without Chromium skips; in CI (CI set) the test runs and fails instead.
const skip = existsSync(CHROMIUM) || process.env.CI !== undefined
  ? false
  : `no Chromium at ${CHROMIUM} (apt-get install chromium); CI runs this test`

/** The example on a temporary database, listening on 127.0.0.1, and a fresh Chromium on its page. */
async function openExample (t: Test, env: Record<string, string> = {}): Promise<{ page: Page, example: Example }> {
  t.ok(existsSync(CHROMIUM), `Chromium is installed at ${CHROMIUM}`)
  const example = await startExample(t, env, { listen: true })

  const userDataDir = mkdtempSync(join(tmpdir(), 'fastify-incode-chromium-'))
  t.teardown(() => rmSync(userDataDir, { recursive: true, force: true }))
  const browser = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 960, height: 900 }
  })
  t.teardown(() => browser.close())
  browser.setDefaultTimeout(10_000)
  const page = browser.pages()[0] ?? await browser.newPage()
  await page.goto(example.url)
  return { page, example }
}

/** Clicks a button and waits until the page has finished what the click started. */
async function click (page: Page, name: string): Promise<void> {
  await page.getByRole('button', { name }).click()
  await page.locator('button:disabled').waitFor({ state: 'detached' })
}

/** The cells of the Recorded sessions row of one interview. */
async function rowOf (page: Page, interviewId: string): Promise<string[]> {
  return await page.locator(`#sessions tr[data-interview-id="${interviewId}"] td`).allTextContents()
}

t.test('start, finish (fake Incode), then the link: the session\'s whole life on the page and in the database', { skip }, async (t) => {
  // A known webhook secret, to make sure it reaches neither the page nor the log.
  const { page, example: { databasePath, logs } } = await openExample(t, { INCODE_WEBHOOK_SECRET: WEBHOOK_SECRET })
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

  await click(page, 'Finish this verification (fake Incode)')
  t.same((await rowOf(page, interviewId)).slice(3), ['ONBOARDING_FINISHED', 'OK (95.0)'], 'the webhook\'s status and the score')
  t.match(sessionRows(databasePath), [{ interview_id: interviewId, onboarding_status: 'ONBOARDING_FINISHED', score: '{"value":"95.0","status":"OK"}' }])
  t.ok(await page.locator('#problem').isHidden(), 'no problem reported')

  await click(page, 'Get onboarding link')
  const link = page.locator('#onboarding-url')
  const href = await link.getAttribute('href') ?? ''
  t.match(href, /^http:\/\/127\.0\.0\.1:\d+\/onboarding\/[0-9a-f]{24}\?token=/)
  t.equal(await link.textContent(), href, 'the person sees their link')
  t.equal(await page.locator('#sessions tr').count(), 2)
  t.match(await page.locator('#sessions tr').first().locator('td').allTextContents(), [/^[0-9a-f]{24}$/, 'onboarding-url', /\d/, 'no webhook yet', '—'])
  t.ok(await page.locator('#problem').isHidden(), 'no problem reported')
  t.notOk((await page.content()).includes(WEBHOOK_SECRET), 'the webhook secret is nowhere on the page')
  t.same(logs.lines.filter((line) => line.includes(WEBHOOK_SECRET)), [], 'nor in the log')

  if (process.env.UPDATE_SCREENSHOT === '1') {
    await page.screenshot({ path: SCREENSHOT, fullPage: true })
    t.comment(`wrote ${SCREENSHOT}`)
  }

  const onboarding = await page.context().newPage()
  await onboarding.goto(href)
  t.match(await onboarding.textContent('body'), /^Fake Incode onboarding for interview [0-9a-f]{24}$/)
})

t.test('failures are told to the person in words', { skip }, async (t) => {
  const fake = await createFakeIncode()
  t.teardown(() => fake.close())
  const { page } = await openExample(t, { INCODE_API_URL: fake.url, INCODE_API_KEY: fake.apiKey, INCODE_FLOW_ID: 'flow' })
  const problem = page.getByRole('alert')

  fake.failNext({ type: 'status', status: 400, body: { message: 'bad configurationId' } }, { path: '/omni/start' })
  await click(page, 'Start verification')
  t.equal(await problem.textContent(), 'The identity-verification service could not start a session just now. Please try again later.')

  fake.failNext({ type: 'status', status: 503 }, { path: '/0/omni/onboarding-url', times: 3 })
  await click(page, 'Get onboarding link')
  t.match(await problem.textContent(), /^The identity-verification service (could not|cannot)/)
  t.ok(await page.locator('#onboarding').isHidden(), 'no link shown')

  // Two sessions so far; the limit is 10 a minute per user.
  for (let i = 0; i < 8; i++) await click(page, 'Start verification')
  t.ok(await problem.isHidden(), 'the tenth session is still allowed')
  t.ok(await page.locator('#session').isVisible() && await page.locator('#fake-finish').isHidden(), 'real Incode: no fake finish')
  await click(page, 'Start verification')
  t.match(await problem.textContent(), /^Too many verification attempts\. Please wait \d+ seconds? before trying again\.$/)

  await page.getByLabel('Signed in as').fill('')
  await click(page, 'Start verification')
  t.equal(await problem.textContent(), 'You are not signed in. Enter a user name above (letters, digits, and . _ @ -).')
  t.notMatch(await page.textContent('body'), /FST_|statusCode|\{"/, 'no raw JSON anywhere')
})
