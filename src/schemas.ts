import { Type, type Static, type TSchema } from '@sinclair/typebox'
import { LANGUAGE_PATTERN } from './call-params.js'
import { INTERVIEW_ID, MAX_TOKEN_LENGTH, TOKEN } from './incode-shapes.js'
import { MAX_REDIRECTION_URL_LENGTH, REDIRECTION_URL_PATTERN } from './urls.js'

export const SessionRequestBody = Type.Object({
  language: Type.Optional(Type.String({
    pattern: LANGUAGE_PATTERN,
    description: 'Language of the verification flow; defaults to the plugin\'s `language` option.',
    examples: ['en-US']
  })),
  redirectionUrl: Type.Optional(Type.String({
    maxLength: MAX_REDIRECTION_URL_LENGTH,
    pattern: REDIRECTION_URL_PATTERN,
    description: 'Where the hosted flow sends the person at the end. Must start with one of the ' +
      'plugin\'s `allowedRedirectionUrls`.',
    examples: ['https://app.example.com/verified']
  }))
}, {
  additionalProperties: false,
  description: 'Optional. Send no body at all, or a JSON object with these fields only.'
})
export type SessionRequest = Static<typeof SessionRequestBody>

export const NoQuerystring = Type.Object({}, {
  additionalProperties: false,
  description: 'These routes take no query parameters.'
})

const interviewId = Type.String({
  description: 'Incode\'s id of the new session; the host has already recorded it.',
  examples: ['660ee696a9b89db96502d8db']
})

export const SessionResponse = Type.Object({
  token: Type.String({
    description: 'Session token for the Incode Web SDK. Secret to this person: do not log it.',
    examples: ['eyJhbGciOiJIUzI1NiJ9.eyJleHRlcm5hbFVzZXJJZCI6IjY2MGVlNjk2In0.c2lnbmF0dXJl']
  }),
  interviewId
}, { additionalProperties: false, description: 'A new Incode session for the Web SDK.' })

export const OnboardingUrlResponse = Type.Object({
  interviewId,
  url: Type.String({
    description: 'Hosted onboarding page of the new session. Embeds its token: do not log it.',
    examples: ['https://demo.incodesmile.com/onboarding/flow?token=…']
  })
}, { additionalProperties: false, description: 'A new Incode session with its hosted onboarding link.' })

/** One example answer per status, so Swagger UI shows what that status really carries. */
const ERROR_EXAMPLES: Record<number, [code: string, error: string, message: string]> = {
  400: ['FST_ERR_VALIDATION', 'Bad Request', 'body must NOT have additional properties'],
  403: ['FST_INCODE_CROSS_SITE_REFUSED', 'Forbidden', 'Requests from another site are refused'],
  404: ['FST_INCODE_SESSION_NOT_FOUND', 'Not Found', 'No session of yours has this interviewId'],
  413: ['FST_ERR_CTP_BODY_TOO_LARGE', 'Payload Too Large', 'Request body is too large'],
  415: ['FST_ERR_CTP_INVALID_MEDIA_TYPE', 'Unsupported Media Type', 'Unsupported Media Type'],
  429: ['FST_INCODE_RATE_LIMITED', 'Too Many Requests', 'Too many verification sessions were started; retry later'],
  500: ['FST_INCODE_SESSION_NOT_RECORDED', 'Internal Server Error', 'The verification session could not be recorded'],
  502: ['FST_INCODE_UPSTREAM_ERROR', 'Bad Gateway', 'The identity verification service failed to answer'],
  503: ['FST_INCODE_UPSTREAM_UNREACHABLE', 'Service Unavailable', 'The identity verification service could not be reached'],
  504: ['FST_INCODE_UPSTREAM_TIMEOUT', 'Gateway Timeout', 'The identity verification service did not answer in time']
}

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid body or query (`FST_ERR_VALIDATION`), redirectionUrl not allowed (`FST_INCODE_REDIRECT_NOT_ALLOWED`, `FST_INCODE_REDIRECT_TOO_LONG`).',
  403: 'A browser\'s request from another site (`FST_INCODE_CROSS_SITE_REFUSED`).',
  404: 'The caller holds no session with this interviewId (`FST_INCODE_SESSION_NOT_FOUND`); Incode was not called.',
  413: 'Body larger than the route\'s limit.',
  415: 'Body is not `application/json`.',
  429: 'Too many sessions started (`FST_INCODE_RATE_LIMITED`); `retry-after` says when to come back.',
  500: '`onSessionCreated` failed (`FST_INCODE_SESSION_NOT_RECORDED`); no token was sent. Or a host callback timed out (`FST_INCODE_HOOK_TIMEOUT`).',
  502: 'Incode rejected the call, failed, or answered something unusable (`FST_INCODE_UPSTREAM_*`).',
  503: 'Incode unreachable, the call not sent in time, or the rate-limit store unavailable.',
  504: 'Incode did not answer within `timeout` (`FST_INCODE_UPSTREAM_TIMEOUT`).'
}

