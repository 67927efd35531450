import { formatDuration } from '../../duration.js'
import { ApiError } from '../../errors.js'
import { readBoolean, splitList } from '../../inputs.js'
import { setFact } from '../../report.js'
import { lastCheckFailure, lostTriggerGraceMs, waitFor } from '../../wait.js'
import type { Provider, TargetContext } from '../types.js'
import { HIGHTOUCH_BASE_URL, HightouchApi } from './api.js'
import {
  NUMERIC_ID,
  currentStatus,
  describeProblems,
  describeRun,
  durationMs,
  formatCompletion,
  jobsTable,
  rowsSynced,
  runCreatedSince,
  runUrl,
  viewRun,
  type HightouchRuns,
  type HightouchSyncRun,
  type RunView
} from './model.js'

/** Hightouch inputs (Orchestra's Hightouch "Sync" task, plus slugs, full resync and warnings). */
export interface HightouchSettings {
  /** Sync ids (`sync_id`) or slugs (`sync_slug`), in input order: one target each. */
  syncs: string[]
  /** Whether `syncs` are slugs, resolved to ids with `GET /syncs?slug=`. */
  bySlug: boolean
  apiKey: string
  /** Resync all rows (`full_resync`). */
  fullResync: boolean
  /** Orchestra fails on anything but `success`; false lets `warning` pass. */
  failOnWarning: boolean
  /** Makes `job_url` point at the run in the Hightouch app. */
  workspaceSlug?: string
  /** WAIT/STATUS: the sync run, from a previous step's job_id. */
  runId?: string
}

type Ctx = TargetContext<HightouchSettings>

/** The sync a target names: its id, and how to call it in messages (`orders-to-salesforce (id 42)`). */
interface SyncRef {
  id: string
  label: string
}

/** A run created this long before the trigger still counts as the trigger's, for clocks a little apart. */
const LOST_RUN_MARGIN_MS = 5000

const WORKSPACE_SLUG = /^[A-Za-z0-9][A-Za-z0-9_-]*$/

