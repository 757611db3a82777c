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

/** The error a call failed with; fails the test when it did not fail. */
export async function failure (promise: Promise<unknown>): Promise<IncodeCallError> {
  return await promise.then(() => { throw new Error('the call did not fail') }, (err: IncodeCallError) => err)
}
