import t, { type Test } from 'tap'
import { request } from 'undici'
import type { FaceLoginSession, HostCallbackContext } from '../src/index.js'
import type { CompleteOnboardingOptions } from '../src/testing/index.js'
import { assertNoSecretsLogged, startHost, type Host, type HostOptions } from './support/host.js'

// The compat route POST /verify-authentication, the newer face log-in of Incode's authentication
// sample: the host hands back the log-in session it stored (and marks it used), the plugin checks
// the token and the candidate, then finish-status and the score's identity. Each session once.

const BROWSER = { 'sec-fetch-site': 'same-origin' }
const TEXT_PLAIN = { 'content-type': 'text/plain;charset=UTF-8' }
/** Ann's Incode identity, as the host keeps it. */
const ANN = '66a1b2c3d4e5f60718293a4b'
/** Somebody else's. */
const BOB = '66b0b0b0b0b0b0b0b0b0b0b0'

interface Claim {
  interviewId: string
  self: unknown
  signal: AbortSignal
  /** What the host's own header said: the callback sees the request. */
  user: string | undefined
}

interface LogInOutcome {
  matched?: string | null
  complete?: CompleteOnboardingOptions
}

interface FaceHost extends Host {
  url: string
  /** Every call of claimFaceLogin, in order. */
  claims: Claim[]
  /** The log-in sessions the host stored and has not handed out yet. */
  stored: Map<string, FaceLoginSession>
  /**
   * Starts a face log-in session for `identityId` as a host would (through the plugin's client),
   * stores it, and has the fake finish it as `complete` says, the face matching `matched` (`null`: no match).
   */
  logIn: (identityId: string, options?: LogInOutcome) => Promise<{ interviewId: string, token: string }>
  verify: (body: unknown, headers?: Record<string, string>) => Promise<{ status: number, headers: Record<string, unknown>, body: Record<string, unknown> }>
}

async function faceHost (t: Test, options: HostOptions = {}): Promise<FaceHost> {
  const stored = new Map<string, FaceLoginSession>()
  const claims: Claim[] = []
  const host = await startHost(t, {
    ...options,
    plugin: {
      compatRoutes: true,
      // As a host writes it: take the session out of the store, so that it is used once.
      claimFaceLogin: async function (interviewId, token, request, context) {
        claims.push({ interviewId, self: this, signal: context.signal, user: request.headers['x-user']?.toString() })
        const session = stored.get(interviewId)
        // Only the session's own token uses it up (a database would match both in one UPDATE).
        if (session?.token !== token) return undefined
        stored.delete(interviewId)
        return session
      },
      ...options.plugin
    }
  })
  const url = await host.app.listen({ port: 0, host: '127.0.0.1' })
  const logIn: FaceHost['logIn'] = async (identityId, { matched = identityId, complete = {} } = {}) => {
    const { interviewId, token } = await host.app.incode.startSession()
    stored.set(interviewId, { token, identityId })
    await host.fake.completeOnboarding(interviewId, { ...(matched === null ? {} : { authentication: { identityId: matched } }), ...complete })
    return { interviewId, token }
  }
  const verify: FaceHost['verify'] = async (body, headers = {}) => {
    const res = await request(`${url}/incode/verify-authentication`, {
      method: 'POST',
      headers: { ...BROWSER, ...TEXT_PLAIN, ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body)
    })
    return { status: res.statusCode, headers: res.headers, body: await res.body.json() as Record<string, unknown> }
  }
  return { ...host, url, claims, stored, logIn, verify }
}

/** The paths of the Incode requests made since `from`. */
function callsSince (host: Host, from: number): string[] {
  return host.fake.requests.slice(from).map((recorded) => recorded.path)
}

t.test('POST /verify-authentication exists only with claimFaceLogin', async (t) => {
  const without = await startHost(t, { plugin: { compatRoutes: true } })
  const res = await without.app.inject({
    method: 'POST', url: '/incode/verify-authentication', headers: BROWSER, payload: { interviewId: 'a', token: 'b', candidate: ANN }
  })
  t.equal(res.statusCode, 404)
  t.equal(without.fake.requests.length, 0)

  const host = await faceHost(t)
  t.equal((await host.verify({ interviewId: 'unknown', token: 'b', candidate: ANN })).status, 200, 'with it, the route answers')
})

