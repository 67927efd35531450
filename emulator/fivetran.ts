import { secret } from './secrets.js'
import type { EmulatorRequest, EmulatorResponse, ProviderEmulator } from './types.js'

/** Credentials the emulated Fivetran accepts: distinctive, so that a leak into any log is caught. */
export const FIVETRAN_KEY = secret('ft-key-Q7xW2nR')
export const FIVETRAN_SECRET = secret('ft-secret-9LmZp4Tv')
secret(Buffer.from(`${FIVETRAN_KEY}:${FIVETRAN_SECRET}`).toString('base64'))

interface Scenario {
  description: string
  /** How long a sync runs (ms). */
  syncMs?: number
  outcome?: 'succeeded' | 'failed'
  schedule?: 'auto' | 'manual'
  paused?: boolean
  setupState?: 'connected' | 'broken' | 'incomplete'
  succeededAt?: string | null
  failedAt?: string | null
  /** Already syncing when first seen, for this long (ms). */
  syncingFor?: number
  /** A sync is rescheduled this long (ms) after it starts, until this long (ms) later. */
  reschedule?: { afterMs: number; forMs: number }
  tests?: { title: string; status: string; message: string }[]
  resyncStatus?: 400 | 409
  /** Status checks answer this (e.g. 429, 503) the first `count` times while a sync runs. */
  flaky?: { status: number; count: number; retryAfter?: string }
  /** PATCH answers 500 (a failure to switch the schedule). */
  patchFails?: boolean
}

const OLD_SUCCESS = '2026-11-01T08:00:00.123456Z'
const OLD_FAILURE = '2026-11-02T09:30:00.654321Z'
const PASSING_TESTS = [
  { title: 'Validate Login', status: 'PASSED', message: '' },
  { title: 'Bucket Access', status: 'PASSED', message: '' }
]

/** Scenarios by connector id. An id `<scenario>_<anything>` behaves like `<scenario>` with state of its own. */
export const FIVETRAN_SCENARIOS: Record<string, Scenario> = {
  succeeds: { description: 'auto schedule; a sync runs about 1.2 s and succeeds', schedule: 'auto' },
  fails: { description: 'a sync runs about 1.2 s and fails (task: reconnect)', outcome: 'failed' },
  stale_failure: {
    description: 'the last sync failed (failed_at newer than succeeded_at); the next one succeeds',
    succeededAt: OLD_SUCCESS,
    failedAt: OLD_FAILURE
  },
  never_synced: { description: 'never synced (both timestamps null); a sync succeeds', succeededAt: null, failedAt: null },
  rescheduled: {
    description: 'manual schedule; 0.4 s into a sync Fivetran reschedules it 1.5 s later; triggered again after that, it succeeds',
    schedule: 'manual',
    reschedule: { afterMs: 400, forMs: 1500 }
  },
  rescheduled_far: {
    description: 'manual schedule; the sync is rescheduled two hours ahead',
    schedule: 'manual',
    reschedule: { afterMs: 300, forMs: 2 * 3600_000 }
  },
  paused: { description: 'paused: START is refused', paused: true },
  broken: { description: 'setup_state broken: START is refused', setupState: 'broken' },
  mixed_tests: {
    description: 'setup tests: one passed, one warning, one skipped, one failed',
    tests: [
      { title: 'Validate Login', status: 'PASSED', message: '' },
      { title: 'Bucket Access', status: 'WARNING', message: 'Some files under the prefix could not be listed' },
      { title: 'Connecting to SSH Tunnel', status: 'SKIPPED', message: 'SSH tunnel not configured' },
      { title: 'Validate Permissions', status: 'FAILED', message: 'The role lacks SELECT on schema public' }
    ]
  },
  warning_tests: {
    description: 'setup tests: passed and warning only',
    tests: [
      { title: 'Validate Login', status: 'PASSED', message: '' },
      { title: 'Bucket Access', status: 'WARNING', message: 'Some files under the prefix could not be listed' }
    ]
  },
  no_table_resync: { description: 'table re-sync answers 400 (not supported)', resyncStatus: 400 },
  mid_sync: { description: 'already syncing for 2 s when first seen; re-sync answers 409', syncingFor: 2000, resyncStatus: 409 },
  rate_limited: {
    description: 'while syncing, the first 2 status checks answer 429 with Retry-After: 1',
    flaky: { status: 429, count: 2, retryAfter: '1' }
  },
  flaky: { description: 'while syncing, the first 3 status checks answer 503', flaky: { status: 503, count: 3 } },
  ten_seconds: { description: 'a sync runs 10 s and succeeds (npm run bench: many targets at once)', syncMs: 10_000 },
  slow: { description: 'a sync runs 10 minutes', syncMs: 600_000 },
  slow_auto: { description: 'auto schedule; a sync runs 10 minutes', syncMs: 600_000, schedule: 'auto' },
  schedule_locked: { description: 'auto schedule; PATCH answers 500 (the switch to manual fails)', schedule: 'auto', patchFails: true }
}

