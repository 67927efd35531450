import { secret } from './secrets.js'
import type { EmulatorRequest, EmulatorResponse, ProviderEmulator } from './types.js'

/** The service token the emulated dbt Cloud accepts (`Authorization: Token …`, or `Bearer …`). */
export const DBT_CLOUD_TOKEN = secret('dbtc_emulated-V7qK2mZp')
/** The one account the emulator serves. */
export const DBT_CLOUD_ACCOUNT = '43'
const PROJECT = 7
const ENVIRONMENT = 9
/** Where `href` points (the UI host of the account). */
const UI = 'https://cloud.getdbt.com'

type RunStatus = 1 | 2 | 3 | 10 | 20 | 30
const HUMANIZED: Record<RunStatus, string> = { 1: 'Queued', 2: 'Starting', 3: 'Running', 10: 'Success', 20: 'Error', 30: 'Cancelled' }

/** One node of a step's run_results.json: `[unique_id, status, message?, failures?]`. */
type Node = [string, string, string?, number?]

interface StepSpec {
  name: string
  /** This step fails (the run ends Error here). */
  fails?: boolean
  /** Its run_results.json; `missing` answers 404 (the artifact was not saved). */
  results?: Node[] | 'missing'
  logs?: string[]
}

interface Scenario {
  /** The job's name; the table's key is the job id. */
  name: string
  description: string
  steps: StepSpec[]
  outcome: 10 | 20 | 30
  /** How long the run runs (after 200 ms starting), default 1000 ms. */
  runMs?: number
  /** A run of the job is already running for this long when ours is triggered: ours queues behind it. */
  busyMs?: number
  /** The job's last run (before any trigger) failed; `retryable` says whether dbt Cloud can rerun it. */
  failedBefore?: { retryable: boolean; reason?: string }
  /** The trigger's answer comes after 30 s (the run is started at once), and someone else triggers the job right after. */
  lostAnswer?: boolean
  /** The first status check of a run puts the account in a 1 s cooldown: every request answers 429 until then. */
  cooldown?: boolean
  statusMessage?: string
}

const clone: StepSpec = { name: 'Clone git repository' }
const profile: StepSpec = { name: 'Create profile from connection Snowflake' }
const deps: StepSpec = { name: 'Invoke dbt with `dbt deps`' }
const PREFIX = [clone, profile, deps]

const SEEDS: Node[] = [
  ['seed.jaffle_shop.raw_customers', 'success', 'INSERT 100'],
  ['seed.jaffle_shop.raw_orders', 'success', 'INSERT 99']
]
const GOOD_BUILD: Node[] = [
  ['model.jaffle_shop.stg_customers', 'success', 'CREATE VIEW'],
  ['model.jaffle_shop.stg_orders', 'success', 'CREATE VIEW'],
  ['model.jaffle_shop.customers', 'success', 'SELECT 100'],
  ['test.jaffle_shop.unique_customers_customer_id.c5af1ff4b1', 'pass', 'PASS', 0],
  ['test.jaffle_shop.not_null_customers_customer_id.5c9bf9911d', 'pass', 'PASS', 0],
  ['test.jaffle_shop.accepted_values_orders_status.be6b5b5ec3', 'pass', 'PASS', 0],
  ['unit_test.jaffle_shop.customers.test_lifetime_value', 'pass', 'PASS', 0]
]
const FAILING_BUILD: Node[] = [
  ['model.jaffle_shop.stg_customers', 'success', 'CREATE VIEW'],
  [
    'model.jaffle_shop.stg_orders',
    'error',
    "Database Error in model stg_orders (models/staging/stg_orders.sql)\n  000904 (42000): SQL compilation error: invalid identifier 'AMOUNT|<b>TOTAL</b>' [see](http://x) `x`"
  ],
  ['model.jaffle_shop.orders', 'skipped', 'SKIP'],
  ['test.jaffle_shop.unique_customers_customer_id.c5af1ff4b1', 'fail', 'Got 3 results, configured to fail if != 0', 3],
  [
    'test.jaffle_shop.relationships_orders_customer_id.a1b2c3',
    'error',
    'Database Error in test relationships_orders_customer_id\n  relation "orders" does not exist'
  ],
  ['test.jaffle_shop.not_null_orders_order_id.f0e1d2', 'skipped', 'SKIP'],
  ['test.jaffle_shop.not_null_customers_customer_id.5c9bf9911d', 'pass', 'PASS', 0],
  ['unit_test.jaffle_shop.customers.test_lifetime_value', 'fail', 'actual differs from expected', 1]
]
const WARNING_BUILD: Node[] = [
  ['model.jaffle_shop.customers', 'success', 'SELECT 100'],
  ['test.jaffle_shop.recent_orders.9a8b7c', 'warn', 'Got 2 results, configured to warn if != 0', 2],
  ['test.jaffle_shop.email_format.1d2e3f', 'warn', 'Got 5 results, configured to warn if != 0', 5],
  ['test.jaffle_shop.unique_customers_customer_id.c5af1ff4b1', 'pass', 'PASS', 0]
]
const DEPS_FAILURE_LOGS = [
  '16:48:41  Running with dbt=1.9.0',
  '16:48:42  Installing dbt-labs/dbt_utils',
  '16:48:43  Encountered an error:',
  'Runtime Error <script>alert(1)</script> | [click](http://evil.example) `rm -rf`',
  '::error::not a workflow command',
  '  Could not find a version of dbt-labs/dbt_utils that satisfies the requirement >=9.0.0'
]

