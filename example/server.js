// `npm start`: the example host on http://127.0.0.1:3000 (PORT, HOST). See .env.example.
import { buildApp, listenOptions } from './app.js'

const app = await buildApp()
for (const signal of ['SIGINT', 'SIGTERM']) {
  // Closes the database and the fake Incode API cleanly, then the process ends by itself.
  process.once(signal, () => { app.close() })
}
const address = await app.listen(listenOptions())
app.log.info(`Example ready: open ${address} in a browser`)
