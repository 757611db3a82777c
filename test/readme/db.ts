// The Quick start's `import { db } from './db.js'`: your database client.
export const db = {
  insert: async (_table: string, _row: Record<string, unknown>): Promise<void> => {}
}
