// What the example keeps of a verified person: the identity Incode made of them, and their name and
// birth date only as masked as the page shows them. Incode keeps the whole data (getOcrData reads it
// again when a task needs it); what the app never stores cannot leak from its database, its backups
// or a screen, and has nothing to erase when the person asks.

/**
 * @typedef {object} MaskedIdentity
 * @property {string} identityId the Incode identity (not a secret; its customerToken is, and is never kept)
 * @property {string | null} maskedName each word of the name as its first letter and "***", e.g. "A*** S***"
 * @property {number | null} birthYear the year of the birth date (UTC, as Incode sends it), its day and month dropped
 */

// As many stars for every word, whatever its length: the length of a name helps guess it.
const HIDDEN = '***'

/**
 * The verified name as the page shows it: "ALEX SAMPLE" → "A*** S***". Enough for the person to
 * see it is their document that was read (or someone else's), too little to tell anyone who they are.
 * @param {import('fastify-incode').IncodeOcrName | undefined} name
 */
export function maskedName (name) {
  const whole = name?.fullName || [name?.firstName || name?.givenName, name?.paternalLastName, name?.maternalLastName].filter(Boolean).join(' ')
  const words = whole.split(/\s+/).filter(Boolean)
  return words.length === 0 ? null : words.map((word) => `${[...word][0]}${HIDDEN}`).join(' ')
}

/**
 * The year of a birth date Incode sent (ms since the epoch, UTC), or null without one.
 * @param {number | undefined} birthDate
 */
export function birthYear (birthDate) {
  return typeof birthDate === 'number' && Number.isFinite(birthDate) ? new Date(birthDate).getUTCFullYear() : null
}

/**
 * What the app keeps of an approved session: the identity Incode's approval made, and the masked
 * name and birth year of the document Incode read.
 * @param {string} identityId
 * @param {import('fastify-incode').IncodeOcrData} ocr
 * @returns {MaskedIdentity}
 */
export function maskedIdentity (identityId, ocr) {
  return { identityId, maskedName: maskedName(ocr.name), birthYear: birthYear(ocr.birthDate) }
}
