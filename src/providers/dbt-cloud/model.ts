// dbt Cloud's answers, read and judged: pure functions only (no requests, no clock).
import type { Status } from '../../core/constants.js'
import { formatDuration, parseTimestamp } from '../../core/duration.js'
import { ApiError } from '../../core/errors.js'
import type { SummaryTable } from '../../core/report.js'

/** Account, job and run ids are whole numbers (int64 in the API; real run ids reach 14 digits). */
export const NUMERIC_ID = /^[1-9]\d{0,17}$/

/** One step of a run (`include_related=["run_steps"]`); `index` is 1-based. */
export interface DbtRunStep {
  index: number
  name?: string
  status?: number
  status_humanized?: string
  logs?: string | null
  started_at?: string | null
  finished_at?: string | null
  duration?: string | null
  [key: string]: unknown
}

/** The fields of a run (`RunResponse`) that the action reads; others are kept as they came. */
export interface DbtRun {
  id: number
  status: number
  status_humanized?: string
  status_message?: string | null
  job_definition_id?: number
  project_id?: number
  href?: string
  created_at?: string
  dequeued_at?: string | null
  started_at?: string | null
  finished_at?: string | null
  duration?: string | null
  queued_duration?: string | null
  run_duration?: string | null
  can_retry?: boolean
  retry_not_supported_reason?: string | null
  trigger?: { cause?: string; cause_category?: string; steps_override?: unknown } | null
  run_steps?: DbtRunStep[]
  [key: string]: unknown
}

/** The job (`GET /jobs/{id}/`): its name and project are all the action needs. */
export interface DbtJob {
  id: number
  name?: string
  project_id?: number
  [key: string]: unknown
}

const STATUS_MAP: Record<number, Status> = { 1: 'queued', 2: 'running', 3: 'running', 10: 'succeeded', 20: 'failed', 30: 'cancelled' }
const HUMANIZED: Record<number, string> = { 1: 'Queued', 2: 'Starting', 3: 'Running', 10: 'Success', 20: 'Error', 30: 'Cancelled' }

/** 1 queued, 2 starting, 3 running: the run goes on. 10, 20, 30: it has ended. Anything else: nobody documented it. */
export function runPhase(status: number): 'waiting' | 'ended' | 'unknown' {
  if (status === 1 || status === 2 || status === 3) return 'waiting'
  if (status === 10 || status === 20 || status === 30) return 'ended'
  return 'unknown'
}

/** A run status in the action's words: 10 succeeded, 20 failed, 30 cancelled, 1 queued, 2 and 3 running. */
export function normaliseStatus(status: number): Status {
  return STATUS_MAP[status] ?? 'unknown'
}

/** `provider_status`: dbt Cloud's `status_humanized`, or the documented word for the code when it sent none. */
export function providerStatus(run: Pick<DbtRun, 'status' | 'status_humanized'>): string {
  const text = typeof run.status_humanized === 'string' ? run.status_humanized.trim() : ''
  return /^[A-Za-z][A-Za-z ]{0,30}$/.test(text) ? text : (HUMANIZED[run.status] ?? String(run.status))
}

/**
 * dbt Cloud's timestamps (`2021-11-26 16:48:41.431645+00:00`: a space, microseconds, an offset) as epoch ms;
 * ISO forms are read too. Undefined when absent or unreadable.
 */
export function parseDbtTime(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined
  return parseTimestamp(text.trim().replace(/^(\d{4}-\d{2}-\d{2}) (\d)/, '$1T$2'))
}

/** `HH:MM:SS` (dbt Cloud's durations) in milliseconds. */
export function parseClock(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined
  const m = /^(\d+):(\d{2}):(\d{2})(\.\d+)?$/.exec(text.trim())
  if (!m) return undefined
  return Math.round((Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) + Number(m[4] ?? 0)) * 1000)
}

/**
 * How long a run took from its creation (the trigger) to its end, queue included, as the wait counts a run's age:
 * from `created_at` and `finished_at`, else the `duration` dbt Cloud reports. Undefined when neither can be read.
 */
