import t, { type Test } from 'tap'
import { readFile } from 'node:fs/promises'
import { createServer } from 'node:https'
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net'
import { Agent } from 'undici'
import { assertNoSecretsLogged, post, startHost, type Host } from './support/host.js'
import { closedPort } from './support/network.js'

// What an operator reads about the Incode calls: which Incode is called, each session created,
// and when a call fails, why the connection failed and what a refusal usually means; never the key.

/** The one line that reports the failed call. */
function failureLine (t: Test, host: Host): Record<string, unknown> | undefined {
  const lines = host.logs.records.filter((record) => /^Incode \S+ call failed/.test(String(record.msg)))
  t.equal(lines.length, 1, 'one line for the failed call')
  return lines[0]
}

t.test('the plugin logs the Incode API it calls, once, when it loads', async (t) => {
  const host = await startHost(t)
  const lines = host.logs.records.filter((record) => record.apiUrl !== undefined)
  t.same(lines.map(({ level, msg, apiUrl }) => ({ level, msg, apiUrl })), [{
    level: 30,
    msg: `fastify-incode: calling the Incode API at ${host.fake.url}`,
    apiUrl: host.fake.url
  }])
  await post(host.app, '/incode/sessions')
  t.equal(host.logs.records.filter((record) => record.apiUrl !== undefined).length, 1, 'not again per request')
})

t.test('a created session is logged at info with its interviewId and duration', async (t) => {
  const host = await startHost(t)
  const { interviewId } = (await post(host.app, '/incode/sessions')).json()
  t.match(host.logs.records.find((record) => record.msg === 'Incode session created'), {
    level: 30, interviewId, durationMs: Number
  })
})

t.test('an Incode nobody listens for: the host called and ECONNREFUSED, after every attempt', async (t) => {
  const port = await closedPort()
  const host = await startHost(t, { plugin: { apiUrl: `http://127.0.0.1:${port}/`, retries: 2 } })
  const res = await post(host.app, '/incode/sessions')
  t.equal(res.statusCode, 503)
  t.match(failureLine(t, host), {
    level: 40,
    msg: 'Incode start call failed',
    code: 'FST_INCODE_UPSTREAM_UNREACHABLE',
    attempts: 3,
    host: `127.0.0.1:${port}`,
    cause: { code: 'ECONNREFUSED' }
  })
  assertNoSecretsLogged(t, host)
})

t.test('a host name that does not resolve: ENOTFOUND', async (t) => {
  // `.invalid` never resolves (RFC 6761), with or without a network.
  const host = await startHost(t, { plugin: { apiUrl: 'http://incode.invalid', retries: 0 } })
  t.equal((await post(host.app, '/incode/sessions')).statusCode, 503)
  // ENOTFOUND, or EAI_AGAIN on a machine that cannot reach a DNS server at all.
  t.match(failureLine(t, host), { code: 'FST_INCODE_UPSTREAM_UNREACHABLE', host: 'incode.invalid', cause: { code: /^(ENOTFOUND|EAI_AGAIN)$/ } })
})

