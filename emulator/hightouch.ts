import { secret } from './secrets.js'
import type { EmulatorRequest, EmulatorResponse, ProviderEmulator } from './types.js'

/** The workspace API key the emulated Hightouch accepts (Bearer). */
export const HIGHTOUCH_KEY = secret('ht-key-V3pX9wLq')

type Outcome = 'success' | 'warning' | 'failed' | 'cancelled' | 'interrupted'

interface Scenario {
  /** The sync's id; the table's key is its slug. */
  id: number
  description: string
  outcome?: Outcome
  /** How long a run spends queued, querying, processing and reporting (ms). */
  phases?: [number, number, number, number]
  /** The first checks of a new run (`?runId=`) answer `data: []`. */
  invisibleChecks?: number
  /** Each run comes with a second job in `data` that ends with this status. */
  secondJob?: Outcome
  /** While a run is going, its first `count` status checks answer this. */
  flaky?: { status: 500 | 429; count: number }
  /** The trigger answers 422 Validation failed. */
  refuseTrigger?: boolean
  /** Runs carry string ids and no `hasMore`, as in older API versions. */
  stringIds?: boolean
  disabled?: boolean
}

const PHASES: [number, number, number, number] = [300, 300, 600, 200]
const FAILED_ERROR = 'Cannot generate sync plan due to unmet dependencies.'

/** Scenarios by slug; each sync has its own numeric id. Any other id answers 404, any other slug an empty list. */
export const HIGHTOUCH_SCENARIOS: Record<string, Scenario> = {
  succeeds: { id: 1001, description: 'a run goes queued → querying → processing → reporting → success in about 1.4 s' },
  'completes-with-errors': {
    id: 1002,
    outcome: 'warning',
    description: 'a run ends warning (completed with errors): 8 of 1,000 rows rejected'
  },
  fails: { id: 1003, outcome: 'failed', description: `a run ends failed: "${FAILED_ERROR}"` },
  cancelled: { id: 1004, outcome: 'cancelled', description: 'a run ends cancelled, 30% done' },
  interrupted: { id: 1005, outcome: 'interrupted', description: 'a run ends interrupted, 60% done' },
  'mixed-jobs': {
    id: 1006,
    secondJob: 'failed',
    description: 'the runs answer holds two jobs: the run succeeds, the other job fails'
  },
  'invisible-at-first': {
    id: 1007,
    invisibleChecks: 2,
    description: 'the first 2 checks of a new run answer data: [] (not listed yet); then it succeeds'
  },
  flaky: { id: 1008, flaky: { status: 500, count: 3 }, description: 'while a run goes, its first 3 status checks answer 500' },
  'rate-limited': {
    id: 1009,
    flaky: { status: 429, count: 2 },
    description: 'while a run goes, its first 2 status checks answer 429 (no Retry-After, as Hightouch)'
  },
  slow: { id: 1010, phases: [300, 300, 600_000, 200], description: 'a run processes for 10 minutes' },
  refused: { id: 1011, refuseTrigger: true, description: 'the trigger answers 422 Validation failed, with details' },
  'legacy-ids': { id: 1012, stringIds: true, description: 'runs carry string ids and no hasMore (older API versions); a run succeeds' },
  disabled: { id: 1013, disabled: true, description: 'the sync is disabled (a manual trigger still runs it); a run succeeds' }
}

interface Run {
  id: number
  slug: string
  scenario: Scenario
  outcome: Outcome
  createdAt: number
  fullResync: boolean
  hiddenLeft: number
  flakyLeft: number
  /** The run's other job in `data` (mixed-jobs). */
  second?: Run
  /** Its own phases, for runs of syncs defined by `defineSync` (past runs each last as long as they did). */
  phases?: [number, number, number, number]
}

/** Phases that add up to `ms`: a short queue and query, most of it processing, a short report. */
function phasesOf(ms: number): [number, number, number, number] {
  const small = Math.min(300, Math.floor(ms / 10))
  return [small, small, Math.max(0, ms - 3 * small), small]
}

const PLANNED = { addedCount: 200, changedCount: 800, removedCount: 0 }
const ZERO = { addedCount: 0, changedCount: 0, removedCount: 0 }