interface Connector {
  id: string
  scenario: Scenario
  scheduleType: 'auto' | 'manual'
  paused: boolean
  setupState: string
  succeededAt: string | null
  failedAt: string | null
  /** The sync in progress. */
  sync?: { startedAt: number; endsAt: number; rescheduleAt?: number }
  rescheduledFor?: number
  flakyLeft: number
  createdAt: string
}

/** Fivetran sends 6 fractional digits. */
function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '000Z')
}

export class FivetranEmulator implements ProviderEmulator {
  readonly name = 'fivetran'
  private connectors = new Map<string, Connector>()
  syncMs = 1200
  /** Syncs started since the last reset (a trigger that did not start one is not counted). */
  syncsStarted = 0

  reset(): void {
    this.connectors.clear()
    this.syncsStarted = 0
  }

  private find(id: string, now: number): Connector | undefined {
    const existing = this.connectors.get(id)
    if (existing) return existing
    const name = Object.keys(FIVETRAN_SCENARIOS)
      .sort((a, b) => b.length - a.length)
      .find((s) => id === s || id.startsWith(`${s}_`))
    if (!name) return undefined
    const scenario = FIVETRAN_SCENARIOS[name]
    const connector: Connector = {
      id,
      scenario,
      scheduleType: scenario.schedule ?? 'manual',
      paused: scenario.paused ?? false,
      setupState: scenario.setupState ?? 'connected',
      succeededAt: scenario.succeededAt === undefined ? OLD_SUCCESS : scenario.succeededAt,
      failedAt: scenario.failedAt === undefined ? null : scenario.failedAt,
      flakyLeft: scenario.flaky?.count ?? 0,
      createdAt: '2026-10-01T12:00:00.000000Z'
    }
    if (scenario.syncingFor) connector.sync = { startedAt: now, endsAt: now + scenario.syncingFor }
    this.connectors.set(id, connector)
    return connector
  }

  /** Moves a connector's state forward to `now`: syncs end, reschedules happen. */
  private advance(c: Connector, now: number): void {
    if (!c.sync) return
    if (c.sync.rescheduleAt !== undefined && now >= c.sync.rescheduleAt) {
      c.rescheduledFor = c.sync.rescheduleAt + (c.scenario.reschedule?.forMs ?? 0)
      c.sync = undefined
      return
    }
    if (now >= c.sync.endsAt) {
      const at = iso(c.sync.endsAt)
      if ((c.scenario.outcome ?? 'succeeded') === 'succeeded') c.succeededAt = at
      else c.failedAt = at
      c.sync = undefined
    }
  }

  private startSync(c: Connector, now: number): void {
    const syncMs = c.scenario.syncMs ?? this.syncMs
    const rescheduleAt = c.scenario.reschedule && c.rescheduledFor === undefined ? now + c.scenario.reschedule.afterMs : undefined
    c.rescheduledFor = undefined
    c.sync = { startedAt: now, endsAt: now + syncMs, rescheduleAt }
    this.syncsStarted++
    c.flakyLeft = c.scenario.flaky?.count ?? 0
  }

  private details(c: Connector): Record<string, unknown> {
    const syncState = c.paused ? 'paused' : c.sync ? 'syncing' : c.rescheduledFor !== undefined ? 'rescheduled' : 'scheduled'
    return {
      id: c.id,
      group_id: 'emulated_group',
      service: 'google_sheets',
      service_version: 1,
      schema: `emulated.${c.id}`,
      connected_by: 'emulator_user',
      created_at: c.createdAt,
      succeeded_at: c.succeededAt,
      failed_at: c.failedAt,
      paused: c.paused,
      pause_after_trial: false,
      sync_frequency: 360,
      schedule_type: c.scheduleType,
      data_delay_sensitivity: 'NORMAL',
      status: {
        setup_state: c.setupState,
        schema_status: 'ready',
        sync_state: syncState,
        update_state: 'on_schedule',
        is_historical_sync: false,
        rescheduled_for: syncState === 'rescheduled' ? iso(c.rescheduledFor as number) : null,
        tasks: c.failedAt && c.scenario.outcome === 'failed' ? [{ code: 'reconnect', message: 'Reconnect' }] : [],
        warnings: []
      },
      config: { sheet_id: 'emulated-sheet', auth_type: 'ServiceAccount', api_token: '******' }
    }
  }