/** Scenarios by job id. Any other job id answers 404. */
export const DBT_CLOUD_SCENARIOS: Record<string, Scenario> = {
  '101': {
    name: 'nightly build',
    description: 'dbt seed + dbt build: every model succeeds, 4 tests (one a unit test) pass; Success in about 1.2 s',
    steps: [
      ...PREFIX,
      { name: 'Invoke dbt with `dbt seed`', results: SEEDS },
      { name: 'Invoke dbt with `dbt build`', results: GOOD_BUILD }
    ],
    outcome: 10
  },
  '102': {
    name: 'failing build',
    description: 'dbt build ends Error: 2 tests fail (one a unit test), 1 test and 1 model error, downstream nodes skipped',
    steps: [...PREFIX, { name: 'Invoke dbt with `dbt build`', fails: true, results: FAILING_BUILD }],
    outcome: 20
  },
  '103': {
    name: 'warnings only',
    description: 'dbt build ends Success with 2 tests at warn severity (warnings pass)',
    steps: [...PREFIX, { name: 'Invoke dbt with `dbt build`', results: WARNING_BUILD }],
    outcome: 10
  },
  '104': {
    name: 'cancelled elsewhere',
    description: 'the run is cancelled by a user in dbt Cloud ("Cancelled by user."); no artifacts',
    steps: [...PREFIX, { name: 'Invoke dbt with `dbt build`', results: 'missing' }],
    outcome: 30,
    statusMessage: 'Cancelled by user.'
  },
  '105': {
    name: 'busy job',
    description: 'a run of the job is already running (1.5 s to go): the new run is queued behind it, then succeeds',
    steps: [...PREFIX, { name: 'Invoke dbt with `dbt build`', results: GOOD_BUILD }],
    outcome: 10,
    busyMs: 1500
  },
  '106': {
    name: 'missing artifact',
    description: 'dbt run saves run_results.json, dbt test does not (404): its results are skipped; Success',
    steps: [
      ...PREFIX,
      { name: 'Invoke dbt with `dbt run`', results: GOOD_BUILD.slice(0, 3) },
      { name: 'Invoke dbt with `dbt test`', results: 'missing' }
    ],
    outcome: 10
  },
  '107': {
    name: 'deps failure',
    description: 'dbt deps fails before any results: Error, the summary shows the step and the tail of its log',
    steps: [clone, profile, { ...deps, fails: true, logs: DEPS_FAILURE_LOGS }],
    outcome: 20
  },
  '108': {
    name: 'slow build',
    description: 'dbt build runs for 10 minutes (for timeouts and cancellation)',
    steps: [...PREFIX, { name: 'Invoke dbt with `dbt build`', results: GOOD_BUILD }],
    outcome: 10,
    runMs: 600_000
  },
  '109': {
    name: 'retryable failure',
    description: 'the last run failed and can be retried: RERUN runs `dbt retry` from the point of failure and succeeds',
    steps: [...PREFIX, { name: 'Invoke dbt with `dbt retry`', results: GOOD_BUILD.slice(2) }],
    outcome: 10,
    failedBefore: { retryable: true }
  },
  '110': {
    name: 'unretryable failure',
    description: 'the last run failed but cannot be retried (RETRY_UNSUPPORTED_VERSION): RERUN refuses',
    steps: [...PREFIX, { name: 'Invoke dbt with `dbt build`', results: GOOD_BUILD }],
    outcome: 10,
    failedBefore: { retryable: false, reason: 'RETRY_UNSUPPORTED_VERSION' }
  },
  '111': {
    name: 'lost answer',
    description: 'the trigger starts the run but answers only after 30 s; another run is triggered right after: found by the cause token',
    steps: [...PREFIX, { name: 'Invoke dbt with `dbt build`', results: GOOD_BUILD }],
    outcome: 10,
    lostAnswer: true
  },
  '112': {
    name: 'rate limited',
    description: "a run's first status check puts the account in a 1 s cooldown: 429 to everything (no Retry-After), then Success",
    steps: [...PREFIX, { name: 'Invoke dbt with `dbt build`', results: GOOD_BUILD }],
    outcome: 10,
    cooldown: true
  }
}

