// Every public type of fastify-incode: the options of the plugin and of the client, what the
// hooks receive, and what the client returns. Internal types stay beside their code.
export type * from './client-types.js'
export type * from './common-types.js'
export type * from './plugin-types.js'
export type * from './webhook-types.js'
