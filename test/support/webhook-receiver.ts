// A host that receives the fake's webhooks over real sockets: every request recorded, each path answered from a queue.
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { IncomingHttpHeaders } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import type { Test } from 'tap'

export interface Received {
  path: string
  headers: IncomingHttpHeaders
  body: string
  at: number
}

/** What the host answers: a status, a body and its content-type (default none), or never a word. */
export type Reply = { status: number, body?: string, contentType?: string } | 'hang'

const SUCCESS = { status: 200, body: '{"success":true}', contentType: 'application/json' }

/** A host that records every request and answers each path from its queue of replies, then 200 JSON `{ success: true }`. */
export async function startWebhookReceiver (t: Test, replies: Record<string, Reply[]> = {}) {
  const received: Received[] = []
  const sockets = new Set<Socket>()
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (chunk: Buffer) => { body += String(chunk) })
    req.on('end', () => {
      const path = req.url as string
      received.push({ path, headers: req.headers, body, at: Date.now() })
      const reply = replies[path]?.shift() ?? SUCCESS
      if (reply !== 'hang') {
        res.writeHead(reply.status, reply.contentType === undefined ? {} : { 'content-type': reply.contentType }).end(reply.body ?? '')
      }
    })
  })
  server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => {
    server.closeAllConnections()
    return new Promise((resolve) => server.close(resolve))
  })
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return { url, received, sockets, to: (path: string) => received.filter((request) => request.path === path) }
}
