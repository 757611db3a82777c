import { Type, type Static, type TSchema } from '@sinclair/typebox'
import { INTERVIEW_ID, LANGUAGE_PATTERN, MAX_REDIRECTION_URL_LENGTH, REDIRECTION_URL_PATTERN, TOKEN } from './params.js'

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

const errorFields = {
  statusCode: Type.Optional(Type.Integer({ examples: [502] })),
  code: Type.Optional(Type.String({ examples: ['FST_INCODE_UPSTREAM_ERROR'] })),
  error: Type.Optional(Type.String({ examples: ['Bad Gateway'] })),
  message: Type.Optional(Type.String({ examples: ['The identity verification service failed to answer'] }))
}

/**
 * Fastify's error shape. Documentation only: the fields are optional and others pass, because
 * errors that are not the plugin's own (validation, the host's hooks) are answered by the host's
 * error handler, in whatever shape it chose.
 */
function errorResponse (description: string): TSchema {
  return Type.Object(errorFields, { description, additionalProperties: true })
}

/** Every status the routes answer with besides 201. */
export function errorResponses (): Record<number, TSchema> {
  return {
    400: errorResponse('Invalid body (`FST_ERR_VALIDATION`) or redirectionUrl not allowed (`FST_INCODE_REDIRECT_NOT_ALLOWED`).'),
    413: errorResponse('Body larger than the route\'s limit.'),
    415: errorResponse('Body is not `application/json`.'),
    429: errorResponse('Too many sessions started (`FST_INCODE_RATE_LIMITED`); see `retry-after`.'),
    500: errorResponse('`onSessionCreated` failed (`FST_INCODE_SESSION_NOT_RECORDED`); no token was sent.'),
    502: errorResponse('Incode rejected the call, failed, or answered something unusable.'),
    503: errorResponse('Incode unreachable, or the rate-limit store unavailable.'),
    504: errorResponse('Incode did not answer within `timeout`.')
  }
}

// The webhook's body as Incode sends it: the two keys it documents as mandatory, three optional
// ones the samples show, and whatever else it adds one day (kept, not refused).
export const WebhookBody = Type.Object({
  interviewId: Type.String({ pattern: INTERVIEW_ID.source, description: 'The session the event is about.', examples: ['660ee696a9b89db96502d8db'] }),
  onboardingStatus: Type.String({
    pattern: '^[A-Z][A-Z0-9_]{0,63}$',
    description: 'Where the onboarding stands.',
    examples: ['ONBOARDING_FINISHED']
  }),
  externalId: Type.Optional(Type.String({ maxLength: 256, description: 'Your externalCustomerId, when the session had one.' })),
  clientId: Type.Optional(Type.String({ maxLength: 256 })),
  flowId: Type.Optional(Type.String({ maxLength: 256 }))
}, { additionalProperties: true, description: 'Incode\'s onboarding-status webhook.' })
export type WebhookRequest = Static<typeof WebhookBody>

export const WebhookAnswer = Type.Object({ success: Type.Literal(true) }, { description: 'Processed: Incode does not deliver it again.' })

export const WebhookTokenAnswer = Type.Object({
  access_token: Type.String({ description: 'Send it as `Authorization: Bearer …` with each webhook.' }),
  token_type: Type.Literal('Bearer'),
  expires_in: Type.Integer({ description: 'Seconds the token lives.', examples: [3600] })
}, { description: 'OAuth2 client-credentials token (RFC 6749 §4.4).' })

export const OAuthError = Type.Object({
  error: Type.String({ examples: ['invalid_client'] })
}, { description: 'RFC 6749 §5.2 error: `invalid_client` (401), `invalid_request` or `unsupported_grant_type` (400).' })

// Incode's sample front ends (SPEC §10): the shapes they send and read.
const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-4[0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$'
const sessionToken = Type.String({ pattern: TOKEN.source, description: 'The session token the front end holds.' })
const uniqueId = Type.String({ pattern: UUID_PATTERN, description: 'A UUID v4 naming a stored session.', examples: ['0b5d3e0e-8c2b-4b8e-9c1f-2f1f6a4e6f10'] })

export const StartQuery = Type.Object({
  uniqueId: Type.Optional(uniqueId),
  uuid: Type.Optional({ ...uniqueId, description: 'The same as uniqueId, as the Vite sample names it.' })
}, { additionalProperties: false })
export type StartQueryValue = Static<typeof StartQuery>

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
  transactionId: Type.String({ minLength: 1, maxLength: 4096 }),
  interviewToken: Type.String({ pattern: TOKEN.source })
}, { additionalProperties: false })
export const AuthAnswer = Type.Object({ verified: Type.Boolean() }, { additionalProperties: false })
