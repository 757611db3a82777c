// Incode's sample front end (/sample/) in a real browser: Debian's Chromium, driven by
// playwright-core, against the example served on 127.0.0.1: the desktop, the phone (a second
// browser), other sites. UPDATE_SCREENSHOT=1 also writes example/sample-page.png for the README.
import t from 'tap'
import { createServer } from 'node:http'
import { once } from 'node:events'
import type { Browser, Page, Request, Response } from 'playwright-core'
import { createFakeIncode } from 'fastify-incode/testing'
import { assertNo404, newPage, openExample, skipWithoutChromium, writeScreenshot } from './support/chromium.js'
import { sessionRows } from './support/database.js'

/** On the sample page (no uniqueId: the desktop), signs in, and returns the session GET /incode/start answered. */
async function startOnSamplePage (page: Page) {
  const started = page.waitForResponse((response) => new URL(response.url()).pathname === '/incode/start')
  await page.getByRole('button', { name: 'Sign in' }).click()
  return await (await started).json() as { token: string, interviewId: string, uniqueId: string, uuid: string }
}

t.test('Incode\'s sample page in Chromium', { skip: skipWithoutChromium }, async (t) => {
  t.test('Incode\'s sample front end: start on the desktop, continue on the phone (a second browser), finish, score OK', async (t) => {
    const { page: desktop, example } = await openExample(t)
    const { url, databasePath } = example
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
    t.equal(await desktop.locator('.sdk-label').innerText(), 'Web SDK placeholder: renderRedirectToMobile', 'the SDK call as it is spelt')
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
    await assertNo404(t, example, 'either page')
    await writeScreenshot(t, desktop, 'sample-page.png')
  })

  t.test('a page on another origin cannot start a session with the user\'s sign-in: 403, or 401 without the cookie', async (t) => {
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

  t.test('the sample page on one device ("Continue on this device instead"); with real Incode, no fake capture', async (t) => {
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
})
