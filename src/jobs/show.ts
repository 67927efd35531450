import type { Log } from '../io.js'

/** STATUS shows what the provider answered, as indented JSON. */
export function showBody(log: Pick<Log, 'info'>, body: unknown): void {
  log.info(JSON.stringify(body, null, 2))
}
