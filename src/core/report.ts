import type { Status } from './constants.js'

export interface SummaryTable {
  title?: string
  header: string[]
  rows: string[][]
}

/** A span a target spent waiting: for a slot (`max_parallel`), or for the request budget (a rate limit, a 429). */
export interface Wait {
  from: number
  to: number
  reason: 'slot' | 'rate limit'
}

/** When the work on a target happened, by the step's clock (epoch ms), for the summary's timeline. */
export interface Timing {
  /** When the step began: every target is queued then. */
  queuedAt: number
  /** When the work on it began (its trigger), once it had a slot; unset for a target that never got one. */
  startedAt?: number
  endedAt?: number
  waits: Wait[]
}

/**
 * What the action learned about one target. Providers fill it in as they go, so that whatever happens later
 * (an HTTP error, a timeout, a cancelled workflow) every output known so far is still set.
 */
export interface Report {
  provider: string
  action: string
  /** The target as the user gave it (connector id, connection id, sync id or slug). */
  target: string
  /**
   * What `target` names when it is not one of the provider's usual targets (Airbyte: `Job`, for WAIT/STATUS/CANCEL
   * without connection_id, until the job names its connection). The summary says so, and `results` gives no `target`.
   */
  targetNoun?: string
  /** The name people know the target by, when the provider told us (connector schema, connection name, sync slug). */
  targetName?: string
  /** The target's id, when the user named it otherwise (a Hightouch sync given by slug): shown beside its name. */
  targetId?: string
  jobId?: string
  status?: Status
  providerStatus?: string
  jobUrl?: string
  /** The provider's last response body for the job. */
  result?: unknown
  rowsSynced?: number
  tests?: { passed: number; failed: number; warning: number }
  /** Label/value pairs for the summary (job type, started, duration...). */
  facts: [string, string][]
  tables: SummaryTable[]
  /** How it ended, in words. */
  message?: string
  /** Why the target failed for a reason other than the job's own status (HTTP error, bad state...). */
  error?: string
  /** When the request that starts the job was sent (epoch ms), set before it is sent. */
  triggeredAt?: number
  /** Set by a provider that cancelled the remote job itself (Airbyte on timeout or cancellation). */
  remoteCancelled?: boolean
  /** Set by the orchestrator as the target waits, starts and ends. */
  timing?: Timing
}

export function newReport(provider: string, action: string, target: string): Report {
  return { provider, action, target, facts: [], tables: [] }
}

/** Adds or replaces a summary fact. */
export function setFact(report: Report, label: string, value: string | undefined): void {
  if (value === undefined || value === '') return
  const existing = report.facts.find(([l]) => l === label)
  if (existing) existing[1] = value
  else report.facts.push([label, value])
}

/** Records a wait, merged with the previous one when they (nearly) touch, so that many short waits draw as one. */
export function addWait(timing: Timing, wait: Wait, joinWithinMs = 1000): void {
  if (wait.to <= wait.from) return
  const last = timing.waits.at(-1)
  if (last && last.reason === wait.reason && wait.from - last.to <= joinWithinMs) last.to = Math.max(last.to, wait.to)
  else timing.waits.push({ ...wait })
}
