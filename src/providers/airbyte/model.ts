import type { Status } from '../../core/constants.js'
import { formatDuration, parseIsoDuration, parseTimestamp } from '../../core/duration.js'
import { ApiError } from '../../core/errors.js'

/** Airbyte's job types (`JobTypeEnum`); `refresh` is refused by the public API, so the action never sends it. */
export type JobType = 'sync' | 'reset' | 'clear'

/**
 * A `JobResponse` of the public API. Only `jobId` and `status` are relied on: the spec's own examples lack
 * `startTime` and `connectionId`, null fields are left out, and POST/DELETE answers carry no stats.
 */
export interface AirbyteJob {
  jobId: number
  status: string
  jobType?: string
  /** When the job was created (not when it started running), e.g. `2026-08-21T10:00:07Z` or `2026-08-21T12:00Z`. */
  startTime?: string
  connectionId?: string
  /** Set only once the job has ended. */
  lastUpdatedAt?: string
  /** ISO-8601, e.g. `PT14M12S`; left out while `pending`. */
  duration?: string
  bytesSynced?: number
  rowsSynced?: number
  [key: string]: unknown
}

/** `JobStatusEnum`, with what each means to a step that waits. */
const STATUSES: Record<string, { normal: Status; ended: boolean }> = {
  pending: { normal: 'queued', ended: false },
  // Cloud holds jobs here under capacity limits, possibly for hours: a wait, never a failure.
  queued: { normal: 'queued', ended: false },
  running: { normal: 'running', ended: false },
  // An attempt failed and Airbyte will retry it.
  incomplete: { normal: 'running', ended: false },
  succeeded: { normal: 'succeeded', ended: true },
  failed: { normal: 'failed', ended: true },
  cancelled: { normal: 'cancelled', ended: true }
}

/** A status this version knows. Anything else is waited on with a warning (as `queued` should have been in Airflow). */
export function isKnownStatus(status: string): boolean {
  return Object.hasOwn(STATUSES, status)
}

/** True only for `succeeded`, `failed` and `cancelled`; an unknown status is not an end. */
export function hasEnded(status: string): boolean {
  return STATUSES[status]?.ended ?? false
}

/** The normalised status for an Airbyte job status: `pending` → queued, `incomplete` → running, unknown → unknown. */
export function normalStatus(status: string): Status {
  return STATUSES[status]?.normal ?? 'unknown'
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export function isUuid(text: string): boolean {
  return UUID.test(text)
}

/** Job ids are int64; kept as text so that large ones survive unchanged. */
export function isJobId(text: string): boolean {
  return /^\d{1,19}$/.test(text) && !/^0+$/.test(text)
}

function malformed(request: string, cause: string): ApiError {
  return new ApiError({ kind: 'malformed', request, status: 200, cause })
}

function parseJobEntry(value: unknown): AirbyteJob | string {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return 'a job object'
  const entry = value as Record<string, unknown>
  const missing: string[] = []
  let jobId = entry.jobId
  if (typeof jobId === 'string' && /^\d+$/.test(jobId)) jobId = Number(jobId)
  if (typeof jobId !== 'number' || !Number.isInteger(jobId)) missing.push('jobId')
  if (typeof entry.status !== 'string' || entry.status === '') missing.push('status')
  if (missing.length > 0) return missing.join(', ')
  const job: AirbyteJob = { ...entry, jobId: jobId as number, status: (entry.status as string).toLowerCase() }
  // Optional fields of the wrong type are dropped, not trusted.
  for (const name of ['jobType', 'startTime', 'connectionId', 'lastUpdatedAt', 'duration'] as const) {
    if (job[name] !== undefined && typeof job[name] !== 'string') delete job[name]
  }
  for (const name of ['bytesSynced', 'rowsSynced'] as const) {
    if (job[name] !== undefined && (typeof job[name] !== 'number' || !Number.isFinite(job[name]))) delete job[name]
  }
  return job
}

/**
 * Reads one `JobResponse`. A 200 without `jobId` or `status` is a passing fault (a malformed ApiError), so the
 * wait loop checks again instead of guessing a verdict from it.
 */
export function readJob(body: unknown, request: string): AirbyteJob {
  const job = parseJobEntry(body)
  if (typeof job === 'string') throw malformed(request, `the answer lacks ${job}`)
  return job
}

/** Reads a `JobsResponse`, skipping entries that lack `jobId` or `status` (the spec's own example has neither). */
export function readJobList(body: unknown, request: string): AirbyteJob[] {
  const data = (body as { data?: unknown } | undefined)?.data
  if (!Array.isArray(data)) throw malformed(request, 'the answer lacks data')
  return data.map(parseJobEntry).filter((job): job is AirbyteJob => typeof job !== 'string')
}

/** When the job was created, in epoch ms (Airbyte's `startTime`), read leniently. */
export function createdAt(job: AirbyteJob): number | undefined {
  return parseTimestamp(job.startTime)
}

/** How long an ended job took from its creation (the age the wait loop counts): to its last update, else `duration`. */
export function jobDurationMs(job: AirbyteJob): number | undefined {
  const from = createdAt(job)
  const to = parseTimestamp(job.lastUpdatedAt)
  if (from !== undefined && to !== undefined && to > from) return to - from
  return parseIsoDuration(job.duration)
}

/**
 * After a creation request whose answer was lost (or that Airbyte refused with 409), the jobs of the connection,
 * newest first, tell what happened:
 * - `ours`: the newest job created at or after `since` (just before our request, less a little clock slack);
 *   whatever its status, our request created it, so the action attaches to it and never sends another;
 * - `running`: the newest job that has not ended, created before that: someone else's sync;
 * - neither: no job came of the request.
 * With `refused` (a 409 "a sync is already running"), the request created nothing, so no job counts as ours.
 */
export function findAfterLostAnswer(jobs: AirbyteJob[], since: number, refused: boolean): { ours?: AirbyteJob; running?: AirbyteJob } {
  const newestFirst = [...jobs].sort((a, b) => (createdAt(b) ?? 0) - (createdAt(a) ?? 0) || b.jobId - a.jobId)
  if (!refused) {
    const ours = newestFirst.find((job) => (createdAt(job) ?? -Infinity) >= since)
    if (ours) return { ours }
  }
  return { running: newestFirst.find((job) => !hasEnded(job.status)) }
}

/** `https://cloud.airbyte.com` for the Cloud API, else the self-managed server's root (what precedes `/api/public/v1`). */
export function uiRoot(baseUrl: string): string {
  const url = new URL(baseUrl)
  if (url.hostname === 'api.airbyte.com') return 'https://cloud.airbyte.com'
  const prefix = url.pathname
    .replace(/\/+$/, '')
    .replace(/\/api\/public\/v1$/, '')
    .replace(/\/v1$/, '')
  return `${url.protocol}//${url.host}${prefix}`
}

/** The connection's page in the Airbyte UI (its Timeline lists each job); needs the workspace id. */
export function connectionUrl(baseUrl: string, workspaceId: string | undefined, connectionId: string | undefined): string | undefined {
  if (!workspaceId || !connectionId) return undefined
  return `${uiRoot(baseUrl)}/workspaces/${encodeURIComponent(workspaceId)}/connections/${encodeURIComponent(connectionId)}`
}

/** `52.4 MB (52,428,800 bytes)`: readable, with the exact count. */
export function formatBytes(bytes: number): string {
  const exact = `${bytes.toLocaleString('en-US')} bytes`
  if (bytes < 1000) return exact
  const units = ['kB', 'MB', 'GB', 'TB', 'PB']
  let value = bytes
  let unit = -1
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000
    unit++
  }
  return `${value.toFixed(1)} ${units[unit]} (${exact})`
}

