// fastify-incode/testing: a fake Incode API for the package's tests, its benchmark and the host's tests.
export { createFakeIncode } from './fake-incode.js'
export type {
  FakeIncode,
  FakeIncodeFault,
  FakeIncodeOptions,
  FakeIncodePath,
  FakeSession,
  FaultTarget,
  IdleClose,
  RandomFaultOptions,
  RecordedRequest
} from './types.js'
