/* global document, window */
// Incode's Web SDK sample front end (JavaScript), as you would copy it, against this app: the flow
// and its calls to the token server are the sample's (session.js), the screens of the Web SDK are
// not. The SDK (window.OnBoarding) cannot be loaded here, so each of its screens is a placeholder
// that says which SDK call would draw it. With the fake Incode API, "Complete capture (fake
// Incode)" does on Incode's side what the person's capture would do.
import { fetchScore, finishOnboardingSession, startOnboardingSession } from './session.js'

// In the samples, import.meta.env.VITE_LOCAL_SERVER_URL: this page's address as a phone reaches it.
const localServerUrl = `${window.location.origin}/sample/`
// How often the desktop asks whether the phone is through (the SDK's renderRedirectToMobile polls too).
const POLL_MS = 1500

/** @type {import('./session.js').Session} */
let session
/** Set once the desktop stops waiting for the phone. */
let stopWaiting = false

/** @param {string} id */
function element (id) {
  const found = document.getElementById(id)
  if (found === null) throw new Error(`#${id} is missing from the page`)
  return found
}

const container = element('camera-container')

/**
 * An element with text and children: the page never writes HTML from data.
 * @param {string} tag
 * @param {Record<string, string>} [properties]
 * @param {Array<Node | string>} children
 */
function make (tag, properties = {}, ...children) {
  const made = Object.assign(document.createElement(tag), properties)
  made.append(...children)
  return made
}

/** A box standing in for one of the Web SDK's screens, named by the SDK call that draws it. */
function placeholder (/** @type {string} */ sdkCall, /** @type {Array<Node | string>} */ ...children) {
  return make('div', { className: 'sdk' }, make('p', { className: 'sdk-label' }, `Web SDK placeholder: ${sdkCall}`), ...children)
}

/** @param {unknown} e */
function showError (e) {
  stopWaiting = true
  container.replaceChildren(make('h2', {}, 'There was an error'), make('p', { id: 'error' }, e instanceof Error ? e.message : String(e)))
}

// The SDK's incode.isDesktop() asks the device. Here the device that opened the page without a
// uniqueId is the desktop, and the one that opened the link the desktop showed is the phone.
function isDesktop () {
  return !new URLSearchParams(window.location.search).has('uniqueId')
}

function renderRedirectToMobile () {
  if (isDesktop()) {
    // What incode.renderRedirectToMobile(container, { session, url, onSuccess }) shows: a QR code
    // (and an SMS form) for this link, then it waits until the phone is through.
    const url = `${localServerUrl}?uniqueId=${session.uniqueId}`
    const skip = make('button', { type: 'button', className: 'secondary', id: 'skip-redirect' }, 'Continue on this device instead')
    skip.addEventListener('click', () => { stopWaiting = true; showUserConsent() })
    container.replaceChildren(placeholder('renderRedirectToMobile',
      make('h2', {}, 'Continue on your phone'),
      make('p', {}, 'Scan the QR code with your phone, or open this link on it:'),
      make('p', { className: 'qr' }, `[QR code of ${url}]`),
      make('p', {}, make('a', { id: 'mobile-link', href: url, target: '_blank', rel: 'noopener' }, url)),
      make('p', { className: 'hint', id: 'waiting' }, 'Waiting for your phone…'),
      skip))
    waitForPhone()
  } else {
    showUserConsent()
  }
}

/** The desktop's side of renderRedirectToMobile: once the phone is through, onSuccess. */
async function waitForPhone () {
  while (!stopWaiting) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS))
    if (stopWaiting) return
    try {
      const { overall } = await fetchScore(session)
      // Incode's score is UNKNOWN until the onboarding is finished.
      if (overall.status !== 'UNKNOWN') {
        stopWaiting = true
        element('waiting').textContent = 'Your phone is through.'
        element('skip-redirect').remove()
        await showFinishScreen(undefined)
      }
    } catch (e) {
      showError(e)
    }
  }
}

// In the sample: incode.renderUserConsent, then renderCamera('front'), renderCamera('back'),
// processId, renderCamera('selfie') and processFace, each one's onSuccess starting the next.
function showUserConsent () {
  const complete = make('button', { type: 'button', className: 'fake' }, 'Complete capture (fake Incode)')
  complete.addEventListener('click', async () => {
    complete.setAttribute('disabled', '')
    try {
      await completeCaptureWithFakeIncode()
      await finishOnboarding()
    } catch (e) {
      showError(e)
    }
  })
  container.replaceChildren(placeholder('renderUserConsent → renderCamera front, back → processId → renderCamera selfie → processFace',
    make('h2', {}, 'Verify your identity'),
    make('p', {}, `Interview ${session.interviewId}. Here the Web SDK would ask for your consent, then the front and back of your ID and a selfie, and send them to Incode with the session token.`),
    make('p', { className: 'hint' }, 'With the fake Incode API, the button below plays that part: Incode records the onboarding as finished, with score OK, and calls this app\'s webhook.'),
    complete))
}

