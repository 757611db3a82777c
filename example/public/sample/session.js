/* global window */
// The token server's calls, written the way Incode's Web SDK sample front ends make them (their
// session.js): GET /start (with ?uniqueId= on the phone), POST /finish with a JSON string and no
// content type, GET /fetch-score with the X-Token header. Copy a sample, and these are the calls
// that reach the plugin's compat routes.

// In the samples, import.meta.env.VITE_TOKEN_SERVER_URL. Here: this app, where the plugin's
// routePrefix puts the compat routes.
const tokenServerURL = '/incode'

/**
 * A session as GET /start answers it.
 * @typedef {object} Session
 * @property {string} token the session token: the Web SDK's key to this session
 * @property {string} interviewId
 * @property {string} uniqueId what the phone resumes with (the Vite sample reads `uuid`, the same)
 */

/**
 * The error a token server's answer carries. Incode's sample server answers `{ error }`; the
 * plugin answers Fastify's `{ statusCode, code, error, message }`, where `message` says more.
 * @param {Response} response
 */
async function failure (response) {
  const data = await response.json()
  return new Error(data.message ?? data.error)
}

/**
 * Starts a session, or, opened with `?uniqueId=` (the link the desktop showed), resumes that one.
 * @returns {Promise<Session>}
 */
export async function startOnboardingSession () {
  const urlParams = new URLSearchParams(window.location.search)
  const uniqueId = urlParams.get('uniqueId')

  let sessionStartUrl = `${tokenServerURL}/start`
  if (uniqueId) sessionStartUrl += `?uniqueId=${encodeURIComponent(uniqueId)}`

  const response = await fetch(sessionStartUrl)
  if (!response.ok) throw await failure(response)
  return await response.json()
}

/**
 * The person is through: Incode runs the flow's business rules and webhooks. The body is a JSON
 * string with no content type, so the browser sends it as text/plain, exactly as the samples do.
 * @param {string} token
 * @returns {Promise<{ redirectionUrl: string | null, action: string }>}
 */
export async function finishOnboardingSession (token) {
  const response = await fetch(`${tokenServerURL}/finish`, {
    method: 'POST',
    body: JSON.stringify({ token })
  })
  if (!response.ok) throw await failure(response)
  return await response.json()
}

/**
 * The score of the session this browser holds the token of: `OK` or `FAIL`, and Incode's overall.
 * The interviewId in the query is what the samples send; the token alone names the session.
 * @param {Session} session
 * @returns {Promise<{ success: true, score: 'OK' | 'FAIL', overall: { status: string, value?: string | number } }>}
 */
export async function fetchScore ({ token, interviewId }) {
  const response = await fetch(`${tokenServerURL}/fetch-score?interviewId=${interviewId}`, {
    headers: { 'X-Token': token }
  })
  if (!response.ok) throw await failure(response)
  return await response.json()
}