interface Run {
  id: number
  jobId: string
  scenario: Scenario
  steps: StepSpec[]
  outcome: 10 | 20 | 30
  createdAt: number
  startAt: number
  endAt: number
  cancelledAt?: number
  cause: string
  causeCategory: string
  body: Record<string, unknown>
  canRetry: boolean
  retryReason: string | null
  statusMessage: string | null
  checked: boolean
}

const STARTING_MS = 200

/** `2021-11-26 16:48:41.431645+00:00`, dbt Cloud's timestamp form. */
export function dbtTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '000+00:00')
}

function hms(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000))
  const pad = (n: number): string => String(n).padStart(2, '0')
  return `${pad(Math.floor(s / 3600))}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`
}

function envelope(code: number, data: unknown, userMessage = code < 400 ? 'Success!' : 'Error', extra?: unknown): EmulatorResponse {
  const body: Record<string, unknown> = {
    status: { code, is_success: code < 400, user_message: userMessage, developer_message: code === 401 ? null : '' },
    data
  }
  if (extra !== undefined) body.extra = extra
  return { status: code, body }
}

const NOT_FOUND = (): EmulatorResponse => envelope(404, null, 'The requested resource was not found.')
const INVALID = (fields: Record<string, string>): EmulatorResponse =>
  envelope(400, fields, 'The request was invalid. Please double check the provided data and try again.')

function parseList(text: string | null): string[] | undefined {
  if (text === null) return []
  try {
    const value = JSON.parse(text) as unknown
    return Array.isArray(value) ? value.map(String) : undefined
  } catch {
    return undefined
  }
}

export class DbtCloudEmulator implements ProviderEmulator {
  readonly name = 'dbt-cloud'
  private runs: Run[] = []
  // 14-digit ids, as real runs have: the action must keep them whole.
  private nextRunId = 70471831584850
  private cooldownUntil = 0
  /** Runs started by this step's triggers and reruns (not the runs already there, nor someone else's). */
  runsStarted = 0
  cancelledRunIds: number[] = []
  /** Scales run times of scenarios without their own (1 s): tests may set 0.5 for quicker runs. */
  timeScale = 1
  /** Jobs defined by tests and the bench (`defineJob`), by id. */
  private defined = new Map<string, Scenario>()

  reset(): void {
    this.defined.clear()
    this.runs = []
    this.runsStarted = 0
    this.cancelledRunIds = []
    this.cooldownUntil = 0
  }