// The headers @fastify/rate-limit sets on a 429 (and, with `addHeaders`, on every answer).
const RATE_LIMIT_HEADERS = {
  'retry-after': { type: 'integer', description: 'Seconds until a new session may be started.' },
  'x-ratelimit-limit': { type: 'integer', description: 'Sessions allowed per time window.' },
  'x-ratelimit-remaining': { type: 'integer', description: 'Sessions left in this window.' },
  'x-ratelimit-reset': { type: 'integer', description: 'Seconds until the window resets.' }
}

// The compat routes that read with a session token have their own limit, and their own 429.
const READ_LIMIT_EXAMPLE: [code: string, error: string, message: string] = ['FST_INCODE_READ_RATE_LIMITED', 'Too Many Requests', 'Too many requests; retry later']
const READ_LIMIT_DESCRIPTION = 'Too many calls with session tokens (`FST_INCODE_READ_RATE_LIMITED`); `retry-after` says when to come back.'

/**
 * Fastify's error shape. Documentation only: the fields are optional and others pass, because
 * errors that are not the plugin's own (validation, the host's hooks) are answered by the host's
 * error handler, in whatever shape it chose.
 */
function errorResponse (status: number, reads: boolean): TSchema {
  const readLimit = reads && status === 429
  const [code, error, message] = readLimit ? READ_LIMIT_EXAMPLE : ERROR_EXAMPLES[status] as [string, string, string]
  return Type.Object({
    statusCode: Type.Optional(Type.Integer({ examples: [status] })),
    code: Type.Optional(Type.String({ examples: [code] })),
    error: Type.Optional(Type.String({ examples: [error] })),
    message: Type.Optional(Type.String({ examples: [message] }))
  }, {
    description: readLimit ? READ_LIMIT_DESCRIPTION : ERROR_DESCRIPTIONS[status],
    additionalProperties: true,
    ...(status === 429 ? { headers: RATE_LIMIT_HEADERS } : {})
  })
}

/** The error answers of a route, by status; `reads`: a compat route that reads with a session token. */
export function errorResponses (statuses: number[] = [400, 413, 415, 429, 500, 502, 503, 504], { reads = false } = {}): Record<number, TSchema> {
  return Object.fromEntries(statuses.map((status) => [status, errorResponse(status, reads)]))
}

// Incode's onboarding-status webhook: the two keys it documents as mandatory, three optional ones
// the samples show, and whatever else it adds one day (kept, not refused).
const OnboardingStatusBody = Type.Object({
  // No `examples` inside a union: @fastify/swagger turns them into OpenAPI 3.0's `example` only at the top.
  interviewId: Type.String({ pattern: INTERVIEW_ID.source, description: 'The session the event is about, e.g. `660ee696a9b89db96502d8db`.' }),
  onboardingStatus: Type.String({
    pattern: '^[A-Z][A-Z0-9_]{0,63}$',
    description: 'Where the onboarding stands, e.g. `ONBOARDING_FINISHED`.'
  }),
  externalId: Type.Optional(Type.String({ maxLength: 256, description: 'Your externalCustomerId, when the session had one.' })),
  clientId: Type.Optional(Type.String({ maxLength: 256 })),
  flowId: Type.Optional(Type.String({ maxLength: 256 }))
}, { additionalProperties: true, description: 'Incode\'s onboarding-status webhook.' })

/**
 * Every webhook Incode posts to the same URL: an onboarding-status one is checked as such; any
 * other JSON object (a session event, a face authentication result, a kind not known yet) passes,
 * tagged by the route, so that Incode does not deliver it again and again.
 */
export const WebhookBody = Type.Union([
  OnboardingStatusBody,
  Type.Object({ onboardingStatus: Type.Optional(Type.Never()) }, {
    additionalProperties: true,
    description: 'Another kind of Incode webhook: a session event (`event_type`), a face authentication result (`transactionId`), …'
  })
])

export const WebhookAnswer = Type.Object({ success: Type.Literal(true) }, { description: 'Processed: Incode does not deliver it again.' })

export const WebhookTokenAnswer = Type.Object({
  access_token: Type.String({ description: 'Send it as `Authorization: Bearer …` with each webhook.' }),
  token_type: Type.Literal('Bearer'),
  expires_in: Type.Integer({ description: 'Seconds the token lives.', examples: [3600] })
}, { description: 'OAuth2 client-credentials token (RFC 6749 §4.4).' })

export const OAuthError = Type.Object({
  error: Type.String({ examples: ['invalid_client'] })
}, { description: 'RFC 6749 §5.2 error: `invalid_client` (401), `invalid_request` or `unsupported_grant_type` (400).' })

