import type { Status } from '../../core/constants.js'
import { ApiError } from '../../core/errors.js'
import type { SummaryTable } from '../../core/report.js'
import { worstStatus } from '../../core/verdict.js'

/** Row counts of a sync run (`plannedRows`, `successfulRows`, `failedRows`). */
export interface HightouchRowCounts {
  addedCount?: number
  changedCount?: number
  removedCount?: number
}

/** The fields of a sync run (`GET /syncs/{id}/runs`) that the action reads; others are kept as they came. */
export interface HightouchSyncRun {
  /** A number in today's API, a string in older versions: compare with `sameId`. */
  id: number | string
  status: string
  createdAt?: string | null
  startedAt?: string | null
  finishedAt?: string | null
  querySize?: number
  /** Progress from 0 to 1. */
  completionRatio?: number
  plannedRows?: HightouchRowCounts
  successfulRows?: HightouchRowCounts
  failedRows?: HightouchRowCounts
  error?: string | null
  [key: string]: unknown
}

/** The answer of `GET /syncs/{id}/runs`. */
export interface HightouchRuns {
  data: HightouchSyncRun[]
  hasMore?: boolean
  [key: string]: unknown
}

/** A sync, as `GET /syncs?slug=` lists it. */
export interface HightouchSync {
  id: number | string
  slug?: string
  disabled?: boolean
  status?: string
  [key: string]: unknown
}

/** Sync ids and run ids are whole numbers (Orchestra's "Sync ID" parameter is a number). */
export const NUMERIC_ID = /^\d+$/

/** Ids come as numbers or strings depending on the API version: compare them as strings. */
export function sameId(a: unknown, b: unknown): boolean {
  return a !== undefined && a !== null && String(a) === String(b)
}

/** What each status Hightouch documents means for the action. `interrupted` ends the run: it failed. */
const STATUS_MAP: Record<string, Status> = {
  queued: 'queued',
  querying: 'running',
  processing: 'running',
  reporting: 'running',
  success: 'succeeded',
  warning: 'warning',
  failed: 'failed',
  cancelled: 'cancelled',
  interrupted: 'failed'
}

export type RunPhase = 'waiting' | 'ended' | 'unknown'

/** Whether a sync run is still going, has ended, or says something nobody documented. */
export function runPhase(status: string): RunPhase {
  const mapped = STATUS_MAP[status]
  if (mapped === undefined) return 'unknown'
  return mapped === 'queued' || mapped === 'running' ? 'waiting' : 'ended'
}

/** A run status in the action's words; `unknown` for a status nobody documented. */
export function normalStatus(status: string): Status {
  return STATUS_MAP[status] ?? 'unknown'
}

/**
 * Checks the fields the action decides on. A 200 without them is a passing fault (a malformed ApiError): the
 * wait loop checks again rather than guess a verdict from it. Unknown fields are kept, never refused.
 */
export function readRuns(body: unknown, request: string): HightouchRuns {
  const b = body as { data?: unknown } | undefined
  const missing: string[] = []
  if (!b || typeof b !== 'object' || !Array.isArray(b.data)) missing.push('data')
  else {
    b.data.forEach((run: unknown, i) => {
      const r = run as Partial<HightouchSyncRun> | null
      if (!r || typeof r !== 'object') missing.push(`data[${i}]`)
      else {
        if (r.id === undefined || r.id === null || r.id === '') missing.push(`data[${i}].id`)
        if (typeof r.status !== 'string' || r.status === '') missing.push(`data[${i}].status`)
      }
    })
  }
  if (missing.length > 0) {
    throw new ApiError({ kind: 'malformed', request, status: 200, cause: `the answer lacks ${missing.join(', ')}` })
  }
  return body as HightouchRuns
}

/**
 * An id from an answer (a run id, a sync id) as text, only when it is what Hightouch documents: a whole number, sent
 * as a number or as a string of digits. Anything else (newlines, shell characters, a workflow command) is undefined:
 * it never reaches an output, a log line or a URL.
 */
export function readId(id: unknown): string | undefined {
  if (typeof id === 'number' && Number.isSafeInteger(id) && id >= 0) return String(id)
  if (typeof id === 'string' && /^\d{1,20}$/.test(id)) return id
  return undefined
}

/** The run id in the trigger's answer (`{"id": "123"}`), as a string; undefined when it is missing or not a number. */
export function readTriggeredRunId(body: unknown): string | undefined {
  return readId((body as { id?: unknown } | undefined)?.id)
}

/** The sync whose slug is `slug` in a `GET /syncs?slug=` answer; undefined when there is none. */
export function findSyncBySlug(body: unknown, slug: string, request: string): HightouchSync | undefined {
  const data = (body as { data?: unknown } | undefined)?.data
  if (!Array.isArray(data)) {
    throw new ApiError({ kind: 'malformed', request, status: 200, cause: 'the answer lacks data' })
  }
  // The server filters by slug; matching again guards against a server that ignored the filter.
  return data.find((s): s is HightouchSync => !!s && typeof s === 'object' && 'id' in s && (s as HightouchSync).slug === slug)
}

/**
 * What one check of a sync run shows. Orchestra's rule: every entry of `data` is a job of the sync, and the
 * run succeeded only if every job's status is `success`. The run itself must be among them: an empty `data`,
 * or one without the run, means Hightouch does not show it yet.
 */
export type RunView =
  | { kind: 'invisible' }
  | { kind: 'waiting'; run: HightouchSyncRun; jobs: HightouchSyncRun[]; unknown: string[] }
  | { kind: 'ended'; run: HightouchSyncRun; jobs: HightouchSyncRun[]; status: Status; providerStatus: string }

