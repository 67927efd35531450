import { formatDuration } from '../../core/duration.js'
import { AbortedError, ApiError, errorMessage } from '../../core/errors.js'
import { CLEANUP_AFTER_ABORT_MS } from '../../jobs/cleanup.js'
import { cleanupClientOptions, clientOptions } from '../../jobs/run.js'
import { triggerOnce, type TriggerOutcome } from '../../jobs/trigger.js'
import { timedOut, watchJob } from '../../jobs/watch.js'
import { setFact, type Report } from '../../core/report.js'
import type { ActionSpec, TargetContext } from '../types.js'
import { DbtCloudApi } from './api.js'
import {
  addRunResults,
  causeWithToken,
  countsTable,
  describeNodes,
  describeTests,
  emptyAggregate,
  flatText,
  failedStep,
  isoTime,
  jobName,
  logTailTable,
  newCauseToken,
  normaliseStatus,
  parseClock,
  problemsTable,
  providerStatus,
  resultSteps,
  retryReason,
  runPhase,
  runUrl,
  runWithToken,
  stepsTable,
  testCounts,
  type Aggregate,
  type DbtRun,
  type DbtRunStep
} from './model.js'
import type { DbtCloudSettings } from './settings.js'

export type Ctx = TargetContext<DbtCloudSettings>
type Action = ActionSpec<DbtCloudSettings, DbtCloudApi>

/** A trigger in flight, per target: how to find the run it started if the workflow is cancelled before its answer. */
const pendingTriggers = new WeakMap<Report, { jobId: string; match: (runs: DbtRun[]) => DbtRun | undefined }>()

/** How often a cancelled run is read until it shows Cancelled (30). */
const CONFIRM_INTERVAL_MS = 500
/** After an abort during the trigger: how often the job's runs are read for the run it started. */
const LOOKUP_AFTER_ABORT_MS = 500
/** ...and how much of the cleanup budget is kept for cancelling and confirming the run once found. */
const CANCEL_RESERVE_MS = 1500

/** The API client of one target, on the step's budget or (after the workflow's cancellation) one of its own. */
export function dbtCloudClient(ctx: Ctx, afterAbort = false): DbtCloudApi {
  const options = afterAbort ? cleanupClientOptions(ctx, true) : clientOptions(ctx)
  return new DbtCloudApi(options, ctx.settings.accountId, ctx.settings.apiKey)
}

/** The job this target names (RUN and RERUN always; WAIT, STATUS and CANCEL when dbt_cloud_job_id is given). */
export function jobOf(ctx: Ctx): string | undefined {
  return ctx.settings.jobIds.includes(ctx.target) ? ctx.target : undefined
}

/** `job 567 (nightly build)` */
function jobLabel(ctx: Ctx, jobId: string | undefined): string {
  if (jobId === undefined) return 'its job'
  return ctx.report.targetName ? `job ${jobId} (${ctx.report.targetName})` : `job ${jobId}`
}

/** Provider text for a log line: one line (no workflow command can start it), cut short. */
function flat(text: string, max = 300): string {
  const one = text.replace(/\s+/g, ' ').trim()
  return one.length > max ? `${one.slice(0, max - 1)}…` : one
}

const RUN_FACTS = ['Created', 'Started', 'Finished', 'Queued for', 'Run duration', 'Status message']

/** Copies what a read of the run shows into the report: every later output and the summary read from it. */
export function record(ctx: Ctx, run: DbtRun): void {
  const { report } = ctx
  report.jobId = String(run.id)
  report.status = normaliseStatus(run.status)
  report.providerStatus = providerStatus(run)
  report.jobUrl = runUrl(ctx.common.baseUrl, ctx.settings.accountId, run) ?? report.jobUrl
  const { run_steps: _steps, ...rest } = run
  report.result = rest
  const facts = report.facts.filter(([label]) => !RUN_FACTS.includes(label))
  report.facts = []
  setFact(report, 'Created', isoTime(run.created_at))
  setFact(report, 'Started', isoTime(run.started_at))
  setFact(report, 'Finished', isoTime(run.finished_at))
  const queued = parseClock(run.queued_duration)
  if (queued !== undefined && queued > 0) setFact(report, 'Queued for', formatDuration(queued))
  const ran = parseClock(run.run_duration)
  if (ran !== undefined && run.started_at) setFact(report, 'Run duration', formatDuration(ran))
  if (typeof run.status_message === 'string' && run.status_message.trim() !== '') {
    setFact(report, 'Status message', flatText(run.status_message, 300))
  }
  report.facts.push(...facts)
}

