import { formatDuration } from '../../duration.js'
import { AbortedError, ApiError, errorMessage } from '../../errors.js'
import { readBoolean, splitList } from '../../inputs.js'
import { setFact } from '../../report.js'
import { lastCheckFailure, lostTriggerGraceMs, waitFor } from '../../wait.js'
import { logExcerpt } from '../../text.js'
import type { Provider, TargetContext } from '../types.js'
import { FIVETRAN_BASE_URL, FivetranApi } from './api.js'
import {
  CONNECTOR_ID,
  completionSince,
  connectionStatus,
  countSetupTests,
  describeAlerts,
  formatJobId,
  lastCompletion,
  parseJobId,
  type Completion,
  type FivetranConnection
} from './model.js'

/** Fivetran inputs (DataOps "Fivetran Orchestrator" parameters). */
export interface FivetranSettings {
  /** Connection ids, from `connector_id` / `CONNECTOR_ID` (several for one step). */
  connectorIds: string[]
  apiKey: string
  apiSecret: string
  /** FORCE_RESYNC scope. */
  schema?: string
  tables: string[]
  /** Leave `schedule_type` alone (`dont_disable_sync` / `FIVETRAN_DONT_DISABLE_SYNC`). */
  dontDisableSync: boolean
  /** START on a syncing connector: restart the sync (true) or wait for it (false). */
  force: boolean
  /** Put `schedule_type` back after the job ends. */
  restoreSchedule: boolean
  /** WAIT/STATUS with a previous step's job_id: the connector and the baseline the sync must end after. */
  job?: { connectorId: string; baseline: string | null }
}

type Ctx = TargetContext<FivetranSettings>

const CLEANUP_BUDGET_MS = 4000

export const fivetran: Provider<FivetranSettings> = {
  name: 'fivetran',
  title: 'Fivetran',
  targetNoun: 'Connector',
  defaultBaseUrl: FIVETRAN_BASE_URL,
  defaultAction: 'START',
  actionEnvFallback: 'FIVETRAN_ACTION',
  actions: {
    STATUS: { kind: 'report' },
    START: { kind: 'wait' },
    TEST: { kind: 'test' },
    FORCE_RESYNC: { kind: 'wait' },
    WAIT: { kind: 'wait' }
  },
  aliases: { SYNC: 'START' },

  readSettings(read, common, problems) {
    const connectorIds = splitList(read('connector_id', 'CONNECTOR_ID'))
    const apiKey = read('api_key', 'FIVETRAN_API_KEY')
    const apiSecret = read('api_secret', 'FIVETRAN_API_SECRET')
    const schema = read('schema', 'SCHEMA') || undefined
    const tables = splitList(read('table', 'TABLE'))
    const dontDisable = read('dont_disable_sync', 'FIVETRAN_DONT_DISABLE_SYNC')
    const dontDisableSync = dontDisable !== '' && !/^false$/i.test(dontDisable)
    const force = readBoolean(read, 'force', problems) ?? false
    const restoreSchedule = readBoolean(read, 'restore_schedule', problems) ?? false
    const { action } = common

    let job: FivetranSettings['job']
    if (common.jobId !== undefined) {
      if (action !== 'WAIT' && action !== 'STATUS') {
        problems.push(`job_id is only used by WAIT and STATUS for fivetran, not ${action}`)
      } else {
        job = parseJobId(common.jobId)
        if (!job) {
          problems.push(
            `job_id must be CONNECTOR_ID@BASELINE as a previous START step's job_id output gives it (e.g. shrank_paparazzi@2026-01-05T18:12:49.562Z), got "${common.jobId}"`
          )
        } else if (connectorIds.length > 0 && (connectorIds.length > 1 || connectorIds[0] !== job.connectorId)) {
          problems.push(`connector_id "${connectorIds.join(',')}" does not match the connector of job_id ("${job.connectorId}")`)
        }
      }
    }
    if (connectorIds.length === 0 && !job) {
      problems.push('connector_id is required (or the CONNECTOR_ID env variable): the Fivetran connection id, e.g. shrank_paparazzi')
    }
    for (const id of connectorIds) {
      if (!CONNECTOR_ID.test(id)) {
        problems.push(`connector_id must be a Fivetran connection id such as shrank_paparazzi (letters, digits, _ . -), got "${id}"`)
      }
    }
    if (new Set(connectorIds).size !== connectorIds.length) problems.push('connector_id lists the same connector twice')
    if (apiKey === '') problems.push('api_key is required (or the FIVETRAN_API_KEY env variable): a Fivetran API key')
    if (apiSecret === '') problems.push("api_secret is required (or the FIVETRAN_API_SECRET env variable): the API key's secret")
    if (action === 'FORCE_RESYNC') {
      if (!schema) problems.push('schema is required for FORCE_RESYNC (or the SCHEMA env variable): the source schema of the tables')
      if (tables.length === 0)
        problems.push('table is required for FORCE_RESYNC (or the TABLE env variable): one or more table names, comma-separated')
    }
    if (restoreSchedule && dontDisableSync) {
      problems.push('restore_schedule: true has nothing to restore when dont_disable_sync is set (the schedule is never changed)')
    }
    return {
      connectorIds: connectorIds.length > 0 ? connectorIds : job ? [job.connectorId] : [],
      apiKey,
      apiSecret,
      schema,
      tables,
      dontDisableSync,
      force,
      restoreSchedule,
      job
    }
  },

  secrets: (s) => [s.apiKey, s.apiSecret, Buffer.from(`${s.apiKey}:${s.apiSecret}`).toString('base64')],
  targets: (s) => s.connectorIds,

  async run(ctx) {
    const api = apiFor(ctx, ctx.signal, ctx.deadline)
    try {
      switch (ctx.common.action) {
        case 'STATUS':
          return await status(ctx, api)
        case 'TEST':
          return await test(ctx, api)
        case 'WAIT':
          return await waitAction(ctx, api)
        default:
          return await startOrResync(ctx, api)
      }
    } catch (error) {
      throw explain(error, ctx.target)
    }
  }
}