t.test('the face of the identity claimed: valid, with the identity; Incode gets finish-status then the token-only score', async (t) => {
  const host = await faceHost(t)
  const { interviewId, token } = await host.logIn(ANN)
  const from = host.fake.requests.length
  const res = await host.verify({ interviewId, token, candidate: ANN }, { 'x-user': 'ann' })
  t.same([res.status, res.body], [200, { valid: true, identityId: ANN }])

  t.same(callsSince(host, from), ['/omni/finish-status', '/0/omni/get/score'], 'finish-status, then the score, once each')
  const [finish, score] = host.fake.requests.slice(from)
  t.equal(finish?.headers['x-incode-hardware-id'], token, 'finish-status with the session token')
  t.equal(finish?.headers['x-api-key'], host.fake.apiKey, 'and the API key (not a /0/ path)')
  t.equal(score?.headers['x-incode-hardware-id'], token, 'the score with the session token')
  t.equal(score?.headers['x-api-key'], undefined, 'alone')
  t.ok(host.fake.sessions.get(interviewId)?.finishedByUserAt, 'Incode has the session finished')

  t.equal(host.claims.length, 1)
  t.equal(host.claims[0]?.interviewId, interviewId, 'the host was asked for the session under its interviewId')
  t.equal(host.claims[0]?.user, 'ann', 'with the request')
  t.equal(host.claims[0]?.self, host.app, 'and the host app as `this`')
  t.equal(host.claims[0]?.signal.aborted, false, 'and a live signal')
  t.equal(host.stored.size, 0, 'the host marked it used')

  const line = host.logs.records.find((record) => record.msg === 'Face log-in checked')
  t.same([line?.level, line?.interviewId, line?.verified], [30, interviewId, true])
})

t.test('a session is checked once: a second verify is not valid, and reaches Incode no more', async (t) => {
  const host = await faceHost(t)
  const { interviewId, token } = await host.logIn(ANN)
  t.same((await host.verify({ interviewId, token, candidate: ANN })).body, { valid: true, identityId: ANN })
  const from = host.fake.requests.length
  const again = await host.verify({ interviewId, token, candidate: ANN })
  t.same([again.status, again.body], [200, { valid: false }], 'the replay gets no identity')
  t.same(callsSince(host, from), [], 'no Incode call for it')
  t.equal(host.claims.length, 2, 'the host was asked, and said it was used')
  const line = host.logs.records.find((record) => /^Face log-in refused before Incode/.test(String(record.msg)))
  t.same([line?.level, line?.interviewId], [30, interviewId])
})

t.test('a face Incode matched to another identity, a FAIL score, or no match at all: not valid, no identity', async (t) => {
  const cases: Array<[string, LogInOutcome]> = [
    ['Incode matched the face to somebody else', { matched: BOB }],
    ['the right identity, but a FAIL score', { complete: { score: { status: 'FAIL' } } }],
    ['the right identity, but a WARN score', { complete: { score: { status: 'WARN' } } }],
    ['a score with no authentication block', { matched: null }]
  ]
  for (const [name, outcome] of cases) {
    const host = await faceHost(t)
    const { interviewId, token } = await host.logIn(ANN, outcome)
    const from = host.fake.requests.length
    const res = await host.verify({ interviewId, token, candidate: ANN })
    t.same([res.status, res.body], [200, { valid: false }], name)
    t.same(callsSince(host, from), ['/omni/finish-status', '/0/omni/get/score'], `${name}: Incode was asked`)
    t.equal(host.logs.records.find((record) => record.msg === 'Face log-in checked')?.verified, false, `${name}: logged as not verified`)
  }
})

