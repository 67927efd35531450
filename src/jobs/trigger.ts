import { formatDuration } from '../core/duration.js'
import { ApiError } from '../core/errors.js'
import { waitFor } from './wait.js'
import type { TargetContext } from '../providers/types.js'

/**
 * After a trigger whose answer was lost, how long the action looks for a sign of the job it may have started before
 * it concludes the trigger never arrived: 2 minutes, or half the timeout if that is less.
 */
export function lostTriggerGraceMs(timeoutMs: number): number {
  return Math.min(120_000, timeoutMs / 2)
}

/** A job created this long before the trigger still counts as the trigger's: whole-second timestamps, clocks apart. */
export const CLOCK_SLACK_MS = 5000

export interface TriggerSpec<J> {
  /** What the trigger starts, in words: `a run of sync orders (id 42)`, `a sync job of connection e735…`. */
  what: string
  /** Sends the trigger, once. */
  send(): Promise<J>
  /** Whether a failure of `send` leaves open that the job started (default: `ApiError.ambiguous`). */
  mayHaveStarted?(error: ApiError): boolean
  /**
   * After a lost answer: the job the trigger started, if the provider shows it yet. `since` is when the trigger was
   * sent, less CLOCK_SLACK_MS. Undefined while there is no sign of it.
   */
  find(since: number): Promise<J | undefined>
  /** The job found after a lost answer, in words for the log: `sync run 77` (default: `what`). */
  describe?(job: J): string
  /** Said after "the trigger most likely never reached <provider>": what to look at before running the step again. */
  advice?: string
}

export type TriggerOutcome<J> =
  /** The provider answered: this is the job. */
  | { kind: 'started'; job: J; sentAt: number }
  /** The answer was lost, and the job it started was found. */
  | { kind: 'found'; job: J; sentAt: number; lost: ApiError }
  /** The answer was lost and no job showed up: the report says why (failed, or timed out). */
  | { kind: 'lost'; sentAt: number; lost: ApiError }

/**
 * Sends a request that starts a job exactly once. When its answer is lost (a reset connection, a timeout, a 5xx) the
 * job may have started anyway: instead of a second trigger, look for the job within the grace period
 * (`lostTriggerGraceMs`), and only then conclude the trigger never arrived. Any other failure is thrown as it is.
 */
export async function triggerOnce<J>(ctx: TargetContext<unknown>, spec: TriggerSpec<J>): Promise<TriggerOutcome<J>> {
  const { clock, log, report } = ctx
  const sentAt = clock.now()
  report.triggeredAt = sentAt
  let lost: ApiError
  try {
    return { kind: 'started', job: await spec.send(), sentAt }
  } catch (error) {
    const mayHaveStarted = error instanceof ApiError && (spec.mayHaveStarted?.(error) ?? error.ambiguous)
    if (!mayHaveStarted) throw error
    lost = error
  }
  const since = sentAt - CLOCK_SLACK_MS
  log.warning(
    `${lost.message}. The trigger may have gone through: the action looks for ${spec.what} started since ${new Date(since).toISOString()} instead of triggering again.`
  )
  const graceEnds = sentAt + lostTriggerGraceMs(ctx.common.timeoutMs)
  const outcome = await waitFor<J | undefined>({
    clock,
    deadline: ctx.deadline,
    pollIntervalMs: ctx.common.pollIntervalMs,
    jobStartedAt: sentAt,
    signal: ctx.signal,
    onTransientError: (error) => log.warning(`Looking for the job failed (${error.message}); looking again.`),
    check: async () => {
      const job = await spec.find(since)
      if (job !== undefined) return { done: true, value: job }
      return clock.now() >= graceEnds ? { done: true, value: undefined } : { done: false }
    }
  })
  const cause = `The trigger's answer was lost (${lost.message})`
  if (outcome.kind === 'timed_out') {
    report.status = 'timed_out'
    const lastError = outcome.lastError ? ` The last look failed: ${outcome.lastError.message}.` : ''
    report.message = `${cause} and the timeout (${formatDuration(ctx.common.timeoutMs)}) was reached before ${spec.what} showed up.${lastError}`
    return { kind: 'lost', sentAt, lost }
  }
  if (outcome.value === undefined) {
    report.status = 'failed'
    const answered = lost.kind === 'malformed' && lost.status !== undefined && lost.status >= 200 && lost.status < 300
    const verdict = answered
      ? `${ctx.providerTitle} accepted the request (HTTP ${lost.status}) but named no job to follow`
      : `the trigger most likely never reached ${ctx.providerTitle}`
    report.error = `${cause} and no sign of ${spec.what} showed up in the ${formatDuration(clock.now() - sentAt)} after it, so ${verdict}. The action does not trigger twice: ${spec.advice ?? 'run the step again.'}`
    return { kind: 'lost', sentAt, lost }
  }
  log.info(`Found ${spec.describe?.(outcome.value) ?? spec.what}: the trigger did go through. Following it, not triggering again.`)
  return { kind: 'found', job: outcome.value, sentAt, lost }
}