function iso(ms: number): string {
  return new Date(ms).toISOString()
}

function scale(rows: typeof PLANNED, ratio: number): typeof PLANNED {
  return {
    addedCount: Math.round(rows.addedCount * ratio),
    changedCount: Math.round(rows.changedCount * ratio),
    removedCount: Math.round(rows.removedCount * ratio)
  }
}

export class HightouchEmulator implements ProviderEmulator {
  readonly name = 'hightouch'
  private runs: Run[] = []
  private nextRunId = 693970492
  /** Runs started by triggers since the last reset (a refused trigger starts none). */
  runsStarted = 0
  /** Scales the phases of runs without phases of their own (1.4 s in all): tests set e.g. 0.5 for quicker runs. */
  phaseScale = 1

  /** Syncs defined by tests and the bench (`defineSync`), by slug. */
  private defined = new Map<string, Scenario>()

  reset(): void {
    this.runs = []
    this.runsStarted = 0
    this.defined.clear()
  }

  /**
   * A sync (`sync-<id>`, until the next reset) whose runs take `runMs` and succeed, with past successful runs that took
   * `pastRunsMs` (newest first, an hour apart), as `GET /syncs/{id}/runs` lists them.
   */
  defineSync(id: number, options: { runMs: number; pastRunsMs?: number[]; now?: number }): void {
    const slug = `sync-${id}`
    const scenario: Scenario = { id, description: `a run takes ${options.runMs} ms and succeeds`, phases: phasesOf(options.runMs) }
    this.defined.set(slug, scenario)
    const now = options.now ?? Date.now()
    ;(options.pastRunsMs ?? []).forEach((ms, k) => {
      const run = this.startRun(slug, scenario, now - (k + 1) * 3_600_000, false)
      run.phases = phasesOf(ms)
    })
  }

  private byId(id: string): [string, Scenario] | undefined {
    return [...Object.entries(HIGHTOUCH_SCENARIOS), ...this.defined.entries()].find(([, s]) => String(s.id) === id)
  }

  private startRun(slug: string, scenario: Scenario, now: number, fullResync: boolean, outcome = scenario.outcome ?? 'success'): Run {
    const run: Run = {
      id: this.nextRunId++,
      slug,
      scenario,
      outcome,
      createdAt: now,
      fullResync,
      hiddenLeft: scenario.invisibleChecks ?? 0,
      flakyLeft: scenario.flaky?.count ?? 0
    }
    this.runs.push(run)
    return run
  }

  /** The status of a run at `now`, from its phases. */
  private statusAt(run: Run, now: number): { status: string; startedAt: number | null; finishedAt: number | null; progress: number } {
    const [queued, querying, processing, reporting] = run.phases ?? run.scenario.phases ?? PHASES.map((ms) => ms * this.phaseScale)
    const t = now - run.createdAt
    const startedAt = t >= queued ? run.createdAt + queued : null
    const end = queued + querying + processing + reporting
    if (t < queued) return { status: 'queued', startedAt, finishedAt: null, progress: 0 }
    if (t < queued + querying) return { status: 'querying', startedAt, finishedAt: null, progress: 0 }
    if (t < queued + querying + processing) {
      return { status: 'processing', startedAt, finishedAt: null, progress: (t - queued - querying) / processing }
    }
    if (t < end) return { status: 'reporting', startedAt, finishedAt: null, progress: 1 }
    return { status: run.outcome, startedAt, finishedAt: run.createdAt + end, progress: 1 }
  }

  private body(run: Run, now: number): Record<string, unknown> {
    const { status, startedAt, finishedAt, progress } = this.statusAt(run, now)
    let completionRatio = Math.round(progress * 100) / 100
    let successful = scale(PLANNED, completionRatio)
    let failed = ZERO
    let error: string | null = null
    let planned = status === 'queued' || status === 'querying' ? ZERO : PLANNED
    if (status === 'warning') {
      successful = { addedCount: 195, changedCount: 797, removedCount: 0 }
      failed = { addedCount: 5, changedCount: 3, removedCount: 0 }
    } else if (status === 'failed') {
      planned = ZERO
      successful = ZERO
      completionRatio = 0
      error = FAILED_ERROR
    } else if (status === 'cancelled' || status === 'interrupted') {
      completionRatio = status === 'cancelled' ? 0.3 : 0.6
      successful = scale(PLANNED, completionRatio)
    }
    return {
      id: run.scenario.stringIds ? String(run.id) : run.id,
      createdAt: iso(run.createdAt),
      startedAt: startedAt === null ? null : iso(startedAt),
      finishedAt: finishedAt === null ? null : iso(finishedAt),
      querySize: planned === ZERO ? 0 : 1000,
      status,
      completionRatio,
      plannedRows: planned,
      successfulRows: successful,
      failedRows: failed,
      error
    }
  }