export const hightouch: Provider<HightouchSettings> = {
  name: 'hightouch',
  title: 'Hightouch',
  targetNoun: 'Sync',
  defaultBaseUrl: HIGHTOUCH_BASE_URL,
  defaultAction: 'SYNC',
  actions: {
    SYNC: { kind: 'wait' },
    WAIT: { kind: 'wait' },
    STATUS: { kind: 'report' }
  },

  readSettings(read, common, problems) {
    const ids = splitList(read('sync_id'))
    const slugs = splitList(read('sync_slug'))
    const apiKey = read('api_key', 'HIGHTOUCH_API_KEY')
    const fullResync = readBoolean(read, 'full_resync', problems) ?? false
    const failOnWarning = readBoolean(read, 'fail_on_warning', problems) ?? true
    const workspaceSlug = read('workspace_slug') || undefined
    const { action } = common

    if (ids.length > 0 && slugs.length > 0) {
      problems.push('give sync_id or sync_slug, not both: each names the syncs to work on')
    } else if (ids.length === 0 && slugs.length === 0) {
      problems.push("sync_id or sync_slug is required: the sync's numeric id (e.g. 1234567) or its slug (e.g. all-users-to-salesforce)")
    }
    for (const id of ids) {
      if (!NUMERIC_ID.test(id)) problems.push(`sync_id must be a number (the sync's id, e.g. 1234567), got "${id}"`)
    }
    // 1001 and 01001 are the same sync.
    if (new Set(ids.map((id) => id.replace(/^0+(?=\d)/, ''))).size !== ids.length) problems.push('sync_id lists the same sync twice')
    if (new Set(slugs).size !== slugs.length) problems.push('sync_slug lists the same sync twice')
    if (apiKey === '') problems.push('api_key is required (or the HIGHTOUCH_API_KEY env variable): a Hightouch workspace API key')
    if (workspaceSlug !== undefined && !WORKSPACE_SLUG.test(workspaceSlug)) {
      problems.push(
        `workspace_slug must be the workspace's slug as in https://app.hightouch.com/<workspace_slug>/..., got "${workspaceSlug}"`
      )
    }

    let runId: string | undefined
    if (action === 'WAIT' || action === 'STATUS') {
      if (common.jobId === undefined) {
        problems.push(`job_id is required for ${action}: the sync run id, e.g. a previous SYNC step's job_id output (such as 693970492)`)
      } else if (!NUMERIC_ID.test(common.jobId)) {
        problems.push(`job_id must be a Hightouch sync run id (a number, e.g. 693970492), got "${common.jobId}"`)
      } else runId = common.jobId
      const given = ids.length + slugs.length
      if (given > 1)
        problems.push(`${action} takes one sync (job_id is one run of it), got ${given} in ${ids.length > 0 ? 'sync_id' : 'sync_slug'}`)
    } else if (common.jobId !== undefined) {
      problems.push(`job_id is only used by WAIT and STATUS for hightouch, not ${action}`)
    }

    return { syncs: ids.length > 0 ? ids : slugs, bySlug: ids.length === 0, apiKey, fullResync, failOnWarning, workspaceSlug, runId }
  },

  secrets: (s) => [s.apiKey],
  targets: (s) => s.syncs,
  warningsPass: (s) => !s.failOnWarning,

  async run(ctx) {
    const api = new HightouchApi(
      {
        baseUrl: ctx.common.baseUrl,
        clock: ctx.clock,
        log: ctx.log,
        limiter: ctx.limiter,
        signal: ctx.signal,
        deadline: ctx.deadline,
        requestTimeoutMs: ctx.common.requestTimeoutMs
      },
      ctx.settings.apiKey
    )
    let sync: SyncRef | undefined
    try {
      sync = await resolveSync(ctx, api)
      switch (ctx.common.action) {
        case 'STATUS':
          return await status(ctx, api, sync)
        case 'WAIT':
          return await waitAction(ctx, api, sync)
        default:
          return await syncAction(ctx, api, sync)
      }
    } catch (error) {
      throw explain(error, ctx, sync)
    }
  }
}

/** A slug is looked up once; an id is used as given. */
async function resolveSync(ctx: Ctx, api: HightouchApi): Promise<SyncRef> {
  const { target, report, log } = ctx
  if (!ctx.settings.bySlug) return { id: target, label: target }
  const found = await log.group(`Finding the sync with slug ${target}`, async () => {
    const s = await api.syncBySlug(target)
    if (s) log.info(`Sync ${target} has id ${String(s.id)}.`)
    return s
  })
  if (!found) {
    throw new Error(
      `No sync with slug "${target}" in the Hightouch workspace of this API key. Check sync_slug: the slug is shown in the sync's settings in Hightouch (or give its numeric id as sync_id).`
    )
  }
  const id = String(found.id)
  report.targetName = `id ${id}`
  if (found.disabled === true) log.warning(`Sync ${target} is disabled in Hightouch; its run may not start.`)
  return { id, label: `${target} (id ${id})` }
}

const RUN_FACTS = ['Created', 'Started', 'Finished', 'Duration', 'Completion']

/** Copies what a check of the run shows into the report: every later output and the summary read from it. */
function record(ctx: Ctx, runs: HightouchRuns, view: RunView): void {
  const { report } = ctx
  report.result = runs
  if (view.kind === 'invisible') return
  const { status, providerStatus } = currentStatus(view)
  report.status = status
  report.providerStatus = providerStatus
  report.rowsSynced = rowsSynced(view.jobs)
  const run = view.run
  const took = durationMs(run.startedAt, run.finishedAt)
  // Replaced as a block on every check, so the times keep their order as they become known.
  report.facts = report.facts.filter(([label]) => !RUN_FACTS.includes(label))
  setFact(report, 'Created', run.createdAt ?? undefined)
  setFact(report, 'Started', run.startedAt ?? undefined)
  setFact(report, 'Finished', run.finishedAt ?? undefined)
  if (took !== undefined) setFact(report, 'Duration', formatDuration(took))
  setFact(report, 'Completion', formatCompletion(run.completionRatio))
  report.tables = [jobsTable(view.jobs)]
}

