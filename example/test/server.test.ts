// `npm start` on a fresh clone: node server.js (in example/) with no configuration serves the page.
import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { sessionRows, temporaryDatabasePath } from './support/database.js'

const example = fileURLToPath(new URL('..', import.meta.url))
const SETTINGS = ['INCODE_API_URL', 'INCODE_API_KEY', 'INCODE_FLOW_ID', 'INCODE_CLIENT_ID', 'INCODE_WEBHOOK_SECRET',
  'INCODE_ADMIN_EMAIL', 'INCODE_ADMIN_PASSWORD', 'INCODE_ADMIN_TOKEN', 'DATABASE_PATH', 'CORS_ORIGINS', 'PORT', 'HOST']

const runs = [
  // What `npm start` runs after the build: plain Node, no TypeScript loader. tap still tracks
  // the process; its coverage is off because it would not line up with the coverage of the
  // same files loaded through tap's TypeScript loader (allowJs), here and in the other tests.
  { name: 'plain node', execArgv: [], env: { _TAPJS_PROCESSINFO_COVERAGE_: '0' }, seconds: 10 },
  // The same under the test runner's loaders: this run is the one counted for coverage. Its
  // start includes compiling the example through TypeScript, hence the longer allowance.
  { name: 'under the test runner', execArgv: process.execArgv, env: {}, seconds: 30 }
]

for (const run of runs) {
  t.test(`node server.js (${run.name}) with no INCODE_* serves the page within seconds, and stops cleanly`, async (t) => {
    const databasePath = temporaryDatabasePath(t)
    // The caller's environment less the example's own settings: what a fresh shell has.
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !SETTINGS.includes(name)))
    const started = Date.now()
    const server = spawn(process.execPath, [...run.execArgv, 'server.js'], {
      cwd: example,
      env: { ...env, ...run.env, PORT: '0', DATABASE_PATH: databasePath },
      stdio: ['ignore', 'pipe', 'inherit']
    })
    const exited = once(server, 'exit')
    t.teardown(() => { if (server.exitCode === null) server.kill('SIGKILL') })

    const messages: string[] = []
    let url = ''
    for await (const line of createInterface({ input: server.stdout })) {
      const { msg } = JSON.parse(line)
      messages.push(msg)
      url = /^Example ready: open (http:\/\/127\.0\.0\.1:\d+) in a browser$/.exec(msg)?.[1] ?? ''
      if (url !== '') break
    }
    server.stdout.resume() // the request log lines that follow go nowhere, without filling the pipe
    t.match(messages[0], /^No INCODE_API_KEY set: using the built-in fake Incode API/, 'the first log line says which Incode')
    t.not(url, '', 'the server logs its URL')

    let page: Response | undefined
    while (page === undefined && Date.now() - started < run.seconds * 1000) {
      page = await fetch(url).catch(async () => { await sleep(100); return undefined })
    }
    t.equal(page?.status, 200, `the page answers within ${run.seconds} s of the start`)
    t.comment(`the page answered ${Date.now() - started} ms after the start`)
    t.match(await page?.text(), 'Start verification')

    const res = await fetch(`${url}/incode/sessions`, { method: 'POST', headers: { 'x-demo-user': 'alice' } })
    t.equal(res.status, 201)
    const { interviewId } = await res.json() as { interviewId: string }

    server.kill('SIGTERM')
    t.same(await exited, [0, null], 'SIGTERM closes the app and the process ends by itself')
    t.match(sessionRows(databasePath), [{ interview_id: interviewId, external_customer_id: 'alice' }])
  })
}
