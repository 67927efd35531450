import { formatDuration } from '../../core/duration.js'
import { AbortedError, errorMessage } from '../../core/errors.js'
import { cleanupClientOptions } from '../../jobs/run.js'
import { showBody } from '../../jobs/show.js'
import { triggerOnce } from '../../jobs/trigger.js'
import { timedOut, watchJob } from '../../jobs/watch.js'
import { setFact } from '../../core/report.js'
import type { ActionSpec, TargetContext } from '../types.js'
import { explainResyncRefusal } from './advice.js'
import { FivetranApi } from './api.js'
import {
  completionSince,
  normalStatus,
  countSetupTests,
  describeAlerts,
  formatJobId,
  lastCompletion,
  type Completion,
  type FivetranConnection
} from './model.js'
import type { FivetranSettings } from './settings.js'

type Ctx = TargetContext<FivetranSettings>
type Action = ActionSpec<FivetranSettings, FivetranApi>

/** STATUS: the connector, or with a job_id whether the sync after its baseline has ended. */
const status: Action = {
  kind: 'report',
  async run(ctx, api) {
    const connection = await ctx.log.group(`Reading connector ${ctx.target}`, async () => {
      const c = await api.connection(ctx.target)
      showBody(ctx.log, c)
      return c
    })
    record(ctx, connection)
    const job = ctx.settings.job
    if (job) {
      ctx.report.jobId = formatJobId(job.connectorId, job.baseline)
      const done = completionSince(connection, job.baseline)
      const now = normalStatus(connection)
      ctx.report.status = done?.outcome ?? (now === 'running' || now === 'paused' || now === 'rescheduled' ? now : 'queued')
      ctx.report.message = done
        ? `The sync after ${job.baseline ?? 'the first'} ${done.outcome} at ${done.at}.`
        : `No sync has ended since ${job.baseline ?? 'the connector was created'}; sync_state is ${connection.status.sync_state}.`
    } else {
      ctx.report.status = normalStatus(connection)
      ctx.report.message = `Connector ${ctx.target} ${describeConnectorStatus(ctx.report.status)} (sync_state ${connection.status.sync_state}).`
    }
  }
}

/** A connector's STATUS in words: "is syncing", "last synced successfully", never "is failed". */
export function describeConnectorStatus(status: string): string {
  switch (status) {
    case 'running':
      return 'is syncing'
    case 'succeeded':
      return 'is idle; its last sync succeeded'
    case 'failed':
      return 'is idle; its last sync failed'
    case 'unknown':
      return 'has never completed a sync'
    default:
      return `is ${status}`
  }
}

/** TEST: runs the setup tests; passes unless one failed. */
const test: Action = {
  kind: 'test',
  async run(ctx, api) {
    const connection = await ctx.log.group(`Running the setup tests of connector ${ctx.target}`, () => api.runSetupTests(ctx.target))
    record(ctx, connection)
    ctx.report.providerStatus = connection.status.setup_state
    const tests = connection.setup_tests ?? []
    const counts = countSetupTests(tests)
    ctx.report.tests = { passed: counts.passed, failed: counts.failed, warning: counts.warning }
    ctx.report.status = counts.failed > 0 ? 'failed' : counts.warning > 0 ? 'warning' : 'succeeded'
    ctx.report.tables.push({
      title: 'Setup tests',
      header: ['Test', 'Status', 'Message'],
      rows: tests.map((t) => [t.title, t.status, t.message ?? ''])
    })
    for (const t of tests) {
      const line = `${t.status} ${t.title}${t.message ? `: ${t.message}` : ''}`
      if (t.status === 'WARNING') ctx.log.warning(`Setup test ${line}`)
      else ctx.log.info(line)
    }
    const skipped = counts.skipped ? `, ${counts.skipped} skipped` : ''
    ctx.report.message = `Setup tests of ${ctx.target}: ${counts.passed} passed, ${counts.failed} failed, ${counts.warning} with warnings${skipped}.`
  }
}

