import type { Status } from './constants.js'

export interface SummaryTable {
  title?: string
  header: string[]
  rows: string[][]
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
  /** A friendlier name for the target, when the provider told us (connector schema, sync slug). */
  targetName?: string
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
  /** Set by a provider that cancelled the remote job itself (Airbyte on timeout or cancellation). */
  remoteCancelled?: boolean
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