t.test('a session the face log-in has not finished: not valid', async (t) => {
  const host = await faceHost(t)
  const { interviewId, token } = await host.app.incode.startSession()
  host.stored.set(interviewId, { token, identityId: ANN })
  t.same((await host.verify({ interviewId, token, candidate: ANN })).body, { valid: false })
  t.equal(host.fake.requestsTo('/0/omni/get/score').length, 1)
})

t.test('refused before Incode: an unknown session, another token, another candidate', async (t) => {
  const host = await faceHost(t)
  const { interviewId, token } = await host.logIn(ANN)
  const { token: otherToken } = await host.logIn(BOB)
  const cases: Array<[string, unknown, Record<string, string>]> = [
    ['an interviewId the host does not know', undefined, { interviewId: 'not-stored', token, candidate: ANN }],
    ['the token of another session', { token, identityId: ANN }, { interviewId, token: otherToken, candidate: ANN }],
    ['a token one character off', { token, identityId: ANN }, { interviewId, token: `${token.slice(0, -1)}!`, candidate: ANN }],
    ['a candidate who is not the identity claimed', { token, identityId: ANN }, { interviewId, token, candidate: BOB }],
    ['the host answers null', null, { interviewId, token, candidate: ANN }]
  ]
  for (const [name, answer, body] of cases) {
    host.stored.clear()
    if (answer !== undefined) host.stored.set(interviewId, answer as FaceLoginSession)
    const from = host.fake.requests.length
    const claims = host.claims.length
    const res = await host.verify(body)
    t.same([res.status, res.body], [200, { valid: false }], name)
    t.equal(host.claims.length, claims + 1, `${name}: the host was asked`)
    t.same(callsSince(host, from), [], `${name}: no Incode call`)
  }
})

t.test('a malformed body: a 400 or 413, the host not asked, Incode not called', async (t) => {
  const host = await faceHost(t)
  const { interviewId, token } = await host.logIn(ANN)
  const from = host.fake.requests.length
  const good = { interviewId, token, candidate: ANN }
  const cases: Array<[string, unknown, number, string]> = [
    ['no interviewId', { token, candidate: ANN }, 400, 'FST_ERR_VALIDATION'],
    ['no token', { interviewId, candidate: ANN }, 400, 'FST_ERR_VALIDATION'],
    ['no candidate', { interviewId, token }, 400, 'FST_ERR_VALIDATION'],
    ['an interviewId that is a number', { ...good, interviewId: 42 }, 400, 'FST_ERR_VALIDATION'],
    ['a token that is an array', { ...good, token: [token] }, 400, 'FST_ERR_VALIDATION'],
    ['a candidate that is null', { ...good, candidate: null }, 400, 'FST_ERR_VALIDATION'],
    ['an interviewId that is a path', { ...good, interviewId: '../admin' }, 400, 'FST_ERR_VALIDATION'],
    ['a candidate with a space', { ...good, candidate: `${ANN} ` }, 400, 'FST_ERR_VALIDATION'],
    ['an empty token', { ...good, token: '' }, 400, 'FST_ERR_VALIDATION'],
    ['a field more', { ...good, admin: true }, 400, 'FST_ERR_VALIDATION'],
    ['a JSON array', [good], 400, 'FST_ERR_VALIDATION'],
    ['JSON null', 'null', 400, 'FST_ERR_VALIDATION'],
    ['no body', '', 400, 'FST_ERR_CTP_EMPTY_JSON_BODY'],
    ['not JSON', `{"interviewId":"${interviewId}",`, 400, 'FST_ERR_CTP_INVALID_JSON_BODY'],
    ['a body over 16 KiB', { ...good, candidate: ANN, padding: 'x'.repeat(17 * 1024) }, 413, 'FST_ERR_CTP_BODY_TOO_LARGE']
  ]
  for (const [name, body, status, code] of cases) {
    const res = await host.verify(body)
    t.same([res.status, res.body.code], [status, code], name)
  }
  const missing = await host.verify({ interviewId, token })
  t.same(missing.body, { statusCode: 400, code: 'FST_ERR_VALIDATION', error: 'Bad Request', message: 'body/candidate Expected required property, body/candidate Expected string' })
  t.same(host.claims, [], 'the host was never asked')
  t.same(callsSince(host, from), [], 'Incode was never called')
  t.equal(host.stored.size, 1, 'the session is still there to be checked')
  t.same((await host.verify(good)).body, { valid: true, identityId: ANN }, 'and checks as usual')
})

