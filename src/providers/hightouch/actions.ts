import { formatDuration } from '../../core/duration.js'
import { AbortedError, errorMessage } from '../../core/errors.js'
import { triggerOnce } from '../../jobs/trigger.js'
import { timedOut, watchJob } from '../../jobs/watch.js'
import { showBody } from '../../jobs/show.js'
import { setFact } from '../../core/report.js'
import type { ActionSpec, TargetContext } from '../types.js'
import { syncLabel } from './advice.js'
import type { HightouchApi } from './api.js'
import {
  currentStatus,
  describeProblems,
  describeRun,
  durationMs,
  formatCompletion,
  jobsTable,
  readId,
  rowsSynced,
  runCreatedSince,
  runUrl,
  viewRun,
  type HightouchRuns,
  type RunView
} from './model.js'
import type { HightouchSettings } from './settings.js'

type Ctx = TargetContext<HightouchSettings>
type Action = ActionSpec<HightouchSettings, HightouchApi>

/** SYNC: trigger once, then wait for the run (or, with wait: false, return its id). */
const sync: Action = {
  kind: 'wait',
  async run(ctx, api) {
    const { settings, report, log } = ctx
    const syncId = await resolveSync(ctx, api)
    const label = syncLabel(ctx)
    setFact(report, 'Triggered at', new Date(ctx.clock.now()).toISOString())
    setFact(report, 'Full resync', settings.fullResync ? 'yes' : 'no')
    const triggered = await log.group(`Triggering a run of sync ${label}${settings.fullResync ? ' (full resync)' : ''}`, () =>
      // Hightouch would queue a second run rather than refuse it: after a lost answer, find the run instead.
      triggerOnce(ctx, {
        what: `a run of sync ${label}`,
        send: async () => {
          const id = await api.trigger(syncId, settings.fullResync)
          log.info(`Hightouch created sync run ${id}.`)
          return id
        },
        find: async (since) => {
          // Only runs with a valid id can be followed (and reported as job_id).
          const runs = (await api.runsSince(syncId, new Date(since).toISOString())).data.filter((r) => readId(r.id) !== undefined)
          const run = runCreatedSince(runs, since)
          return run && readId(run.id)
        },
        describe: (runId) => `sync run ${runId}`,
        advice: "look at the sync's runs in Hightouch (a run may be queued behind one in progress), then run the step again."
      })
    )
    if (triggered.kind === 'lost') return
    const runId = triggered.job
    setRun(ctx, syncId, runId)
    report.status = 'queued'
    report.providerStatus = undefined
    if (!ctx.common.wait) {
      report.message = `Triggered sync run ${runId} of sync ${label}; not waiting (wait: false). A later step can WAIT with job_id ${runId}.`
      return
    }
    // A run Hightouch just created has not ended: the first check waits its turn. A run found after a lost answer
    // is looked at at once.
    await waitForRun(ctx, api, syncId, runId, triggered.sentAt, triggered.kind === 'found')
  }
}

/** WAIT: the sensor. Waits for the run named by job_id. */
const wait: Action = {
  kind: 'wait',
  async run(ctx, api) {
    const syncId = await resolveSync(ctx, api)
    const runId = ctx.settings.runId as string
    setRun(ctx, syncId, runId)
    await waitForRun(ctx, api, syncId, runId, ctx.clock.now(), true)
  }
}

/** STATUS: reads the run once and reports it; fails only when it cannot be read. */
const status: Action = {
  kind: 'report',
  async run(ctx, api) {
    const { report, log } = ctx
    const syncId = await resolveSync(ctx, api)
    const runId = ctx.settings.runId as string
    const label = syncLabel(ctx)
    setRun(ctx, syncId, runId)
    const runs = await log.group(`Reading sync run ${runId} of sync ${label}`, async () => {
      const read = await api.runs(syncId, runId)
      showBody(log, read)
      return read
    })
    const view = viewRun(runs, runId)
    record(ctx, runs, view)
    if (view.kind === 'invisible') {
      report.status = 'unknown'
      report.error = `Hightouch shows no run ${runId} of sync ${label}. Check job_id (a run id of this sync, e.g. a previous SYNC step's job_id output); a run triggered a moment ago may not be listed yet.`
      return
    }
    report.message = `Sync run ${runId} of sync ${label} is ${report.status} (Hightouch status ${report.providerStatus}).`
  }
}

export const HIGHTOUCH_ACTIONS = { SYNC: sync, WAIT: wait, STATUS: status }

