// fastify-incode/testing: a fake Incode API for the package's tests, its benchmark and the host's tests.
export { createFakeIncode } from './fake-incode.js'
export type {
  FakeIncode,
  FakeIncodeFault,
  FakeIncodeOptions,
  FakeIncodePath,
  FaultTarget,
  RecordedRequest
} from './fake-incode.js'
export type { FakeSession } from './session.js'
