/* global document, window */
// The page's script: plain browser JavaScript, served as is. It talks only to the host app,
// which talks to Incode; the browser never sees the API key.

/** What to tell the person when the app answers with this status. */
const FAILURES = {
  400: 'The request was refused as malformed. Reload the page and try again.',
  401: 'You are not signed in. Enter a user name above (letters, digits, and . _ @ -).',
  404: 'That session is not among yours. Reload the page.',
  409: 'The example was restarted since this session began, and its fake Incode API with it. Start a new verification.',
  500: 'Your verification could not be saved, so it was not started. Please try again.',
  502: 'The identity-verification service could not start a session just now. Please try again later.',
  503: 'The identity-verification service cannot be reached right now. Please try again in a few minutes.',
  504: 'The identity-verification service took too long to answer. Please try again.'
}

/**
 * What to tell the person when "Delete my data" fails: their data is still there (at Incode, or
 * in the app's record of it), and trying again is safe.
 */
const DELETE_FAILURES = {
  ...FAILURES,
  500: 'Your data could not be deleted just now. Please try again.',
  502: 'The identity-verification service did not delete your data just now. Please try again later.',
  503: 'The identity-verification service cannot be reached right now, so your data is not deleted yet. Please try again in a few minutes.',
  504: 'The identity-verification service took too long to answer, so your data may not be deleted yet. Please try again.'
}

/**
 * @typedef {{ status: string, value?: string | number } | null} RecordedScore
 */

/**
 * @typedef {object} RecordedSession
 * @property {string} interviewId
 * @property {string} route
 * @property {string} createdAt
 * @property {string | null} onboardingStatus
 * @property {RecordedScore} score
 * @property {string | null} identityId the Incode identity of the person verified
 * @property {string | null} maskedName their name as the app keeps it, each word's first letter and ***
 * @property {number | null} birthYear the year of their birth date, all the app keeps of it
 * @property {string | null} dataDeletedAt when "Delete my data" erased the session
 */

/**
 * What the fake's finish answers: each delivery of Incode's webhook to this app, and what the app
 * then recorded for the session.
 * @typedef {object} FinishAnswer
 * @property {Array<{ attempt: number, status: number, error?: string }>} deliveries
 * @property {Pick<RecordedSession, 'onboardingStatus' | 'score' | 'identityId'>} recorded
 */

/** A failure worded for the person in front of the page. */
class Failure extends Error {}

/** @param {string} id */
function element (id) {
  const found = document.getElementById(id)
  if (found === null) throw new Error(`#${id} is missing from the page`)
  return found
}

const user = /** @type {HTMLInputElement} */ (element('user'))
/** The interviewId "Start verification" last showed. */
let current = ''

/**
 * @param {Response} response
 * @param {Record<number, string>} failures what to say for each status
 */
function describeFailure (response, failures) {
  if (response.status === 429) {
    const seconds = Number(response.headers.get('retry-after'))
    const wait = seconds > 0 ? `${seconds} second${seconds === 1 ? '' : 's'}` : 'a minute'
    return `Too many verification attempts. Please wait ${wait} before trying again.`
  }
  return failures[response.status] ?? `Something went wrong (HTTP ${response.status}). Please try again.`
}

/**
 * Calls the app as the signed-in user and returns its JSON answer.
 * @param {'GET' | 'POST' | 'DELETE'} method
 * @param {string} path
 * @param {Record<number, string>} [failures] what to say when the app answers a failure
 */
async function call (method, path, failures = FAILURES) {
  let response
  try {
    // The demo's sign-in; a real app sends its session cookie instead.
    response = await fetch(path, { method, headers: { 'x-demo-user': user.value.trim() } })
  } catch {
    throw new Failure('The server cannot be reached. Check your connection and try again.')
  }
  if (!response.ok) throw new Failure(describeFailure(response, failures))
  return await response.json()
}

/** All but the first 6 and last 4 characters hidden: enough to tell two tokens apart. */
function mask (/** @type {string} */ token) {
  return `${token.slice(0, 6)}…${token.slice(-4)} (${token.length} characters)`
}

