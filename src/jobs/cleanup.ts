import type { Clock } from '../core/clock.js'

/**
 * Cancelling the remote job after the workflow's cancellation gets this budget of its own: the runner kills the
 * process 7.5 s after cancelling it, and outputs and the summary must still be written.
 */
export const CLEANUP_AFTER_ABORT_MS = 4000
/**
 * Work after the step's timeout (cancelling the job, restoring a schedule) gets this much: the step must end within
 * `timeout` + 5 s whatever the server does.
 */
export const CLEANUP_AFTER_TIMEOUT_MS = 2000
/** One request during cleanup waits at most this long. */
export const CLEANUP_REQUEST_TIMEOUT_MS = 2000

/** The deadline and request timeout for cleanup starting now; no request outlives the deadline (`strict`). */
export function cleanupWindow(
  clock: Clock,
  requestTimeoutMs: number,
  afterAbort: boolean
): { deadline: number; requestTimeoutMs: number; strictDeadline: true } {
  return {
    deadline: clock.now() + (afterAbort ? CLEANUP_AFTER_ABORT_MS : CLEANUP_AFTER_TIMEOUT_MS),
    requestTimeoutMs: Math.min(CLEANUP_REQUEST_TIMEOUT_MS, requestTimeoutMs),
    strictDeadline: true
  }
}