/** Reads the job: its name for the summary, and a 404 for a wrong id before anything is started. */
async function readJobName(ctx: Ctx, api: DbtCloudApi, jobId: string): Promise<void> {
  const job = await api.job(jobId)
  const name = jobName(job)
  if (name) ctx.report.targetName = name
}

/** The run must belong to the job named by dbt_cloud_job_id, when one is given. */
function checkJob(ctx: Ctx, run: DbtRun): void {
  const jobId = jobOf(ctx)
  if (jobId !== undefined && run.job_definition_id !== undefined && String(run.job_definition_id) !== jobId) {
    throw new Error(
      `dbt Cloud run ${run.id} belongs to job ${String(run.job_definition_id)}, not to dbt_cloud_job_id ${jobId}. Check job_id and dbt_cloud_job_id.`
    )
  }
}

// ---------------------------------------------------------------------------------------------------------------
// RUN and RERUN

/** RUN: trigger the job once (its cause carries a token), then wait for the run unless `wait: false`. */
const run: Action = {
  kind: 'wait',
  async run(ctx, api) {
    const { log, report, settings } = ctx
    const jobId = ctx.target
    await log.group(`Reading dbt Cloud job ${jobId}`, async () => {
      await readJobName(ctx, api, jobId)
      log.info(`Job ${jobId}${report.targetName ? `: ${report.targetName}` : ''}.`)
    })
    const token = newCauseToken()
    const body = { cause: causeWithToken(settings.cause, token), ...settings.trigger }
    const overrides = Object.keys(settings.trigger)
    setFact(report, 'Triggered at', new Date(ctx.clock.now()).toISOString())
    const match = (runs: DbtRun[]): DbtRun | undefined => runWithToken(runs, token)
    const triggered = await log.group(`Triggering a run of ${jobLabel(ctx, jobId)}`, () => {
      log.info(`cause: ${flat(body.cause)}${overrides.length > 0 ? `; overrides: ${overrides.join(', ')}` : ''}`)
      return triggerJob(ctx, api, jobId, match, `a run of ${jobLabel(ctx, jobId)} whose cause carries [${token}]`, async () => {
        const started = await api.trigger(jobId, body)
        log.info(`dbt Cloud started run ${started.id} (${providerStatus(started)}).`)
        return started
      })
    })
    // The job's past runs time the checks, unless this run's steps are not the job's own (a run of other steps
    // takes its own time).
    const history = settings.trigger.steps_override ? undefined : () => api.pastDurations(jobId)
    if (triggered.kind !== 'lost') await started(ctx, api, triggered.job, triggered.sentAt, history)
  }
}

/**
 * Sends a trigger once; after a lost answer, finds the run it started in the job's runs (newest first) with `match`.
 * Until the answer comes, a workflow cancellation looks for that run too, to cancel it.
 */
async function triggerJob(
  ctx: Ctx,
  api: DbtCloudApi,
  jobId: string,
  match: (runs: DbtRun[]) => DbtRun | undefined,
  what: string,
  send: () => Promise<DbtRun>
): Promise<TriggerOutcome<DbtRun>> {
  pendingTriggers.set(ctx.report, { jobId, match })
  const triggered = await triggerOnce(ctx, {
    what,
    send,
    find: async () => match(await api.runs(jobId, { limit: 10 })),
    describe: (found) => `run ${found.id} (${providerStatus(found)})`,
    advice: "check the job's runs in dbt Cloud, then run the step again."
  })
  pendingTriggers.delete(ctx.report)
  return triggered
}