/** WAIT: with a job_id, the sync after its baseline; without, the sync running now (if any). */
const wait: Action = {
  kind: 'wait',
  async run(ctx, api) {
    const { report, target, log } = ctx
    const job = ctx.settings.job
    if (job) {
      report.jobId = formatJobId(job.connectorId, job.baseline)
      await waitForSync(ctx, api, job.baseline, ctx.clock.now(), true)
      return
    }
    const connection = await log.group(`Reading connector ${target}`, () => api.connection(target))
    record(ctx, connection)
    if (connection.status.sync_state === 'syncing') {
      const baseline = lastCompletion(connection)
      report.jobId = formatJobId(target, baseline)
      log.info(`A sync is running; waiting for it to end (job_id ${report.jobId}).`)
      await waitForSync(ctx, api, baseline, ctx.clock.now(), true)
      return
    }
    report.status = normalStatus(connection)
    report.message = `No sync of ${target} is running; the last one ${report.status === 'unknown' ? 'never happened' : `${report.status} (${lastCompletion(connection)})`}.`
  }
}

/** START and FORCE_RESYNC: check the connector, take the baseline, trigger once, wait. */
const start: Action = { kind: 'wait', run: startOrResync }

export const FIVETRAN_ACTIONS = { STATUS: status, START: start, TEST: test, FORCE_RESYNC: start, WAIT: wait }

/** Copies what a connection says into the report: every later output and the summary read from it. */
function record(ctx: Ctx, connection: FivetranConnection): void {
  const { report } = ctx
  report.targetName = connection.schema ?? report.targetName
  report.providerStatus = connection.status.sync_state
  report.jobUrl = `https://fivetran.com/dashboard/connectors/${encodeURIComponent(connection.id ?? ctx.target)}/status`
  report.result = connection
  setFact(report, 'Service', connection.service)
  setFact(report, 'Schedule type', connection.schedule_type)
  setFact(report, 'Setup state', connection.status.setup_state)
  setFact(report, 'Sync state', connection.status.sync_state)
  setFact(report, 'Last success', connection.succeeded_at ?? 'never')
  setFact(report, 'Last failure', connection.failed_at ?? 'never')
  if (connection.status.sync_state === 'rescheduled') setFact(report, 'Rescheduled for', connection.status.rescheduled_for ?? undefined)
  setFact(report, 'Tasks', describeAlerts(connection.status.tasks).join('; '))
  setFact(report, 'Warnings', describeAlerts(connection.status.warnings).join('; '))
}

function logFinalState(ctx: Ctx, connection: FivetranConnection): void {
  const s = connection.status
  const lines = [
    `sync_state: ${s.sync_state}`,
    `succeeded_at: ${connection.succeeded_at ?? 'null'}`,
    `failed_at: ${connection.failed_at ?? 'null'}`,
    `setup_state: ${s.setup_state ?? 'unknown'}`,
    `update_state: ${s.update_state ?? 'unknown'}`
  ]
  for (const task of describeAlerts(s.tasks)) lines.push(`task: ${task}`)
  for (const warning of describeAlerts(s.warnings)) lines.push(`warning: ${warning}`)
  ctx.log.info(lines.join('\n'))
}