function setRun(ctx: Ctx, sync: SyncRef, runId: string): void {
  ctx.report.jobId = runId
  ctx.report.jobUrl = runUrl(ctx.settings.workspaceSlug, sync.id, runId)
}

/** SYNC: trigger once, then wait for the run (or, with wait: false, return its id). */
async function syncAction(ctx: Ctx, api: HightouchApi, sync: SyncRef): Promise<void> {
  const { settings, report, log, clock } = ctx
  const triggeredAt = clock.now()
  setFact(report, 'Triggered at', new Date(triggeredAt).toISOString())
  setFact(report, 'Full resync', settings.fullResync ? 'yes' : 'no')
  const triggered = await log.group(
    `Triggering a run of sync ${sync.label}${settings.fullResync ? ' (full resync)' : ''}`,
    async (): Promise<{ runId?: string; lost?: ApiError }> => {
      try {
        const id = await api.trigger(sync.id, settings.fullResync)
        log.info(`Hightouch created sync run ${id}.`)
        return { runId: id }
      } catch (error) {
        if (error instanceof ApiError && error.ambiguous) {
          // Hightouch would queue a second run rather than refuse it: find the run instead of triggering again.
          log.warning(
            `${error.message}. The trigger may have gone through: the action looks for a run of sync ${sync.label} created since ${new Date(triggeredAt - LOST_RUN_MARGIN_MS).toISOString()} instead of triggering again.`
          )
          return { lost: error }
        }
        throw error
      }
    }
  )
  const runId = triggered.runId ?? (await findLostRun(ctx, api, sync, triggeredAt, triggered.lost as ApiError))
  if (runId === undefined) return
  setRun(ctx, sync, runId)
  report.status = 'queued'
  report.providerStatus = undefined
  if (!ctx.common.wait) {
    report.message = `Triggered sync run ${runId} of sync ${sync.label}; not waiting (wait: false). A later step can WAIT with job_id ${runId}.`
    return
  }
  // A run Hightouch just created has not ended: the first check waits its turn. A run found after a lost answer
  // is looked at once.
  await waitForRun(ctx, api, sync, runId, triggeredAt, triggered.runId === undefined)
}

/**
 * After a lost trigger answer: the run created since just before the trigger, if one shows up within the
 * grace period. Undefined (with the report saying why) when none does.
 */
async function findLostRun(ctx: Ctx, api: HightouchApi, sync: SyncRef, triggeredAt: number, lost: ApiError): Promise<string | undefined> {
  const { report, log, clock } = ctx
  const since = triggeredAt - LOST_RUN_MARGIN_MS
  const graceEnds = triggeredAt + lostTriggerGraceMs(ctx.common.timeoutMs)
  const outcome = await log.group(`Looking for the run the trigger of sync ${sync.label} may have started`, () =>
    waitFor<HightouchSyncRun | undefined>({
      clock,
      deadline: ctx.deadline,
      pollIntervalMs: ctx.common.pollIntervalMs,
      jobStartedAt: triggeredAt,
      signal: ctx.signal,
      onTransientError: (error) => log.warning(`Looking for the run failed (${error.message}); looking again.`),
      check: async () => {
        const runs = await api.runsSince(sync.id, new Date(since).toISOString())
        const run = runCreatedSince(runs.data, since)
        if (run) {
          log.info(
            `Found sync run ${String(run.id)} (created ${run.createdAt ?? 'at an unknown time'}, ${run.status}): the trigger did go through. Waiting for that run.`
          )
          return { done: true, value: run }
        }
        if (clock.now() >= graceEnds) return { done: true, value: undefined }
        return { done: false }
      }
    })
  )
  const cause = `The trigger's answer was lost (${lost.message})`
  if (outcome.kind === 'timed_out') {
    report.status = 'timed_out'
    report.message = `${cause} and the timeout (${formatDuration(ctx.common.timeoutMs)}) was reached before a run of sync ${sync.label} showed up.${lastCheckFailure(outcome)}`
    return undefined
  }
  if (outcome.value === undefined) {
    report.status = 'failed'
    report.error = `${cause} and no run of sync ${sync.label} was created in the ${formatDuration(clock.now() - triggeredAt)} after it, so the trigger most likely never reached Hightouch. The action does not trigger twice: look at the sync's runs in Hightouch (a run may be queued behind one in progress), then run the step again.`
    return undefined
  }
  return String(outcome.value.id)
}