t.test('a certificate the plugin does not trust: the TLS error\'s code', async (t) => {
  const server = createServer({
    key: await readFile(new URL('fixtures/self-signed.key', import.meta.url)),
    cert: await readFile(new URL('fixtures/self-signed.crt', import.meta.url))
  }, (req, res) => res.end('{}'))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise((resolve) => server.close(resolve)))
  const { port } = server.address() as AddressInfo
  const host = await startHost(t, { plugin: { apiUrl: `https://127.0.0.1:${port}`, retries: 0 } })
  t.equal((await post(host.app, '/incode/sessions')).statusCode, 503)
  t.match(failureLine(t, host), { host: `127.0.0.1:${port}`, cause: { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' } })
})

t.test('a 403 on /omni/start points at the API key, a 400 at the flow id', async (t) => {
  const host = await startHost(t, { plugin: { apiKey: 'not-the-key' } })
  t.equal((await post(host.app, '/incode/sessions')).statusCode, 502)
  t.match(failureLine(t, host), {
    level: 50,
    msg: 'Incode start call failed: Incode refused the API key (403); check the apiKey option',
    code: 'FST_INCODE_UPSTREAM_REJECTED',
    upstreamStatus: 403
  })
  t.notOk(JSON.stringify(failureLine(t, host)).includes('cause'), 'an answer has no network cause')
  assertNoSecretsLogged(t, host, ['not-the-key'])

  const flow = await startHost(t, { fake: { configurationIds: ['the-flow'] }, plugin: { configurationId: 'another-flow' } })
  t.equal((await post(flow.app, '/incode/sessions')).statusCode, 502)
  t.match(failureLine(t, flow), {
    msg: 'Incode start call failed: Incode refused the parameters (400); check the configurationId option (the flow id)',
    upstreamStatus: 400
  })
})

t.test('the onboarding-url call, which sends no API key, gets no hint about the key', async (t) => {
  for (const status of [401, 403]) {
    const host = await startHost(t)
    host.fake.failNext({ type: 'status', status }, { path: '/0/omni/onboarding-url' })
    t.equal((await post(host.app, '/incode/onboarding-url')).statusCode, 502)
    t.match(failureLine(t, host), { msg: 'Incode onboarding-url call failed', upstreamStatus: status })
  }
})

t.test('a read that needs an admin token, inside onWebhook, logs which options are missing', async (t) => {
  const secret = 'a-webhook-secret-of-at-least-32-characters'
  const host = await startHost(t, {
    plugin: {
      webhook: {
        secretHeader: { name: 'x-webhook-secret', value: secret },
        onWebhook: async function (event) { if (event.kind === 'onboarding-status') await this.incode.getScore(event.interviewId) }
      }
    }
  })
  const res = await host.app.inject({
    method: 'POST',
    url: '/incode/webhook',
    headers: { 'x-webhook-secret': secret },
    payload: { interviewId: '0123456789abcdef01234567', onboardingStatus: 'ONBOARDING_FINISHED' }
  })
  t.equal(res.statusCode, 500)
  const line = host.logs.records.find((record) => record.code === 'FST_INCODE_WEBHOOK_NOT_PROCESSED')
  t.match(line?.cause, {
    code: 'FST_INCODE_INVALID_OPTION',
    message: 'fastify-incode option "adminToken" must be set, or adminEmail and adminPassword, to read onboarding statuses and scores'
  })
  assertNoSecretsLogged(t, host, [secret])
})

t.test('an Incode failure inside onWebhook logs what Incode answered, not what the host\'s own error says', async (t) => {
  const secret = 'a-webhook-secret-of-at-least-32-characters'
  let attempt = 0
  const host = await startHost(t, {
    plugin: {
      adminToken: 'an-admin-token',
      webhook: {
        secretHeader: { name: 'x-webhook-secret', value: secret },
        onWebhook: async function (event) {
          attempt++
          if (event.kind !== 'onboarding-status') return
          if (attempt === 1) await this.incode.getScore(event.interviewId)
          else throw new Error(`could not store ${event.interviewId} for a-customer-secret`)
        }
      }
    }
  })
  const deliver = async () => await host.app.inject({
    method: 'POST',
    url: '/incode/webhook',
    headers: { 'x-webhook-secret': secret },
    payload: { interviewId: '0123456789abcdef01234567', onboardingStatus: 'ONBOARDING_FINISHED' }
  })
  t.equal((await deliver()).statusCode, 500)
  t.equal((await deliver()).statusCode, 500)
  const causes = host.logs.records.filter((record) => record.code === 'FST_INCODE_WEBHOOK_NOT_PROCESSED').map((record) => record.cause)
  t.same(causes, [
    { name: 'FastifyError', code: 'FST_INCODE_UPSTREAM_REJECTED', message: 'The identity verification service rejected the request', attempts: 1, upstreamStatus: 401 },
    { name: 'Error' }
  ], 'the plugin\'s own message and Incode\'s status; of the host\'s error only its name')
  assertNoSecretsLogged(t, host, [secret, 'an-admin-token', 'a-customer-secret'])
})

t.test('a call never sent in time names why its earlier attempts failed', async (t) => {
  // TLS: the request is written only after the handshake. The first connection is reset, the
  // next ones hang in the handshake, so the deadline finds the call unsent.
  const sockets: Socket[] = []
  const server = createTcpServer((socket) => {
    sockets.push(socket)
    if (sockets.length === 1) socket.resetAndDestroy()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => {
    for (const socket of sockets) socket.destroy()
    server.close()
  })
  const { port } = server.address() as AddressInfo
  // A connect timeout of its own, longer than the call's deadline: the hang outlasts the call.
  const dispatcher = new Agent({ connect: { timeout: 5000 } })
  t.teardown(() => dispatcher.destroy())
  const host = await startHost(t, { plugin: { apiUrl: `https://127.0.0.1:${port}`, retries: 2, timeout: 600, dispatcher } })
  t.equal((await post(host.app, '/incode/sessions')).statusCode, 503)
  t.match(failureLine(t, host), { code: 'FST_INCODE_CALL_NOT_SENT', attempts: 1, cause: { code: 'ECONNRESET' } })
})