/** RERUN: rerun the job's failed last run from the point of failure, when dbt Cloud can; else a clear error. */
const rerun: Action = {
  kind: 'wait',
  async run(ctx, api) {
    const { log, report } = ctx
    const jobId = ctx.target
    const last = await log.group(`Reading dbt Cloud job ${jobId} and its last run`, async () => {
      await readJobName(ctx, api, jobId)
      const [latest] = await api.runs(jobId, { limit: 1 })
      return latest
    })
    const label = jobLabel(ctx, jobId)
    if (last === undefined)
      throw new Error(
        `${label[0].toUpperCase()}${label.slice(1)} has no run to rerun: RERUN reruns the job's last run when it failed. Use RUN.`
      )
    if (last.status !== 20) {
      throw new Error(
        `The last run of ${label} (run ${last.id}) is ${providerStatus(last)}, not Error: RERUN only reruns a failed run. Use RUN to start a new one.`
      )
    }
    if (last.can_retry === false) {
      throw new Error(
        `The last run of ${label} (run ${last.id}) failed, but dbt Cloud cannot rerun it from the point of failure: ${retryReason(last.retry_not_supported_reason)}. Use RUN to run the whole job again.`
      )
    }
    setFact(report, 'Rerun of', `run ${last.id}`)
    // A rerun carries no cause: the run after the failed one, started as a rerun, is ours.
    const match = (runs: DbtRun[]): DbtRun | undefined =>
      [...runs].reverse().find((r) => r.id > last.id && (r.trigger?.cause_category ?? 'rerun') === 'rerun')
    const triggered = await log.group(`Rerunning failed run ${last.id} of ${label} from the point of failure`, () =>
      triggerJob(ctx, api, jobId, match, `a rerun of run ${last.id}`, async () => {
        const started = await api.rerun(jobId)
        log.info(`dbt Cloud started run ${started.id} (${providerStatus(started)}), rerunning run ${last.id}.`)
        return started
      })
    )
    if (triggered.kind !== 'lost') await started(ctx, api, triggered.job, triggered.sentAt)
  }
}

/**
 * A run was started (or found): say whether it queues behind another, then wait unless `wait: false`. `history`
 * reads how long the job's runs like this one took (RUN; a rerun from the point of failure has no such runs).
 */
async function started(ctx: Ctx, api: DbtCloudApi, run: DbtRun, at: number, history?: () => Promise<number[]>): Promise<void> {
  const { report, log } = ctx
  record(ctx, run)
  const ahead = run.status === 1 ? await runsAhead(ctx, api, run) : []
  let queuedNote = ''
  if (ahead.length > 0) {
    const behind = ahead[0]
    const more = ahead.length > 1 ? ` and ${ahead.length - 1} more` : ''
    queuedNote = ` It ${ctx.common.wait ? 'was' : 'is'} queued behind run ${behind.id}${more}.`
    setFact(report, 'Queued behind', `run ${behind.id} (${providerStatus(behind)})${more}`)
    log.info(
      `${jobLabel(ctx, ctx.target)} already has run ${behind.id} ${providerStatus(behind).toLowerCase()}${more}: dbt Cloud runs a job's runs one at a time, so run ${run.id} is queued behind run ${behind.id}. The time in the queue counts against the timeout.`
    )
  }
  if (!ctx.common.wait) {
    report.message = `Started dbt Cloud run ${run.id} of ${jobLabel(ctx, ctx.target)}; not waiting (wait: false). A later step can WAIT with job_id ${run.id}.${queuedNote}`
    return
  }
  await waitForRun(ctx, api, run, { since: at, checkFirst: false, note: queuedNote, history })
}

/**
 * The job's runs in progress that a queued run waits for (dbt Cloud runs a job's runs one at a time), newest first.
 * Only to say so: a list that cannot be read holds nothing up.
 */
