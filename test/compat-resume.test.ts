import t, { type Test } from 'tap'
import { randomUUID } from 'node:crypto'
import type { ResumeSessionContext } from '../src/index.js'
import { startHost, type HostOptions } from './support/host.js'

// "Continue on your phone": whoever holds a uniqueId gets its session's token, so the id is a
// credential. It carries the time it was issued (a UUID v7), expires after resumeMaxAge, reaches
// resumeSession with that time and the request, and never reaches a log line.

const BROWSER = { 'sec-fetch-site': 'same-origin' }

async function resumeHost (t: Test, options: HostOptions = {}) {
  const stored = new Map<string, { token: string, interviewId: string }>()
  const asked: Array<{ uniqueId: string, issuedAt: Date | undefined, signal: boolean, ip: string }> = []
  const host = await startHost(t, {
    ...options,
    plugin: {
      compatRoutes: true,
      onSessionCreated: async (session) => { if (session.uniqueId !== undefined) stored.set(session.uniqueId, session) },
      resumeSession: async (uniqueId, request, context: ResumeSessionContext) => {
        asked.push({ uniqueId, issuedAt: context.issuedAt, signal: context.signal instanceof AbortSignal, ip: request.ip })
        return stored.get(uniqueId)
      },
      ...options.plugin
    }
  })
  const start = async (query = '') => await host.app.inject({ url: `/incode/start${query}`, headers: BROWSER })
  return { ...host, stored, asked, start }
}

/** A UUID v7 issued at `time`, as the plugin makes them. */
function uuidV7At (time: number): string {
  const hex = time.toString(16).padStart(12, '0')
  return `${hex.slice(0, 8)}-${hex.slice(8)}-7abc-8def-0123456789ab`
}

t.test('the uniqueId is a UUID v7 of when it was issued; resumeSession gets that time, the request and a signal', async (t) => {
  const host = await resumeHost(t)
  const before = Date.now()
  const started = (await host.start()).json()
  t.match(started.uniqueId, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  const resumed = await host.start(`?uniqueId=${started.uniqueId}`)
  t.same(resumed.json(), started)
  const issuedAt = host.asked[0]?.issuedAt?.getTime() ?? 0
  t.ok(issuedAt >= before && issuedAt <= Date.now(), 'issuedAt: when GET /start made it')
  t.match(host.asked[0], { uniqueId: started.uniqueId, signal: true, ip: '127.0.0.1' })
})

t.test('an id older than resumeMaxAge, or from the future, is a 400 that never reaches resumeSession', async (t) => {
  const host = await resumeHost(t, { plugin: { resumeMaxAge: 200 } })
  const { uniqueId } = (await host.start()).json()
  await new Promise((resolve) => setTimeout(resolve, 300))
  const expired = await host.start(`?uniqueId=${uniqueId}`)
  t.same([expired.statusCode, expired.json().code], [400, 'FST_INCODE_UNKNOWN_UNIQUE_ID'], 'expired: as unknown')
  for (const id of [uuidV7At(Date.now() + 10 * 60_000), uuidV7At(0)]) {
    t.equal((await host.start(`?uuid=${id}`)).statusCode, 400, id)
  }
  t.same(host.asked, [], 'the host was never asked')
  t.equal(host.fake.sessions.size, 1, 'and nothing new was started')
})

t.test('a UUID v4 carries no time: malformed, a 400 that never reaches resumeSession', async (t) => {
  const host = await resumeHost(t)
  t.equal((await host.start(`?uniqueId=${randomUUID()}`)).statusCode, 400)
  t.same(host.asked, [])
})

t.test('the uniqueId never reaches a log line, the request log included', async (t) => {
  const host = await resumeHost(t)
  const { uniqueId } = (await host.start()).json()
  await host.start(`?uniqueId=${uniqueId}`)
  await host.start(`?uuid=${uniqueId.toUpperCase()}`)
  await host.start(`?%E0%A4%A=x&debug&unique%49d=${uniqueId}`)
  const urls = host.logs.records.filter((record) => record.msg === 'incoming request').map((record) => (record.req as { url: string }).url)
  t.same(urls, ['/incode/start', '/incode/start?uniqueId=[redacted]', '/incode/start?uuid=[redacted]',
    '/incode/start?%E0%A4%A=x&debug&unique%49d=[redacted]'], 'its name written any way Fastify reads it')
  t.match(host.logs.records.find((record) => record.msg === 'incoming request')?.req, { method: 'GET', host: String, remoteAddress: '127.0.0.1' },
    'Fastify\'s other fields')
  t.same(host.logs.lines.filter((line) => line.toLowerCase().includes(uniqueId)), [], 'nowhere')
})

t.test('resumeMaxAge must be a positive whole number of ms', async (t) => {
  for (const resumeMaxAge of [0, 1.5, '1 hour']) {
    await t.rejects(startHost(t, { plugin: { compatRoutes: true, resumeMaxAge: resumeMaxAge as number } }),
      { code: 'FST_INCODE_INVALID_OPTION', message: /^fastify-incode option "resumeMaxAge"/ }, String(resumeMaxAge))
  }
})
