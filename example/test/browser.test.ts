// The example's page in a real browser: Debian's Chromium, driven by playwright-core, against the
// example served on 127.0.0.1. UPDATE_SCREENSHOT=1 also writes docs/example.png for the README.
import t from 'tap'
import { existsSync } from 'node:fs'
import { createServer } from 'node:http'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type Page, type Request, type Response } from 'playwright-core'
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
// example/README.md's picture of the sample page.
const SAMPLE_SCREENSHOT = fileURLToPath(new URL('../../docs/sample-page.png', import.meta.url))
const VIEWPORT = { width: 960, height: 900 }

// Outside CI a machine without Chromium skips; in CI (CI set) the test runs and fails instead.
const skip = existsSync(CHROMIUM) || process.env.CI !== undefined
  ? false
  : `no Chromium at ${CHROMIUM} (apt-get install chromium); CI runs this test`

/** A fresh Chromium, closed when the test ends; each of its contexts is a browser of its own. */
async function launchChromium (t: Test): Promise<Browser> {
  t.ok(existsSync(CHROMIUM), `Chromium is installed at ${CHROMIUM}`)
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS })
  t.teardown(() => browser.close())
  return browser
}

/** A page in a new context (no cookies, nothing shared with the others). */
async function newPage (browser: Browser): Promise<Page> {
  const context = await browser.newContext({ viewport: VIEWPORT })
  context.setDefaultTimeout(10_000)
  return await context.newPage()
}