async function runsAhead(ctx: Ctx, api: DbtCloudApi, run: DbtRun): Promise<DbtRun[]> {
  try {
    const active = await api.runs(ctx.target, { limit: 10, active: true })
    return active.filter((r) => r.id < run.id).sort((a, b) => b.id - a.id)
  } catch (error) {
    if (!(error instanceof ApiError)) throw error
    ctx.log.debug(`Could not list the runs of job ${ctx.target} in progress (${error.message}).`)
    return []
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Waiting and the results

/** Checks the run until it ends (10, 20 or 30), or the timeout; the run goes on after a timeout. */
async function waitForRun(
  ctx: Ctx,
  api: DbtCloudApi,
  first: DbtRun,
  options: { since: number; checkFirst: boolean; note?: string; history?: () => Promise<number[]> }
): Promise<void> {
  const { since, checkFirst, note = '', history } = options
  const { report } = ctx
  const runId = String(first.id)
  const label = jobLabel(ctx, jobOf(ctx) ?? (first.job_definition_id !== undefined ? String(first.job_definition_id) : undefined))
  let last = first
  const outcome = await watchJob<DbtRun>(ctx, {
    what: `run ${runId} of ${label}`,
    statusNoun: 'run status',
    startedAt: since,
    waitingSince: since,
    checkFirst,
    history,
    check: async (watch) => {
      const run = await api.run(runId)
      last = run
      record(ctx, run)
      const phase = runPhase(run.status)
      if (phase === 'ended') return { done: true, value: run }
      if (phase === 'unknown') watch.unknownStatus(String(run.status))
      else watch.progress(`Run ${runId}: ${providerStatus(run)}`)
      return { done: false }
    }
  })
  if (outcome.kind === 'timed_out') {
    report.status = 'timed_out'
    const where = report.jobUrl ? `: ${report.jobUrl}` : ` (run ${runId})`
    report.message = timedOut(
      ctx,
      `run ${runId} of ${label} (last seen ${providerStatus(last)})`,
      outcome,
      `The run goes on in dbt Cloud${where}.${note}`
    )
    return
  }
  const results = await readResults(ctx, api, outcome.value)
  report.message = endMessage(ctx, outcome.value, results, label) + note
}

/** What the summary and the outputs learned from the run's steps and their run_results.json. */
interface Results {
  steps: DbtRunStep[]
  aggregate: Aggregate
  failed?: DbtRunStep
}

/**
 * Once the run has ended (any status): its steps, and each result step's run_results.json (a missing one is
 * skipped). Fills in `tests_*`, the counts, the failing tests and erroring models, the steps and, for a failed run
 * without results, the failed step's log tail. Never changes the verdict: a read that fails only leaves the summary shorter.
 */
export async function readResults(ctx: Ctx, api: DbtCloudApi, run: DbtRun): Promise<Results> {
  const { log, report } = ctx
  const aggregate = emptyAggregate()
  let steps: DbtRunStep[] = []
  try {
    await log.group(`Reading the steps and test results of run ${run.id}`, async () => {
      const full = await api.run(String(run.id), true)
      steps = (Array.isArray(full.run_steps) ? full.run_steps : []).filter(
        (s): s is DbtRunStep => !!s && typeof s === 'object' && Number.isInteger(s.index)
      )
      steps.sort((a, b) => a.index - b.index)
      for (const step of resultSteps(steps)) {
        const results = await api.runResults(String(run.id), step.index)
        if (results === undefined) log.info(`Step ${step.index} (${flat(step.name ?? '', 120)}) saved no run_results.json; skipped.`)
        else addRunResults(aggregate, results, step.index)
      }
    })
  } catch (error) {
    if (error instanceof AbortedError) throw error
    log.warning(`Could not read the run's steps and test results (${errorMessage(error)}); the summary lists none.`)
  }
  const tables = []
  if (aggregate.stepsRead > 0) {
    report.tests = testCounts(aggregate)
    setFact(report, 'Tests', describeTests(aggregate))
    setFact(report, 'Models, seeds, snapshots', describeNodes(aggregate))
    log.info(`Tests: ${describeTests(aggregate)}. Models, seeds, snapshots: ${describeNodes(aggregate)}.`)
    for (const p of aggregate.problems.slice(0, 20)) log.info(`  ${p.status} ${flat(p.uniqueId, 200)}: ${flat(p.message)}`)
    const problems = problemsTable(aggregate)
    if (problems) tables.push(problems)
    tables.push(countsTable(aggregate))
  }
  const stepTable = stepsTable(steps)
  if (stepTable) tables.push(stepTable)
  let failed: DbtRunStep | undefined
  if (run.status === 20 && aggregate.problems.length === 0) {
    failed = failedStep(steps)
    if (failed) {
      setFact(report, 'Failed step', `${failed.index}: ${flatText(failed.name ?? '', 200)}`)
      const tail = logTailTable(failed)
      if (tail) tables.push(tail)
    }
  }
  report.tables = tables
  return { steps, aggregate, failed }
}

/** How the run ended, in words; provider text stays out (it is in the summary's tables, escaped). */
function endMessage(ctx: Ctx, run: DbtRun, results: Results, label: string): string {
  const link = ctx.report.jobUrl ? ` See the run: ${ctx.report.jobUrl}` : ''
  const { aggregate: a, failed } = results
  const ran = Object.values(a.tests).reduce((x, y) => x + y, 0)
  const tests = a.stepsRead === 0 ? '' : ran > 0 ? `tests ${describeTests(a)}` : 'no tests ran'
  switch (run.status) {
    case 10: {
      const warned = a.tests.warn > 0 ? ` (warnings do not fail a dbt run)` : ''
      return `dbt Cloud run ${run.id} of ${label} succeeded${tests ? `: ${tests}${warned}` : ''}.`
    }
    case 30:
      return `dbt Cloud run ${run.id} of ${label} was cancelled.${link}`
    default: {
      const errored = a.nodes.error > 0 ? `${a.nodes.error} model${a.nodes.error > 1 ? 's' : ''} errored` : ''
      const what = [tests, errored].filter(Boolean).join('; ')
      const step = failed ? ` Step ${failed.index} failed without test results: the summary shows its log.` : ''
      return `dbt Cloud run ${run.id} of ${label} ended ${providerStatus(run)}${what ? `: ${what}` : ''}.${step}${link}`
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// WAIT, STATUS, CANCEL

/** WAIT (the sensor): waits for the run named by job_id. */
const wait: Action = {
  kind: 'wait',
  async run(ctx, api) {
    const runId = ctx.settings.runId as string
    ctx.report.jobId = runId
    const jobId = jobOf(ctx)
    if (jobId) await readJobName(ctx, api, jobId)
    const run = await api.run(runId)
    checkJob(ctx, run)
    record(ctx, run)
    // WAIT does not know when the run was triggered on this runner's clock, so neither its age nor its history's fit.
    await waitForRun(ctx, api, run, { since: ctx.clock.now(), checkFirst: true })
  }
}

/** STATUS: the run named by job_id, or the job's latest run; its state never fails the step. */
const status: Action = {
  kind: 'report',
  async run(ctx, api) {
    const { log, report } = ctx
    const jobId = jobOf(ctx)
    if (jobId) await readJobName(ctx, api, jobId)
    let run: DbtRun | undefined
    if (ctx.settings.runId !== undefined) run = await api.run(ctx.settings.runId)
    else if (jobId !== undefined) {
      const [latest] = await api.runs(jobId, { limit: 1 })
      if (latest === undefined) {
        report.message = `${jobLabel(ctx, jobId)} has no runs yet.`
        return
      }
      run = latest
    }
    if (run === undefined) return
    checkJob(ctx, run)
    record(ctx, run)
    const label = jobLabel(ctx, jobId ?? (run.job_definition_id !== undefined ? String(run.job_definition_id) : undefined))
    log.info(`Run ${run.id} of ${label}: ${providerStatus(run)}.`)
    const ended = runPhase(run.status) === 'ended'
    if (ended) await readResults(ctx, api, run)
    const tests = ended && report.tests ? ` Tests: ${describeTests(resultsOf(report.tests))}.` : ''
    report.message = `dbt Cloud run ${run.id} of ${label} is ${report.status} (dbt Cloud status ${report.providerStatus}).${tests}`
  }
}

function resultsOf(tests: { passed: number; failed: number; warning: number }): Aggregate {
  const a = emptyAggregate()
  a.tests.pass = tests.passed
  a.tests.fail = tests.failed
  a.tests.warn = tests.warning
  return a
}

/**
 * Cancels a run and reads it until it shows Cancelled (30), or until `until`. dbt Cloud shows a queued run
 * cancelled at once, a running one after a moment. Returns the last read of the run.
 */
async function cancelAndConfirm(ctx: Ctx, api: DbtCloudApi, runId: string, until: number): Promise<DbtRun> {
  let run = await api.cancel(runId)
  record(ctx, run)
  while (runPhase(run.status) !== 'ended' && ctx.clock.now() + CONFIRM_INTERVAL_MS < until) {
    await ctx.clock.sleep(CONFIRM_INTERVAL_MS)
    run = await api.run(runId)
    record(ctx, run)
  }
  if (run.status === 30) ctx.report.remoteCancelled = true
  return run
}

/** CANCEL: cancels the run if it has not ended; one that already ended is reported, not an error. */
const cancel: Action = {
  kind: 'report',
  async run(ctx, api) {
    const { log, report } = ctx
    const runId = ctx.settings.runId as string
    const jobId = jobOf(ctx)
    if (jobId) await readJobName(ctx, api, jobId)
    const run = await api.run(runId)
    checkJob(ctx, run)
    record(ctx, run)
    if (runPhase(run.status) === 'ended') {
      report.message = `dbt Cloud run ${runId} had already ended (${providerStatus(run)}); nothing to cancel.`
      return
    }
    const after = await log.group(`Cancelling dbt Cloud run ${runId}`, () => cancelAndConfirm(ctx, api, runId, ctx.deadline))
    report.message =
      after.status === 30
        ? `Cancelled dbt Cloud run ${runId}; dbt Cloud reports it Cancelled.`
        : runPhase(after.status) === 'ended'
          ? `dbt Cloud run ${runId} ended ${providerStatus(after)} before the cancellation took effect.`
          : `Asked dbt Cloud to cancel run ${runId}; it still shows ${providerStatus(after)}.`
  }
}

export const DBT_CLOUD_ACTIONS = { RUN: run, RERUN: rerun, WAIT: wait, STATUS: status, CANCEL: cancel }

/** The workflow was cancelled: with `cancel_on_abort`, cancel the run and confirm it, on a short budget of its own. */
export async function cancelAfterAbort(ctx: Ctx): Promise<void> {
  const pending = pendingTriggers.get(ctx.report)
  if (ctx.common.actionKind !== 'wait' || (ctx.report.jobId === undefined && pending === undefined)) return
  if (!ctx.common.cancelOnAbort) {
    ctx.log.info('cancel_on_abort is false: the dbt Cloud run goes on.')
    return
  }
  const until = ctx.clock.now() + CLEANUP_AFTER_ABORT_MS
  // Not the aborted signal: the run must be cancelled after it.
  const api = dbtCloudClient(ctx, true)
  let runId = ctx.report.jobId
  try {
    if (runId === undefined && pending) {
      // The trigger was in flight: find the run it may have started (the request may reach dbt Cloud a moment later).
      const { jobId, match } = pending
      let found = match(await api.runs(jobId, { limit: 10 }))
      while (!found && ctx.clock.now() + LOOKUP_AFTER_ABORT_MS < until - CANCEL_RESERVE_MS) {
        await ctx.clock.sleep(LOOKUP_AFTER_ABORT_MS)
        found = match(await api.runs(jobId, { limit: 10 }))
      }
      if (!found) {
        ctx.log.warning(
          `The trigger of ${jobLabel(ctx, jobId)} was in flight and no run of it showed up: check the job's runs in dbt Cloud.`
        )
        return
      }
      runId = String(found.id)
    }
    const run = await api.run(runId as string)
    record(ctx, run)
    if (runPhase(run.status) === 'ended') {
      ctx.log.info(`dbt Cloud run ${runId as string} had already ended (${providerStatus(run)}); nothing to cancel.`)
      return
    }
    const after = await cancelAndConfirm(ctx, api, runId as string, until)
    if (after.status === 30) ctx.log.info(`Cancelled dbt Cloud run ${runId as string}; dbt Cloud reports it Cancelled.`)
    else ctx.log.warning(`Asked dbt Cloud to cancel run ${runId as string}; it still shows ${providerStatus(after)}.`)
  } catch (error) {
    ctx.log.warning(`Could not cancel dbt Cloud run ${runId ?? '(unknown)'} after the workflow's cancellation: ${errorMessage(error)}`)
  }
}
