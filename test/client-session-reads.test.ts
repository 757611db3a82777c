import t from 'tap'
import { IncodeClient } from '../src/index.js'
import { failure } from './support/client.js'
import { createFakeIncode } from '../src/testing/index.js'

// The client's session-token reads and the face log-in check, called directly.

t.test('finish status, the token-only score and the face log-in check, and what makes their answers unusable', async (t) => {
  const fake = await createFakeIncode({ adminPassword: 'pw-1' })
  const client = new IncodeClient({ apiUrl: fake.url, apiKey: fake.apiKey, configurationId: 'flow-1', adminEmail: fake.adminEmail, adminPassword: 'pw-1' })
  t.teardown(async () => { await client.close(); await fake.close() })
  const { token, interviewId } = await client.startSession({ redirectionUrl: 'https://app.example.com/done' })
  await fake.completeOnboarding(interviewId)

  t.same(await client.getFinishStatus(token), { redirectionUrl: 'https://app.example.com/done', action: 'approved' })
  t.match(await client.getScoreForToken(token), { overall: { status: 'OK' } })
  t.match(await client.verifyFaceAuthentication({ token, transactionId: 't-1', interviewToken: 'i-1' }), { verified: true })

  fake.failNext({ type: 'json', body: { redirectionUrl: 42, action: 'none' } }, { path: '/omni/finish-status' })
  t.equal((await failure(client.getFinishStatus(token))).code, 'FST_INCODE_UPSTREAM_BAD_RESPONSE')
  fake.failNext({ type: 'json', body: { redirectionUrl: null } }, { path: '/omni/finish-status' })
  t.equal((await failure(client.getFinishStatus(token))).code, 'FST_INCODE_UPSTREAM_BAD_RESPONSE')
  fake.failNext({ type: 'json', body: { verified: 'yes' } }, { path: '/omni/authentication/verify' })
  t.equal((await failure(client.verifyFaceAuthentication({ token, transactionId: 't-1', interviewToken: 'i-1' }))).code,
    'FST_INCODE_UPSTREAM_BAD_RESPONSE')

  for (const params of [null, 'x', { token, transactionId: '', interviewToken: 'i' }, { token: 'a b', transactionId: 't', interviewToken: 'i' }]) {
    t.equal((await failure(client.verifyFaceAuthentication(params as never))).code, 'FST_INCODE_INVALID_PARAMS', JSON.stringify(params))
  }
  t.equal((await failure(client.getScoreForToken('a\r\nb'))).code, 'FST_INCODE_INVALID_PARAMS')
})
