// The example's page in a real browser: Debian's Chromium, driven by playwright-core, against the
// example served on 127.0.0.1. UPDATE_SCREENSHOT=1 also writes docs/example.png for the README.
import t from 'tap'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type Page } from 'playwright-core'
import { buildApp } from '../example/app.js'
import { createFakeIncode } from '../src/testing/index.js'
import { sessionRows, temporaryDatabasePath } from './fixtures/example-database.js'
import type { Test } from 'tap'

const CHROMIUM = '/usr/bin/chromium'
// No traffic but to 127.0.0.1: this machine has no network, and a test should not need one.
const FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'
]
const SCREENSHOT = fileURLToPath(new URL('../docs/example.png', import.meta.url))

// Outside CI a machine without Chromium skips; in CI (CI set) the test runs and fails instead.
const skip = existsSync(CHROMIUM) || process.env.CI !== undefined
  ? false
  : `no Chromium at ${CHROMIUM} (apt-get install chromium); CI runs this test`

/** The example on a temporary database, listening on 127.0.0.1, and a fresh Chromium on its page. */
async function openExample (t: Test, env: Record<string, string> = {}): Promise<{ page: Page, databasePath: string }> {
  t.ok(existsSync(CHROMIUM), `Chromium is installed at ${CHROMIUM}`)
  const databasePath = temporaryDatabasePath(t)
  const app = await buildApp({ DATABASE_PATH: databasePath, ...env }, { logger: false })
  t.teardown(() => app.close())
  const url = await app.listen({ port: 0, host: '127.0.0.1' })

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
  await page.goto(url)
  return { page, databasePath }
}

/** Clicks a button and waits until the page has finished what the click started. */
async function click (page: Page, name: string): Promise<void> {
  await page.getByRole('button', { name }).click()
  await page.locator('button:disabled').waitFor({ state: 'detached' })
}

t.test('click "Start verification": the interviewId appears on the page and in the database', { skip }, async (t) => {
  const { page, databasePath } = await openExample(t)
  t.equal(await page.locator('#no-sessions').textContent(), 'None yet.')

  const answer = page.waitForResponse((response) => response.url().endsWith('/incode/sessions'))
  await click(page, 'Start verification')
  const { interviewId, token } = await (await answer).json() as { interviewId: string, token: string }

  t.equal(await page.locator('#interview-id').textContent(), interviewId)
  t.equal(await page.locator('#token').textContent(), `${token.slice(0, 6)}…${token.slice(-4)} (${token.length} characters)`)
  t.notOk((await page.content()).includes(token), 'the whole token is nowhere on the page')
  t.match(await page.locator('#sdk-code').textContent(), `interviewId: '${interviewId}'`)
  t.equal(await page.locator('#sessions td').first().textContent(), interviewId, 'listed under Recorded sessions')
  t.match(sessionRows(databasePath), [{ interview_id: interviewId, external_customer_id: 'alice', route: 'sessions' }])
  t.equal(sessionRows(databasePath).length, 1)

  await click(page, 'Get onboarding link')
  const link = page.locator('#onboarding-url')
  const href = await link.getAttribute('href') ?? ''
  t.match(href, /^http:\/\/127\.0\.0\.1:\d+\/onboarding\/[0-9a-f]{24}\?token=/)
  t.equal(await link.textContent(), href, 'the person sees their link')
  t.equal(await page.locator('#sessions tr').count(), 2)
  t.ok(await page.locator('#problem').isHidden(), 'no problem reported')

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
  await click(page, 'Start verification')
  t.match(await problem.textContent(), /^Too many verification attempts\. Please wait \d+ seconds? before trying again\.$/)

  await page.getByLabel('Signed in as').fill('')
  await click(page, 'Start verification')
  t.equal(await problem.textContent(), 'You are not signed in. Enter a user name above (letters, digits, and . _ @ -).')
  t.notMatch(await page.textContent('body'), /FST_|statusCode|\{"/, 'no raw JSON anywhere')
})
