// The webhook burst's server, in its own process: fastify-incode as a host registers it to approve
// people, its webhook route with `approve: 'when-ok'` and an onOnboardingFinished that counts what
// it is given. argv: its settings as JSON, a WebhookServerSettings.
import Fastify from 'fastify'
import fastifyIncode from 'fastify-incode'
import { serveBenchmark } from './usage.js'

/**
 * @typedef {object} WebhookServerSettings
 * @property {string} apiUrl the fake Incode API's
 * @property {string} apiKey
 * @property {string} adminEmail the fake's throwaway admin credentials
 * @property {string} adminPassword
 * @property {string} configurationId
 * @property {{ name: string, value: string }} secretHeader what Incode's deliveries carry
 */

/**
 * @typedef {object} OutcomeCounts what onOnboardingFinished was given, since the server started
 * @property {number} outcomes calls of onOnboardingFinished
 * @property {number} identities outcomes with the identity the person became
 * @property {number} alreadyApproved outcomes of an event this instance had approved before
 */

const { apiUrl, apiKey, adminEmail, adminPassword, configurationId, secretHeader } =
  /** @type {WebhookServerSettings} */ (JSON.parse(String(process.argv[2])))
/** @type {OutcomeCounts} */
const counts = { outcomes: 0, identities: 0, alreadyApproved: 0 }

const app = Fastify({ logger: { level: 'warn' } })
await app.register(fastifyIncode, {
  apiUrl,
  apiKey,
  configurationId,
  adminEmail,
  adminPassword,
  // The sessions of the burst are started through the plugin, faster than its limit allows.
  rateLimit: false,
  webhook: {
    secretHeader,
    approve: 'when-ok',
    // A burst is what the webhook's limit would refuse; the route itself is measured.
    rateLimit: false,
    onOnboardingFinished: async (outcome) => {
      counts.outcomes++
      if (outcome.identity !== undefined) counts.identities++
      if (outcome.alreadyApproved) counts.alreadyApproved++
    }
  }
})
await serveBenchmark(app, () => ({ ...counts }))