  /**
   * A job (until the next reset) whose runs run `dbt build` for `runMs` and succeed, with past successful runs,
   * scheduled an hour apart, that took `pastRunsMs` from creation to end (newest first), as `GET /runs/` lists them.
   */
  defineJob(jobId: string, options: { runMs: number; pastRunsMs?: number[]; now?: number }): void {
    const scenario: Scenario = {
      name: `job ${jobId}`,
      description: `dbt build runs for ${options.runMs} ms and succeeds`,
      steps: [...PREFIX, { name: 'Invoke dbt with `dbt build`', results: GOOD_BUILD }],
      outcome: 10,
      runMs: Math.max(0, options.runMs - STARTING_MS)
    }
    this.defined.set(jobId, scenario)
    const now = options.now ?? Date.now()
    const past = options.pastRunsMs ?? []
    // Oldest first, so that ids grow with time as dbt Cloud's do.
    for (let k = past.length - 1; k >= 0; k--) {
      const created = now - (k + 1) * 3_600_000
      const run = this.addRun(jobId, scenario, created, { cause: 'Scheduled by the hourly schedule', causeCategory: 'scheduled' })
      run.startAt = created
      run.endAt = created + past[k]
    }
  }

  private scenarioOf(jobId: string): Scenario | undefined {
    return Object.hasOwn(DBT_CLOUD_SCENARIOS, jobId) ? DBT_CLOUD_SCENARIOS[jobId] : this.defined.get(jobId)
  }

  private statusOf(run: Run, now: number): RunStatus {
    if (run.cancelledAt !== undefined && now >= run.cancelledAt) return 30
    if (now < run.startAt) return 1
    if (now < run.startAt + STARTING_MS) return 2
    if (now < run.endAt) return 3
    return run.outcome
  }

  /** When the run really ended (cancelled or done), or undefined while it goes on. */
  private finishedAt(run: Run, now: number): number | undefined {
    const status = this.statusOf(run, now)
    if (status === 30) return run.cancelledAt
    return status === 10 || status === 20 ? run.endAt : undefined
  }

  private addRun(jobId: string, scenario: Scenario, now: number, fields: Partial<Run> = {}): Run {
    // Runs of one job run one at a time: a new run starts when the last one before it ends.
    const before = this.runs.filter((r) => r.jobId === jobId && this.finishedAt(r, now) === undefined)
    const free = Math.max(now, ...before.map((r) => r.cancelledAt ?? r.endAt))
    const runMs = (scenario.runMs ?? 1000 * this.timeScale) + STARTING_MS
    const run: Run = {
      id: this.nextRunId++,
      jobId,
      scenario,
      steps: scenario.steps,
      outcome: scenario.outcome,
      createdAt: now,
      startAt: free,
      endAt: free + runMs,
      cause: 'Triggered via API',
      causeCategory: 'api',
      body: {},
      canRetry: false,
      retryReason: scenario.outcome === 20 ? null : 'RETRY_NOT_FAILED_RUN',
      statusMessage: scenario.outcome === 30 ? (scenario.statusMessage ?? null) : null,
      checked: false,
      ...fields
    }
    if (run.outcome === 30 && run.cancelledAt === undefined) run.cancelledAt = run.startAt + STARTING_MS + (run.endAt - run.startAt) / 2
    this.runs.push(run)
    return run
  }

  /** The steps shown at `now`: those started, each with its status, times and logs. */
  private stepsOf(run: Run, now: number): Record<string, unknown>[] {
    const runStart = run.startAt + STARTING_MS
    const failIndex = run.outcome === 20 ? run.steps.findIndex((s) => s.fails) : -1
    const count = failIndex >= 0 ? failIndex + 1 : run.steps.length
    const share = (run.endAt - runStart) / count
    const end = this.finishedAt(run, now)
    const steps: Record<string, unknown>[] = []
    for (let i = 0; i < count; i++) {
      const spec = run.steps[i]
      const startedAt = runStart + i * share
      if (now < startedAt || (end !== undefined && startedAt >= end)) break
      const planned = i === count - 1 ? run.endAt : startedAt + share
      const cut = end !== undefined && end < planned
      const stepEnd = cut ? (end as number) : planned
      const done = now >= stepEnd
      let status: RunStatus = 3
      if (done) status = cut ? 30 : i === failIndex ? 20 : 10
      steps.push({
        id: run.id * 10 + i,
        run_id: run.id,
        account_id: Number(DBT_CLOUD_ACCOUNT),
        index: i + 1,
        status,
        status_humanized: HUMANIZED[status],
        name: spec.name,
        logs: (spec.logs ?? [`${dbtTime(startedAt).slice(11, 19)}  ${spec.name}`, done ? 'Done.' : '']).join('\n'),
        started_at: dbtTime(startedAt),
        finished_at: done ? dbtTime(stepEnd) : null,
        duration: hms((done ? stepEnd : now) - startedAt),
        duration_humanized: `${Math.round(((done ? stepEnd : now) - startedAt) / 1000)} seconds`
      })
    }
    return steps
  }

