// The example's routes about one recorded session (/example/sessions/:interviewId/…): the parameter
// that names it, and the one answer for a session that is not the caller's, the same whether it is
// someone else's or unknown, so that it tells nobody which interviewIds exist.

export const INTERVIEW_ID_PARAMS = {
  type: 'object',
  properties: { interviewId: { type: 'string', maxLength: 64 } },
  required: ['interviewId']
}

export const NOT_YOUR_SESSION = { statusCode: 404, error: 'Not Found', message: 'You have no session with this interviewId' }
