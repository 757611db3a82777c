// fastify-incode/testing: a fake Incode API for the package's tests, its benchmark and the host's tests.
export { createFakeIncode } from './fake-incode.js'
export type {
  CompleteOnboardingOptions,
  FakeIncode,
  FakeIncodeFault,
  FakeIncodeOptions,
  FakeIncodePath,
  FakeIncodeRequestBodies,
  FakeScore,
  FakeScoreStatus,
  FakeSession,
  FakeStartRequestBody,
  FakeWebhookTarget,
  FaultTarget,
  IdleClose,
  RandomFaultOptions,
  RecordedRequest,
  WebhookDelivery
} from './types.js'
