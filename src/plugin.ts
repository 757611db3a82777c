import type { FastifyInstance } from 'fastify'
import { IncodeClient } from './client.js'
import { incodeCompatRoutes } from './compat-routes.js'
import { InvalidOptionError } from './errors.js'
import { hostCallbacksOf } from './host-callback.js'
import { resolveOptions, type RouteSettings } from './options.js'
import { rateLimitSettings } from './rate-limit.js'
import { DEFAULT_STORE_TIMEOUT, type CheckedRateLimitOptions } from './rate-limit-options.js'
import { failureLogger } from './route-helpers.js'
import { incodeRoutes } from './routes.js'
import { sessionStarter, type SessionRouteContext } from './session-starter.js'
import { incodeWebhookRoutes } from './webhook.js'
import type { FastifyIncodeOptions } from './types.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The Incode client of fastify-incode (under the name of its `decorator` option, when given one). */
    incode: IncodeClient
  }
}

/** Resolves the options, decorates the instance with the client, and registers the routes. */
export async function fastifyIncodePlugin (fastify: FastifyInstance, options: FastifyIncodeOptions): Promise<void> {
  const { client: clientOptions, routes, webhook, exposeRoutes, routePrefix, decorator } = resolveOptions(options)
  if (fastify.hasDecorator(decorator)) {
    throw new InvalidOptionError('decorator', 'names a decorator the instance has already: give each fastify-incode at one level a name of its own')
  }
  const client = new IncodeClient(clientOptions)
  // Which Incode (demo, production, a fake) is the first thing to check when calls fail.
  fastify.log.info({ apiUrl: client.apiUrl }, `fastify-incode: calling the Incode API at ${client.apiUrl}`)
  fastify.decorate(decorator, client)
  fastify.addHook('onClose', async () => await client.close())
  const callbacks = hostCallbacksOf(fastify, routes.hookTimeout)
  // Each set of routes in a context of its own, as their parsers and validators differ; the session
  // and compat routes count in one rate-limit store, the webhook routes in their own.
  if (exposeRoutes) {
    warnIfAnyClientChoosesItsIp(fastify, routes.rateLimit)
    const context = sessionRouteContext(fastify, client, routes, callbacks)
    await fastify.register(incodeRoutes, { prefix: routePrefix, ...context })
    if (routes.compatRoutes) await fastify.register(incodeCompatRoutes, { prefix: routePrefix, ...context })
  }
  if (webhook !== undefined) {
    await fastify.register(incodeWebhookRoutes, { prefix: routePrefix, owner: fastify, client, callbacks, tags: routes.tags, ...webhook })
  }
}

function sessionRouteContext (owner: FastifyInstance, client: IncodeClient, settings: RouteSettings, callbacks: SessionRouteContext['callbacks']): SessionRouteContext {
  const awaitLoggingFailure = failureLogger(client)
  const readLimit = settings.compatRoutes && settings.compatReadRateLimit !== false
  const limited = [settings.rateLimit === false ? [] : ['the session routes'], readLimit ? ['the compat routes that read'] : []].flat()
  return {
    client,
    owner,
    settings,
    callbacks,
    awaitLoggingFailure,
    startRecordedSession: sessionStarter(client, owner, settings, callbacks, awaitLoggingFailure),
    rateLimit: limited.length === 0
      ? undefined
      : rateLimitSettings(settings.rateLimit === false ? { storeTimeout: DEFAULT_STORE_TIMEOUT } : settings.rateLimit, owner.log, callbacks,
        { client, global: settings.rateLimit !== false, routes: limited.join(' and ') })
  }
}

function warnIfAnyClientChoosesItsIp (fastify: FastifyInstance, rateLimit: false | CheckedRateLimitOptions): void {
  if (rateLimit !== false && rateLimit.keyGenerator === undefined && trustsEveryProxy(fastify)) {
    fastify.log.warn('fastify-incode: trustProxy is true and the session limit is keyed on the client IP, which any ' +
      'client can then choose through X-Forwarded-For: the limit does not hold. Trust a hop count or your ' +
      'proxy\'s address, or give rateLimit a keyGenerator (your user id).')
  }
}

/**
 * Whether the server was built with `trustProxy: true`. Fastify keeps its options under a symbol
 * it does not export and shows no trustProxy in `initialConfig`; the symbol is found by its
 * description (a test pins this, and a Fastify without it only loses the warning).
 */
function trustsEveryProxy (fastify: FastifyInstance): boolean {
  const chain: object[] = []
  for (let object: object | null = fastify; object !== null; object = Object.getPrototypeOf(object)) chain.push(object)
  const options = chain.flatMap((object) => Object.getOwnPropertySymbols(object)
    .filter((symbol) => symbol.description === 'fastify.options')
    .map((symbol) => (object as Record<symbol, { trustProxy?: unknown }>)[symbol]))[0]
  return options?.trustProxy === true
}
