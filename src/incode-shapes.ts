// What Incode's tokens, ids and answers must look like before they reach a header, the hook, a
// log line or a browser. The rest of an answer is the host's to read.
import { isObject } from './is-object.js'
import type { FinishStatusResult, IncodeScore, StartSessionResult } from './types.js'

/** The longest token (a session's, the admin's, a face log-in's transaction) the plugin passes on. */
export const MAX_TOKEN_LENGTH = 4096
export const TOKEN = new RegExp(`^[\\x21-\\x7e]{1,${MAX_TOKEN_LENGTH}}$`)
export const INTERVIEW_ID = /^[A-Za-z0-9_-]{1,64}$/

export function isMatch (pattern: RegExp, value: unknown): value is string {
  return typeof value === 'string' && pattern.test(value)
}

/** Incode's token and interviewId, when `answer` has both as they must look; else undefined. */
export function readStartedSession (answer: unknown): { token: string, interviewId: string } | undefined {
  return isObject(answer) && isMatch(TOKEN, answer.token) && isMatch(INTERVIEW_ID, answer.interviewId)
    ? answer as { token: string, interviewId: string }
    : undefined
}

/** `/omni/start`'s whole answer, when its token and interviewId are as they must be. */
export function readStartSessionAnswer (answer: unknown): StartSessionResult | undefined {
  return readStartedSession(answer) === undefined ? undefined : answer as StartSessionResult
}

export function readFinishStatus (answer: unknown): FinishStatusResult | undefined {
  const valid = isObject(answer) && (answer.redirectionUrl === null || typeof answer.redirectionUrl === 'string') &&
    typeof answer.action === 'string'
  return valid ? answer as FinishStatusResult : undefined
}

export function readScore (answer: unknown): IncodeScore | undefined {
  return isObject(answer) && isObject(answer.overall) && typeof answer.overall.status === 'string' ? answer as IncodeScore : undefined
}
