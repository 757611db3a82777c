// What the README's samples take as given: your app, your database, your secrets. Each sample is
// compiled as its own module against this, under strict TypeScript (test/readme-samples.test.ts).
import type { FastifyInstance, preHandlerHookHandler } from 'fastify'
import type { Redis } from 'ioredis'
import type { StartSessionParams } from 'fastify-incode'
import type { FakeIncode } from 'fastify-incode/testing'

declare module 'fastify' {
  interface FastifyInstance {
    pg: { query: (query: { text: string, values: unknown[], signal?: AbortSignal }) => Promise<unknown> }
    authenticate: preHandlerHookHandler
  }
  interface FastifyRequest {
    user: { id: string }
  }
}

declare global {
  const app: FastifyInstance
  const fastify: FastifyInstance
  const fastifyIncode: typeof import('fastify-incode').default
  const redis: Redis
  const incode: FakeIncode
  const db: {
    insert: (table: string, row: Record<string, unknown>) => Promise<void>
    upsert: (table: string, row: Record<string, unknown>) => Promise<void>
    update: (table: string, key: string, row: Record<string, unknown>) => Promise<void>
    insertOrphan: (interviewId: string) => Promise<void>
  }
  const sessions: {
    put: (uniqueId: string, session: { token: string, interviewId: string }) => Promise<void>
    get: (uniqueId: string) => Promise<{ token: string, interviewId: string } | undefined>
  }
  const apiUrl: string
  const apiKey: string
  const configurationId: string
  const interviewId: string
  const params: StartSessionParams
  const webhookSecret: string
  const oauthSecret: string
}
