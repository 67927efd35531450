import { listenForCancellation } from './core/cancellation.js'
import { errorMessage } from './core/errors.js'
import { githubIo } from './core/github-io.js'
import { envInputReader } from './core/inputs.js'
import { orchestrate } from './core/orchestrator.js'
import { limiterFor } from './http/ratelimit.js'

/**
 * Once the verdict is out, nothing left behind (a socket a hostile server holds open, a timer) may keep the step
 * running: the process ends within this, whatever is still pending (an unref'd timer never holds it up by itself).
 */
export const EXIT_GRACE_MS = 1000

export function exitSoon(): void {
  setTimeout(() => process.exit(), EXIT_GRACE_MS).unref()
}

/** The action's entry: run the step; on the workflow's cancellation, wrap up quickly. */
export async function run(): Promise<void> {
  const cancellation = listenForCancellation((m) => githubIo.warning(m))
  try {
    const result = await orchestrate({
      io: githubIo,
      read: envInputReader(process.env),
      signal: cancellation.signal,
      limiterFor
    })
    process.exitCode = cancellation.signal.aborted ? 1 : result.exitCode
  } catch (error) {
    githubIo.error(`Unexpected error: ${errorMessage(error)}`)
    process.exitCode = 1
  } finally {
    cancellation.dispose()
    exitSoon()
  }
}
