import type { Log } from '../core/io.js'
import { logExcerpt } from '../core/text.js'

/** STATUS shows what the provider answered: a bounded excerpt of it, never a whole body (which may be megabytes). */
export function showBody(log: Pick<Log, 'info'>, body: unknown): void {
  log.info(logExcerpt(body))
}