/**
 * Not in Incode's sample: the example's fake-mode route does on Incode's side what the capture
 * would (the fake finishes the onboarding and delivers the webhook). The phone is not signed in,
 * so it shows the session token, as the capture does to Incode.
 */
async function completeCaptureWithFakeIncode () {
  const response = await fetch(`/example/sessions/${encodeURIComponent(session.interviewId)}/finish`, {
    method: 'POST',
    headers: { 'X-Token': session.token }
  })
  if (response.status === 404) {
    throw new Error('This example talks to real Incode: there is no fake capture, and the Web SDK, which would capture here, is not loaded.')
  }
  if (!response.ok) throw new Error(`The fake Incode API could not finish the onboarding (HTTP ${response.status}).`)
}

// As in the sample: the last capture's onSuccess.
async function finishOnboarding () {
  // Finishing the session works along with the configuration in the flow:
  // webhooks and business rules are run here.
  const response = await finishOnboardingSession(session.token)
  await showFinishScreen(response)
}

/**
 * "Finished", what /finish answered (the phone), and the score from /fetch-score.
 * @param {{ redirectionUrl: string | null, action: string } | undefined} finished
 */
async function showFinishScreen (finished) {
  const finishContainer = element('finish-container')
  const facts = make('dl', {}, make('dt', {}, 'Interview id'), make('dd', { id: 'finished-interview-id' }, session.interviewId))
  if (finished !== undefined) {
    facts.append(
      make('dt', {}, 'action'), make('dd', { id: 'action' }, finished.action),
      make('dt', {}, 'redirectionUrl'), make('dd', { id: 'redirection-url' }, finished.redirectionUrl ?? 'none'))
  }
  finishContainer.replaceChildren(make('h2', {}, 'Finished'), facts)
  finishContainer.hidden = false
  const { score, overall } = await fetchScore(session)
  facts.append(
    make('dt', {}, 'score'), make('dd', { id: 'score' }, score),
    make('dt', {}, 'overall'), make('dd', { id: 'overall' }, `${overall.status}${overall.value === undefined ? '' : ` (${overall.value})`}`))
}

// Not in Incode's sample: your app's own sign-in. The page that starts a session is behind it; the
// phone that resumes one is not. The demo's sign-in is a cookie: the sample's fetch calls send no
// header of their own, and the browser sends the cookie with them.
const SIGN_IN_COOKIE = 'demo-user'
const USER_ID = /^[\w.@-]{1,64}$/

function signedInUser () {
  const pair = document.cookie.split('; ').find((entry) => entry.startsWith(`${SIGN_IN_COOKIE}=`))
  return pair === undefined ? '' : pair.slice(SIGN_IN_COOKIE.length + 1)
}

function showSignIn () {
  const form = /** @type {HTMLFormElement} */ (element('sign-in'))
  const user = /** @type {HTMLInputElement} */ (element('user'))
  form.hidden = false
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    if (!USER_ID.test(user.value.trim())) {
      user.setCustomValidity('Letters, digits, and . _ @ - only')
      user.reportValidity()
      return
    }
    document.cookie = `${SIGN_IN_COOKIE}=${user.value.trim()}; path=/; SameSite=Strict`
    form.hidden = true
    app()
  })
  user.addEventListener('input', () => user.setCustomValidity(''))
}

async function app () {
  if (isDesktop()) {
    if (signedInUser() === '') {
      showSignIn()
      return
    }
    element('signed-in').textContent = `Signed in as ${signedInUser()} (a cookie, the demo's sign-in)`
  } else {
    element('signed-in').textContent = 'Not signed in: this phone resumes the session with the uniqueId in its link'
  }
  // As in the sample: create the single session (or resume it), then start the flow.
  container.replaceChildren(make('h2', {}, 'Creating session…'))
  try {
    session = await startOnboardingSession()
  } catch (e) {
    showError(e)
    return
  }
  element('interview-id').textContent = session.interviewId
  element('session').hidden = false
  container.replaceChildren()
  renderRedirectToMobile()
}

document.addEventListener('DOMContentLoaded', app)
