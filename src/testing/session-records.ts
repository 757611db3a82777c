// The sessions the fake remembers: the newest `maxRecorded`, by interview id and by token.
import type { FakeSession } from './types.js'

export class SessionRecords {
  readonly #byInterviewId: Map<string, FakeSession>
  readonly #byToken = new Map<string, FakeSession>()
  // Oldest first, so the session to drop is found without walking a Map.
  readonly #inOrder: FakeSession[] = []
  readonly #maxRecorded: number
  #created = 0

  /** `byInterviewId` is the fake's public `sessions` map: kept up to date in place. */
  constructor (byInterviewId: Map<string, FakeSession>, maxRecorded: number) {
    this.#byInterviewId = byInterviewId
    this.#maxRecorded = maxRecorded
  }

  /** Sessions kept since start or `clear()`, those dropped since included. */
  get created (): number { return this.#created }

  keep (session: FakeSession): void {
    this.#created++
    this.#byInterviewId.set(session.interviewId, session)
    this.#byToken.set(session.token, session)
    this.#inOrder.push(session)
    if (this.#inOrder.length > this.#maxRecorded) {
      // Its token goes too: a dropped session is as unknown as one never started.
      const dropped = this.#inOrder.shift() as FakeSession
      this.#byInterviewId.delete(dropped.interviewId)
      this.#byToken.delete(dropped.token)
    }
  }

  withToken (token: string): FakeSession | undefined {
    return this.#byToken.get(token)
  }

  get (interviewId: string): FakeSession | undefined {
    return this.#byInterviewId.get(interviewId)
  }

  /** Forgets a session it keeps as if it had never been started. */
  delete (session: FakeSession): void {
    this.#byInterviewId.delete(session.interviewId)
    this.#byToken.delete(session.token)
    this.#inOrder.splice(this.#inOrder.indexOf(session), 1)
  }

  clear (): void {
    this.#byInterviewId.clear()
    this.#byToken.clear()
    this.#inOrder.length = 0
    this.#created = 0
  }
}