/** The few lines that would hand the session to Incode's Web SDK. */
function sdkCode (/** @type {string} */ interviewId) {
  return [
    "// With Incode's Web SDK script on the page (see Incode's docs):",
    'const incode = window.OnBoarding.create({ apiURL: INCODE_API_URL })',
    '// token and interviewId: what POST /incode/sessions answered',
    `const session = { token, interviewId: '${interviewId}' }`,
    "incode.renderCamera('front', document.getElementById('camera'), {",
    '  token: session,',
    '  numberOfTries: 3,',
    '  onSuccess: () => { /* back of the ID, then the selfie */ },',
    '  onError: (error) => { /* tell the person */ }',
    '})'
  ].join('\n')
}

async function startVerification () {
  const { interviewId, token } = await call('POST', '/incode/sessions')
  current = interviewId
  element('interview-id').textContent = interviewId
  element('token').textContent = mask(token)
  element('sdk-code').textContent = sdkCode(interviewId)
  element('finish-outcome').hidden = true
  element('session').hidden = false
}

async function getOnboardingLink () {
  const { url } = await call('POST', '/incode/onboarding-url')
  const address = new URL(url)
  if (!/^https?:$/.test(address.protocol)) throw new Failure('The onboarding link is not a web address.')
  const link = /** @type {HTMLAnchorElement} */ (element('onboarding-url'))
  link.href = url
  // The link holds the session token: the page shows where it goes, never the token.
  link.textContent = `Open your onboarding link (${address.host})`
  element('onboarding').hidden = false
}

/** Fake mode only: the fake finishes the onboarding and delivers Incode's webhook to this app. */
async function finishVerification () {
  const { deliveries, recorded } = /** @type {FinishAnswer} */ (await call('POST', `/example/sessions/${encodeURIComponent(current)}/finish`))
  const delivered = deliveries.find((delivery) => delivery.status >= 200 && delivery.status < 300)
  if (delivered === undefined) {
    const last = deliveries.at(-1)
    throw new Failure(last === undefined
      ? 'The fake Incode API has no webhook of this app to deliver to: the app is not listening yet.'
      : `The fake Incode API could not deliver the webhook to this app (HTTP ${last.status}). The server log says why.`)
  }
  element('finish-outcome').textContent = 'The fake Incode API finished the onboarding and delivered its webhook to this app ' +
    `(HTTP ${delivered.status}). The app recorded the status ${recorded.onboardingStatus ?? 'none'} ` +
    `and the score ${scoreText(recorded.score) ?? 'none yet'}.` +
    (recorded.identityId === null ? '' : ' Incode approved the person: the app recorded their identity, and their name and birth date masked.')
  element('finish-outcome').hidden = false
}

/** "Delete my data", once the person confirms: Incode erases the session, and the app what it kept of it. */
async function deleteMyData (/** @type {string} */ interviewId) {
  if (!window.confirm('Delete the data of this verification, at Incode and in this app? This cannot be undone.')) return
  await call('DELETE', `/example/sessions/${encodeURIComponent(interviewId)}/data`, DELETE_FAILURES)
}

/**
 * A table cell; one with nothing yet (no status, no score) says so, set apart.
 * @param {string | null} text
 * @param {string} [pending]
 */
function cell (text, pending = '—') {
  return Object.assign(document.createElement('td'), text === null ? { textContent: pending, className: 'pending' } : { textContent: text })
}

/** @param {RecordedScore} score */
function scoreText (score) {
  return score === null ? null : `${score.status}${score.value === undefined ? '' : ` (${score.value})`}`
}

/** A date and time, short, in the person's locale. */
function when (/** @type {string} */ iso) {
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'short' })
}

/**
 * What the app keeps of the person a session verified, as the row and the panel show it: the day
 * and month of the birth date are not kept, and show as stars.
 * @param {RecordedSession} session
 */
function verifiedFacts ({ identityId, maskedName, birthYear }) {
  return { identityId, name: maskedName ?? 'not read', birthDate: birthYear === null ? 'not read' : `${birthYear}-**-**` }
}

/** @param {RecordedSession} session */
function deletionText ({ dataDeletedAt }) {
  return dataDeletedAt === null ? null : `Data deleted at ${when(dataDeletedAt)}, at Incode and in this app.`
}

