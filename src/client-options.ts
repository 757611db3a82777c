// The client's options, checked and resolved once: by `new IncodeClient(options)`, or by the
// plugin when it loads, which then builds its client from the result.
import type { Dispatcher } from 'undici'
import { InvalidOptionError } from './errors.js'
import { isObject } from './is-object.js'
import { optionalInteger, optionalString, requireHttpUrl, requireString } from './option-checks.js'
import type { IncodeClientOptions } from './types.js'

const DEFAULT_KEEP_ALIVE_TIMEOUT = 500

/** The client's options, checked, with their defaults settled; made only by `resolveClientOptions`. */
export class ClientSettings {
  declare readonly origin: string
  /** The API base's path, without a trailing `/` or `/0`. */
  declare readonly basePath: string
  declare readonly apiKey: string
  declare readonly configurationId: string
  declare readonly clientId: string | undefined
  declare readonly timeout: number
  declare readonly retries: number
  /** `null`: no cap. */
  declare readonly connections: number | null
  declare readonly keepAliveTimeout: number
  declare readonly dispatcher: Dispatcher | undefined
  declare readonly admin: AdminCredentials

  constructor (fields: { [K in keyof ClientSettings]: ClientSettings[K] }) {
    Object.assign(this, fields)
  }
}

/** How the client gets its admin token: one held, or a log-in; neither when none is configured. */
export interface AdminCredentials {
  token?: string | undefined
  email?: string | undefined
  password?: string | undefined
}

export function resolveClientOptions (options: IncodeClientOptions): ClientSettings {
  if (!isObject(options)) throw new InvalidOptionError('options', 'must be an object')
  const url = requireHttpUrl('apiUrl', options.apiUrl)
  if (url.search !== '' || url.hash !== '') {
    throw new InvalidOptionError('apiUrl', 'must not have a query or a fragment')
  }
  const settings = new ClientSettings({
    origin: url.origin,
    // Samples disagree on trailing slashes and on whether the base ends in the token-only "/0".
    basePath: url.pathname.replace(/\/+$/, '').replace(/\/0$/, ''),
    apiKey: requireString('apiKey', options.apiKey),
    configurationId: requireString('configurationId', options.configurationId),
    clientId: optionalString('clientId', options.clientId),
    timeout: optionalInteger('timeout', options.timeout, 10_000, 1),
    retries: optionalInteger('retries', options.retries, 2, 0),
    connections: options.connections === undefined ? null : optionalInteger('connections', options.connections, 0, 1),
    keepAliveTimeout: optionalInteger('keepAliveTimeout', options.keepAliveTimeout, DEFAULT_KEEP_ALIVE_TIMEOUT, 1),
    dispatcher: options.dispatcher,
    admin: checkAdmin(options)
  })
  if (options.dispatcher !== undefined && (!isObject(options.dispatcher) || typeof options.dispatcher.dispatch !== 'function')) {
    throw new InvalidOptionError('dispatcher', 'must be an undici Dispatcher')
  }
  return settings
}

function checkAdmin (options: IncodeClientOptions): AdminCredentials {
  const token = optionalString('adminToken', options.adminToken)
  const email = optionalString('adminEmail', options.adminEmail)
  const password = optionalString('adminPassword', options.adminPassword)
  if ((email === undefined) !== (password === undefined)) {
    throw new InvalidOptionError(email === undefined ? 'adminEmail' : 'adminPassword', 'must be set together with the other of adminEmail and adminPassword')
  }
  if (token !== undefined && email !== undefined) {
    throw new InvalidOptionError('adminToken', 'and adminEmail/adminPassword are two ways to the admin token; set one of them')
  }
  return { token, email, password }
}
