import { githubIo } from './github-io.js'
import { envInputReader } from './inputs.js'
import { orchestrate } from './orchestrator.js'
import { limiterFor } from './ratelimit.js'
import { errorMessage } from './errors.js'

/** How long after a cancellation signal the action gives itself to clean up (the runner kills at 7.5 s + 2.5 s). */
export const ABORT_GRACE_MS = 6000

/** The action's entry: run the step, and on the workflow's cancellation wrap up quickly. */
export async function run(): Promise<void> {
  const controller = new AbortController()
  const onSignal = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) {
      // A second signal: stop at once.
      process.exit(1)
    }
    githubIo.warning(`Received ${signal}: the workflow was cancelled. Wrapping up.`)
    controller.abort()
    setTimeout(() => process.exit(1), ABORT_GRACE_MS).unref()
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  try {
    const result = await orchestrate({
      io: githubIo,
      read: envInputReader(process.env),
      signal: controller.signal,
      limiterFor
    })
    process.exitCode = controller.signal.aborted ? 1 : result.exitCode
  } catch (error) {
    githubIo.error(`Unexpected error: ${errorMessage(error)}`)
    process.exitCode = 1
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
}
