// Which fault, if any, a request gets: queued ones first, then random rules, then standing ones.
import { validateHeaderName, validateHeaderValue } from 'node:http'

/** The Incode paths a fault can be aimed at. */
export type FakeIncodePath = '/omni/start' | '/0/omni/onboarding-url'

export type FakeIncodeFault =
  /** Answer this status. An object body is sent as JSON, a string as text/plain, none as an empty body. */
  | { type: 'status', status: number, body?: unknown, headers?: Record<string, string> }
  /** 200, `content-type: application/json`, and a body that is not JSON. */
  | { type: 'garbage' }
  /** 200 with this JSON body instead of the normal answer. */
  | { type: 'json', body: unknown }
  /** Wait, then answer normally. */
  | { type: 'delay', ms: number }
  /** `headers` (default): never answer. `body`: send 200 headers and part of a JSON body, never finish. */
  | { type: 'hang', phase?: 'headers' | 'body' }
  /** 200 headers, then one byte of body every `intervalMs` (default 50), forever. */
  | { type: 'trickle', intervalMs?: number }
  /** Destroy the socket before any response byte (default), or after the headers and part of the body. */
  | { type: 'drop', phase?: 'before-headers' | 'after-headers' }

export interface FaultTarget {
  /** Default: any path. */
  path?: FakeIncodePath
  /** How many matching requests get the fault. Default 1. */
  times?: number
}

export interface RandomFaultOptions {
  /** The chance, from 0 to 1, that a matching request gets a fault. */
  rate: number
  /** Default: any path. */
  path?: FakeIncodePath
  /**
   * Returns a number in [0, 1), as `Math.random` (the default) does; pass a scripted one for a
   * repeatable test. Called once per matching request (a fault when below `rate`), then once
   * more when it faults, to pick one of the faults (`Math.floor(random() * faults.length)`).
   */
  random?: () => number
}

interface ArmedFault {
  fault: FakeIncodeFault
  path: string | undefined
}

interface QueuedFault extends ArmedFault {
  remaining: number
}

interface RandomFaultRule {
  faults: readonly FakeIncodeFault[]
  path: string | undefined
  rate: number
  random: () => number
}

export class FaultPlan {
  #queued: QueuedFault[] = []
  #random: RandomFaultRule[] = []
  #standing: ArmedFault[] = []

  failNext (fault: FakeIncodeFault, target: FaultTarget = {}): void {
    const times = target.times ?? 1
    if (!Number.isInteger(times) || times < 1) {
      throw new RangeError(`failNext: times must be a positive integer, got ${times}`)
    }
    checkFault(fault)
    this.#queued.push({ fault, path: target.path, remaining: times })
  }

  failAlways (fault: FakeIncodeFault, target: Pick<FaultTarget, 'path'> = {}): void {
    checkFault(fault)
    this.#standing.unshift({ fault, path: target.path })
  }

  failRandomly (faults: FakeIncodeFault | FakeIncodeFault[], options: RandomFaultOptions): void {
    const list = Array.isArray(faults) ? faults.slice() : [faults]
    if (list.length === 0) throw new RangeError('failRandomly: faults must hold at least one fault')
    const { rate, path, random = Math.random } = options
    if (!(rate >= 0 && rate <= 1)) {
      throw new RangeError(`failRandomly: rate must be a number from 0 to 1, got ${rate}`)
    }
    list.forEach(checkFault)
    this.#random.unshift({ faults: list, path, rate, random })
  }

  clear (): void {
    this.#queued = []
    this.#random = []
    this.#standing = []
  }

  /** The fault this request gets, if any; a queued fault is used up by it. */
  take (path: string): FakeIncodeFault | undefined {
    const index = this.#queued.findIndex((armed) => targets(armed, path))
    const queued = this.#queued[index]
    if (queued !== undefined) {
      if (--queued.remaining === 0) this.#queued.splice(index, 1)
      return queued.fault
    }
    for (const rule of this.#random) {
      const fault = targets(rule, path) ? roll(rule) : undefined
      if (fault !== undefined) return fault
    }
    return this.#standing.find((armed) => targets(armed, path))?.fault
  }
}

/** A roll below `rate` is a fault, and a second roll picks which; an out-of-range pick is none. */
function roll (rule: RandomFaultRule): FakeIncodeFault | undefined {
  if (rule.random() >= rule.rate) return undefined
  return rule.faults[Math.floor(rule.random() * rule.faults.length)]
}

// Node would only throw these in the middle of an answer, far from the test that caused them.
function checkFault (fault: FakeIncodeFault): void {
  if (fault.type !== 'status') return
  if (!Number.isInteger(fault.status) || fault.status < 100 || fault.status > 599) {
    throw new RangeError(`fault status must be an integer from 100 to 599, got ${fault.status}`)
  }
  for (const [name, value] of Object.entries(fault.headers ?? {})) {
    validateHeaderName(name)
    validateHeaderValue(name, value)
  }
}

function targets (armed: { path: string | undefined }, path: string): boolean {
  return armed.path === undefined || armed.path === path
}
