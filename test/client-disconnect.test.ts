import t from 'tap'
import { request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { assertNoSecretsLogged, startHost } from './support/host.js'
import { until, watchUnhandled } from './support/wait.js'

for (const route of ['sessions', 'onboarding-url']) {
  t.test(`a browser that leaves during the Incode call aborts it (${route})`, async (t) => {
    const unhandled = watchUnhandled(t)

    const host = await startHost(t)
    const path = route === 'sessions' ? '/omni/start' : '/0/omni/onboarding-url'
    host.fake.failNext({ type: 'hang' }, { path })
    await host.app.listen({ port: 0, host: '127.0.0.1' })
    const { port } = host.app.server.address() as AddressInfo

    const browser = request({ host: '127.0.0.1', port, method: 'POST', path: `/incode/${route}` })
    browser.on('error', () => {})
    browser.end()
    await until(() => host.fake.requestsTo(path).length === 1, 'the Incode call')

    browser.destroy()
    // undici may open a fresh idle connection in its place; what matters is that one closed.
    await until(() => host.fake.connectionsOpened > host.fake.activeConnections, 'an Incode connection to close')
    t.pass('the Incode call was aborted: the fake saw its connection close')
    await until(() => host.logs.records.some((record) => /client closed/.test(String(record.msg))), 'the request to end')
    t.same(unhandled, [], 'nothing thrown unhandled')
    t.equal(host.logs.records.find((record) => /client closed/.test(String(record.msg)))?.level, 30, 'an info line')
    t.notOk(host.logs.records.some((record) => record.level >= 50), 'no error line for a browser that left')
    t.equal(host.recorded.length, route === 'sessions' ? 0 : 1, 'a session Incode created is still recorded')
    assertNoSecretsLogged(t, host)
  })
}
