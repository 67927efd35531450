/** How long after a cancellation signal the action gives itself to wrap up (the runner kills at 7.5 s + 2.5 s). */
export const ABORT_GRACE_MS = 6000

/**
 * Turns the runner's cancellation (SIGINT, then SIGTERM 7.5 s later) into an AbortSignal. The first signal
 * aborts the work so it can cancel the remote job, set outputs and write the summary; the process then has
 * ABORT_GRACE_MS to finish. A second signal exits at once.
 */
export function listenForCancellation(warn: (message: string) => void): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController()
  const onSignal = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) process.exit(1)
    warn(`Received ${signal}: the workflow was cancelled. Wrapping up.`)
    controller.abort()
    setTimeout(() => process.exit(1), ABORT_GRACE_MS).unref()
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
    }
  }
}
