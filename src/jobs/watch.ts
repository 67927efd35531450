import { formatDuration } from '../core/duration.js'
import { setFact } from '../core/report.js'
import { waitFor, type CheckResult, type WaitOutcome } from './wait.js'
import type { TargetContext } from '../providers/types.js'

/** What a status check can tell the watcher besides its verdict. */
export interface WatchTools {
  /** Warns once per status value this version does not know; the job is treated as still running. */
  unknownStatus(status: string): void
  /** Logs a line about the job when it differs from the last one logged. */
  progress(line: string): void
}

export interface WatchSpec<T> {
  /** What is watched, in words: `the sync of shrank_paparazzi`, `sync run 42 of sync 1001`. */
  what: string
  /** When the job started (epoch ms): the check schedule grows with its age. */
  startedAt: number
  /** The provider's word for the status it reads: `sync_state`, `job status`, `sync run status`. */
  statusNoun: string
  /** Check at once (a job found or read just now), or sleep one gap first (a job triggered a moment ago). */
  checkFirst?: boolean
  /** When the wait began, for the `Waited` fact (default: now). */
  waitingSince?: number
  /**
   * How long the target's last few successful runs of the same kind took (ms), in one request: a provider's opt-in to
   * the history-aware schedule (plan.ts). Optional spending: read once, skipped with `history: false`.
   */
  history?: () => Promise<number[]>
  /** One status check: read the job, record it in the report, say whether it has ended. */
  check(tools: WatchTools): Promise<CheckResult<T>>
}

/**
 * The wait every provider shares, around `waitFor`: one log group, a warning for a check that failed for a passing
 * reason, one warning per status this version does not know, a line whenever the job's state changes, and the
 * `Waited` fact once the job has ended. The provider words the verdict; `timedOut()` words a timeout.
 */
export async function watchJob<T>(ctx: TargetContext<unknown>, spec: WatchSpec<T>): Promise<WaitOutcome<T>> {
  const { log, clock, deadline, report } = ctx
  const since = spec.waitingSince ?? clock.now()
  const warned = new Set<string>()
  let lastLine: string | undefined
  const tools: WatchTools = {
    unknownStatus(status) {
      if (warned.has(status)) return
      warned.add(status)
      log.warning(
        `${ctx.providerTitle} reports a ${spec.statusNoun} this version does not know ("${status}"); waiting on, as for a running job.`
      )
    },
    progress(line) {
      if (line === lastLine) return
      lastLine = line
      log.info(line)
    }
  }
  const outcome = await log.group(
    `Waiting for ${spec.what} to end (${formatDuration(Math.max(0, deadline - clock.now()))} left of the timeout)`,
    () =>
      waitFor<T>({
        clock,
        deadline,
        pollIntervalMs: ctx.common.pollIntervalMs,
        jobStartedAt: spec.startedAt,
        checkFirst: spec.checkFirst,
        signal: ctx.signal,
        history: spec.history,
        onTransientError: (error) => log.warning(`Status check failed (${error.message}); checking again.`),
        check: () => spec.check(tools)
      })
  )
  if (outcome.kind === 'done') setFact(report, 'Waited', formatDuration(clock.now() - since))
  return outcome
}

/** `Timed out after 1h waiting for …. <what happens to the job>` and, when the last check failed, why. */
export function timedOut(ctx: TargetContext<unknown>, what: string, outcome: WaitOutcome<unknown>, after = ''): string {
  const lastError = outcome.kind === 'timed_out' && outcome.lastError ? ` The last status check failed: ${outcome.lastError.message}.` : ''
  return `Timed out after ${formatDuration(ctx.common.timeoutMs)} waiting for ${what}.${after ? ` ${after}` : ''}${lastError}`
}