export function viewRun(runs: HightouchRuns, runId: string): RunView {
  const run = runs.data.find((r) => sameId(r.id, runId))
  if (!run) return { kind: 'invisible' }
  const jobs = runs.data
  const unknown = [...new Set(jobs.map((j) => j.status).filter((s) => runPhase(s) === 'unknown'))]
  if (jobs.some((j) => runPhase(j.status) !== 'ended')) return { kind: 'waiting', run, jobs, unknown }
  const { status, providerStatus } = verdictOf(jobs)
  return { kind: 'ended', run, jobs, status, providerStatus }
}

/**
 * The outcome of ended jobs: the worst of them decides (`failed`/`interrupted`, then `cancelled`, then
 * `warning`), and its own word becomes `provider_status`, so the two outputs agree.
 */
export function verdictOf(jobs: HightouchSyncRun[]): { status: Status; providerStatus: string } {
  const status = worstStatus(jobs.map((j) => normalStatus(j.status))) ?? 'unknown'
  const decisive = jobs.find((j) => normalStatus(j.status) === status)
  return { status, providerStatus: decisive?.status ?? status }
}

/** The status of a run seen once (STATUS, or while waiting): the worst job once all ended, else the run's own. */
export function currentStatus(view: RunView): { status: Status; providerStatus?: string } {
  if (view.kind === 'invisible') return { status: 'unknown' }
  if (view.kind === 'ended') return { status: view.status, providerStatus: view.providerStatus }
  return { status: normalStatus(view.run.status), providerStatus: view.run.status }
}

function count(rows: HightouchRowCounts | undefined): number {
  if (!rows) return 0
  return [rows.addedCount, rows.changedCount, rows.removedCount].reduce<number>(
    (sum, n) => sum + (typeof n === 'number' && Number.isFinite(n) ? n : 0),
    0
  )
}

/** `rows_synced`: successful added + changed + removed rows, summed over the jobs in `data`. */
export function rowsSynced(jobs: HightouchSyncRun[]): number {
  return jobs.reduce((sum, job) => sum + count(job.successfulRows), 0)
}

/** `added / changed / removed`, or `—` when Hightouch sent no counts. */
export function formatRows(rows: HightouchRowCounts | undefined): string {
  if (!rows) return '—'
  const n = (v: number | undefined): string => (typeof v === 'number' ? v.toLocaleString('en-US') : '0')
  return `${n(rows.addedCount)} / ${n(rows.changedCount)} / ${n(rows.removedCount)}`
}

/** `completionRatio` (0..1) as a percentage. */
export function formatCompletion(ratio: unknown): string | undefined {
  if (typeof ratio !== 'number' || !Number.isFinite(ratio)) return undefined
  return `${Math.round(ratio * 1000) / 10}%`
}

/** The per-job table of the summary: one row per entry of `data`. */
export function jobsTable(jobs: HightouchSyncRun[]): SummaryTable {
  return {
    title: 'Sync run jobs (rows added / changed / removed)',
    header: ['Run', 'Status', 'Planned', 'Successful', 'Failed', 'Error'],
    rows: jobs.map((j) => [
      String(j.id),
      j.status,
      formatRows(j.plannedRows),
      formatRows(j.successfulRows),
      formatRows(j.failedRows),
      typeof j.error === 'string' ? j.error : ''
    ])
  }
}

/**
 * What went wrong in the jobs that did not succeed, one entry each: `run 43 failed: Cannot generate ...`.
 * A run alone in `data` needs no naming: just `8 rows rejected` or its error.
 */
export function describeProblems(jobs: HightouchSyncRun[], runId: string): string[] {
  const alone = jobs.length === 1 && sameId(jobs[0].id, runId)
  return jobs
    .filter((j) => j.status !== 'success')
    .map((j) => {
      const failed = count(j.failedRows)
      const parts = [
        failed > 0 ? `${failed.toLocaleString('en-US')} rows rejected` : '',
        typeof j.error === 'string' ? j.error.trim() : ''
      ].filter((p) => p !== '')
      if (alone) return parts.join(': ')
      return `run ${String(j.id)} ${j.status}${parts.length > 0 ? ` (${parts.join(': ')})` : ''}`
    })
    .filter((line) => line !== '')
}

/** The run in the Hightouch app; needs the workspace slug, which no API answer carries. */
export function runUrl(workspaceSlug: string | undefined, syncId: string, runId: string): string | undefined {
  if (!workspaceSlug) return undefined
  return `https://app.hightouch.com/${encodeURIComponent(workspaceSlug)}/syncs/${encodeURIComponent(syncId)}/runs/${encodeURIComponent(runId)}`
}

/** Milliseconds between two timestamps, or undefined when either is missing or unreadable. */
export function durationMs(from: string | null | undefined, to: string | null | undefined): number | undefined {
  if (!from || !to) return undefined
  const a = Date.parse(from)
  const b = Date.parse(to)
  if (Number.isNaN(a) || Number.isNaN(b) || b < a) return undefined
  return b - a
}

/**
 * After a trigger whose answer was lost: among the sync's runs, the one the trigger started, i.e. the first
 * created at or after `since` (a run started by someone else later cannot come before ours).
 */
export function runCreatedSince(runs: HightouchSyncRun[], since: number): HightouchSyncRun | undefined {
  const time = (r: HightouchSyncRun): number => Date.parse(r.createdAt ?? r.startedAt ?? '')
  return runs.filter((r) => time(r) >= since).sort((a, b) => time(a) - time(b) || Number(a.id) - Number(b.id))[0]
}

/** One readable line for the log: `processing, 42% complete`. */
export function describeRun(run: HightouchSyncRun): string {
  const completion = formatCompletion(run.completionRatio)
  return `${run.status}${completion && runPhase(run.status) === 'waiting' ? `, ${completion} complete` : ''}`
}
