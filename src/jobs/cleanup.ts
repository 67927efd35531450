import type { Clock } from '../clock.js'

/**
 * Work after the step's deadline or the workflow's cancellation (cancelling the remote job, restoring a schedule)
 * gets this budget of its own: the runner kills the process 7.5 s after cancelling it, and the step must end within
 * `timeout` + 5 s whatever the server does.
 */
export const CLEANUP_BUDGET_MS = 4000
/** One request during cleanup waits at most this long, so that a retry still fits in the budget. */
export const CLEANUP_REQUEST_TIMEOUT_MS = 2000

/** The deadline and request timeout for cleanup starting now. */
export function cleanupWindow(clock: Clock, requestTimeoutMs: number): { deadline: number; requestTimeoutMs: number } {
  return { deadline: clock.now() + CLEANUP_BUDGET_MS, requestTimeoutMs: Math.min(CLEANUP_REQUEST_TIMEOUT_MS, requestTimeoutMs) }
}