  private sync(slug: string, s: Scenario, now: number): Record<string, unknown> {
    const last = [...this.runs].reverse().find((r) => r.slug === slug)
    return {
      id: s.id,
      slug,
      workspaceId: 1,
      createdAt: '2026-01-12T09:30:00.000Z',
      updatedAt: '2026-01-12T09:30:00.000Z',
      destinationId: 7,
      modelId: 3,
      configuration: { mode: 'upsert', object: 'contacts' },
      schedule: null,
      disabled: s.disabled === true,
      status: s.disabled ? 'disabled' : last ? this.statusAt(last, now).status : 'pending',
      lastRunAt: last ? iso(last.createdAt) : null,
      referencedColumns: ['email'],
      primaryKey: 'id',
      externalSegment: {},
      tags: {}
    }
  }

  handle(req: EmulatorRequest): EmulatorResponse {
    const auth = req.headers.authorization
    if (!auth) return { status: 401, body: { message: 'Authentication error', details: 'No authorization header found' } }
    if (auth !== `Bearer ${HIGHTOUCH_KEY}`) return { status: 401, body: { message: 'Authentication error', details: 'Token is invalid' } }
    // A GET with a body or a Content-Type made the real API answer 500 (kestra-io/plugin-hightouch 589129c).
    if (req.method === 'GET' && (req.rawBody !== '' || req.headers['content-type'] !== undefined)) {
      return { status: 500, body: 'Internal Server Error' }
    }
    if (req.method === 'GET' && req.path === '/api/v1/syncs') {
      const slug = req.query.get('slug')
      const entries = Object.entries(HIGHTOUCH_SCENARIOS).filter(([s]) => slug === null || s === slug)
      return { status: 200, body: { hasMore: false, data: entries.map(([s, scenario]) => this.sync(s, scenario, req.now)) } }
    }
    const match = /^\/api\/v1\/syncs\/([^/]+)(\/runs|\/trigger)?$/.exec(req.path)
    if (!match) return { status: 404, body: { message: `Cannot ${req.method} ${req.path}` } }
    const found = this.byId(decodeURIComponent(match[1]))
    if (!found) return { status: 404, body: { message: 'Not found' } }
    const [slug, scenario] = found
    const rest = match[2] ?? ''

    if (req.method === 'GET' && rest === '') return { status: 200, body: this.sync(slug, scenario, req.now) }
    if (req.method === 'POST' && rest === '/trigger') return this.trigger(req, slug, scenario)
    if (req.method === 'GET' && rest === '/runs') return this.listRuns(req, slug, scenario)
    return { status: 404, body: { message: `Cannot ${req.method} ${req.path}` } }
  }

  private trigger(req: EmulatorRequest, slug: string, scenario: Scenario): EmulatorResponse {
    const body = req.body as { fullResync?: unknown } | undefined
    if (body !== undefined && (typeof body !== 'object' || body === null || Array.isArray(body))) {
      return { status: 400, body: { message: 'Bad request' } }
    }
    if (body?.fullResync !== undefined && typeof body.fullResync !== 'boolean') {
      return {
        status: 422,
        body: {
          message: 'Validation failed',
          details: { 'requestBody.fullResync': { message: 'invalid boolean value', value: body.fullResync } }
        }
      }
    }
    if (scenario.refuseTrigger) {
      return {
        status: 422,
        body: {
          message: 'Validation failed',
          details: { syncId: { message: 'sync cannot be triggered while its model is being edited', value: String(scenario.id) } }
        }
      }
    }
    const run = this.startRun(slug, scenario, req.now, body?.fullResync === true)
    if (scenario.secondJob)
      run.second = this.startRun(slug, { ...scenario, invisibleChecks: 0, flaky: undefined }, req.now, run.fullResync, scenario.secondJob)
    this.runsStarted++
    return { status: 200, body: { id: String(run.id) } }
  }