/** WAIT: the sensor. Waits for the run named by job_id. */
async function waitAction(ctx: Ctx, api: HightouchApi, sync: SyncRef): Promise<void> {
  const runId = ctx.settings.runId as string
  setRun(ctx, sync, runId)
  await waitForRun(ctx, api, sync, runId, ctx.clock.now())
}

/** Checks the run until every job in `data` has ended, or the timeout. */
async function waitForRun(ctx: Ctx, api: HightouchApi, sync: SyncRef, runId: string, startedAt: number, checkFirst = true): Promise<void> {
  const { report, log, clock, deadline } = ctx
  let last: RunView | undefined
  let lastLine: string | undefined
  let invisibleChecks = 0
  const warned = new Set<string>()
  const outcome = await log.group(
    `Waiting for sync run ${runId} of sync ${sync.label} to end (timeout ${formatDuration(deadline - clock.now())})`,
    () =>
      waitFor<RunView & { kind: 'ended' }>({
        clock,
        deadline,
        pollIntervalMs: ctx.common.pollIntervalMs,
        jobStartedAt: startedAt,
        checkFirst,
        signal: ctx.signal,
        // WAIT does not know when the run started, so its age (and the history's fit) would be a guess.
        history: ctx.common.action === 'SYNC' ? () => api.pastDurations(sync.id, clock.now()) : undefined,
        onTransientError: (error) => log.warning(`Status check failed (${error.message}); checking again.`),
        check: async () => {
          const runs = await api.runs(sync.id, runId)
          const view = viewRun(runs, runId)
          last = view
          record(ctx, runs, view)
          if (view.kind === 'invisible') {
            // Right after a trigger Hightouch may not list the run yet (an empty data, or data without it).
            if (++invisibleChecks === 1) log.info(`Hightouch does not show run ${runId} yet; checking again.`)
            return { done: false }
          }
          for (const s of view.kind === 'waiting' ? view.unknown : []) {
            if (warned.has(s)) continue
            warned.add(s)
            log.warning(`Hightouch reports a sync run status this version does not know ("${s}"); waiting on.`)
          }
          const line =
            view.jobs.length > 1 ? view.jobs.map((j) => `run ${String(j.id)}: ${describeRun(j)}`).join('; ') : describeRun(view.run)
          if (line !== lastLine) {
            lastLine = line
            log.info(`Sync run ${runId}: ${line}`)
          }
          return view.kind === 'ended' ? { done: true, value: view } : { done: false }
        }
      })
  )
  if (outcome.kind === 'timed_out') {
    report.status = 'timed_out'
    const seen =
      last === undefined
        ? ' No check of the run got an answer.'
        : last.kind === 'invisible'
          ? ' Hightouch never showed the run.'
          : ` Last seen: ${describeRun(last.run)}.`
    const where = report.jobUrl ? `: ${report.jobUrl}` : ` (sync ${sync.id}, run ${runId})`
    report.message = `Timed out after ${formatDuration(ctx.common.timeoutMs)} waiting for sync run ${runId} of sync ${sync.label}. Hightouch has no API to cancel a run, so it goes on${where}.${seen}${lastCheckFailure(outcome)}`
    return
  }
  const end = outcome.value
  setFact(report, 'Waited', formatDuration(clock.now() - startedAt))
  const rows = `${(report.rowsSynced ?? 0).toLocaleString('en-US')} rows synced`
  const see = report.jobUrl ? ` See the run in Hightouch: ${report.jobUrl}` : ''
  if (end.status === 'succeeded') {
    report.message = `Sync run ${runId} of sync ${sync.label} succeeded: ${rows}.`
    return
  }
  const problems = describeProblems(end.jobs, runId).join('; ')
  const which = end.jobs.length > 1 ? ` (${end.jobs.length} jobs in the run's data)` : ''
  let why = ''
  if (end.status === 'warning') {
    why = ctx.settings.failOnWarning
      ? ' fail_on_warning is true (as Orchestra: anything but success fails); set fail_on_warning: false to let warnings pass.'
      : ' fail_on_warning is false, so the step passes.'
  } else if (end.providerStatus === 'interrupted') {
    why = ' Hightouch resumes an interrupted run in a new run.'
  }
  report.message = `Sync run ${runId} of sync ${sync.label} ended ${end.status}${which}${problems ? `: ${problems}` : ''}. ${rows}.${why}${see}`
}