  handle(req: EmulatorRequest): EmulatorResponse {
    const expected = `Basic ${Buffer.from(`${FIVETRAN_KEY}:${FIVETRAN_SECRET}`).toString('base64')}`
    if (req.headers.authorization !== expected) {
      return { status: 401, body: { code: 'AuthFailed', message: 'Invalid API key or secret' } }
    }
    const match = /^\/v1\/connections\/([^/]+)(\/.*)?$/.exec(req.path)
    if (!match) {
      return { status: 404, body: { code: 'NotFound', message: `No endpoint ${req.method} ${req.path}` } }
    }
    const id = decodeURIComponent(match[1])
    const rest = match[2] ?? ''
    const c = this.find(id, req.now)
    if (!c) return { status: 404, body: { code: 'NotFound_Connection', message: `Connection with id '${id}' does not exist.` } }
    this.advance(c, req.now)

    if (req.method === 'GET' && rest === '') {
      if (c.sync && c.flakyLeft > 0 && c.scenario.flaky) {
        c.flakyLeft--
        const { status, retryAfter } = c.scenario.flaky
        return {
          status,
          headers: retryAfter ? { 'Retry-After': retryAfter } : undefined,
          body:
            status === 429
              ? { code: 'TooManyRequests', message: 'Max 20000 api calls allowed in one-hour rolling time period' }
              : { code: 'ServiceUnavailable', message: 'Service temporarily unavailable' }
        }
      }
      return ok(this.details(c), 'Connection details retrieved successfully')
    }
    if (req.method === 'PATCH' && rest === '') {
      if (c.scenario.patchFails) return { status: 500, body: { code: 'InternalError', message: 'Internal error' } }
      const body = (req.body ?? {}) as { schedule_type?: string; paused?: boolean }
      if (body.schedule_type !== undefined) {
        if (body.schedule_type !== 'auto' && body.schedule_type !== 'manual') {
          return { status: 400, body: { code: 'InvalidInput', message: `Invalid schedule_type '${body.schedule_type}'` } }
        }
        c.scheduleType = body.schedule_type
      }
      if (typeof body.paused === 'boolean') c.paused = body.paused
      return ok(this.details(c), 'Connection has been updated')
    }
    if (req.method === 'POST' && rest === '/sync') {
      const force = (req.body as { force?: boolean } | undefined)?.force === true
      if (c.paused) return ok(undefined, `Sync has been successfully triggered for connection with id '${id}'`)
      if (c.rescheduledFor !== undefined && req.now < c.rescheduledFor) {
        // Too early: Fivetran keeps it rescheduled.
      } else if (!c.sync || force) {
        if (c.sync && force) c.failedAt = iso(req.now)
        this.startSync(c, req.now)
      }
      return ok(undefined, `Sync has been successfully triggered for connection with id '${id}'`)
    }
    if (req.method === 'POST' && rest === '/test') {
      if (req.body === undefined) return { status: 400, body: { code: 'BadRequest', message: 'Request body is required' } }
      const tests = c.scenario.tests ?? PASSING_TESTS
      const failed = tests.some((t) => t.status === 'FAILED' || t.status === 'JOB_FAILED')
      if (failed) c.setupState = 'incomplete'
      return ok({ ...this.details(c), setup_tests: tests }, 'Setup tests were completed')
    }
    if (req.method === 'POST' && rest === '/resync') {
      const scope = (req.body as { scope?: Record<string, unknown> } | undefined)?.scope
      if (scope !== undefined && (typeof scope !== 'object' || Object.keys(scope).length === 0)) {
        return { status: 400, body: { code: 'InvalidInput', message: 'Scope must not be empty' } }
      }
      if (c.scenario.resyncStatus === 400) {
        return { status: 400, body: { code: 'InvalidInput', message: 'Table resync is not supported for this connection' } }
      }
      if (c.sync && c.scenario.resyncStatus === 409) {
        return { status: 409, body: { code: 'Conflict', message: 'Sync is in progress and could not be completed' } }
      }
      if (!c.sync) this.startSync(c, req.now)
      return ok(undefined, `Sync has been successfully triggered for connection with id '${id}'`)
    }
    return { status: 405, body: { code: 'MethodNotAllowed', message: `${req.method} is not allowed on ${req.path}` } }
  }

  stripFields(body: unknown): unknown {
    const data = { ...((body as { data?: Record<string, unknown> })?.data ?? {}) }
    delete data.status
    delete data.succeeded_at
    return { code: 'Success', data }
  }

  oddStatus(body: unknown): unknown {
    const b = body as { data?: { status?: Record<string, unknown> } }
    if (b?.data?.status) b.data.status.sync_state = 'mystery_state'
    return body
  }
}

function ok(data: unknown, message: string): EmulatorResponse {
  return { status: 200, body: data === undefined ? { code: 'Success', message } : { code: 'Success', message, data } }
}