/** The example on a temporary database, listening on 127.0.0.1, and a fresh Chromium on its page. */
async function openExample (t: Test, env: Record<string, string> = {}): Promise<{ page: Page, example: Example }> {
  const example = await startExample(t, env, { listen: true })
  const page = await newPage(await launchChromium(t))
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

/** On the sample page (no uniqueId: the desktop), signs in, and returns the session GET /incode/start answered. */
async function startOnSamplePage (page: Page) {
  const started = page.waitForResponse((response) => new URL(response.url()).pathname === '/incode/start')
  await page.getByRole('button', { name: 'Sign in' }).click()
  return await (await started).json() as { token: string, interviewId: string, uniqueId: string, uuid: string }
}

t.test('Incode\'s sample front end: start on the desktop, continue on the phone (a second browser), finish, score OK', { skip }, async (t) => {
  const { page: desktop, example: { url, databasePath } } = await openExample(t)
  await desktop.getByRole('link', { name: 'Incode\'s Web SDK sample, against this app' }).click()
  t.equal(desktop.url(), `${url}/sample/`)
  t.ok(await desktop.getByLabel('Sign in as').isVisible(), 'the desktop signs in first: a session is started for someone')

  const { token, interviewId, uniqueId } = await startOnSamplePage(desktop)
  t.equal(await desktop.locator('#interview-id').textContent(), interviewId)
  t.match(await desktop.locator('#signed-in').textContent(), /^Signed in as alice/)
  const link = desktop.locator('#mobile-link')
  const href = await link.getAttribute('href')
  t.equal(href, `${url}/sample/?uniqueId=${uniqueId}`, 'the "continue on your phone" link carries the uniqueId')
  t.equal(await link.textContent(), href)
  t.match(await desktop.locator('.qr').textContent(), `[QR code of ${href}]`)
  t.match(sessionRows(databasePath), [{ interview_id: interviewId, external_customer_id: 'alice', route: 'start', unique_id: uniqueId, session_token: token }])

  // The phone: another browser, no cookie, nothing but the link.
  const phone = await newPage(desktop.context().browser() as Browser)
  const resumed = phone.waitForResponse((response) => new URL(response.url()).pathname === '/incode/start')
  await phone.goto(href ?? '')
  t.same(await (await resumed).json(), { token, interviewId, uniqueId, uuid: uniqueId }, 'GET /incode/start?uniqueId= gave the same session')
  t.equal(await phone.locator('#interview-id').textContent(), interviewId, 'the phone shows the same interview')
  t.match(await phone.locator('#signed-in').textContent(), /^Not signed in/)
  t.same(await phone.context().cookies(), [], 'the phone has no sign-in')

  const finish = phone.waitForRequest((request) => new URL(request.url()).pathname === '/incode/finish')
  const score = phone.waitForRequest((request) => new URL(request.url()).pathname === '/incode/fetch-score')
  await phone.getByRole('button', { name: 'Complete capture (fake Incode)' }).click()
  const finishRequest = await finish
  t.equal(finishRequest.method(), 'POST')
  t.equal(finishRequest.postData(), JSON.stringify({ token }), 'POST /incode/finish with the JSON string { token }')
  t.equal(await finishRequest.headerValue('content-type'), 'text/plain;charset=UTF-8', 'and no content type of its own: text/plain, as the samples send it')
  const scoreRequest = await score
  t.equal(await scoreRequest.headerValue('x-token'), token, 'GET /incode/fetch-score with X-Token')
  t.equal(new URL(scoreRequest.url()).searchParams.get('interviewId'), interviewId)

  await phone.locator('#overall').waitFor()
  t.equal(await phone.locator('#action').textContent(), 'approved', 'finish-status\'s action')
  t.equal(await phone.locator('#redirection-url').textContent(), 'none', 'and its redirectionUrl')
  t.equal(await phone.locator('#score').textContent(), 'OK')
  t.equal(await phone.locator('#overall').textContent(), 'OK (95.0)')
  t.match(sessionRows(databasePath), [{ interview_id: interviewId, onboarding_status: 'ONBOARDING_FINISHED', score: '{"value":"95.0","status":"OK"}' }],
    'the fake\'s webhook reached the app')
  t.equal(sessionRows(databasePath).length, 1, 'one session, started once')

  // The desktop was waiting for the phone (renderRedirectToMobile's onSuccess).
  await desktop.locator('#overall').waitFor()
  t.equal(await desktop.locator('#score').textContent(), 'OK')
  t.equal(await desktop.locator('#finished-interview-id').textContent(), interviewId)
  t.equal(await desktop.locator('#waiting').textContent(), 'Your phone is through.')
  t.equal(await desktop.getByRole('button', { name: 'Continue on this device instead' }).count(), 0, 'nothing left to continue')
  for (const page of [desktop, phone]) {
    t.notOk((await page.content()).includes(token), 'the token is nowhere on the page')
    t.ok(await page.locator('#error').count() === 0, 'no error shown')
  }

  if (process.env.UPDATE_SCREENSHOT === '1') {
    await desktop.screenshot({ path: SAMPLE_SCREENSHOT, fullPage: true })
    t.comment(`wrote ${SAMPLE_SCREENSHOT}`)
  }
})

t.test('a page on another origin cannot start a session with the user\'s sign-in: 403, or 401 without the cookie', { skip }, async (t) => {
  const { page, example: { url, databasePath, logs } } = await openExample(t)
  await page.goto(`${url}/sample/`)
  await startOnSamplePage(page)
  t.equal(sessionRows(databasePath).length, 1)

  // Another origin's page that asks the example to start a session, with the browser's cookies:
  // `mode` cors (the browser sends Origin) or no-cors (a plain GET whose answer it never reads).
  const other = createServer((request, response) => {
    const mode = new URL(request.url ?? '/', 'http://host').searchParams.get('mode')
    response.setHeader('content-type', 'text/html; charset=utf-8')
    response.end(`<!doctype html><title>another site</title><p id="result">…</p><script>
      fetch('${url}/incode/start', { mode: '${mode}', credentials: 'include' })
        .then((answer) => answer.type, () => 'failed')
        .then((result) => { document.getElementById('result').textContent = result })
    </script>`)
  })
  other.listen(0, '127.0.0.1')
  await once(other, 'listening')
  t.teardown(() => { other.close() })
  const { port } = other.address() as { port: number }
  /** Opens the other origin's page and returns the status the example answered, when the browser lets it be seen. */
  async function attempt (origin: string, mode: 'cors' | 'no-cors', result: string): Promise<number | undefined> {
    const isStart = (message: Request | Response) => new URL(message.url()).pathname === '/incode/start'
    // A request the browser failed (CORS) has no answer to show.
    const answered = Promise.race([
      page.waitForEvent('response', isStart).then((response) => response.status()),
      page.waitForEvent('requestfailed', isStart).then(() => undefined)
    ])
    await page.goto(`${origin}/?mode=${mode}`)
    await page.locator('#result', { hasText: result }).waitFor()
    return await answered
  }

  // Another site (localhost is not 127.0.0.1's site): Sec-Fetch-Site says cross-site.
  t.equal(await attempt(`http://localhost:${port}`, 'no-cors', 'opaque'), 403, 'another site\'s page: 403 from the compat route')
  // The same site, another origin (another port): the browser sends the cookie along.
  t.equal(await attempt(`http://127.0.0.1:${port}`, 'cors', 'failed'), undefined, 'with Origin: the page sees a network error…')
  t.match(logs.records.filter((record) => record.msg === 'Cross-site request refused'), [
    { secFetchSite: 'cross-site' },
    { origin: `http://127.0.0.1:${port}`, secFetchSite: 'same-site' }
  ], '…because the compat route refused it (403): its Origin is not allowed')
  t.equal(await attempt(`http://127.0.0.1:${port}`, 'no-cors', 'opaque'), 403,
    'without Origin, Sec-Fetch-Site: same-site is another origin too: the compat route refuses it')
  t.equal(sessionRows(databasePath).length, 1, 'no session started')
})

t.test('the sample page on one device ("Continue on this device instead"); with real Incode, no fake capture', { skip }, async (t) => {
  const { page, example: { url } } = await openExample(t)
  await page.goto(`${url}/sample/`)
  await startOnSamplePage(page)
  await page.getByRole('button', { name: 'Continue on this device instead' }).click()
  await page.getByRole('button', { name: 'Complete capture (fake Incode)' }).click()
  await page.locator('#overall').waitFor()
  t.same(await page.locator('#finish-container dd').allTextContents().then((texts) => texts.slice(1)), ['approved', 'none', 'OK', 'OK (95.0)'])

  const incode = await createFakeIncode()
  t.teardown(() => incode.close())
  const real = await openExample(t, { INCODE_API_URL: incode.url, INCODE_API_KEY: incode.apiKey, INCODE_FLOW_ID: 'flow' })
  await real.page.goto(`${real.example.url}/sample/`)
  await startOnSamplePage(real.page)
  await real.page.getByRole('button', { name: 'Continue on this device instead' }).click()
  await real.page.getByRole('button', { name: 'Complete capture (fake Incode)' }).click()
  t.equal(await real.page.locator('#error').textContent(),
    'This example talks to real Incode: there is no fake capture, and the Web SDK, which would capture here, is not loaded.')
})
