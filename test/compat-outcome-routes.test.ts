import t, { type Test } from 'tap'
import { startHost, type HostOptions } from './support/host.js'

// The compat routes past the session: backend-nodejs's GET /onboarding-status (only for a session
// the caller holds), GET /onboarding-url?redirectionUrl= (checked against the allow-list), and the
// face log-in check of Incode's authentication sample (each session checked once).

const BROWSER = { 'sec-fetch-site': 'same-origin' }
const ADMIN = { adminEmail: 'admin@fake-incode.test', adminPassword: 'an-admin-password' }

async function compatHost (t: Test, options: HostOptions = {}) {
  const host = await startHost(t, {
    ...options,
    fake: { adminPassword: ADMIN.adminPassword, ...options.fake },
    plugin: { compatRoutes: true, ...options.plugin }
  })
  const get = async (url: string, headers: Record<string, string> = {}) => await host.app.inject({ url, headers: { ...BROWSER, ...headers } })
  return { ...host, get }
}

t.test('GET /onboarding-status: the status of a session the caller holds; anyone else gets 404 and Incode is not called', async (t) => {
  const owners = new Map<string, string | undefined>()
  const host = await compatHost(t, {
    plugin: {
      ...ADMIN,
      externalCustomerId: (request) => request.headers['x-user']?.toString(),
      onSessionCreated: async (session) => { owners.set(session.interviewId, session.externalCustomerId) },
      ownsSession: async (interviewId, request) => owners.get(interviewId) === request.headers['x-user']
    }
  })
  const { interviewId } = (await host.get('/incode/start', { 'x-user': 'ann' })).json()
  const status = async (user: string) => await host.get(`/incode/onboarding-status?interviewId=${interviewId}`, { 'x-user': user })
  t.same((await status('ann')).json(), { success: true, onboardingStatus: 'UNKNOWN' })
  await host.fake.completeOnboarding(interviewId)
  t.same((await status('ann')).json(), { success: true, onboardingStatus: 'ONBOARDING_FINISHED' })
  const stranger = await status('mallory')
  t.same([stranger.statusCode, stranger.json()], [404, {
    statusCode: 404, code: 'FST_INCODE_SESSION_NOT_FOUND', error: 'Not Found', message: 'No session of yours has this interviewId'
  }])
  t.equal(host.fake.requestsTo('/omni/get/onboarding/status').length, 2, 'the stranger\'s request never reached Incode')
  t.equal((await host.get('/incode/onboarding-status?interviewId=../admin', { 'x-user': 'ann' })).statusCode, 400, 'not an id: a 400')
})

t.test('GET /onboarding-status exists only with ownsSession and an admin token', async (t) => {
  const ownsSession = async (): Promise<boolean> => true
  for (const plugin of [{ ...ADMIN }, { ownsSession }]) {
    const host = await compatHost(t, { plugin })
    t.equal((await host.get('/incode/onboarding-status?interviewId=0123456789abcdef01234567')).statusCode, 404, Object.keys(plugin).join(', '))
  }
})

t.test('GET /onboarding-url?redirectionUrl=: within the allow-list it reaches Incode; elsewhere it is a 400, not counted', async (t) => {
  const host = await compatHost(t, { plugin: { allowedRedirectionUrls: ['https://app.example.com/done'], rateLimit: { max: 2 } } })
  const allowed = await host.get(`/incode/onboarding-url?redirectionUrl=${encodeURIComponent('https://app.example.com/done/ann')}`)
  t.equal(allowed.statusCode, 200)
  t.equal(host.fake.requestsTo('/omni/start')[0]?.body.redirectionUrl, 'https://app.example.com/done/ann')
  t.equal(host.recorded[0]?.redirectionUrl, 'https://app.example.com/done/ann', 'the hook sees it')
  for (let i = 0; i < 3; i++) {
    const refused = await host.get(`/incode/onboarding-url?redirectionUrl=${encodeURIComponent('https://evil.example/')}`)
    t.same([refused.statusCode, refused.json().code], [400, 'FST_INCODE_REDIRECT_NOT_ALLOWED'])
  }
  t.equal((await host.get('/incode/onboarding-url')).statusCode, 200, 'the refusals were not counted: the second of max 2')
  t.equal(host.fake.requestsTo('/omni/start').length, 2)
})
