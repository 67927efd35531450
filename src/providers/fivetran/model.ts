import type { Status } from '../../core/constants.js'
import { ApiError } from '../../core/errors.js'

/** An alert in `status.tasks` or `status.warnings`. */
export interface FivetranAlert {
  code?: string
  message?: string
  details?: unknown
}

export interface FivetranSetupTest {
  title: string
  /** PASSED, SKIPPED, WARNING, FAILED or JOB_FAILED. */
  status: string
  message?: string
  details?: unknown
}

/** The fields of `GET /v1/connections/{id}` (`data`) that the action reads. */
export interface FivetranConnection {
  id: string
  service?: string
  schema?: string
  paused?: boolean
  schedule_type?: string
  succeeded_at: string | null
  failed_at: string | null
  status: {
    setup_state?: string
    sync_state: string
    update_state?: string
    is_historical_sync?: boolean
    rescheduled_for?: string | null
    tasks?: FivetranAlert[]
    warnings?: FivetranAlert[]
  }
  setup_tests?: FivetranSetupTest[]
  [key: string]: unknown
}

/**
 * Takes `data` out of Fivetran's envelope and checks the fields the action decides on. A 200 without them is a
 * passing fault (a malformed ApiError): the wait loop checks again rather than guess a verdict from it.
 */
export function readConnection(body: unknown, request: string): FivetranConnection {
  const data = (body as { data?: unknown } | undefined)?.data as Partial<FivetranConnection> | undefined
  const missing: string[] = []
  if (!data || typeof data !== 'object') missing.push('data')
  else {
    if (typeof data.status?.sync_state !== 'string') missing.push('status.sync_state')
    if (!('succeeded_at' in data)) missing.push('succeeded_at')
    if (!('failed_at' in data)) missing.push('failed_at')
  }
  if (missing.length > 0) {
    throw new ApiError({ kind: 'malformed', request, status: 200, cause: `the answer lacks ${missing.join(', ')}` })
  }
  return data as FivetranConnection
}

/**
 * A Fivetran timestamp in microseconds since the epoch, keeping the 6 fractional digits Fivetran may send
 * (so two syncs a few microseconds apart still compare right). Undefined for null or unreadable values.
 */
export function timestampMicros(text: string | null | undefined): number | undefined {
  if (typeof text !== 'string') return undefined
  const match = /^(.*T\d{2}:\d{2}(?::\d{2})?)(?:\.(\d+))?(Z|[+-]\d{2}:?\d{2})?$/.exec(text.trim())
  if (!match) return undefined
  const [, base, fraction = '', zone = 'Z'] = match
  const seconds = Date.parse(`${base.length === 16 ? `${base}:00` : base}${zone}`)
  if (Number.isNaN(seconds)) return undefined
  return seconds * 1000 + Number(fraction.padEnd(6, '0').slice(0, 6))
}

/** The connector's last completion (success or failure) as Fivetran wrote it, or null if it never synced. */
export function lastCompletion(connection: FivetranConnection): string | null {
  const succeeded = timestampMicros(connection.succeeded_at)
  const failed = timestampMicros(connection.failed_at)
  if (succeeded === undefined && failed === undefined) return null
  if (failed === undefined || (succeeded !== undefined && succeeded >= failed)) return connection.succeeded_at
  return connection.failed_at
}

/** Fivetran has no job ids: `CONNECTOR_ID@BASELINE` names "the sync that ends after BASELINE". */
export function formatJobId(connectorId: string, baseline: string | null): string {
  return `${connectorId}@${baseline ?? 'none'}`
}

export function parseJobId(text: string): { connectorId: string; baseline: string | null } | undefined {
  const at = text.lastIndexOf('@')
  if (at <= 0) return undefined
  const connectorId = text.slice(0, at)
  const baseline = text.slice(at + 1)
  if (!CONNECTOR_ID.test(connectorId)) return undefined
  if (baseline === 'none') return { connectorId, baseline: null }
  return timestampMicros(baseline) === undefined ? undefined : { connectorId, baseline }
}

/** Connection ids are short words such as `shrank_paparazzi` or hex strings. */
export const CONNECTOR_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/

export type Completion = { outcome: 'succeeded' | 'failed'; at: string }

/**
 * Has a sync ended since `baseline`? Compares the server's own timestamps, never the local clock: the newer of
 * `succeeded_at` and `failed_at` decides, so an old `failed_at` cannot fail a new success. While Fivetran still
 * says `syncing` (a forced restart may stamp `failed_at` on the sync it stopped) the answer is "not yet".
 */
export function completionSince(connection: FivetranConnection, baseline: string | null): Completion | undefined {
  if (connection.status.sync_state === 'syncing') return undefined
  const since = baseline === null ? undefined : timestampMicros(baseline)
  const succeeded = timestampMicros(connection.succeeded_at)
  const failed = timestampMicros(connection.failed_at)
  const isNew = (t: number | undefined): t is number => t !== undefined && (since === undefined || t > since)
  if (!isNew(succeeded) && !isNew(failed)) return undefined
  if (isNew(succeeded) && (failed === undefined || succeeded > failed)) {
    return { outcome: 'succeeded', at: connection.succeeded_at as string }
  }
  return { outcome: 'failed', at: connection.failed_at as string }
}

/** STATUS: running while syncing, paused, rescheduled, else the last sync's outcome; unknown if it never synced. */
export function normalStatus(connection: FivetranConnection): Status {
  const state = connection.status.sync_state
  if (connection.paused === true || state === 'paused') return 'paused'
  if (state === 'syncing') return 'running'
  if (state === 'rescheduled') return 'rescheduled'
  const last = completionSince({ ...connection, status: { ...connection.status, sync_state: 'scheduled' } }, null)
  return last?.outcome ?? 'unknown'
}

export interface TestCounts {
  passed: number
  failed: number
  warning: number
  skipped: number
}

/** Counts setup tests; `FAILED` and `JOB_FAILED` fail the step, `WARNING` passes with a warning. */
export function countSetupTests(tests: FivetranSetupTest[]): TestCounts {
  const counts: TestCounts = { passed: 0, failed: 0, warning: 0, skipped: 0 }
  for (const test of tests) {
    const status = String(test.status).toUpperCase()
    if (status === 'PASSED') counts.passed++
    else if (status === 'FAILED' || status === 'JOB_FAILED') counts.failed++
    else if (status === 'WARNING') counts.warning++
    else counts.skipped++
  }
  return counts
}

/** Alerts as one readable line each: `reconnect: Reconnect (details)`. */
export function describeAlerts(alerts: FivetranAlert[] | undefined): string[] {
  return (alerts ?? []).map((a) => {
    const details = typeof a.details === 'string' && a.details !== '' ? ` (${a.details})` : ''
    return `${a.code ?? 'alert'}: ${a.message ?? ''}${details}`.trim()
  })
}