  private listRuns(req: EmulatorRequest, slug: string, scenario: Scenario): EmulatorResponse {
    const now = req.now
    const runIdText = req.query.get('runId')
    const wrap = (runs: Run[], hasMore = false): EmulatorResponse => ({
      status: 200,
      body: scenario.stringIds ? { data: runs.map((r) => this.body(r, now)) } : { data: runs.map((r) => this.body(r, now)), hasMore }
    })
    if (runIdText !== null) {
      if (!/^\d+(\.0+)?$/.test(runIdText)) {
        return {
          status: 422,
          body: { message: 'Validation failed', details: { runId: { message: 'invalid float number', value: runIdText } } }
        }
      }
      const run = this.runs.find((r) => r.slug === slug && r.id === Number(runIdText))
      if (!run) return wrap([])
      if (run.hiddenLeft > 0) {
        run.hiddenLeft--
        return wrap([])
      }
      const going = this.statusAt(run, now).finishedAt === null
      if (going && run.flakyLeft > 0 && run.scenario.flaky) {
        run.flakyLeft--
        return run.scenario.flaky.status === 429
          ? { status: 429, body: { error: 'Rate limit exceeded' } }
          : { status: 500, body: 'Internal Server Error' }
      }
      return wrap(run.second ? [run, run.second] : [run])
    }
    // The list: `after`/`before` select by start time (runs not started yet are left out), ordered ascending.
    const after = req.query.get('after')
    const before = req.query.get('before')
    const orderBy = req.query.get('orderBy') ?? 'id'
    if (!['id', 'createdAt', 'startedAt', 'finishedAt'].includes(orderBy)) {
      return {
        status: 422,
        body: {
          message: 'Validation failed',
          details: { orderBy: { message: "should be one of the following; ['id','createdAt','startedAt','finishedAt']", value: orderBy } }
        }
      }
    }
    let runs = this.runs.filter((r) => r.slug === slug)
    const started = (r: Run): number | null => this.statusAt(r, now).startedAt
    if (after !== null) runs = runs.filter((r) => (started(r) ?? -Infinity) > Date.parse(after))
    if (before !== null) runs = runs.filter((r) => (started(r) ?? Infinity) < Date.parse(before))
    const key = (r: Run): number =>
      orderBy === 'id'
        ? r.id
        : orderBy === 'createdAt'
          ? r.createdAt
          : orderBy === 'startedAt'
            ? (started(r) ?? Infinity)
            : (this.statusAt(r, now).finishedAt ?? Infinity)
    runs.sort((a, b) => key(a) - key(b))
    const offset = Number(req.query.get('offset') ?? 0)
    const limit = Number(req.query.get('limit') ?? 100)
    return wrap(runs.slice(offset, offset + limit), runs.length > offset + limit)
  }

  stripFields(body: unknown): unknown {
    const b = body as { data?: unknown } | undefined
    if (!b || !Array.isArray(b.data)) return {}
    return {
      ...b,
      data: b.data.map((entry: Record<string, unknown>) => {
        const { status: _status, ...rest } = entry
        return rest
      })
    }
  }

  oddStatus(body: unknown): unknown {
    const b = body as { data?: unknown } | undefined
    if (b && Array.isArray(b.data)) for (const entry of b.data as Record<string, unknown>[]) entry.status = 'mystery_status'
    return body
  }
}

/** The Hightouch lines of `npm run emulator`: base_url, key and each scenario's sync id and slug. */
export function hightouchHelp(baseUrl: string): string[] {
  const lines = [`\nHightouch  base_url: ${baseUrl}   api_key: ${HIGHTOUCH_KEY}   (sync_id or sync_slug; any other id answers 404)`]
  for (const [slug, s] of Object.entries(HIGHTOUCH_SCENARIOS)) {
    lines.push(`  sync_id ${String(s.id).padEnd(6)} sync_slug ${slug.padEnd(22)} ${s.description}`)
  }
  return lines
}
