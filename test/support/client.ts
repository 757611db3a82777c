import type { Test } from 'tap'
import { IncodeClient, type IncodeCallError, type IncodeClientOptions } from '../../src/index.js'
import { createFakeIncode, type FakeIncode } from '../../src/testing/index.js'

/**
 * A fake Incode API and an IncodeClient pointed at it, as a host's job would make one; both closed
 * when the test ends. `options` may depend on the fake (its admin credentials, say).
 */
export async function clientWithFake (
  t: Test, options: Partial<IncodeClientOptions> | ((fake: FakeIncode) => Partial<IncodeClientOptions>) = {}
): Promise<{ fake: FakeIncode, client: IncodeClient }> {
  const fake = await createFakeIncode()
  const extra = typeof options === 'function' ? options(fake) : options
  const client = new IncodeClient({ apiUrl: fake.url, apiKey: fake.apiKey, configurationId: 'flow-1', ...extra })
  t.teardown(async () => {
    await client.close()
    await fake.close()
  })
  return { fake, client }
}

/** Asserts an IncodeClient call's error: its code, the status a route would answer, the fixed message. */
export function expectError (t: Test, err: IncodeCallError, code: string, statusCode: number, message: string): void {
  t.equal(err.code, code)
  t.equal(err.statusCode, statusCode)
  t.equal(err.message, message)
}

/** The error a call failed with; fails the test when it did not fail. */
export async function failure (promise: Promise<unknown>): Promise<IncodeCallError> {
  return await promise.then(() => { throw new Error('the call did not fail') }, (err: IncodeCallError) => err)
}
