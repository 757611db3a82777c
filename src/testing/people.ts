// The people who finish onboardings on the fake: what their document says, their face, and the
// identity an approval makes of them (one per face, as Incode matches faces).
import { randomBytes } from 'node:crypto'
import { createJwtShapedToken } from './tokens.js'
import type { FakeOcrData, FakePerson } from './types.js'

// Incode's customer tokens are long-lived: a year here.
const CUSTOMER_TOKEN_TTL_SECONDS = 365 * 24 * 60 * 60

/** The person the fake's documents show unless a test says otherwise. */
export const DEFAULT_OCR_DATA: Readonly<FakeOcrData> = Object.freeze({
  name: { fullName: 'ALEX SAMPLE', firstName: 'ALEX', givenName: 'ALEX', paternalLastName: 'SAMPLE', maternalLastName: '' },
  birthDate: Date.UTC(1990, 0, 31),
  gender: 'F',
  documentNumber: 'D1234567',
  address: '1 SAMPLE STREET, SPRINGFIELD, IL 62701',
  addressFields: { street: '1 SAMPLE STREET', city: 'SPRINGFIELD', state: 'IL', postalCode: '62701', country: 'USA' },
  issueDate: Date.UTC(2020, 5, 15),
  expireAt: Date.UTC(2030, 5, 15),
  nationality: 'USA',
  typeOfId: 'DriverLicense',
  issuingCountry: 'USA'
})

/** Who finished a session: the face given or one of its own, and the default document under the data given. */
export function personOf ({ face, ocr }: FakePerson = {}): { face: string, ocr: FakeOcrData } {
  return { face: face ?? `face-${randomBytes(8).toString('hex')}`, ocr: structuredClone({ ...DEFAULT_OCR_DATA, ...ocr }) }
}

export interface Identity {
  uuid: string
  customerToken: string
  approvals: number
}

/** The identities approvals made, one per face: the newest `maxKept`. */
export class Identities {
  readonly #byFace = new Map<string, Identity>()
  readonly #maxKept: number

  constructor (maxKept: number) {
    this.#maxKept = maxKept
  }

  /** The face's identity, made on its first approval; `approvals` counts this one. */
  approve (face: string): Identity {
    let identity = this.#byFace.get(face)
    if (identity === undefined) {
      const uuid = randomBytes(12).toString('hex')
      identity = { uuid, customerToken: createJwtShapedToken({ externalUserId: uuid, role: 'CUSTOMER' }, new Date(), CUSTOMER_TOKEN_TTL_SECONDS), approvals: 0 }
      this.#byFace.set(face, identity)
      if (this.#byFace.size > this.#maxKept) this.#byFace.delete(this.#byFace.keys().next().value as string)
    }
    identity.approvals++
    return identity
  }

  clear (): void {
    this.#byFace.clear()
  }
}
