// Incode's API called by hand, over real sockets and without the plugin: how the fake's tests reach it.
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

export function startSession (fake: FakeIncode, body: unknown = { configurationId: 'flow-1' }, headers: Headers = {}) {
  return call(fake, '/omni/start', {
    method: 'POST',
    headers: present({ 'x-api-key': fake.apiKey, 'api-version': '1.0', 'content-type': 'application/json', ...headers }),
    body: typeof body === 'string' ? body : JSON.stringify(body)
  })
}

export function getOnboardingUrl (fake: FakeIncode, token: string | undefined, query = '', headers: Headers = {}) {
  return call(fake, `/0/omni/onboarding-url${query}`, {
    headers: present({ 'x-incode-hardware-id': token, 'api-version': '1.0', ...headers })
  })
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
