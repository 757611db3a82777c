import { createServer, type Server, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'

// Just enough of Redis's protocol for ioredis and @fastify/rate-limit's Redis store, on a real
// socket, for the tests of what the plugin does as a client connects, so they need no Redis
// server: INFO (ioredis's ready check) and the store's counting script (EVALSHA, or EVAL after
// NOSCRIPT), which counts per key as the script does, with the time window as the TTL.

export interface RedisStandIn {
  port: number
  /** Every command received, by name (`INFO`, `EVALSHA` …), in order. */
  commands: string[]
  close: () => Promise<void>
}

export async function startRedisStandIn (port = 0): Promise<RedisStandIn> {
  const commands: string[] = []
  const counts = new Map<string, number>()
  const sockets = new Set<Socket>()
  const server: Server = createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    let pending = Buffer.alloc(0)
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk])
      for (let parsed = parseCommand(pending); parsed !== undefined; parsed = parseCommand(pending)) {
        pending = pending.subarray(parsed.length)
        socket.write(answer(parsed.args))
      }
    })
  })

  function answer ([name = '', ...args]: string[]): string {
    commands.push(name.toUpperCase())
    switch (name.toUpperCase()) {
      case 'INFO': return bulk('# Server\r\nredis_version:7.0.0\r\nloading:0\r\n')
      // The script's `numberOfKeys` is 1: [sha or script, 1, key, timeWindow, max, …].
      case 'EVALSHA':
      case 'EVAL': {
        const [, , key = '', timeWindow = '0'] = args
        const current = (counts.get(key) ?? 0) + 1
        counts.set(key, current)
        return `*2\r\n:${current}\r\n:${Number(timeWindow)}\r\n`
      }
      default: return `-ERR unknown command '${name}'\r\n`
    }
  }

  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    commands,
    close: async () => {
      for (const socket of sockets) socket.destroy()
      await new Promise((resolve) => server.close(resolve))
    }
  }
}

function bulk (text: string): string {
  return `$${Buffer.byteLength(text)}\r\n${text}\r\n`
}

/** One command a client sent (an array of bulk strings), or undefined until it has all arrived. */
function parseCommand (buffer: Buffer): { args: string[], length: number } | undefined {
  let offset = 0
  const line = (): string | undefined => {
    const end = buffer.indexOf('\r\n', offset)
    if (end === -1) return undefined
    const text = buffer.toString('utf8', offset, end)
    offset = end + 2
    return text
  }
  const header = line()
  if (header === undefined) return undefined
  const args: string[] = []
  for (let count = Number(header.slice(1)); args.length < count;) {
    const size = line()
    if (size === undefined || offset + Number(size.slice(1)) + 2 > buffer.length) return undefined
    args.push(buffer.toString('utf8', offset, offset + Number(size.slice(1))))
    offset += Number(size.slice(1)) + 2
  }
  return { args, length: offset }
}