  private body(run: Run, now: number, related: string[]): Record<string, unknown> {
    const status = this.statusOf(run, now)
    const finished = this.finishedAt(run, now)
    const started = status >= 3 ? run.startAt + STARTING_MS : null
    const dequeued = now >= run.startAt && !(run.cancelledAt !== undefined && run.cancelledAt <= run.startAt) ? run.startAt : null
    const body: Record<string, unknown> = {
      id: run.id,
      trigger_id: run.id + 1_000_000,
      account_id: Number(DBT_CLOUD_ACCOUNT),
      environment_id: ENVIRONMENT,
      project_id: PROJECT,
      job_definition_id: Number(run.jobId),
      job_id: Number(run.jobId),
      status,
      status_humanized: HUMANIZED[status],
      status_message: status === 30 ? (run.statusMessage ?? 'Cancelled by user.') : null,
      dbt_version: '1.9.0',
      git_branch: (run.body.git_branch as string | undefined) ?? 'main',
      git_sha: (run.body.git_sha as string | undefined) ?? '6d1e8e7f1c3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c',
      created_at: dbtTime(run.createdAt),
      updated_at: dbtTime(Math.min(now, finished ?? now)),
      dequeued_at: dequeued === null ? null : dbtTime(dequeued),
      started_at: started === null ? null : dbtTime(started),
      finished_at: finished === undefined ? null : dbtTime(finished),
      duration: hms((finished ?? now) - run.createdAt),
      queued_duration: hms(Math.min(finished ?? now, dequeued ?? now) - run.createdAt),
      run_duration: started === null ? '00:00:00' : hms((finished ?? now) - started),
      in_progress: finished === undefined,
      is_running: status === 3,
      is_complete: finished !== undefined,
      is_success: status === 10,
      is_error: status === 20,
      is_cancelled: status === 30,
      href: `${UI}/deploy/${DBT_CLOUD_ACCOUNT}/projects/${PROJECT}/runs/${run.id}/`,
      artifacts_saved: status === 10 || status === 20,
      can_retry: status === 20 ? run.canRetry : false,
      retry_not_supported_reason: status === 20 ? run.retryReason : 'RETRY_NOT_FAILED_RUN',
      retrying_run_id: null
    }
    if (related.includes('trigger')) {
      body.trigger = {
        id: run.id + 1_000_000,
        cause: run.cause,
        cause_category: run.causeCategory,
        job_definition_id: Number(run.jobId),
        ...run.body
      }
    }
    if (related.includes('run_steps')) body.run_steps = this.stepsOf(run, now)
    return body
  }

  /** What the job has run before this step: a failed last run (RERUN scenarios), or a run still going (busy). */
  private history(jobId: string, scenario: Scenario, now: number): void {
    if (this.runs.some((r) => r.jobId === jobId)) return
    if (scenario.busyMs !== undefined) {
      const busy = this.addRun(jobId, scenario, now - 500, { cause: 'Scheduled by the hourly schedule', causeCategory: 'scheduled' })
      busy.startAt = now - 400
      busy.endAt = now + scenario.busyMs
    }
    if (!scenario.failedBefore) return
    const failed = {
      ...scenario,
      outcome: 20 as const,
      steps: [...PREFIX, { name: 'Invoke dbt with `dbt build`', fails: true, results: FAILING_BUILD }]
    }
    const run = this.addRun(jobId, failed, now - 120_000, {
      cause: 'Scheduled by the nightly schedule',
      causeCategory: 'scheduled',
      canRetry: scenario.failedBefore.retryable,
      retryReason: scenario.failedBefore.retryable ? null : (scenario.failedBefore.reason ?? 'RETRY_UNSUPPORTED_CMD')
    })
    run.endAt = now - 60_000
  }