t.test('a browser\'s request from another site: 403, the host not asked, Incode not called', async (t) => {
  const host = await faceHost(t)
  const { interviewId, token } = await host.logIn(ANN)
  const from = host.fake.requests.length
  const res = await host.verify({ interviewId, token, candidate: ANN }, { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' })
  t.same([res.status, res.body], [403, {
    statusCode: 403, code: 'FST_INCODE_CROSS_SITE_REFUSED', error: 'Forbidden', message: 'Requests from another site are refused'
  }])
  t.same(host.claims, [])
  t.same(callsSince(host, from), [])
})

t.test('Incode failing the score: the plugin\'s error, no token in it; finish-status sent once, the score read again', async (t) => {
  const host = await faceHost(t)
  const { interviewId, token } = await host.logIn(ANN)
  host.fake.failNext({ type: 'status', status: 503 }, { path: '/0/omni/get/score', times: 3 })
  const from = host.fake.requests.length
  const res = await host.verify({ interviewId, token, candidate: ANN })
  t.same([res.status, res.body], [502, {
    statusCode: 502, code: 'FST_INCODE_UPSTREAM_ERROR', error: 'Bad Gateway', message: 'The identity verification service failed to answer'
  }])
  t.same(callsSince(host, from), ['/omni/finish-status', '/0/omni/get/score', '/0/omni/get/score', '/0/omni/get/score'],
    'finish-status once; the score, a read, with both retries')
  const line = host.logs.records.find((record) => record.msg === 'Incode face-login call failed')
  t.same([line?.level, line?.code, line?.upstreamStatus, line?.attempts, line?.interviewId], [40, 'FST_INCODE_UPSTREAM_ERROR', 503, 3, interviewId])

  // The host marked it used as it handed it out: the same session is not checked again.
  const again = await host.verify({ interviewId, token, candidate: ANN })
  t.same(again.body, { valid: false })
  t.equal(host.fake.requests.length, from + 4, 'and Incode is not called for it')
  assertNoSecretsLogged(t, host)
})

t.test('a score 500 once: read again, and the face log-in is valid', async (t) => {
  const host = await faceHost(t)
  const { interviewId, token } = await host.logIn(ANN)
  host.fake.failNext({ type: 'status', status: 500 }, { path: '/0/omni/get/score' })
  const from = host.fake.requests.length
  t.same((await host.verify({ interviewId, token, candidate: ANN })).body, { valid: true, identityId: ANN })
  t.same(callsSince(host, from), ['/omni/finish-status', '/0/omni/get/score', '/0/omni/get/score'])
})

t.test('finish-status is not sent again once Incode may have seen it; the score is then not read', async (t) => {
  const faults = [
    ['a 500', { type: 'status', status: 500 }, 502, 'FST_INCODE_UPSTREAM_ERROR', 'The identity verification service failed to answer'],
    ['a dropped connection', { type: 'drop' }, 503, 'FST_INCODE_UPSTREAM_UNREACHABLE', 'The identity verification service could not be reached'],
    ['no answer in time', { type: 'hang' }, 504, 'FST_INCODE_UPSTREAM_TIMEOUT', 'The identity verification service did not answer in time'],
    ['a refusal (401)', { type: 'status', status: 401 }, 502, 'FST_INCODE_UPSTREAM_REJECTED', 'The identity verification service rejected the request']
  ] as const
  for (const [name, fault, statusCode, code, message] of faults) {
    const host = await faceHost(t, { plugin: { timeout: 300 } })
    const { interviewId, token } = await host.logIn(ANN)
    host.fake.failNext(fault, { path: '/omni/finish-status' })
    const from = host.fake.requests.length
    const res = await host.verify({ interviewId, token, candidate: ANN })
    t.same([res.status, res.body], [statusCode, { statusCode, code, error: res.body.error, message }], name)
    t.notOk(JSON.stringify(res.body).includes(token), `${name}: no token in the answer`)
    t.same(callsSince(host, from), ['/omni/finish-status'], `${name}: finish-status once, no score`)
    assertNoSecretsLogged(t, host)
  }
})

t.test('finish-status answered 503 (Incode asks to be asked again): sent again, and the log-in goes through', async (t) => {
  const host = await faceHost(t)
  const { interviewId, token } = await host.logIn(ANN)
  host.fake.failNext({ type: 'status', status: 503 }, { path: '/omni/finish-status' })
  const from = host.fake.requests.length
  t.same((await host.verify({ interviewId, token, candidate: ANN })).body, { valid: true, identityId: ANN })
  t.same(callsSince(host, from), ['/omni/finish-status', '/omni/finish-status', '/0/omni/get/score'])
})

t.test('the read limit: its own count, a 429 past it that reaches neither the host nor Incode', async (t) => {
  const host = await faceHost(t, { plugin: { compatRoutes: { readRateLimit: { max: 2, timeWindow: '1 minute' } } } })
  const { interviewId, token } = await host.logIn(ANN)
  const from = host.fake.requests.length
  const forged = { interviewId: 'not-stored', token: 'forged', candidate: ANN }
  t.same([(await host.verify(forged)).status, (await host.verify(forged)).status], [200, 200])
  const limited = await host.verify({ interviewId, token, candidate: ANN })
  t.same([limited.status, limited.body], [429, {
    statusCode: 429, code: 'FST_INCODE_READ_RATE_LIMITED', error: 'Too Many Requests', message: 'Too many requests; retry later'
  }])
  t.ok(Number(limited.headers['retry-after']) > 0, 'with retry-after')
  t.equal(host.claims.length, 2, 'the limited request never reached the host')
  t.equal(host.stored.size, 1, 'so the session is still unused')
  t.same(callsSince(host, from), [])
  const finish = await request(`${host.url}/incode/finish`, { method: 'POST', headers: { ...BROWSER, ...TEXT_PLAIN }, body: JSON.stringify({ token }) })
  t.equal(finish.statusCode, 200, '/finish has a count of its own')
  await finish.body.dump()
})

t.test('no log line of a face log-in, valid, refused, malformed or failed, holds a token or the API key', async (t) => {
  const host = await faceHost(t)
  const valid = await host.logIn(ANN)
  await host.verify({ ...valid, candidate: ANN })
  await host.verify({ ...valid, candidate: ANN })
  const other = await host.logIn(BOB)
  await host.verify({ interviewId: other.interviewId, token: valid.token, candidate: BOB })
  // A body that is not JSON, with a live token in it: the parser's error must not quote it.
  const third = await host.logIn(ANN)
  t.equal((await host.verify(`{"interviewId":"${third.interviewId}","token":"${third.token}",`)).status, 400)
  t.equal((await host.verify(`{"token":"${third.token}" "candidate":1}`)).status, 400)
  t.equal((await host.verify({ interviewId: third.interviewId, token: `${third.token} `, candidate: ANN })).status, 400)
  host.fake.failNext({ type: 'status', status: 401, body: { message: `token ${third.token} unknown` } }, { path: '/omni/finish-status' })
  t.equal((await host.verify({ ...third, candidate: ANN })).status, 502)
  t.ok(host.logs.records.some((record) => record.msg === 'Face log-in checked'))
  t.ok(host.logs.records.some((record) => record.msg === 'Incode face-login call failed'))
  assertNoSecretsLogged(t, host)
})

t.test('a claimFaceLogin that never settles: 500 FST_INCODE_HOOK_TIMEOUT at hookTimeout, its signal aborted, Incode not called', async (t) => {
  let signal: AbortSignal | undefined
  const host = await faceHost(t, {
    plugin: {
      hookTimeout: 150,
      claimFaceLogin: async (_interviewId, _token, _request, context: HostCallbackContext) => {
        signal = context.signal
        return await new Promise<never>(() => {})
      }
    }
  })
  const { interviewId, token } = await host.app.incode.startSession()
  const from = host.fake.requests.length
  const started = Date.now()
  const res = await host.verify({ interviewId, token, candidate: ANN })
  const took = Date.now() - started
  t.same([res.status, res.body], [500, {
    statusCode: 500, code: 'FST_INCODE_HOOK_TIMEOUT', error: 'Internal Server Error', message: 'The request could not be completed in time'
  }])
  t.ok(took >= 140 && took < 150 + 600, `answered at the deadline (${took} ms)`)
  t.equal(signal?.aborted, true, 'the callback\'s signal fired')
  t.same(callsSince(host, from), [])
  const line = host.logs.records.find((record) => record.code === 'FST_INCODE_HOOK_TIMEOUT')
  t.same([line?.level, line?.hook], [50, 'claimFaceLogin'])
})

t.test('a claimFaceLogin that throws or rejects: the host\'s error handler answers, Incode not called', async (t) => {
  const throwers = {
    throws: () => { throw new Error('claims table down') },
    rejects: async () => { throw new Error('claims table down') }
  }
  for (const [name, claimFaceLogin] of Object.entries(throwers)) {
    const handled: string[] = []
    const host = await faceHost(t, {
      plugin: { claimFaceLogin },
      before: (app) => {
        app.setErrorHandler(async (error: Error, _request, reply) => {
          handled.push(error.message)
          return await reply.code(500).send({ error: 'host says no' })
        })
      }
    })
    const { interviewId, token } = await host.app.incode.startSession()
    const from = host.fake.requests.length
    const res = await host.verify({ interviewId, token, candidate: ANN })
    t.same([res.status, res.body], [500, { error: 'host says no' }], name)
    t.same(handled, ['claims table down'], `${name}: the host's handler got its own error`)
    t.same(callsSince(host, from), [], `${name}: Incode not called`)
  }
})

t.test('a made-up token uses up nobody\'s log-in: the person\'s own check still passes', async (t) => {
  const host = await faceHost(t)
  const { interviewId, token } = await host.logIn(ANN)
  t.same((await host.verify({ interviewId, token: `${token.slice(0, -4)}nope`, candidate: ANN })).body, { valid: false })
  t.same((await host.verify({ interviewId, token, candidate: ANN })).body, { valid: true, identityId: ANN })
})

t.test('a claimFaceLogin answer of the wrong shape is the host\'s bug: a 500 naming the option, Incode not called', async (t) => {
  for (const [name, answer] of [['a token that is not a string', { token: 42, identityId: ANN }], ['an identityId that is not a string', { identityId: 7 }], ['no identityId', {}]] as const) {
    const host = await faceHost(t, { plugin: { claimFaceLogin: async (_interviewId, token) => ({ ...{ token }, ...answer }) as unknown as FaceLoginSession } })
    const { interviewId, token } = await host.app.incode.startSession()
    const from = host.fake.requests.length
    const res = await host.verify({ interviewId, token, candidate: ANN })
    t.equal(res.status, 500, name)
    t.same(callsSince(host, from), [], `${name}: Incode not called`)
    t.match(host.logs.records.find((record) => record.level === 50), { err: { message: 'The claimFaceLogin option must resolve to { token, identityId } or undefined' } }, `${name}: logged`)
  }
})

t.test('Incode refusing the API key on the face log-in\'s finish-status: the error line says to check the apiKey option', async (t) => {
  const host = await faceHost(t)
  const { interviewId, token } = await host.logIn(ANN)
  host.fake.failNext({ type: 'status', status: 403, body: { status: 403, message: 'Invalid or missing API key' } }, { path: '/omni/finish-status' })
  t.equal((await host.verify({ interviewId, token, candidate: ANN })).status, 502)
  t.match(host.logs.records.find((record) => record.level === 50 && record.upstreamStatus === 403),
    { msg: 'Incode face-login call failed: Incode refused the API key (403); check the apiKey option', interviewId })
})