export function runDurationMs(run: DbtRun): number | undefined {
  const ms = elapsedMs(run.created_at, run.finished_at, run.duration)
  return ms !== undefined && ms > 0 ? ms : undefined
}

/** From two of dbt Cloud's timestamps (to the millisecond) when both read and in order, else its `HH:MM:SS` duration. */
function elapsedMs(from: unknown, to: unknown, duration: unknown): number | undefined {
  const a = parseDbtTime(from)
  const b = parseDbtTime(to)
  return a !== undefined && b !== undefined && b >= a ? b - a : parseClock(duration)
}

/**
 * A past run that tells how long a plain run of the job takes: one that succeeded, not a rerun from the point of
 * failure and not started with other steps (a run of other steps takes its own time).
 */
export function isPlainSuccess(run: DbtRun): boolean {
  if (run.status !== 10) return false
  const trigger = run.trigger
  if (!trigger) return true
  if (trigger.cause_category === 'rerun') return false
  return !(Array.isArray(trigger.steps_override) && trigger.steps_override.length > 0)
}

/** A timestamp as ISO-8601 (for the summary), or undefined. */
export function isoTime(text: unknown): string | undefined {
  const ms = parseDbtTime(text)
  return ms === undefined ? undefined : new Date(ms).toISOString()
}

function isId(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0
}

/**
 * The `data` of dbt Cloud's envelope `{status, data}`. A 200 without it is a passing fault (a malformed ApiError):
 * a status check asks again rather than guess.
 */
export function unwrap(body: unknown, request: string): unknown {
  if (!body || typeof body !== 'object' || !('data' in body)) {
    throw new ApiError({ kind: 'malformed', request, status: 200, cause: 'the answer lacks data' })
  }
  return (body as { data: unknown }).data
}

/** A run as the action needs it: a numeric `id` and `status`; anything else is kept, never refused. */
export function readRun(body: unknown, request: string): DbtRun {
  const data = unwrap(body, request) as Partial<DbtRun> | null
  const missing: string[] = []
  if (!data || typeof data !== 'object') missing.push('data')
  else {
    if (!isId(data.id)) missing.push('data.id')
    if (typeof data.status !== 'number' || !Number.isInteger(data.status)) missing.push('data.status')
  }
  if (missing.length > 0) throw new ApiError({ kind: 'malformed', request, status: 200, cause: `the answer lacks ${missing.join(', ')}` })
  return data as DbtRun
}

/** A list of runs (`GET /runs/`); entries without an id or status are left out. */
export function readRunList(body: unknown, request: string): DbtRun[] {
  const data = unwrap(body, request)
  if (!Array.isArray(data)) throw new ApiError({ kind: 'malformed', request, status: 200, cause: 'data is not a list' })
  return data.filter((r): r is DbtRun => !!r && typeof r === 'object' && isId((r as DbtRun).id) && typeof (r as DbtRun).status === 'number')
}

export function readJob(body: unknown, request: string): DbtJob {
  const data = unwrap(body, request) as Partial<DbtJob> | null
  if (!data || typeof data !== 'object' || !isId(data.id)) {
    throw new ApiError({ kind: 'malformed', request, status: 200, cause: 'the answer lacks data.id' })
  }
  return data as DbtJob
}

// ---------------------------------------------------------------------------------------------------------------
// The cause token: how a trigger whose answer was lost finds its run.

/** The longest `cause` dbt Cloud takes (longer ones make the trigger fail). */
export const MAX_CAUSE = 255

/** A token unique to one trigger: `eo-` and 12 hex digits from `random` (0 ≤ x < 1, three draws). */
export function newCauseToken(random: () => number = Math.random): string {
  let hex = ''
  for (let i = 0; i < 3; i++)
    hex += Math.floor(random() * 0x10000)
      .toString(16)
      .padStart(4, '0')
  return `eo-${hex}`
}