/** Label/value pairs for the job summary. */
export function jobFacts(job: AirbyteJob): [string, string][] {
  const facts: [string, string][] = []
  if (job.jobType) facts.push(['Job type', job.jobType])
  const started = createdAt(job)
  if (started !== undefined) facts.push(['Started', new Date(started).toISOString()])
  const duration = parseIsoDuration(job.duration)
  if (duration !== undefined) facts.push(['Duration', formatDuration(duration)])
  const ended = parseTimestamp(job.lastUpdatedAt)
  if (ended !== undefined && hasEnded(job.status)) facts.push(['Ended', new Date(ended).toISOString()])
  if (job.bytesSynced !== undefined) facts.push(['Bytes synced', formatBytes(job.bytesSynced)])
  return facts
}

/** One log line for a job: `job 12345 (sync) running for 2m 35s, 2,500 rows, 1.0 MB`. */
export function describeJob(job: AirbyteJob): string {
  const parts = [`job ${job.jobId}${job.jobType ? ` (${job.jobType})` : ''} is ${job.status}`]
  const duration = parseIsoDuration(job.duration)
  if (duration !== undefined) parts.push(`after ${formatDuration(duration)}`)
  if (job.rowsSynced !== undefined) parts.push(`${job.rowsSynced.toLocaleString('en-US')} rows`)
  if (job.bytesSynced !== undefined) parts.push(formatBytes(job.bytesSynced).replace(/ \(.*\)$/, ''))
  return parts.join(', ')
}

/** Why a job is still being waited on, in words, for the statuses that deserve one. */
export function waitingNote(status: string): string | undefined {
  switch (status) {
    case 'pending':
      return 'Airbyte has created the job and is about to run it.'
    case 'queued':
      return 'Airbyte queued the job (Cloud holds jobs while the organisation is at its capacity limit; this can last hours). Waiting on, within the timeout.'
    case 'incomplete':
      return 'An attempt failed; Airbyte retries the job by itself. Waiting on.'
    default:
      return undefined
  }
}

/** The role Airbyte says is missing, from a 403's message (`... the required WORKSPACE_RUNNER permissions ...`). */
export function missingRole(message: string | undefined): string | undefined {
  return message ? /required ([A-Z_]+) permission/.exec(message)?.[1] : undefined
}
