// What the README's samples take as given: your app, your database, your secrets. Each sample is
// compiled as its own module against these declarations, under strict TypeScript, and run with
// real values of them (test/readme/givens.ts builds them; test/readme-samples.test.ts runs them).
import type { FastifyInstance, preHandlerHookHandler } from 'fastify'
import type { Redis } from 'ioredis'
import type { StartSessionParams } from 'fastify-incode'
import type { FakeIncode } from 'fastify-incode/testing'
import type { RecordingDatabase, SessionStore } from './givens.js'

declare module 'fastify' {
  interface FastifyInstance {
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
  const db: RecordingDatabase
  const sessions: SessionStore
  const apiUrl: string
  const apiKey: string
  const configurationId: string
  const adminEmail: string
  const adminPassword: string
  const interviewId: string
  const params: StartSessionParams
  const webhookSecret: string
  const oauthSecret: string
  const exporter: import('@opentelemetry/sdk-trace-base').SpanExporter
}
