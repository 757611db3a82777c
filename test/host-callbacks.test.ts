import t from 'tap'
import type { AddressInfo } from 'node:net'
import { request } from 'undici'
import type { HostCallbackContext } from '../src/index.js'
import { assertNoSecretsLogged, post, startHost } from './support/host.js'
import { until } from './support/wait.js'

// Every host callback the plugin awaits is bounded by hookTimeout and handed a signal, so neither
// a request nor app.close() waits for ever on code the plugin does not own; what it returns is
// checked before Incode sees it.

const never = async (): Promise<never> => await new Promise<never>(() => {})

t.test('an onSessionCreated that never settles: 500 SESSION_NOT_RECORDED at hookTimeout, its signal aborted', async (t) => {
  let seen: AbortSignal | undefined
  const host = await startHost(t, {
    plugin: {
      hookTimeout: 200,
      onSessionCreated: async (_session, _request, { signal }: HostCallbackContext) => {
        seen = signal
        return await never()
      }
    }
  })
  await host.app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = host.app.server.address() as AddressInfo
  const started = Date.now()
  const res = await request(`http://127.0.0.1:${port}/incode/sessions`, { method: 'POST' })
  const took = Date.now() - started
  t.same(await res.body.json(), {
    statusCode: 500,
    code: 'FST_INCODE_SESSION_NOT_RECORDED',
    error: 'Internal Server Error',
    message: 'The verification session could not be recorded'
  })
  t.ok(took >= 190 && took < 200 + 400, `answered at the hook deadline (${took} ms)`)
  t.equal(seen?.aborted, true, 'the hook\'s signal fired')
  t.equal((seen?.reason as { code?: string }).code, 'FST_INCODE_HOOK_TIMEOUT')
  const line = host.logs.records.find((record) => record.code === 'FST_INCODE_SESSION_NOT_RECORDED')
  t.equal(line?.level, 50)
  t.equal(line?.interviewId, [...host.fake.sessions.keys()][0], 'the line names the session to reconcile')
  t.same(line?.cause, { name: 'FastifyError', code: 'FST_INCODE_HOOK_TIMEOUT', message: 'The request could not be completed in time' }, 'and says it timed out')

  const closing = Date.now()
  await host.app.close()
  t.ok(Date.now() - closing < 1000, 'app.close() does not wait on the stuck hook')
  assertNoSecretsLogged(t, host)
})

t.test('app.close() while a hook is running: the hook\'s signal fires at once, close ends within hookTimeout', async (t) => {
  let signal: AbortSignal | undefined
  const host = await startHost(t, {
    plugin: {
      hookTimeout: 1500,
      onSessionCreated: async (_session, _request, context: HostCallbackContext) => {
        signal = context.signal
        // A host that listens to the signal stops its write when asked.
        await new Promise((_resolve, reject) => context.signal.addEventListener('abort', () => reject(context.signal.reason)))
      }
    }
  })
  await host.app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = host.app.server.address() as AddressInfo
  // `reset`: the browser does not keep its connection, which Node's server.close() would wait for.
  const pending = request(`http://127.0.0.1:${port}/incode/sessions`, { method: 'POST', reset: true })
  await until(() => signal !== undefined, 'the hook to start')
  const started = Date.now()
  const closing = host.app.close()
  const res = await pending
  t.equal(res.statusCode, 500, 'the session could not be recorded: the host stopped its write')
  await res.body.dump()
  await closing
  t.ok(Date.now() - started < 1000, `closed in ${Date.now() - started} ms, without waiting out hookTimeout`)
  t.equal(signal?.aborted, true)
  t.equal((signal?.reason as Error).name, 'AbortError')
})

t.test('an externalCustomerId that never settles: 500 FST_INCODE_HOOK_TIMEOUT, Incode not called', async (t) => {
  const host = await startHost(t, { plugin: { hookTimeout: 150, externalCustomerId: never } })
  const res = await post(host.app, '/incode/sessions')
  t.same(res.json(), {
    statusCode: 500,
    code: 'FST_INCODE_HOOK_TIMEOUT',
    error: 'Internal Server Error',
    message: 'The request could not be completed in time'
  })
  t.equal(host.fake.requests.length, 0, 'Incode not called')
  t.equal(host.recorded.length, 0)
  const line = host.logs.records.find((record) => record.code === 'FST_INCODE_HOOK_TIMEOUT')
  t.equal(line?.level, 50)
  t.equal(line?.hook, 'externalCustomerId', 'the log names the callback')
})

