// fastify-incode/testing: a fake Incode API for the package's tests, its benchmark and the host's tests.
export { createFakeIncode } from './fake-incode.js'
export type { FakeIncode, FakeIncodeOptions, RecordedRequest } from './fake-incode.js'
export type { FakeIncodeFault, FakeIncodePath, FaultTarget, RandomFaultOptions } from './faults.js'
export type { IdleClose } from './idle-connections.js'
export type { FakeSession } from './session.js'
