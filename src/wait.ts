import type { Clock } from './clock.js'
import { ApiError } from './errors.js'

/**
 * How long to wait before the next status check of a job that is `ageMs` old.
 * About a fifth of the job's age, at least a second, at most `maxIntervalMs` (the `poll_interval` input):
 * a 20-second job is seen to end within a few seconds, a 2-hour job costs a few hundred checks, not thousands.
 */
export function nextPollDelay(ageMs: number, maxIntervalMs: number): number {
  const proportional = Math.round(Math.max(0, ageMs) * POLL_AGE_FRACTION)
  return Math.max(1, Math.min(maxIntervalMs, Math.max(MIN_POLL_DELAY_MS, proportional)))
}
export const POLL_AGE_FRACTION = 0.2
export const MIN_POLL_DELAY_MS = 1000

export type CheckResult<T> =
  | { done: true; value: T }
  /** Not done yet; `notBefore` (epoch ms) defers the next check, e.g. until a rescheduled sync may run. */
  | { done: false; notBefore?: number }

export interface WaitOptions<T> {
  /** One status check. Throwing a transient ApiError means "could not tell this time": check again later. */
  check: () => Promise<CheckResult<T>>
  clock: Clock
  /** Epoch ms after which the wait gives up (from the `timeout` input). */
  deadline: number
  /** The longest gap between two checks (the `poll_interval` input). */
  pollIntervalMs: number
  /** When the job started (epoch ms): the schedule grows with the job's age. */
  jobStartedAt: number
  /**
   * Check at once (the default), or wait the first interval before the first check. A wait that begins right
   * after the job was triggered sleeps first: a job a few milliseconds old has not ended, so that check is wasted.
   */
  checkFirst?: boolean
  signal?: AbortSignal
  /** Told about a check that failed for a passing reason, before the loop checks again. */
  onTransientError?: (error: ApiError) => void
}

/**
 * After a trigger whose answer was lost, how long the action looks for a sign of the job it may have started before
 * it concludes the trigger never arrived: 2 minutes, or half the timeout if that is less.
 */
export function lostTriggerGraceMs(timeoutMs: number): number {
  return Math.min(120_000, timeoutMs / 2)
}

export type WaitOutcome<T> = { kind: 'done'; value: T; checks: number } | { kind: 'timed_out'; checks: number; lastError?: ApiError }

/**
 * The wait loop every provider shares: check, sleep on a schedule that grows with the job's age, and stop at the
 * deadline (with `checkFirst: false`, it sleeps before the first check too). It checks once more at the deadline
 * itself, so a job ending just before it is not reported as timed out.
 * An abort (workflow cancellation) rejects with AbortedError at once, even mid-sleep.
 */
export async function waitFor<T>(options: WaitOptions<T>): Promise<WaitOutcome<T>> {
  const { clock, deadline, pollIntervalMs, jobStartedAt, signal } = options
  let checks = 0
  let lastError: ApiError | undefined
  /** Sleeps until the next check is due: on the job's age, no sooner than `notBefore`, no later than the deadline. */
  const pause = (now: number, notBefore?: number): Promise<void> => {
    let delay = nextPollDelay(now - jobStartedAt, pollIntervalMs)
    if (notBefore !== undefined) delay = Math.max(delay, notBefore - now)
    return clock.sleep(Math.min(delay, deadline - now), signal)
  }
  if (options.checkFirst === false) await pause(clock.now())
  for (;;) {
    let notBefore: number | undefined
    try {
      checks++
      const result = await options.check()
      if (result.done) return { kind: 'done', value: result.value, checks }
      notBefore = result.notBefore
      lastError = undefined
    } catch (error) {
      if (!(error instanceof ApiError) || !error.transient) throw error
      lastError = error
      if (error.deadlineReached) return { kind: 'timed_out', checks, lastError }
      options.onTransientError?.(error)
      if (error.retryAfterMs !== undefined) notBefore = clock.now() + error.retryAfterMs
    }
    const now = clock.now()
    if (now >= deadline) return { kind: 'timed_out', checks, lastError }
    await pause(now, notBefore)
  }
}

/** The sentence a timed-out wait's message ends with when its last status check failed for a passing reason. */
export function lastCheckFailure(outcome: WaitOutcome<unknown>): string {
  return outcome.kind === 'timed_out' && outcome.lastError ? ` The last status check failed: ${outcome.lastError.message}.` : ''
}
