// Debian's Chromium driven by playwright-core, for the tests of the example's pages in a real
// browser: whether it is there (outside CI a machine without it skips; CI must run the tests), a
// fresh browser per test, the example on 127.0.0.1 with a page open on it.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type Page } from 'playwright-core'
import type { Test } from 'tap'
import { startExample, type Example } from './example.js'

export const CHROMIUM = '/usr/bin/chromium'
// No traffic but to 127.0.0.1: this machine has no network, and a test should not need one.
const FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'
]
const VIEWPORT = { width: 960, height: 900 }

/** The reason to skip a file of browser tests, or false: they run where Chromium is, and always in CI. */
export const skipWithoutChromium: string | false = existsSync(CHROMIUM) || process.env.CI !== undefined
  ? false
  : `no Chromium at ${CHROMIUM} (apt-get install chromium): the browser tests are skipped; CI runs them`

/** Where UPDATE_SCREENSHOT=1 writes a picture for the README: example/<name>, beside it. */
export function screenshotPath (name: string): string | undefined {
  return process.env.UPDATE_SCREENSHOT === '1' ? fileURLToPath(new URL(`../../${name}`, import.meta.url)) : undefined
}

/** A fresh Chromium, closed when the test ends; each of its contexts is a browser of its own. */
export async function launchChromium (t: Test): Promise<Browser> {
  t.ok(existsSync(CHROMIUM), `Chromium is installed at ${CHROMIUM}`)
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS })
  t.teardown(() => browser.close())
  return browser
}

/** A page in a new context (no cookies, nothing shared with the others). */
export async function newPage (browser: Browser): Promise<Page> {
  const context = await browser.newContext({ viewport: VIEWPORT })
  context.setDefaultTimeout(10_000)
  return await context.newPage()
}

/** The example on a temporary database, listening on 127.0.0.1, and a fresh Chromium on its page. */
export async function openExample (t: Test, env: Record<string, string> = {}): Promise<{ page: Page, example: Example }> {
  const example = await startExample(t, env, { listen: true })
  const page = await newPage(await launchChromium(t))
  await page.goto(example.url)
  return { page, example }
}

/** Waits (up to 5 s) until the example's log tells it answered a request for `url`. */
export async function untilAnswered (example: Example, url: string): Promise<void> {
  const deadline = Date.now() + 5000
  while (!answered(example).some((answer) => answer.url === url)) {
    if (Date.now() > deadline) throw new Error(`the example never answered ${url}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** Every request the example answered, as its log tells: the browser's own (its icon) included. */
export function answered (example: Example): Array<{ url: string, statusCode: number }> {
  const urls = new Map<unknown, string>()
  const answers: Array<{ url: string, statusCode: number }> = []
  for (const record of example.logs.records) {
    const { reqId, req, res } = record as { reqId?: unknown, req?: { url: string }, res?: { statusCode: number } }
    if (req !== undefined) urls.set(reqId, req.url)
    if (res !== undefined && record.msg === 'request completed') answers.push({ url: urls.get(reqId) ?? '', statusCode: res.statusCode })
  }
  return answers
}

/** Asserts that no request of the example's pages answered 404, once the pages' icon was asked for. */
export async function assertNo404 (t: Test, example: Example, pages: string): Promise<void> {
  await untilAnswered(example, '/favicon.svg')
  t.same(answered(example).filter(({ statusCode }) => statusCode === 404), [], `no request of ${pages} answered 404, the icon included`)
}

/** With UPDATE_SCREENSHOT=1, writes the page's picture for the README (example/<name>). */
export async function writeScreenshot (t: Test, page: Page, name: string): Promise<void> {
  const screenshot = screenshotPath(name)
  if (screenshot === undefined) return
  await page.screenshot({ path: screenshot, fullPage: true })
  t.comment(`wrote ${screenshot}`)
}