  handle(req: EmulatorRequest): EmulatorResponse {
    const auth = req.headers.authorization
    if (auth !== `Token ${DBT_CLOUD_TOKEN}` && auth !== `Bearer ${DBT_CLOUD_TOKEN}`) return envelope(401, null, 'Invalid token.')
    const match = /^\/api\/v2\/accounts\/([^/]+)\/(.*)$/.exec(req.path)
    if (!match) return { status: 404, body: { detail: 'Not found.' } }
    const [, account, rest] = match
    const artifact = /^runs\/(\d+)\/artifacts\/(.+)$/.exec(rest)
    // Django's APPEND_SLASH: a path without its slash is redirected; a client following it turns a POST into a GET.
    if (!rest.endsWith('/') && !artifact) {
      if (req.method === 'POST') return { status: 405, body: { detail: 'Method "GET" not allowed.' } }
      return { status: 301, headers: { location: `${req.path}/` } }
    }
    if (account !== DBT_CLOUD_ACCOUNT) return NOT_FOUND()
    if (req.now < this.cooldownUntil) return envelope(429, null, 'Too many requests. Please try again later.')
    // A job's history starts when the job is first asked about.
    const named = /^jobs\/(\d+)\//.exec(rest)?.[1] ?? req.query.get('job_definition_id')
    const known = named ? this.scenarioOf(named) : undefined
    if (named && known) this.history(named, known, req.now)

    let m: RegExpExecArray | null
    if ((m = /^jobs\/(\d+)\/$/.exec(rest)) && req.method === 'GET') return this.job(m[1])
    if ((m = /^jobs\/(\d+)\/run\/$/.exec(rest)) && req.method === 'POST') return this.trigger(req, m[1])
    if ((m = /^jobs\/(\d+)\/rerun\/$/.exec(rest)) && req.method === 'POST') return this.rerun(req, m[1])
    if (rest === 'runs/' && req.method === 'GET') return this.list(req)
    if ((m = /^runs\/(\d+)\/$/.exec(rest)) && req.method === 'GET') return this.getRun(req, Number(m[1]))
    if ((m = /^runs\/(\d+)\/cancel\/$/.exec(rest)) && req.method === 'POST') return this.cancel(req, Number(m[1]))
    if (artifact && req.method === 'GET') return this.artifact(req, Number(artifact[1]), artifact[2])
    if (/^(jobs|runs)\//.test(rest)) return { status: 405, body: { detail: `Method "${req.method}" not allowed.` } }
    return NOT_FOUND()
  }

  private job(jobId: string): EmulatorResponse {
    const s = this.scenarioOf(jobId)
    if (!s) return NOT_FOUND()
    return envelope(200, {
      id: Number(jobId),
      account_id: Number(DBT_CLOUD_ACCOUNT),
      project_id: PROJECT,
      environment_id: ENVIRONMENT,
      name: s.name,
      description: s.description,
      dbt_version: null,
      job_type: 'other',
      execute_steps: s.steps
        .filter((st) => st !== clone && st !== profile && st !== deps)
        .map((st) => /`(.*)`/.exec(st.name)?.[1] ?? st.name),
      generate_docs: false,
      run_generate_sources: false,
      state: 1,
      execution: { timeout_seconds: 0 },
      settings: { threads: 4, target_name: 'default' }
    })
  }

  private trigger(req: EmulatorRequest, jobId: string): EmulatorResponse {
    const s = this.scenarioOf(jobId)
    if (!s) return NOT_FOUND()
    const body = req.body as Record<string, unknown> | undefined
    if (!body || typeof body !== 'object' || Array.isArray(body)) return INVALID({ cause: 'This field is required.' })
    const problems: Record<string, string> = {}
    if (typeof body.cause !== 'string' || body.cause.trim() === '') problems.cause = 'This field is required.'
    else if (body.cause.length > 255) problems.cause = 'Ensure this field has no more than 255 characters.'
    for (const key of ['threads_override', 'github_pull_request_id', 'timeout_seconds_override']) {
      if (body[key] !== undefined && !Number.isInteger(body[key])) problems[key] = 'A valid integer is required.'
    }
    for (const key of ['git_branch', 'git_sha', 'schema_override', 'target_name_override']) {
      if (body[key] !== undefined && (typeof body[key] !== 'string' || body[key] === '')) problems[key] = 'Not a valid string.'
    }
    const steps = body.steps_override
    if (steps !== undefined && !(Array.isArray(steps) && steps.length > 0 && steps.every((x) => typeof x === 'string' && x !== ''))) {
      problems.steps_override = 'Expected a list of non-empty strings.'
    }
    if (Object.keys(problems).length > 0) return INVALID(problems)
    const run = this.addRun(jobId, s, req.now, { cause: body.cause as string, causeCategory: 'api', body })
    this.runsStarted++
    const answer = envelope(200, this.body(run, req.now, []))
    if (!s.lostAnswer) return answer
    this.addRun(jobId, s, req.now + 1, { cause: 'Triggered by another tool', causeCategory: 'api' })
    return { ...answer, delayMs: 30_000 }
  }

  private rerun(req: EmulatorRequest, jobId: string): EmulatorResponse {
    const s = this.scenarioOf(jobId)
    if (!s) return NOT_FOUND()
    const last = [...this.runs].reverse().find((r) => r.jobId === jobId)
    // As the API says: retry the failed last run from the point of failure, otherwise trigger a new run.
    const retrying = last !== undefined && this.statusOf(last, req.now) === 20 && last.canRetry
    const run = this.addRun(jobId, s, req.now, {
      cause: retrying ? `Rerun of run ${last.id}` : 'Triggered via API',
      causeCategory: retrying ? 'rerun' : 'api'
    })
    this.runsStarted++
    return envelope(200, this.body(run, req.now, []))
  }

  private list(req: EmulatorRequest): EmulatorResponse {
    const related = parseList(req.query.get('include_related'))
    if (related === undefined) return INVALID({ include_related: 'Expected a JSON list.' })
    let runs = [...this.runs]
    const job = req.query.get('job_definition_id')
    if (job !== null) runs = runs.filter((r) => r.jobId === job)
    const statusIn = req.query.getAll('status__in')
    if (statusIn.length > 1 || (statusIn.length === 1 && !/^\[\s*\d+(\s*,\s*\d+)*\s*\]$/.test(statusIn[0]))) {
      return INVALID({ status__in: `'${statusIn.join(',')}' is not valid under any of the given schemas` })
    }
    const status = req.query.getAll('status')
    if (status.length > 1 || (status.length === 1 && !/^\d+$/.test(status[0]))) {
      return INVALID({ status: `'${status.join(',')}' is not a valid integer` })
    }
    if (status.length === 1) runs = runs.filter((r) => this.statusOf(r, req.now) === Number(status[0]))
    if (statusIn.length === 1) {
      const wanted = (JSON.parse(statusIn[0]) as number[]).map(Number)
      runs = runs.filter((r) => wanted.includes(this.statusOf(r, req.now)))
    }
    const orderBy = req.query.get('order_by') ?? 'id'
    if (!['id', '-id', 'created_at', '-created_at'].includes(orderBy)) return INVALID({ order_by: `Invalid ordering ${orderBy}` })
    runs.sort((a, b) => a.id - b.id)
    if (orderBy.startsWith('-')) runs.reverse()
    const limit = Number(req.query.get('limit') ?? 100)
    const offset = Number(req.query.get('offset') ?? 0)
    if (!(Number.isInteger(limit) && limit >= 1 && limit <= 100))
      return INVALID({ limit: 'Ensure this value is less than or equal to 100.' })
    const page = runs.slice(offset, offset + limit)
    return envelope(
      200,
      page.map((r) => this.body(r, req.now, related)),
      'Success!',
      { filters: { limit, offset }, order_by: orderBy, pagination: { count: page.length, total_count: runs.length } }
    )
  }

  private getRun(req: EmulatorRequest, id: number): EmulatorResponse {
    const run = this.runs.find((r) => r.id === id)
    if (!run) return NOT_FOUND()
    const related = parseList(req.query.get('include_related'))
    if (related === undefined) return INVALID({ include_related: 'Expected a JSON list.' })
    if (run.scenario.cooldown && !run.checked && this.finishedAt(run, req.now) === undefined) {
      run.checked = true
      this.cooldownUntil = req.now + 1000
      return envelope(429, null, 'Too many requests. Please try again later.')
    }
    return envelope(200, this.body(run, req.now, related))
  }

  private cancel(req: EmulatorRequest, id: number): EmulatorResponse {
    const run = this.runs.find((r) => r.id === id)
    if (!run) return NOT_FOUND()
    const status = this.statusOf(run, req.now)
    if (status !== 10 && status !== 20 && status !== 30) {
      // A queued run shows Cancelled at once; a running one after a moment.
      run.cancelledAt = status === 1 ? req.now : req.now + 300
      run.statusMessage = 'Cancelled by user.'
      this.cancelledRunIds.push(run.id)
    }
    return envelope(200, this.body(run, req.now, []))
  }

  private artifact(req: EmulatorRequest, id: number, path: string): EmulatorResponse {
    const run = this.runs.find((r) => r.id === id)
    const status = run ? this.statusOf(run, req.now) : undefined
    if (!run || path !== 'run_results.json' || (status !== 10 && status !== 20)) return NOT_FOUND()
    const steps = this.stepsOf(run, req.now)
    const index = Number(req.query.get('step') ?? steps.length)
    const step = steps[index - 1]
    const spec = run.steps[index - 1]
    if (!step || !spec || !Array.isArray(spec.results)) return NOT_FOUND()
    const command = /`dbt (\w+)/.exec(spec.name)?.[1] ?? 'build'
    return {
      status: 200,
      body: {
        metadata: {
          dbt_schema_version: 'https://schemas.getdbt.com/dbt/run-results/v6.json',
          dbt_version: '1.9.0',
          generated_at: new Date(run.endAt).toISOString(),
          invocation_id: `inv-${run.id}-${index}`,
          env: { DBT_CLOUD_RUN_ID: String(run.id), DBT_CLOUD_JOB_ID: run.jobId, DBT_CLOUD_RUN_REASON: run.cause }
        },
        results: spec.results.map(([uniqueId, st, message, failures], i) => ({
          unique_id: uniqueId,
          status: st,
          timing: [],
          thread_id: `Thread-${(i % 4) + 1}`,
          execution_time: 0.1 + i / 10,
          adapter_response: {},
          message: message ?? null,
          failures: failures ?? null,
          relation_name: null
        })),
        elapsed_time: 1.5,
        args: { which: command }
      }
    }
  }

  stripFields(body: unknown): unknown {
    const b = body as { data?: Record<string, unknown> } | undefined
    if (!b?.data || typeof b.data !== 'object') return {}
    const { status: _s, status_humanized: _h, is_complete: _c, ...rest } = b.data
    return { ...b, data: rest }
  }

  oddStatus(body: unknown): unknown {
    const b = body as { data?: Record<string, unknown> } | undefined
    if (b?.data && typeof b.data === 'object') {
      b.data.status = 77
      b.data.status_humanized = 'Mystery'
    }
    return body
  }
}

/** The dbt Cloud lines of `npm run emulator`: base_url, token, account and each scenario's job id. */
export function dbtCloudHelp(baseUrl: string): string[] {
  const lines = [
    `\ndbt Cloud  base_url: ${baseUrl}   api_key: ${DBT_CLOUD_TOKEN}   account_id: ${DBT_CLOUD_ACCOUNT}   (dbt_cloud_job_id; any other id answers 404, any other token 401 "Invalid token.")`
  ]
  for (const [id, s] of Object.entries(DBT_CLOUD_SCENARIOS)) lines.push(`  dbt_cloud_job_id ${id}  ${s.description}`)
  return lines
}
