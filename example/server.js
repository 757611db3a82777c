// `npm start`: the example host on http://127.0.0.1:3000 (PORT, HOST). See .env.example. A setting
// that is wrong stops the start with one line saying which variable to fix, and exit code 1.
import { buildApp } from './app.js'
import { listenOptions, listenProblem, startFailure } from './settings.js'

try {
  const where = listenOptions()
  const app = await buildApp()
  for (const signal of ['SIGINT', 'SIGTERM']) {
    // Closes the database and the fake Incode API cleanly, then the process ends by itself.
    process.once(signal, () => { app.close() })
  }
  const address = await app.listen(where).catch(async (err) => {
    await app.close()
    throw listenProblem(err, where)
  })
  app.log.info(`Example ready: open ${address} in a browser`)
} catch (err) {
  console.error(startFailure(err))
  process.exitCode = 1
}
