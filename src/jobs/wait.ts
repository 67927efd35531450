import { AbortedError, ApiError } from '../core/errors.js'
import type { Clock } from '../core/clock.js'
import { formatDuration } from '../core/duration.js'
import { expectationFrom, nextCheckDelay, proportionalDelay, type Expectation } from './plan.js'
import { currentTarget, withPurpose, type CheckedJob } from '../http/ratelimit.js'
import { setFact } from '../core/report.js'

export { MIN_POLL_DELAY_MS, POLL_AGE_FRACTION } from './plan.js'

/**
 * How long to wait before the next status check of a job that is `ageMs` old, when nothing is known of its past runs.
 * About a fifth of the job's age, at least a second, at most `maxIntervalMs` (the `poll_interval` input):
 * a 20-second job is seen to end within a few seconds, a 2-hour job costs a few hundred checks, not thousands.
 */
export function nextPollDelay(ageMs: number, maxIntervalMs: number): number {
  return proportionalDelay(ageMs, maxIntervalMs)
}

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
  /**
   * Reads how long the target's last few successful runs of the same kind took (ms): a provider's opt-in to the
   * history-aware schedule (plan.ts). Read once, beside the first checks, as optional spending of the budget; skipped
   * when the `history` input is false, forgotten when the wait ends first. A failed or empty read leaves the
   * proportional schedule.
   */
  history?: () => Promise<number[]>
  /** What is already known of the job's duration (the bench's simulations). */
  expected?: Expectation
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
  const job: CheckedJob = { jobStartedAt, lastCheckAt: jobStartedAt, pollIntervalMs, expected: options.expected }
  /** Wakes a sleep early: the schedule changed (the history arrived). */
  let wake = new AbortController()
  const scope = currentTarget()
  const stopHistory = new AbortController()
  if (options.history && (scope?.historyEnabled ?? true) && !job.expected) {
    withPurpose({ kind: 'history', signal: stopHistory.signal }, options.history).then(
      (durations) => {
        const expected = expectationFrom(durations)
        if (!expected || stopHistory.signal.aborted) return
        job.expected = expected
        if (scope?.report) setFact(scope.report, 'History', describeExpectation(expected))
        wake.abort()
      },
      () => undefined
    )
  }
  /**
   * Sleeps until the next check is due: `from` (the last check) plus the schedule's gap for the job's age then, no
   * sooner than `notBefore`, no later than the deadline. Worked out again if the history arrives meanwhile.
   */
  const pause = async (from: number, notBefore?: number): Promise<void> => {
    for (;;) {
      let at = from + nextCheckDelay(from - jobStartedAt, pollIntervalMs, job.expected)
      if (notBefore !== undefined) at = Math.max(at, notBefore)
      at = Math.min(at, deadline)
      const now = clock.now()
      if (at <= now) return
      wake = new AbortController()
      try {
        await clock.sleep(at - now, signal ? AbortSignal.any([signal, wake.signal]) : wake.signal)
        return
      } catch (error) {
        if (!(error instanceof AbortedError) || signal?.aborted) throw error
      }
    }
  }
  try {
    if (options.checkFirst === false) await pause(clock.now())
    for (;;) {
      let notBefore: number | undefined
      try {
        checks++
        const result = await withPurpose({ kind: 'check', job }, options.check)
        job.lastCheckAt = clock.now()
        if (result.done) return { kind: 'done', value: result.value, checks }
        notBefore = result.notBefore
        lastError = undefined
      } catch (error) {
        job.lastCheckAt = clock.now()
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
  } finally {
    // A history read still waiting for the budget is not needed any more.
    stopHistory.abort()
  }
}

/** The summary's words for an expectation: `9m 40s over the last 5 runs`. */
export function describeExpectation(expected: Expectation): string {
  return `typical ${formatDuration(expected.typicalMs)} over the last ${expected.runs} run${expected.runs === 1 ? '' : 's'}`
}

/** The sentence a timed-out wait's message ends with when its last status check failed for a passing reason. */
export function lastCheckFailure(outcome: WaitOutcome<unknown>): string {
  return outcome.kind === 'timed_out' && outcome.lastError ? ` The last status check failed: ${outcome.lastError.message}.` : ''
}