async function startOrResync(ctx: Ctx, api: FivetranApi): Promise<void> {
  const { settings, target, report, log } = ctx
  const before = await log.group(`Reading connector ${target}`, () => api.connection(target))
  record(ctx, before)
  report.status = normalStatus(before)
  if (before.paused === true) {
    report.status = 'paused'
    report.error = `Connector ${target} is paused, so Fivetran will not sync it. Resume it in the Fivetran dashboard (or with the API), then run this step again.`
    return
  }
  const setup = before.status.setup_state
  if (setup !== undefined && setup !== 'connected') {
    report.status = 'failed'
    report.error = `Connector ${target} cannot sync: its setup_state is "${setup}", not "connected". Run the TEST action to see which setup test fails, fix the connection in Fivetran, then run START again.`
    return
  }

  const originalSchedule = before.schedule_type
  let changedSchedule = false
  if (!settings.dontDisableSync && originalSchedule !== 'manual') {
    changedSchedule = await log.group(`Switching connector ${target} to a manual schedule`, async () => {
      try {
        await api.setScheduleType(target, 'manual')
        // The summary shows the schedule as it is now, not as read before the switch.
        setFact(report, 'Schedule type', 'manual')
        log.info(
          `schedule_type: ${originalSchedule ?? 'unknown'} → manual (so Fivetran's own schedule cannot start a sync of its own meanwhile)`
        )
        return true
      } catch (error) {
        if (error instanceof AbortedError) throw error
        log.warning(
          `Could not switch connector ${target} to a manual schedule (${errorMessage(error)}); going on. You may need to change its schedule type by hand.`
        )
        return false
      }
    })
  }

  try {
    const baseline = lastCompletion(before)
    report.jobId = formatJobId(target, baseline)
    setFact(report, 'Triggered at', new Date(ctx.clock.now()).toISOString())
    const resync = ctx.common.action === 'FORCE_RESYNC'
    const triggered = await log.group(
      resync ? `Re-syncing ${settings.schema}.${settings.tables.join(', ')}` : 'Triggering a sync',
      async () => {
        if (before.status.sync_state === 'syncing') {
          log.info(
            settings.force
              ? 'A sync is running: force is true, so Fivetran stops it and starts again.'
              : 'A sync is already running: force is false, so the action waits for that sync to end.'
          )
        }
        // Fivetran has no sync ids: after a lost answer, the connector's own state and timestamps tell whether a sync
        // started. Never trigger twice.
        return triggerOnce(ctx, {
          what: `a sync of connector ${target} (ending after ${baseline ?? 'none'})`,
          send: async () => {
            try {
              if (resync) await api.resync(target, { [settings.schema as string]: settings.tables })
              else await api.sync(target, settings.force)
            } catch (error) {
              throw explainResyncRefusal(error, ctx)
            }
            log.info(`Triggered. Baseline (last completion before the trigger): ${baseline ?? 'none'}. job_id: ${report.jobId}`)
            return true
          },
          find: async () => {
            const connection = await api.connection(target)
            record(ctx, connection)
            return connection.status.sync_state !== 'scheduled' || completionSince(connection, baseline) ? true : undefined
          }
        })
      }
    )
    if (triggered.kind === 'lost') return
    report.status = 'running'
    if (!ctx.common.wait) {
      report.message = `Triggered a sync of ${target}; not waiting (wait: false). A later step can WAIT with job_id ${report.jobId}.`
      return
    }
    // A trigger Fivetran answered has just started the sync: the first check waits its turn. A sync found after a
    // lost answer is looked at at once.
    await waitForSync(ctx, api, baseline, triggered.sentAt, triggered.kind === 'found')
  } finally {
    if (changedSchedule && settings.restoreSchedule && originalSchedule) await restoreSchedule(ctx, originalSchedule)
  }
}

async function restoreSchedule(ctx: Ctx, scheduleType: string): Promise<void> {
  // Runs however the job ended, even after a cancellation: its own short budget, not the aborted signal.
  const api = new FivetranApi(cleanupClientOptions(ctx, true), ctx.settings.apiKey, ctx.settings.apiSecret)
  try {
    await api.setScheduleType(ctx.target, scheduleType)
    ctx.log.info(`Restored schedule_type of ${ctx.target} to ${scheduleType}.`)
  } catch (error) {
    ctx.log.warning(`Could not restore schedule_type of ${ctx.target} to ${scheduleType}: ${errorMessage(error)}`)
  }
}

type WaitEnd =
  | { kind: 'completed'; connection: FivetranConnection; completion: Completion }
  | { kind: 'paused'; connection: FivetranConnection }
  | { kind: 'rescheduled'; connection: FivetranConnection; until: number }