function apiFor(ctx: Ctx, signal: AbortSignal | undefined, deadline: number): FivetranApi {
  return new FivetranApi(
    {
      baseUrl: ctx.common.baseUrl,
      clock: ctx.clock,
      log: ctx.log,
      limiter: ctx.limiter,
      signal,
      deadline,
      requestTimeoutMs: ctx.common.requestTimeoutMs
    },
    ctx.settings.apiKey,
    ctx.settings.apiSecret
  )
}

function dashboardUrl(id: string): string {
  return `https://fivetran.com/dashboard/connectors/${encodeURIComponent(id)}/status`
}

/** Copies what a connection says into the report: every later output and the summary read from it. */
function record(ctx: Ctx, connection: FivetranConnection): void {
  const { report } = ctx
  report.targetName = connection.schema ?? report.targetName
  report.providerStatus = connection.status.sync_state
  report.jobUrl = dashboardUrl(connection.id ?? ctx.target)
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

async function status(ctx: Ctx, api: FivetranApi): Promise<void> {
  const connection = await ctx.log.group(`Reading connector ${ctx.target}`, async () => {
    const c = await api.connection(ctx.target)
    ctx.log.info(logExcerpt(c))
    return c
  })
  record(ctx, connection)
  const job = ctx.settings.job
  if (job) {
    ctx.report.jobId = formatJobId(job.connectorId, job.baseline)
    const done = completionSince(connection, job.baseline)
    const now = connectionStatus(connection)
    ctx.report.status = done?.outcome ?? (now === 'running' || now === 'paused' || now === 'rescheduled' ? now : 'queued')
    ctx.report.message = done
      ? `The sync after ${job.baseline ?? 'the first'} ${done.outcome} at ${done.at}.`
      : `No sync has ended since ${job.baseline ?? 'the connector was created'}; sync_state is ${connection.status.sync_state}.`
  } else {
    ctx.report.status = connectionStatus(connection)
    ctx.report.message = `Connector ${ctx.target} ${describeConnectorStatus(ctx.report.status)} (sync_state ${connection.status.sync_state}).`
  }
}

async function test(ctx: Ctx, api: FivetranApi): Promise<void> {
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

/** START and FORCE_RESYNC: check the connector, take the baseline, trigger, wait. */
async function startOrResync(ctx: Ctx, api: FivetranApi): Promise<void> {
  const { settings, target, report, log } = ctx
  const before = await log.group(`Reading connector ${target}`, () => api.connection(target))
  record(ctx, before)
  report.status = connectionStatus(before)
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
    let lostTrigger: ApiError | undefined
    report.jobId = formatJobId(target, baseline)
    const triggeredAt = ctx.clock.now()
    setFact(report, 'Triggered at', new Date(triggeredAt).toISOString())
    await log.group(
      ctx.common.action === 'FORCE_RESYNC' ? `Re-syncing ${settings.schema}.${settings.tables.join(', ')}` : 'Triggering a sync',
      async () => {
        if (before.status.sync_state === 'syncing') {
          log.info(
            settings.force
              ? 'A sync is running: force is true, so Fivetran stops it and starts again.'
              : 'A sync is already running: force is false, so the action waits for that sync to end.'
          )
        }
        try {
          if (ctx.common.action === 'FORCE_RESYNC') {
            await api.resync(target, { [settings.schema as string]: settings.tables })
          } else {
            await api.sync(target, settings.force)
          }
          log.info(`Triggered. Baseline (last completion before the trigger): ${baseline ?? 'none'}. job_id: ${report.jobId}`)
        } catch (error) {
          if (error instanceof ApiError && error.ambiguous) {
            // Fivetran has no sync ids: the connector's own timestamps tell whether a sync ran. Never trigger twice.
            lostTrigger = error
            log.warning(
              `${error.message}. The trigger may have gone through: the action watches connector ${target} for a sync that ends after ${baseline ?? 'now'} instead of triggering again.`
            )
            return
          }
          throw resyncRefusal(ctx, error)
        }
      }
    )
    report.status = 'running'
    if (!ctx.common.wait) {
      report.message = `Triggered a sync of ${target}; not waiting (wait: false). A later step can WAIT with job_id ${report.jobId}.`
      return
    }
    // A trigger Fivetran answered has just started the sync: the first check waits its turn. After a lost answer,
    // look at once.
    await waitForSync(ctx, api, baseline, triggeredAt, { lostTrigger, checkFirst: lostTrigger !== undefined })
  } finally {
    if (changedSchedule && settings.restoreSchedule && originalSchedule) await restoreSchedule(ctx, originalSchedule)
  }
}

function resyncRefusal(ctx: Ctx, error: unknown): unknown {
  if (!(error instanceof ApiError) || ctx.common.action !== 'FORCE_RESYNC') return error
  const scope = `${ctx.settings.schema}.${ctx.settings.tables.join(', ')}`
  const said = error.providerMessage ? ` Fivetran said: ${error.providerMessage}` : ''
  if (error.status === 400) {
    return new Error(
      `Fivetran refused to re-sync ${scope} of connector ${ctx.target} (HTTP 400 ${error.reason}). The connector may not support re-syncing single tables (see its Features table), or the schema or table name is not the source's exact, case-sensitive name.${said}`
    )
  }
  if (error.status === 409) {
    return new Error(
      `Fivetran could not re-sync ${scope} of connector ${ctx.target} now (HTTP 409 ${error.reason}): a sync was running and could not be finished first. Run the step again once that sync has ended.${said}`
    )
  }
  return error
}

async function restoreSchedule(ctx: Ctx, scheduleType: string): Promise<void> {
  // Runs however the job ended, even after a cancellation: its own short budget, not the aborted signal.
  const api = apiFor(ctx, undefined, ctx.clock.now() + CLEANUP_BUDGET_MS)
  try {
    await api.setScheduleType(ctx.target, scheduleType)
    ctx.log.info(`Restored schedule_type of ${ctx.target} to ${scheduleType}.`)
  } catch (error) {
    ctx.log.warning(`Could not restore schedule_type of ${ctx.target} to ${scheduleType}: ${errorMessage(error)}`)
  }
}

async function waitAction(ctx: Ctx, api: FivetranApi): Promise<void> {
  const { report, target, log } = ctx
  const job = ctx.settings.job
  if (job) {
    report.jobId = formatJobId(job.connectorId, job.baseline)
    await waitForSync(ctx, api, job.baseline, ctx.clock.now())
    return
  }
  const connection = await log.group(`Reading connector ${target}`, () => api.connection(target))
  record(ctx, connection)
  if (connection.status.sync_state === 'syncing') {
    const baseline = lastCompletion(connection)
    report.jobId = formatJobId(target, baseline)
    log.info(`A sync is running; waiting for it to end (job_id ${report.jobId}).`)
    await waitForSync(ctx, api, baseline, ctx.clock.now())
    return
  }
  report.status = connectionStatus(connection)
  report.message = `No sync of ${target} is running; the last one ${report.status === 'unknown' ? 'never happened' : `${report.status} (${lastCompletion(connection)})`}.`
}

type WaitEnd =
  | { kind: 'completed'; connection: FivetranConnection; completion: Completion }
  | { kind: 'lost'; connection: FivetranConnection }
  | { kind: 'paused'; connection: FivetranConnection }
  | { kind: 'rescheduled'; connection: FivetranConnection; until: number }

const KNOWN_SYNC_STATES = new Set(['scheduled', 'syncing', 'paused', 'rescheduled'])

/** Waits until a sync ends after `baseline`, re-triggering a sync that Fivetran rescheduled on a manual schedule. */
async function waitForSync(
  ctx: Ctx,
  api: FivetranApi,
  baseline: string | null,
  startedAt: number,
  options: { lostTrigger?: ApiError; checkFirst?: boolean } = {}
): Promise<void> {
  const { report, target, log, clock, deadline } = ctx
  const { lostTrigger } = options
  const graceEnds = lostTrigger ? startedAt + lostTriggerGraceMs(ctx.common.timeoutMs) : undefined
  let sawSync = false
  let warnedState: string | undefined
  let retriggeredFor: string | undefined
  let announcedReschedule: string | undefined
  let last: FivetranConnection | undefined
  const outcome = await log.group(`Waiting for the sync of ${target} to end (timeout ${formatDuration(deadline - clock.now())})`, () =>
    waitFor<WaitEnd>({
      clock,
      deadline,
      pollIntervalMs: ctx.common.pollIntervalMs,
      jobStartedAt: startedAt,
      checkFirst: options.checkFirst,
      signal: ctx.signal,
      onTransientError: (error) => log.warning(`Status check failed (${error.message}); checking again.`),
      check: async () => {
        const connection = await api.connection(target)
        last = connection
        record(ctx, connection)
        const completion = completionSince(connection, baseline)
        if (completion) return { done: true, value: { kind: 'completed', connection, completion } }
        if (connection.paused === true) return { done: true, value: { kind: 'paused', connection } }
        const s = connection.status
        if (!KNOWN_SYNC_STATES.has(s.sync_state) && warnedState !== s.sync_state) {
          warnedState = s.sync_state
          log.warning(`Fivetran reports a sync_state this version does not know ("${s.sync_state}"); waiting on.`)
        }
        if (s.sync_state !== 'scheduled') sawSync = true
        if (graceEnds !== undefined && !sawSync && clock.now() >= graceEnds) {
          return { done: true, value: { kind: 'lost', connection } }
        }
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
  )
  if (outcome.kind === 'timed_out') {
    report.status = 'timed_out'
    const state = last ? ` Last seen: sync_state ${last.status.sync_state}.` : ''
    report.message = `Timed out after ${formatDuration(ctx.common.timeoutMs)} waiting for the sync of ${target}; Fivetran has no cancel, so the sync goes on.${state}${lastCheckFailure(outcome)}`
    return
  }
  const end = outcome.value
  setFact(report, 'Waited', formatDuration(clock.now() - startedAt))
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
  } else if (end.kind === 'lost') {
    report.status = 'failed'
    report.error = `The trigger's answer was lost (${lostTrigger?.message}) and connector ${target} showed no sync for ${formatDuration(clock.now() - startedAt)} after it, so the trigger most likely never reached Fivetran. The action does not trigger twice: run the step again.`
  } else if (end.kind === 'paused') {
    report.status = 'paused'
    report.message = `Connector ${target} was paused while the action waited for its sync.`
  } else {
    report.status = 'rescheduled'
    const left = formatDuration(Math.max(0, deadline - clock.now()))
    report.message = `Fivetran rescheduled the sync of ${target} for ${end.connection.status.rescheduled_for} (in ${formatDuration(end.until - clock.now())}), past the end of the timeout (${left} left). Fivetran will let the sync run then; raise timeout or trigger it again after that time.`
  }
}

/** Turns HTTP errors into messages that say what to do. */
function explain(error: unknown, target: string): unknown {
  if (!(error instanceof ApiError) || error.kind !== 'http') return error
  const said = error.providerMessage ? ` Fivetran said: "${error.providerMessage}".` : ''
  const http = `HTTP ${error.status} ${error.reason}`
  switch (error.status) {
    case 401:
      return new Error(
        `Fivetran refused the API key and secret (${http} on ${error.request}).${said} Check api_key and api_secret; generating a new key disables the previous one.`
      )
    case 403:
      return new Error(
        `Fivetran refused access to connector ${target} (${http} on ${error.request}).${said} The key's role lacks a permission this action needs.`
      )
    case 404:
      return new Error(
        `Connector ${target} was not found (${http} on ${error.request}).${said} Use the connection id (e.g. shrank_paparazzi, from the connector's Setup tab), not its name. This action uses Fivetran's /v1/connections paths; the old /v1/connectors paths answer 404 since 2026-03.`
      )
    default:
      return error
  }
}