/** STATUS: reads the run once and reports it; fails only when it cannot be read. */
async function status(ctx: Ctx, api: HightouchApi, sync: SyncRef): Promise<void> {
  const { report, log, clock } = ctx
  const runId = ctx.settings.runId as string
  setRun(ctx, sync, runId)
  const outcome = await log.group(`Reading sync run ${runId} of sync ${sync.label}`, () =>
    waitFor<HightouchRuns>({
      clock,
      deadline: ctx.deadline,
      pollIntervalMs: ctx.common.pollIntervalMs,
      jobStartedAt: clock.now(),
      signal: ctx.signal,
      onTransientError: (error) => log.warning(`Status check failed (${error.message}); checking again.`),
      check: async () => {
        const runs = await api.runs(sync.id, runId)
        log.info(JSON.stringify(runs, null, 2))
        return { done: true, value: runs }
      }
    })
  )
  if (outcome.kind === 'timed_out') {
    report.error = `Could not read sync run ${runId} of sync ${sync.label} within the timeout.${lastCheckFailure(outcome)}`
    return
  }
  const view = viewRun(outcome.value, runId)
  record(ctx, outcome.value, view)
  if (view.kind === 'invisible') {
    report.status = 'unknown'
    report.error = `Hightouch shows no run ${runId} of sync ${sync.label}. Check job_id (a run id of this sync, e.g. a previous SYNC step's job_id output); a run triggered a moment ago may not be listed yet.`
    return
  }
  report.message = `Sync run ${runId} of sync ${sync.label} is ${report.status} (Hightouch status ${report.providerStatus}).`
}

/** Turns HTTP errors into messages that say what to do, as Orchestra reports them. */
function explain(error: unknown, ctx: Ctx, sync: SyncRef | undefined): unknown {
  if (!(error instanceof ApiError) || error.kind !== 'http') return error
  const http = `HTTP ${error.status} ${error.reason}`
  const label = sync?.label ?? ctx.target
  switch (error.status) {
    case 401:
      // Hightouch's own words (`message: details`) say what is wrong with the key.
      return new Error(
        `Hightouch refused the API key (${http} on ${error.request}): ${error.providerMessage ?? 'no message'}. Check api_key (or HIGHTOUCH_API_KEY): a workspace API key from Settings → API keys; a key stops working when the user who created it is deactivated.`
      )
    case 404: {
      const what = ctx.settings.runId !== undefined ? `Sync ${label} or its run ${ctx.settings.runId}` : `Sync ${label}`
      return new Error(
        `${what} was not found (${http} on ${error.request}). Check ${ctx.settings.bySlug ? 'sync_slug' : 'sync_id'}: the sync must be in the workspace of this API key.`
      )
    }
    default: {
      const said = error.providerMessage ? `: ${error.providerMessage}` : ''
      return new Error(`Hightouch answered ${http} on ${error.request} for sync ${label}${said}`)
    }
  }
}
