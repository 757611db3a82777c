// The faults a test arms: which one a request gets (queued, random, then standing), and how it then misbehaves.
import { validateHeaderName, validateHeaderValue } from 'node:http'
import type { ServerResponse } from 'node:http'
import { after, JSON_TYPE, send } from './exchange.js'
import type { Exchange } from './exchange.js'
import type { FakeIncodeFault, FaultTarget, RandomFaultOptions } from './types.js'

// What a proxy's error page looks like to a client that trusted the content-type.
const GARBAGE_BODY = '<html><body><h1>502 Bad Gateway</h1></body></html>'
// The start of a plausible answer, so a client cannot tell a cut body from a slow one.
const PARTIAL_BODY = '{"token":"eyJhbGciOiJIUzI1NiJ9.'

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

/** Answers `exchange` as `fault` says; `answerNormally` is what a `delay` does once it has waited. */
export function misbehave (exchange: Exchange, fault: FakeIncodeFault, answerNormally: () => void): void {
  const { req, res } = exchange
  switch (fault.type) {
    case 'status':
      sendStatusFault(res, fault)
      break
    case 'garbage':
      send(res, 200, { 'content-type': JSON_TYPE }, GARBAGE_BODY)
      break
    case 'json':
      send(res, 200, { 'content-type': JSON_TYPE }, JSON.stringify(fault.body))
      break
    case 'delay':
      after(res, fault.ms, answerNormally)
      break
    case 'hang':
      if (fault.phase === 'body') {
        res.writeHead(200, { 'content-type': JSON_TYPE })
        res.write(PARTIAL_BODY)
      }
      break
    case 'trickle': {
      res.writeHead(200, { 'content-type': JSON_TYPE })
      res.flushHeaders()
      // Whitespace keeps the body valid JSON so far: only a deadline can end the wait.
      const timer = setInterval(() => res.write(' '), fault.intervalMs ?? 50)
      res.once('close', () => clearInterval(timer))
      break
    }
    case 'drop':
      if (fault.phase === 'after-headers') {
        // A length the body never reaches: the client sees a cut answer, not a short one.
        res.writeHead(200, { 'content-type': JSON_TYPE, 'content-length': '1024' })
        res.write(PARTIAL_BODY, () => req.socket.destroy())
      } else {
        req.socket.destroy()
      }
      break
  }
}

function sendStatusFault (res: ServerResponse, fault: Extract<FakeIncodeFault, { type: 'status' }>): void {
  const headers: Record<string, string> = {}
  let payload = ''
  if (typeof fault.body === 'string') {
    headers['content-type'] = 'text/plain; charset=utf-8'
    payload = fault.body
  } else if (fault.body !== undefined) {
    headers['content-type'] = JSON_TYPE
    payload = JSON.stringify(fault.body)
  }
  send(res, fault.status, { ...headers, ...fault.headers }, payload)
}