t.test('the externalCustomerId resolver gets the signal too', async (t) => {
  let signal: AbortSignal | undefined
  const host = await startHost(t, {
    plugin: { externalCustomerId: (_request, context) => { signal = context.signal; return 'c-1' } }
  })
  t.equal((await post(host.app, '/incode/sessions')).statusCode, 201)
  t.equal(signal?.aborted, false, 'a live signal, never aborted for a callback that finished')
  await host.app.close()
  t.equal(signal?.aborted, false, 'nor by the close: a callback that returned at once is done with it')
})

t.test('an externalCustomerId that resolves to 5 MB: 500 FST_INCODE_INVALID_PARAMS, logged, Incode not called', async (t) => {
  const host = await startHost(t, { plugin: { externalCustomerId: () => 'x'.repeat(5 * 1024 * 1024) } })
  const res = await post(host.app, '/incode/sessions')
  t.equal(res.statusCode, 500)
  t.equal(res.json().code, 'FST_INCODE_INVALID_PARAMS')
  t.equal(host.fake.requests.length, 0)
  const line = host.logs.records.find((record) => record.code === 'FST_INCODE_INVALID_PARAMS')
  t.equal(line?.level, 50, 'an error line for the host\'s operator')
  t.ok(host.logs.lines.every((entry) => entry.length < 10_000), 'without the value')
})

t.test('an async onSessionCreated that has ended: app.close() does not abort its signal', async (t) => {
  let signal: AbortSignal | undefined
  const host = await startHost(t, {
    plugin: { onSessionCreated: async (_session, _request, context) => { signal = context.signal; await new Promise((resolve) => setImmediate(resolve)) } }
  })
  t.equal((await post(host.app, '/incode/sessions')).statusCode, 201)
  await host.app.close()
  t.equal(signal?.aborted, false)
})

for (const name of ['keyGenerator', 'max', 'timeWindow', 'allowList'] as const) {
  t.test(`a rate-limit ${name} that never settles: 500 FST_INCODE_HOOK_TIMEOUT, Incode not called`, async (t) => {
    const host = await startHost(t, { plugin: { hookTimeout: 150, rateLimit: { [name]: never } } })
    const res = await post(host.app, '/incode/sessions')
    t.equal(res.json().code, 'FST_INCODE_HOOK_TIMEOUT')
    t.equal(host.fake.requests.length, 0)
    t.equal(host.logs.records.find((record) => record.code === 'FST_INCODE_HOOK_TIMEOUT')?.hook, name)
  })
}

t.test('a rate-limit keyGenerator within its deadline works as usual', async (t) => {
  const host = await startHost(t, { plugin: { rateLimit: { max: 1, keyGenerator: async () => 'one-key' } } })
  t.same([(await post(host.app, '/incode/sessions')).statusCode, (await post(host.app, '/incode/sessions')).statusCode], [201, 429])
})

t.test('a late session whose hook never settles: close() still ends within the bounds', async (t) => {
  const host = await startHost(t, { plugin: { timeout: 150, hookTimeout: 150, onSessionCreated: never } })
  host.fake.failNext({ type: 'delay', ms: 250 }, { path: '/omni/start' })
  t.equal((await post(host.app, '/incode/sessions')).statusCode, 504)
  const started = Date.now()
  await host.app.close()
  t.ok(Date.now() - started < 150 + 150 + 400, `closed in ${Date.now() - started} ms`)
  t.ok(host.logs.records.some((record) => record.code === 'FST_INCODE_SESSION_NOT_RECORDED'), 'the unrecorded late session is logged')
})

t.test('hookTimeout is checked', async (t) => {
  await t.rejects(startHost(t, { plugin: { hookTimeout: 0 } }), {
    code: 'FST_INCODE_INVALID_OPTION', message: 'fastify-incode option "hookTimeout" must be an integer of at least 1'
  })
})