// The token route reads its form itself (its errors are OAuth2's, not validation errors): this
// only documents it. Keywords valid in both OpenAPI 3.0 and 3.1, so no `const` and no `examples`.
export const WebhookTokenForm = Type.Object({
  grant_type: Type.String({ enum: ['client_credentials'], description: 'The client credentials grant, the only one.' }),
  client_id: Type.Optional(Type.String({ description: 'The webhook\'s `oauth.clientId`, unless sent with HTTP Basic.' })),
  client_secret: Type.Optional(Type.String({ format: 'password', description: 'The webhook\'s `oauth.clientSecret`, unless sent with HTTP Basic.' }))
}, { description: 'Form-encoded: `grant_type=client_credentials`, and the client\'s id and secret unless sent with HTTP Basic.' })

// Incode's sample front ends: the shapes they send and read.
// A UUID v7, as the plugin issues them: they carry the time they were issued.
const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-7[0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$'
const sessionToken = Type.String({ pattern: TOKEN.source, description: 'The session token the front end holds.' })
const uniqueId = Type.String({ pattern: UUID_PATTERN, description: 'A UUID v7 naming a stored session.', examples: ['019ae2c4-5b7e-7c3a-9f1e-2b6d4a8c0e13'] })

export const StartQuery = Type.Object({
  uniqueId: Type.Optional(uniqueId),
  uuid: Type.Optional(Type.String({ pattern: UUID_PATTERN, description: 'The same as uniqueId, as the Vite sample names it.' }))
}, { additionalProperties: false })

export const StartAnswer = Type.Object({
  token: Type.String(),
  interviewId,
  uniqueId: Type.String({ description: 'Pass it to another device to resume this session.' }),
  uuid: Type.String({ description: 'The same as uniqueId (the samples disagree on the name).' })
}, { additionalProperties: false })

export const CompatOnboardingUrlAnswer = Type.Object({
  success: Type.Literal(true),
  token: Type.String(),
  interviewId,
  url: Type.String()
}, { additionalProperties: false })

export const FinishBody = Type.Object({ token: sessionToken }, { additionalProperties: false })
export const FinishAnswer = Type.Object({
  redirectionUrl: Type.Union([Type.String(), Type.Null()]),
  action: Type.String()
}, { additionalProperties: false })

export const FetchScoreHeaders = Type.Object({ 'x-token': sessionToken })
export const FetchScoreQuery = Type.Object({
  interviewId: Type.Optional(Type.String({ description: 'Sent by some samples; ignored: the token names the session.' }))
}, { additionalProperties: false })
export const FetchScoreAnswer = Type.Object({
  success: Type.Literal(true),
  score: Type.Union([Type.Literal('OK'), Type.Literal('FAIL')], { description: '`OK` when Incode\'s overall status is OK, else `FAIL`.' }),
  overall: Type.Object({ value: Type.Optional(Type.Union([Type.String(), Type.Number()])), status: Type.String() })
}, { additionalProperties: false })

export const AuthBody = Type.Object({
  token: sessionToken,
  transactionId: Type.String({ minLength: 1, maxLength: MAX_TOKEN_LENGTH }),
  interviewToken: Type.String({ pattern: TOKEN.source })
}, { additionalProperties: false })
export const AuthAnswer = Type.Object({ verified: Type.Boolean() }, { additionalProperties: false })

// The redirectionUrl the backend-nodejs README and the .NET sample pass to GET /onboarding-url.
export const CompatOnboardingUrlQuery = Type.Object({
  redirectionUrl: SessionRequestBody.properties.redirectionUrl
}, { additionalProperties: false })

export const OnboardingStatusQuery = Type.Object({
  interviewId: Type.String({ pattern: INTERVIEW_ID.source, description: 'A session the caller holds (the host decides).' })
}, { additionalProperties: false })
export const OnboardingStatusAnswer = Type.Object({
  success: Type.Literal(true),
  onboardingStatus: Type.String({ examples: ['ONBOARDING_FINISHED'] })
}, { additionalProperties: false })

// Incode's face log-in sample (authentication-core-javascript): the session it started, and the
// identity the Web SDK's renderAuthFace says the face is (`candidate`).
export const VerifyAuthenticationBody = Type.Object({
  interviewId: Type.String({ pattern: INTERVIEW_ID.source }),
  token: sessionToken,
  candidate: Type.String({ pattern: INTERVIEW_ID.source, description: 'What renderAuthFace answered as `candidate`.' })
}, { additionalProperties: false })
export const VerifyAuthenticationAnswer = Type.Object({
  valid: Type.Boolean(),
  identityId: Type.Optional(Type.String({ description: 'The identity the person proved to be, when valid.' }))
}, { additionalProperties: false })
