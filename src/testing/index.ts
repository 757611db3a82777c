// fastify-incode/testing: a fake Incode API for the package's tests, its benchmark and the host's tests.
export { faceAuthenticationResult, sessionEvent } from './events.js'
export type { FaceAuthenticationResultOptions, SessionEventOptions } from './events.js'
export { createFakeIncode } from './fake-incode.js'
export { DEFAULT_OCR_DATA } from './people.js'
export type {
  CompleteOnboardingOptions,
  FakeIncode,
  FakeIncodeFault,
  FakeIncodeOptions,
  FakeIncodePath,
  FakeIncodeRequestBodies,
  FakeOcrData,
  FakePerson,
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