/**
 * The sync's id: a slug is looked up once (and names the sync in the report); an id is used as given, and its slug
 * read for the summary when the budget has room.
 */
async function resolveSync(ctx: Ctx, api: HightouchApi): Promise<string> {
  const { target, report, log } = ctx
  if (!ctx.settings.bySlug) {
    if (ctx.spareRequests) {
      try {
        report.targetName = await api.syncSlug(target)
      } catch (error) {
        if (error instanceof AbortedError || ctx.signal.aborted) throw error
        log.debug(`Could not read the slug of sync ${target}: ${errorMessage(error)}`)
      }
    }
    return target
  }
  const found = await log.group(`Finding the sync with slug ${target}`, async () => {
    const s = await api.syncBySlug(target)
    if (s && readId(s.id) === undefined) {
      throw new Error(`Hightouch answered with a sync id for slug "${target}" that is not a number; the action does not use it.`)
    }
    if (s) log.info(`Sync ${target} has id ${String(s.id)}.`)
    return s
  })
  if (!found) {
    throw new Error(
      `No sync with slug "${target}" in the Hightouch workspace of this API key. Check sync_slug: the slug is shown in the sync's settings in Hightouch (or give its numeric id as sync_id).`
    )
  }
  const id = readId(found.id) as string
  report.targetName = target
  report.targetId = id
  if (found.disabled === true) log.warning(`Sync ${target} is disabled in Hightouch; its run may not start.`)
  return id
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

function setRun(ctx: Ctx, syncId: string, runId: string): void {
  ctx.report.jobId = runId
  ctx.report.jobUrl = runUrl(ctx.settings.workspaceSlug, syncId, runId)
}

/** Checks the run until every job in `data` has ended, or the timeout. */
async function waitForRun(
  ctx: Ctx,
  api: HightouchApi,
  syncId: string,
  runId: string,
  startedAt: number,
  checkFirst: boolean
): Promise<void> {
  const { report, log } = ctx
  const label = syncLabel(ctx)
  let last: RunView | undefined
  let invisibleChecks = 0
  const outcome = await watchJob<RunView & { kind: 'ended' }>(ctx, {
    what: `sync run ${runId} of sync ${label}`,
    statusNoun: 'sync run status',
    startedAt,
    checkFirst,
    // WAIT does not know when the run started, so its age (and the history's fit) would be a guess.
    history: ctx.common.action === 'SYNC' ? () => api.pastDurations(syncId, ctx.clock.now()) : undefined,
    check: async (watch) => {
      const runs = await api.runs(syncId, runId)
      const view = viewRun(runs, runId)
      last = view
      record(ctx, runs, view)
      if (view.kind === 'invisible') {
        // Right after a trigger Hightouch may not list the run yet (an empty data, or data without it).
        if (++invisibleChecks === 1) log.info(`Hightouch does not show run ${runId} yet; checking again.`)
        return { done: false }
      }
      if (view.kind === 'waiting') view.unknown.forEach((s) => watch.unknownStatus(s))
      watch.progress(
        `Sync run ${runId}: ${view.jobs.length > 1 ? view.jobs.map((j) => `run ${String(j.id)}: ${describeRun(j)}`).join('; ') : describeRun(view.run)}`
      )
      return view.kind === 'ended' ? { done: true, value: view } : { done: false }
    }
  })
  if (outcome.kind === 'timed_out') {
    report.status = 'timed_out'
    const seen =
      last === undefined
        ? 'No check of the run got an answer.'
        : last.kind === 'invisible'
          ? 'Hightouch never showed the run.'
          : `Last seen: ${describeRun(last.run)}.`
    const where = report.jobUrl ? `: ${report.jobUrl}` : ` (sync ${syncId}, run ${runId})`
    report.message = timedOut(
      ctx,
      `sync run ${runId} of sync ${label}`,
      outcome,
      `Hightouch has no API to cancel a run, so it goes on${where}. ${seen}`
    )
    return
  }
  const end = outcome.value
  const rows = `${(report.rowsSynced ?? 0).toLocaleString('en-US')} rows synced`
  const see = report.jobUrl ? ` See the run in Hightouch: ${report.jobUrl}` : ''
  if (end.status === 'succeeded') {
    report.message = `Sync run ${runId} of sync ${label} succeeded: ${rows}.`
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
  report.message = `Sync run ${runId} of sync ${label} ended ${end.status}${which}${problems ? `: ${problems}` : ''}. ${rows}.${why}${see}`
}