/**
 * The line under a session's row: who was verified, or when their data was deleted, and the
 * "Delete my data" button while there is data to delete.
 * @param {RecordedSession} session
 * @param {boolean} canDeleteData
 */
function detailsRow (session, canDeleteData) {
  const row = Object.assign(document.createElement('tr'), { className: 'details' })
  row.dataset.detailsOf = session.interviewId
  const details = Object.assign(document.createElement('td'), { colSpan: 5 })
  const deleted = deletionText(session)
  if (deleted !== null) {
    details.textContent = deleted
  } else {
    const { identityId, name, birthDate } = verifiedFacts(session)
    if (identityId === null) details.append('No verified identity.')
    else details.append('Verified: identity ', Object.assign(document.createElement('code'), { textContent: identityId }), `, name ${name}, born ${birthDate}.`)
    if (canDeleteData) {
      const button = Object.assign(document.createElement('button'), { type: 'button', className: 'delete', textContent: 'Delete my data' })
      button.addEventListener('click', () => run(button, () => deleteMyData(session.interviewId)))
      details.append(button)
    }
  }
  row.append(details)
  return row
}

/**
 * The panel's part about the session "Start verification" showed: the person verified, or that
 * their data was deleted.
 * @param {RecordedSession | undefined} session
 */
function showVerified (session) {
  const verified = session !== undefined && session.identityId !== null && session.dataDeletedAt === null
  if (verified) {
    const { identityId, name, birthDate } = verifiedFacts(session)
    element('identity-id').textContent = identityId
    element('verified-name').textContent = name
    element('birth-date').textContent = birthDate
  }
  element('verified').hidden = !verified
  const deleted = session === undefined ? null : deletionText(session)
  element('data-deleted').textContent = deleted
  element('data-deleted').hidden = deleted === null
}

async function showRecordedSessions () {
  const { fakeIncode, canDeleteData, sessions } = await call('GET', '/example/sessions')
  const rows = sessions.flatMap((/** @type {RecordedSession} */ session) => {
    const row = document.createElement('tr')
    row.dataset.interviewId = session.interviewId
    row.append(
      cell(session.interviewId),
      cell(session.route),
      cell(when(session.createdAt)),
      cell(session.onboardingStatus, 'no webhook yet'),
      cell(scoreText(session.score))
    )
    return [row, detailsRow(session, canDeleteData)]
  })
  element('sessions').replaceChildren(...rows)
  element('no-sessions').hidden = rows.length > 0
  element('fake-finish').hidden = !fakeIncode
  showVerified(sessions.find((/** @type {RecordedSession} */ session) => session.interviewId === current))
}

/** @param {unknown} error */
function wording (error) {
  return error instanceof Failure ? error.message : 'Something went wrong on this page. Please reload it.'
}

/**
 * Runs what a button does, refreshes the list, and says what went wrong, if anything. When the
 * action fails, its panel is hidden: what it showed before is not this click's result.
 * @param {HTMLButtonElement} button
 * @param {() => Promise<void>} action
 * @param {string} [panel] the id of the element that shows the action's result
 */
async function run (button, action, panel) {
  button.disabled = true
  let problem = ''
  try {
    await action()
  } catch (error) {
    problem = wording(error)
    if (panel !== undefined) element(panel).hidden = true
  }
  try {
    await showRecordedSessions()
  } catch (error) {
    problem ||= wording(error)
  }
  element('problem').textContent = problem
  element('problem').hidden = problem === ''
  button.disabled = false
}

/** Each button, what it does, and where it shows the result. */
const ACTIONS = /** @type {const} */ ([
  ['start', startVerification, 'session'],
  ['link', getOnboardingLink, 'onboarding'],
  ['finish', finishVerification, 'finish-outcome']
])
for (const [id, action, panel] of ACTIONS) {
  const button = /** @type {HTMLButtonElement} */ (element(id))
  button.addEventListener('click', () => run(button, action, panel))
}
// On load, and for whoever signs in next: just the list of their sessions.
const listOnly = () => run(/** @type {HTMLButtonElement} */ (element('start')), async () => {})
user.addEventListener('change', listOnly)
// Back from the onboarding link's tab (Incode's hosted flow, or the fake's page): what its webhook brought.
document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'visible') listOnly() })
window.addEventListener('focus', listOnly)
listOnly()