/** The `cause` sent: the user's text, cut to fit, and the token in brackets at the end (always kept whole). */
export function causeWithToken(cause: string, token: string): string {
  const suffix = ` [${token}]`
  const room = MAX_CAUSE - suffix.length
  const text = cause.replace(/\s+/g, ' ').trim()
  return `${text.length > room ? `${text.slice(0, room - 3)}...` : text}${suffix}`
}

/** The run whose trigger carries the token (newest first, the first that matches), if any. */
export function runWithToken(runs: DbtRun[], token: string): DbtRun | undefined {
  return runs.find((r) => typeof r.trigger?.cause === 'string' && r.trigger.cause.includes(`[${token}]`))
}

// ---------------------------------------------------------------------------------------------------------------
// run_results.json: tests and models.

/** The commands whose step writes a run_results.json worth reading. */
const RESULT_COMMANDS = new Set(['build', 'run', 'test', 'seed', 'snapshot', 'retry'])

/** The dbt command of a step (`Invoke dbt with \`dbt build --fail-fast\`` → `build`), if it names one. */
export function stepCommand(step: DbtRunStep): string | undefined {
  const command = (step.run_step_command as { dbt_command?: unknown } | undefined)?.dbt_command
  if (typeof command === 'string') return /^\s*dbt\s+([a-z_-]+)/.exec(command)?.[1]
  return /`dbt\s+([a-z_-]+)/.exec(step.name ?? '')?.[1]
}

/** Steps whose run_results.json is read: `build`, `run`, `test`, `seed`, `snapshot` (and `retry`, which reruns them). */
export function resultSteps(steps: DbtRunStep[]): DbtRunStep[] {
  return steps.filter((s) => Number.isInteger(s.index) && RESULT_COMMANDS.has(stepCommand(s) ?? ''))
}

/** One node's result (run_results.json `results[]`). */
export interface NodeResult {
  unique_id?: unknown
  status?: unknown
  message?: unknown
  failures?: unknown
  execution_time?: unknown
}

export type TestStatus = 'pass' | 'fail' | 'warn' | 'error' | 'skipped'
export type ModelStatus = 'success' | 'error' | 'skipped'

/** A test that did not pass, or a model, seed or snapshot that errored: for the summary. */
export interface Problem {
  uniqueId: string
  kind: 'test' | 'node'
  status: string
  message: string
  failures?: number
  step: number
}

export interface Aggregate {
  tests: Record<TestStatus, number>
  /** Models, seeds and snapshots. */
  nodes: Record<ModelStatus, number>
  problems: Problem[]
  /** Steps whose run_results.json was read. */
  stepsRead: number
}

export function emptyAggregate(): Aggregate {
  return {
    tests: { pass: 0, fail: 0, warn: 0, error: 0, skipped: 0 },
    nodes: { success: 0, error: 0, skipped: 0 },
    problems: [],
    stepsRead: 0
  }
}

/** Tests are `test.` (data tests) and `unit_test.` (dbt ≥ 1.8) nodes. */
export function isTest(uniqueId: string): boolean {
  return uniqueId.startsWith('test.') || uniqueId.startsWith('unit_test.')
}

const NODE_PREFIXES = ['model.', 'seed.', 'snapshot.']

/**
 * Adds one step's run_results.json to the counts. Tests by `pass | fail | warn | error | skipped`; models, seeds and
 * snapshots by `success | error | skipped`; `runtime error` counts as `error`. Other nodes (hooks, sources) and
 * statuses nobody documented are left out of the counts.
 */
export function addRunResults(into: Aggregate, runResults: unknown, step: number): void {
  const results = (runResults as { results?: unknown } | undefined)?.results
  if (!Array.isArray(results)) return
  into.stepsRead++
  for (const raw of results as NodeResult[]) {
    if (!raw || typeof raw !== 'object' || typeof raw.unique_id !== 'string' || typeof raw.status !== 'string') continue
    const id = raw.unique_id
    const status = raw.status === 'runtime error' ? 'error' : raw.status
    const message = typeof raw.message === 'string' ? raw.message : ''
    const failures = typeof raw.failures === 'number' && Number.isFinite(raw.failures) ? raw.failures : undefined
    if (isTest(id)) {
      if (!(status in into.tests)) continue
      into.tests[status as TestStatus]++
      if (status === 'fail' || status === 'warn' || status === 'error') {
        into.problems.push({ uniqueId: id, kind: 'test', status, message, failures, step })
      }
    } else if (NODE_PREFIXES.some((p) => id.startsWith(p))) {
      if (!(status in into.nodes)) continue
      into.nodes[status as ModelStatus]++
      if (status === 'error') into.problems.push({ uniqueId: id, kind: 'node', status, message, step })
    }
  }
}

/** The `tests_*` outputs: passed, failed (fail + error) and warning. */
export function testCounts(a: Aggregate): { passed: number; failed: number; warning: number } {
  return { passed: a.tests.pass, failed: a.tests.fail + a.tests.error, warning: a.tests.warn }
}

/** `12 passed, 2 failed, 1 warned, 1 errored, 3 skipped` (only the non-zero ones; `none` when empty). */
export function describeTests(a: Aggregate): string {
  const t = a.tests
  const parts = [
    [t.pass, 'passed'],
    [t.fail, 'failed'],
    [t.warn, 'warned'],
    [t.error, 'errored'],
    [t.skipped, 'skipped']
  ]
    .filter(([n]) => (n as number) > 0)
    .map(([n, w]) => `${n as number} ${w as string}`)
  return parts.length > 0 ? parts.join(', ') : 'none'
}

export function describeNodes(a: Aggregate): string {
  const n = a.nodes
  const parts = [
    [n.success, 'succeeded'],
    [n.error, 'errored'],
    [n.skipped, 'skipped']
  ]
    .filter(([c]) => (c as number) > 0)
    .map(([c, w]) => `${c as number} ${w as string}`)
  return parts.length > 0 ? parts.join(', ') : 'none'
}

// ---------------------------------------------------------------------------------------------------------------
// The summary. Provider text is data: it is escaped so that it never becomes markdown or HTML.

/**
 * Text from dbt Cloud (test messages, step names, logs) made inert for the job summary: HTML and markdown
 * characters become entities (`&`, `<`, `>`, `[`, `]`, backticks, `|`, `\`): no tag, link, code span or table cell
 * can start or end in it. Line breaks become spaces,
 * and the text is cut to `max` characters.
 */
export function flatText(text: string, max = 500): string {
  const flat = text
    .replace(/\r?\n|\r/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
  // The summary escapes every cell (HTML, markdown, pipes): here it is only made one line and short.
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat
}

/** The most failing and warning tests and erroring models listed one by one. */
export const MAX_PROBLEMS = 50
/** The last lines of a failed step's log shown when it wrote no results, each cut to 300 characters. */
export const LOG_TAIL_LINES = 30

export function countsTable(a: Aggregate): SummaryTable {
  const t = a.tests
  const n = a.nodes
  return {
    title: 'Results by status',
    header: ['Nodes', 'pass / success', 'fail', 'warn', 'error', 'skipped'],
    rows: [
      ['Tests', String(t.pass), String(t.fail), String(t.warn), String(t.error), String(t.skipped)],
      ['Models, seeds, snapshots', String(n.success), '', '', String(n.error), String(n.skipped)]
    ]
  }
}

/** Every failing and warning test and erroring model with its message (escaped), worst first, capped. */
export function problemsTable(a: Aggregate): SummaryTable | undefined {
  if (a.problems.length === 0) return undefined
  const rank: Record<string, number> = { error: 0, fail: 1, warn: 2 }
  const sorted = [...a.problems].sort((x, y) => (rank[x.status] ?? 3) - (rank[y.status] ?? 3))
  const rows = sorted
    .slice(0, MAX_PROBLEMS)
    .map((p) => [
      p.status,
      flatText(p.uniqueId, 200),
      String(p.step),
      p.failures !== undefined && p.kind === 'test' ? String(p.failures) : '',
      flatText(p.message)
    ])
  if (sorted.length > MAX_PROBLEMS) rows.push(['…', `${sorted.length - MAX_PROBLEMS} more not shown`, '', '', ''])
  return { title: 'Failing and warning tests, erroring models', header: ['Status', 'Node', 'Step', 'Failures', 'Message'], rows }
}

/** The run's steps with their status and duration. */
export function stepsTable(steps: DbtRunStep[]): SummaryTable | undefined {
  if (steps.length === 0) return undefined
  return {
    title: 'Steps',
    header: ['#', 'Step', 'Status', 'Duration'],
    rows: steps.map((s) => [
      String(s.index),
      flatText(s.name ?? '', 200),
      s.status === undefined ? '' : providerStatus({ status: s.status, status_humanized: s.status_humanized }),
      stepDuration(s)
    ])
  }
}

/** From the step's times, else its `HH:MM:SS` duration. */
function stepDuration(step: DbtRunStep): string {
  const ms = elapsedMs(step.started_at, step.finished_at, step.duration)
  return ms !== undefined ? formatDuration(ms) : ''
}

/** The step that failed (status 20), else the last step that did not succeed. */
export function failedStep(steps: DbtRunStep[]): DbtRunStep | undefined {
  return steps.find((s) => s.status === 20) ?? [...steps].reverse().find((s) => s.status !== undefined && s.status !== 10)
}

/** The tail of a step's log, one escaped line per row, for a run that failed without results. */
export function logTailTable(step: DbtRunStep): SummaryTable | undefined {
  const logs = typeof step.logs === 'string' ? step.logs : ''
  const lines = logs.split(/\r?\n/).filter((l) => l.trim() !== '')
  if (lines.length === 0) return undefined
  const tail = lines.slice(-LOG_TAIL_LINES)
  return {
    title: `Last ${tail.length} log lines of step ${step.index} (${flatText(step.name ?? 'unnamed', 120)})`,
    header: ['Log'],
    rows: tail.map((l) => [flatText(l, 300)])
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Links and words.

/** The run's `href` when it is a plain http(s) link (it becomes `job_url` and a link in the summary), else undefined. */
export function safeHref(href: unknown): string | undefined {
  if (typeof href !== 'string' || !/^https?:\/\/[^\s()<>[\]`"']+$/.test(href)) return undefined
  try {
    return new URL(href).toString()
  } catch {
    return undefined
  }
}

