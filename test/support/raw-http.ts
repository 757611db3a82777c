// Incode's API called by hand, over real sockets and without the plugin: how the fake's tests reach it.
import { STATUS_CODES } from 'node:http'
import t from 'tap'
import type { Test } from 'tap'
import { Agent, request } from 'undici'
import type { Dispatcher } from 'undici'
import { createFakeIncode } from '../../src/testing/index.js'
import type { FakeIncode, FakeIncodeOptions } from '../../src/testing/index.js'

// Every test talks to the fake over real sockets, through this one agent.
export const agent = new Agent()
t.teardown(() => agent.close())

export async function startFake (t: Test, options?: FakeIncodeOptions): Promise<FakeIncode> {
  const fake = await createFakeIncode(options)
  t.teardown(() => fake.close())
  return fake
}

export type Headers = Record<string, string | undefined>

/** Drops the headers a test set to undefined, so a test can leave one out. */
function present (headers: Headers): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter((entry): entry is [string, string] => entry[1] !== undefined))
}

export function call (fake: FakeIncode, path: string, options: Partial<Dispatcher.RequestOptions> = {}) {
  return request(`${fake.url}${path}`, { dispatcher: agent, ...options })
}

/** A JSON POST as Incode's API-key endpoints take it; a string body is sent as it is. */
export function postJson (fake: FakeIncode, path: string, body: unknown, headers: Headers = {}) {
  return sendJson(fake, 'POST', path, body, headers)
}

/** A request with a JSON body, the API key and `api-version`; a string body is sent as it is. */
export function sendJson (fake: FakeIncode, method: Dispatcher.HttpMethod, path: string, body: unknown, headers: Headers = {}) {
  return call(fake, path, {
    method,
    headers: present({ 'x-api-key': fake.apiKey, 'api-version': '1.0', 'content-type': 'application/json', ...headers }),
    body: typeof body === 'string' ? body : JSON.stringify(body)
  })
}

export function startSession (fake: FakeIncode, body: unknown = { configurationId: 'flow-1' }, headers: Headers = {}) {
  return postJson(fake, '/omni/start', body, headers)
}

/** A GET with `api-version`, the API key and `token` in `X-Incode-Hardware-Id`. */
export function getWithToken (fake: FakeIncode, path: string, token: string | undefined, headers: Headers = {}) {
  return call(fake, path, {
    headers: present({ 'x-api-key': fake.apiKey, 'x-incode-hardware-id': token, 'api-version': '1.0', ...headers })
  })
}

export function getOnboardingUrl (fake: FakeIncode, token: string | undefined, query = '', headers: Headers = {}) {
  return getWithToken(fake, `/0/omni/onboarding-url${query}`, token, { 'x-api-key': undefined, ...headers })
}

export function logIn (fake: FakeIncode, body: unknown = { email: fake.adminEmail, password: fake.adminPassword }, headers: Headers = {}) {
  return postJson(fake, '/executive/log-in', body, headers)
}

export async function adminToken (fake: FakeIncode): Promise<string> {
  const { statusCode, body } = await logIn(fake)
  t.equal(statusCode, 200)
  return (await body.json() as { token: string }).token
}

export async function startAnswer (fake: FakeIncode): Promise<{ token: string, interviewId: string }> {
  const { statusCode, body } = await startSession(fake)
  t.equal(statusCode, 200)
  return await body.json() as { token: string, interviewId: string }
}

export async function statusOf (answer: Promise<Dispatcher.ResponseData>): Promise<number> {
  const { statusCode, body } = await answer
  await body.dump()
  return statusCode
}

/** Asserts Incode's error answer: this status, JSON, and the whole body `{ timestamp, status, error, message, path }`. */
export async function assertIncodeError (
  t: Test,
  answer: Dispatcher.ResponseData,
  expected: { status: number, message: string, path: string },
  name: string
): Promise<void> {
  const { status, message, path } = expected
  t.equal(answer.statusCode, status, name)
  t.match(answer.headers['content-type'], /^application\/json/, name)
  const body = await answer.body.json() as { timestamp: number }
  t.same(body, { timestamp: body.timestamp, status, error: STATUS_CODES[status], message, path }, name)
  t.ok(Number.isInteger(body.timestamp) && body.timestamp <= Date.now(), `${name}: timestamp in epoch ms`)
}