const KNOWN_SYNC_STATES = new Set(['scheduled', 'syncing', 'paused', 'rescheduled'])

/** Waits until a sync ends after `baseline`, re-triggering a sync that Fivetran rescheduled on a manual schedule. */
async function waitForSync(ctx: Ctx, api: FivetranApi, baseline: string | null, startedAt: number, checkFirst: boolean): Promise<void> {
  const { report, target, log, clock, deadline } = ctx
  let retriggeredFor: string | undefined
  let announcedReschedule: string | undefined
  let last: FivetranConnection | undefined
  const outcome = await watchJob<WaitEnd>(ctx, {
    what: `the sync of ${target}`,
    statusNoun: 'sync_state',
    startedAt,
    checkFirst,
    check: async (watch) => {
      const connection = await api.connection(target)
      last = connection
      record(ctx, connection)
      const completion = completionSince(connection, baseline)
      if (completion) return { done: true, value: { kind: 'completed', connection, completion } }
      if (connection.paused === true) return { done: true, value: { kind: 'paused', connection } }
      const s = connection.status
      if (!KNOWN_SYNC_STATES.has(s.sync_state)) watch.unknownStatus(s.sync_state)
      log.debug(`sync_state ${s.sync_state}, succeeded_at ${connection.succeeded_at}, failed_at ${connection.failed_at}`)
      if (s.sync_state !== 'rescheduled' || !s.rescheduled_for) return { done: false }
      const until = Date.parse(s.rescheduled_for)
      if (Number.isNaN(until)) return { done: false }
      if (until > deadline) return { done: true, value: { kind: 'rescheduled', connection, until } }
      const manual = connection.schedule_type === 'manual'
      if (announcedReschedule !== s.rescheduled_for) {
        announcedReschedule = s.rescheduled_for
        log.info(
          manual
            ? `Fivetran rescheduled the sync for ${s.rescheduled_for} (the source's API limits). On a manual schedule it will not resume by itself: the action triggers it again then.`
            : `Fivetran rescheduled the sync for ${s.rescheduled_for}; on an automatic schedule it resumes by itself.`
        )
      }
      if (!manual || clock.now() < until) return { done: false, notBefore: until }
      if (retriggeredFor !== s.rescheduled_for) {
        retriggeredFor = s.rescheduled_for
        await api.sync(target, false)
        log.info(`Triggered the rescheduled sync of ${target} again (rescheduled_for ${s.rescheduled_for} has passed).`)
      }
      return { done: false }
    }
  })
  if (outcome.kind === 'timed_out') {
    report.status = 'timed_out'
    const state = last ? ` Last seen: sync_state ${last.status.sync_state}.` : ''
    report.message = timedOut(ctx, `the sync of ${target}`, outcome, `Fivetran has no cancel, so the sync goes on.${state}`)
    return
  }
  const end = outcome.value
  log.info(`Final status of connector ${target}:`)
  logFinalState(ctx, end.connection)
  if (end.kind === 'completed') {
    report.status = end.completion.outcome
    setFact(report, 'Finished at', end.completion.at)
    report.message =
      end.completion.outcome === 'succeeded'
        ? `The sync of ${target} succeeded at ${end.completion.at}.`
        : `The sync of ${target} failed at ${end.completion.at}.${describeAlerts(end.connection.status.tasks)
            .map((t) => ` Task: ${t}.`)
            .join('')} See the connector's logs in Fivetran: ${report.jobUrl}`
  } else if (end.kind === 'paused') {
    report.status = 'paused'
    report.message = `Connector ${target} was paused while the action waited for its sync.`
  } else {
    report.status = 'rescheduled'
    const left = formatDuration(Math.max(0, deadline - clock.now()))
    report.message = `Fivetran rescheduled the sync of ${target} for ${end.connection.status.rescheduled_for} (in ${formatDuration(end.until - clock.now())}), past the end of the timeout (${left} left). Fivetran will let the sync run then; raise timeout or trigger it again after that time.`
  }
}