/** The run in the dbt Cloud UI, built from the base URL when the run carries no usable `href`. */
export function runUrl(baseUrl: string, accountId: string, run: Pick<DbtRun, 'id' | 'project_id' | 'href'>): string | undefined {
  const href = safeHref(run.href)
  if (href) return href
  if (!isId(run.project_id)) return undefined
  return `${new URL(baseUrl).origin}/deploy/${accountId}/projects/${run.project_id}/runs/${run.id}/`
}

/** A job name fit for log lines and the summary: one line, no markdown, at most 100 characters. */
export function jobName(job: DbtJob | undefined): string | undefined {
  return typeof job?.name === 'string' && job.name.trim() !== '' ? flatText(job.name, 100) : undefined
}

/** Why dbt Cloud cannot rerun a run, in words. */
export function retryReason(reason: unknown): string {
  switch (reason) {
    case 'RETRY_UNSUPPORTED_CMD':
      return 'the command that failed does not support dbt retry'
    case 'RETRY_UNSUPPORTED_VERSION':
      return "the job's dbt version is older than 1.6, which dbt retry needs"
    case 'RETRY_NOT_LATEST_RUN':
      return 'it is not the latest run of the job'
    case 'RETRY_NOT_FAILED_RUN':
      return 'it did not fail'
    case 'RETRY_NO_RUN_RESULTS':
      return 'it saved no run results to retry from'
    default:
      return typeof reason === 'string' && /^[A-Z_]{1,60}$/.test(reason)
        ? `dbt Cloud says ${reason}`
        : 'dbt Cloud says it cannot be retried'
  }
}
