// The error codes keep Fastify's FST_ prefix with the plugin's name after it, as the official
// plugins' codes do (FST_JWT_…, FST_UNDER_PRESSURE): one prefix a host's error handler and its
// alerts can match, and none that Fastify itself uses.
import t from 'tap'
import { errorCodes } from 'fastify'
import * as exported from '../src/index.js'

const codes = Object.entries(exported).flatMap(([name, value]) => {
  if (typeof value !== 'function' || !/Error$/.test(name) || name === 'IncodeCallError') return []
  const { code } = new (value as new () => { code: unknown })()
  return typeof code === 'string' ? [[name, code] as const] : []
})

t.test('every exported error class has a code of its own under FST_INCODE_', async (t) => {
  t.ok(codes.length >= 20, `${codes.length} error classes`)
  for (const [name, code] of codes) t.match(code, /^FST_INCODE_[A-Z_]+$/, name)
  t.equal(new Set(codes.map(([, code]) => code)).size, codes.length, 'no two classes share a code')
})

t.test('no code is one of Fastify\'s own', async (t) => {
  const fastifyCodes = new Set(Object.keys(errorCodes))
  t.ok(fastifyCodes.has('FST_ERR_VALIDATION'), 'Fastify\'s codes are read')
  t.same(codes.filter(([, code]) => fastifyCodes.has(code) || code.startsWith('FST_ERR_')), [])
})
