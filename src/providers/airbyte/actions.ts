import { AbortedError, ApiError, errorMessage } from '../../core/errors.js'
import type { Auth } from '../../http/client.js'
import { cleanupClientOptions, clientOptions } from '../../jobs/run.js'
import { showBody } from '../../jobs/show.js'
import { triggerOnce, CLOCK_SLACK_MS } from '../../jobs/trigger.js'
import { timedOut, watchJob } from '../../jobs/watch.js'
import { setFact } from '../../core/report.js'
import type { ActionSpec, TargetContext } from '../types.js'
import { AirbyteApi, CREATE_JOB_TIMEOUT_MS, authFor } from './api.js'
import {
  connectionUrl,
  createdAt,
  describeJob,
  findAfterLostAnswer,
  hasEnded,
  isKnownStatus,
  jobFacts,
  isUuid,
  normalStatus,
  waitingNote,
  type AirbyteJob
} from './model.js'
import type { AirbyteSettings } from './settings.js'

type Ctx = TargetContext<AirbyteSettings>
type Action = ActionSpec<AirbyteSettings, AirbyteApi>

/** SYNC, RESET, CLEAR: create the job (once), then wait for it unless `wait: false`. */
const start: Action = {
  kind: 'wait',
  async run(ctx, api) {
    const { target: connectionId, log, settings, clock, report } = ctx
    report.jobUrl = connectionUrl(ctx.common.baseUrl, settings.workspaceId, connectionId)
    if (ctx.spareRequests) await readName(ctx, api)
    const job = await log.group(`Starting a ${settings.jobType} job of connection ${connectionId}`, async () => {
      try {
        const triggered = await triggerOnce(ctx, {
          what: `a ${settings.jobType} job of connection ${connectionId}`,
          send: async () => {
            // Airbyte answers once the job exists; never wait past the step's timeout for that.
            const created = await api.createJob(
              connectionId,
              settings.jobType,
              Math.max(1000, Math.min(CREATE_JOB_TIMEOUT_MS, ctx.deadline - clock.now()))
            )
            log.info(`Airbyte created ${jobLabel(ctx, created)}: ${created.status}.`)
            return created
          },
          // A 409 other than "already running" leaves open whether a job was created, like a lost answer.
          mayHaveStarted: (e) => e.ambiguous || (e.status === 409 && !isAlreadyRunning(e)),
          find: async (since) => {
            const { ours, running } = findAfterLostAnswer(await api.jobs(connectionId), since, false)
            if (ours) return ours
            // No job since the request, but an older one still runs: someone else's, and if_running decides.
            return running && alreadyRunning(ctx, running)
          },
          describe: (job) => `${jobLabel(ctx, job)}, ${job.status}`
        })
        return triggered.kind === 'lost' ? undefined : triggered.job
      } catch (error) {
        if (error instanceof ApiError && isAlreadyRunning(error)) return followRunning(ctx, api, error)
        throw error
      }
    })
    if (!job) return
    record(ctx, job)
    setFact(report, 'Job type', job.jobType ?? settings.jobType)
    if (!ctx.common.wait) {
      report.message = `Started ${jobLabel(ctx, job)}, ${job.status}; not waiting (wait: false). A later step can WAIT with job_id ${job.jobId}.`
      return
    }
    await waitForJob(ctx, api, job)
  }
}

/** The connection's name for the summary and log, when one request can tell; nothing stops on a failure. */
async function readName(ctx: Ctx, api: AirbyteApi): Promise<void> {
  try {
    ctx.report.targetName = await api.connectionName(ctx.target)
  } catch (error) {
    if (error instanceof AbortedError || ctx.signal.aborted) throw error
    ctx.log.debug(`Could not read the name of connection ${ctx.target}: ${errorMessage(error)}`)
  }
}

/** WAIT (the sensor): waits for the job named by job_id. */
const wait: Action = {
  kind: 'wait',
  async run(ctx, api) {
    const jobId = ctx.settings.jobId as string
    jobTarget(ctx)
    const job = await ctx.log.group(`Reading Airbyte job ${jobId}`, () => api.job(jobId))
    checkConnection(ctx, job)
    record(ctx, job)
    await waitForJob(ctx, api, job)
  }
}

/** STATUS: reports the job once; its state never fails the step. */
const status: Action = {
  kind: 'report',
  async run(ctx, api) {
    const jobId = ctx.settings.jobId as string
    jobTarget(ctx)
    const job = await ctx.log.group(`Reading Airbyte job ${jobId}`, async () => {
      const read = await api.job(jobId)
      showBody(ctx.log, read)
      return read
    })
    checkConnection(ctx, job)
    record(ctx, job)
    ctx.report.message = `Airbyte ${jobLabel(ctx, job)} is ${job.status}.`
  }
}

/** CANCEL: cancels the job if it still runs; one that already ended is reported, not an error. */
const cancel: Action = {
  kind: 'report',
  async run(ctx, api) {
    const jobId = ctx.settings.jobId as string
    jobTarget(ctx)
    const { cancelled, job } = await ctx.log.group(`Cancelling Airbyte job ${jobId}`, () =>
      cancelIfUnfinished(ctx, api, jobId, (read) => checkConnection(ctx, read))
    )
    ctx.report.message = cancelled
      ? `Cancelled Airbyte ${jobLabel(ctx, job)}; Airbyte reports it ${job.status}.`
      : `Airbyte ${jobLabel(ctx, job)} had already ended (${job.status}); nothing to cancel.`
  }
}

export const AIRBYTE_ACTIONS = { SYNC: start, RESET: start, CLEAR: start, WAIT: wait, STATUS: status, CANCEL: cancel }

/** WAIT, STATUS and CANCEL without connection_id: the target is the job, not a connection (until the job names one). */
function jobTarget(ctx: Ctx): void {
  if (!ctx.settings.connectionIds.includes(ctx.target)) ctx.report.targetNoun = 'Job'
}

/** One Auth per step, so that every target shares its token. */
const auths = new WeakMap<AirbyteSettings, Auth | undefined>()

/** The API client of one target, on the step's budget or (for cleanup) one of its own. */
export function airbyteClient(ctx: Ctx, cleanup?: { afterAbort: boolean }): AirbyteApi {
  if (!auths.has(ctx.settings)) {
    auths.set(
      ctx.settings,
      authFor(ctx.settings.credentials, {
        baseUrl: ctx.common.baseUrl,
        clock: ctx.clock,
        log: ctx.log,
        deadline: ctx.deadline,
        requestTimeoutMs: ctx.common.requestTimeoutMs
      })
    )
  }
  const options = cleanup ? cleanupClientOptions(ctx, cleanup.afterAbort) : clientOptions(ctx)
  return new AirbyteApi({ ...options, auth: auths.get(ctx.settings) })
}

/** Copies what a job says into the report: every later output and the summary read from it. */
function record(ctx: Ctx, job: AirbyteJob): void {
  const { report, settings } = ctx
  report.jobId = String(job.jobId)
  report.providerStatus = job.status
  report.status = normalStatus(job.status)
  report.result = job
  if (job.rowsSynced !== undefined) report.rowsSynced = job.rowsSynced
  const connectionId = job.connectionId ?? (settings.connectionIds.includes(ctx.target) ? ctx.target : undefined)
  report.jobUrl = connectionUrl(ctx.common.baseUrl, settings.workspaceId, connectionId) ?? report.jobUrl
  if (report.targetNoun === 'Job' && connectionId && isUuid(connectionId)) {
    // The job named its connection: that is the target the summary and `results` show.
    report.target = connectionId
    report.targetNoun = undefined
  }
  for (const [label, value] of jobFacts(job)) setFact(report, label, value)
  // A stable order in the summary, whichever fact became known first; the action's own facts come after.
  report.facts.sort(([a], [b]) => factRank(a) - factRank(b))
}

const FACT_ORDER = ['Job type', 'Started', 'Duration', 'Ended', 'Bytes synced']

function factRank(label: string): number {
  const rank = FACT_ORDER.indexOf(label)
  return rank < 0 ? FACT_ORDER.length : rank
}

/** `job 12345 (sync of connection e735…)`, for messages. */
function jobLabel(ctx: Ctx, job: AirbyteJob): string {
  const connectionId = job.connectionId ?? (ctx.settings.connectionIds.includes(ctx.target) ? ctx.target : undefined)
  const what = [job.jobType, connectionId ? `of connection ${connectionId}` : undefined].filter(Boolean).join(' ')
  return `job ${job.jobId}${what ? ` (${what})` : ''}`
}

/** Where to look at a job in Airbyte, in words. */
function whereToLook(ctx: Ctx, job: AirbyteJob): string {
  if (ctx.report.jobUrl) return `the connection's Timeline in Airbyte: ${ctx.report.jobUrl}`
  const connectionId = job.connectionId ?? ctx.target
  return `the Timeline of connection ${connectionId} in the Airbyte UI (give workspace_id to get a link here)`
}

/** WAIT, STATUS and CANCEL may name the job's connection too: they must agree. */
function checkConnection(ctx: Ctx, job: AirbyteJob): void {
  const [given] = ctx.settings.connectionIds
  if (given && job.connectionId && job.connectionId.toLowerCase() !== given.toLowerCase()) {
    throw new Error(
      `Airbyte job ${job.jobId} belongs to connection ${job.connectionId}, not to connection_id ${given}. Check job_id and connection_id.`
    )
  }
}

/** Airbyte's 409 "try-again-later": a sync is already running on the connection, so nothing was created. */
function isAlreadyRunning(error: ApiError): boolean {
  return error.status === 409 && (error.providerCode === 'try-again-later' || /already running/i.test(error.providerMessage ?? ''))
}

/** Airbyte refused to start a job because one runs: find it (one read of the jobs list), and let if_running decide. */
async function followRunning(ctx: Ctx, api: AirbyteApi, refusal: ApiError): Promise<AirbyteJob> {
  const said = refusal.providerMessage ?? 'a sync is already running'
  ctx.log.info(`Airbyte did not start a job: "${said}". Looking for the running job.`)
  const { running } = findAfterLostAnswer(await api.jobs(ctx.target), ctx.clock.now() - CLOCK_SLACK_MS, true)
  if (!running) {
    throw new Error(
      `Airbyte did not start a ${ctx.settings.jobType} of connection ${ctx.target} (${refusal.message}), yet shows no unfinished job on it: the running one has probably just ended. Run the step again.`
    )
  }
  return alreadyRunning(ctx, running, said)
}

/** A job started by someone else runs on the connection: `if_running: attach` follows it, `fail` stops here. */
function alreadyRunning(ctx: Ctx, running: AirbyteJob, said = `A sync is already running for: ${ctx.target}`): AirbyteJob {
  const which = `job ${running.jobId}: ${[running.jobType, running.status, running.startTime ? `created ${running.startTime}` : undefined].filter(Boolean).join(', ')}`
  if (ctx.settings.ifRunning === 'attach') {
    ctx.log.info(`${said}. if_running is attach: following that job (${which}) instead of starting one.`)
    setFact(ctx.report, 'Started by', 'someone else (if_running: attach)')
    return running
  }
  const link = connectionUrl(ctx.common.baseUrl, ctx.settings.workspaceId, ctx.target)
  throw new Error(
    `Airbyte did not start a ${ctx.settings.jobType}: "${said}" (${which}${link ? `; ${link}` : ''}). if_running is fail; set if_running: attach to wait for that job and report it instead.`
  )
}

/** Waits for a job to end; on the timeout, cancels it (as Airflow does) if it still runs. */
async function waitForJob(ctx: Ctx, api: AirbyteApi, first: AirbyteJob): Promise<void> {
  const { log, report } = ctx
  const since = ctx.clock.now()
  let last = first
  // The job just read or created counts as the first check.
  let fresh: AirbyteJob | undefined = first
  const outcome = await watchJob<AirbyteJob>(ctx, {
    what: jobLabel(ctx, first),
    statusNoun: 'job status',
    startedAt: createdAt(first) ?? since,
    waitingSince: since,
    history: historyOf(ctx, api, first),
    check: async (watch) => {
      const job = fresh ?? (await api.job(first.jobId))
      fresh = undefined
      last = job
      record(ctx, job)
      if (hasEnded(job.status)) return { done: true, value: job }
      if (!isKnownStatus(job.status)) watch.unknownStatus(job.status)
      else watch.progress([describeJob(job), waitingNote(job.status)].filter(Boolean).join('\n'))
      return { done: false }
    }
  })
  if (outcome.kind === 'done') return finish(ctx, outcome.value)
  const timedOutText = timedOut(ctx, `${jobLabel(ctx, last)} (last seen ${last.status})`, outcome)
  const cleanup = airbyteClient(ctx, { afterAbort: false })
  let result: { cancelled: boolean; job: AirbyteJob }
  try {
    result = await log.group(`Timed out: cancelling job ${last.jobId} if it still runs`, () => cancelIfUnfinished(ctx, cleanup, last.jobId))
  } catch (error) {
    if (error instanceof AbortedError) throw error
    report.status = 'timed_out'
    report.message = `${timedOutText} Could not cancel it (${errorMessage(error)}): it may still be running; see ${whereToLook(ctx, last)}.`
    return
  }
  if (!result.cancelled && hasEnded(result.job.status)) {
    // It ended between the last check and the cancellation: its own outcome is the truth, not a timeout.
    log.info(`${jobLabel(ctx, result.job)} ended (${result.job.status}) just as the timeout was reached; nothing to cancel.`)
    return finish(ctx, result.job)
  }
  if (result.cancelled) {
    // DELETE answers without stats: read the job once more for its final counts.
    await cleanup.job(last.jobId).then(
      (job) => record(ctx, job),
      () => undefined
    )
  }
  report.status = 'timed_out'
  report.message = result.cancelled
    ? `${timedOutText} The action cancelled the job; Airbyte now reports it ${report.providerStatus}.`
    : `${timedOutText} The action could not cancel it (still ${result.job.status}): see ${whereToLook(ctx, result.job)}.`
}

/** The past runs of the job's connection and type (the job's own fields, else the inputs), when the connection is known. */
function historyOf(ctx: Ctx, api: AirbyteApi, job: AirbyteJob): (() => Promise<number[]>) | undefined {
  const connectionId = job.connectionId ?? ctx.settings.connectionIds[0]
  const jobType = job.jobType ?? ctx.settings.jobType
  return connectionId ? () => api.pastDurations(connectionId, jobType) : undefined
}

/** Sets the outcome of a job that ended, in words that say what to do next. */
function finish(ctx: Ctx, job: AirbyteJob): void {
  const { report } = ctx
  record(ctx, job)
  ctx.log.info(`Final status: ${describeJob(job)}.`)
  const label = jobLabel(ctx, job)
  switch (job.status) {
    case 'succeeded': {
      const rows = job.rowsSynced !== undefined ? `: ${job.rowsSynced.toLocaleString('en-US')} rows` : ''
      report.message = `Airbyte ${label} succeeded${rows}.`
      return
    }
    case 'cancelled':
      report.message = `Airbyte ${label} was cancelled (not by this action). See ${whereToLook(ctx, job)}.`
      return
    default:
      report.message = `Airbyte ${label} ${job.status}. Airbyte's public API gives no failure reason: see the job's logs on ${whereToLook(ctx, job)}.`
  }
}

/**
 * Cancels a job only while it has not ended: Airbyte's DELETE cancels the connection's *current* job, which after
 * ours ended could be a newer one. A 409 on cancel means the job ended meanwhile. A DELETE whose answer is lost is
 * followed by reading the job again, never by a blind resend.
 */
async function cancelIfUnfinished(
  ctx: Ctx,
  api: AirbyteApi,
  jobId: number | string,
  check?: (job: AirbyteJob) => void
): Promise<{ cancelled: boolean; job: AirbyteJob }> {
  let deleteSent = false
  for (let round = 1; ; round++) {
    const job = await api.job(jobId)
    check?.(job)
    record(ctx, job)
    if (hasEnded(job.status) || round > 3) {
      const cancelled = deleteSent && job.status === 'cancelled'
      if (cancelled) ctx.report.remoteCancelled = true
      return { cancelled, job }
    }
    try {
      const after = await api.cancel(jobId)
      deleteSent = true
      record(ctx, after)
      ctx.report.remoteCancelled = true
      ctx.log.info(`Cancelled Airbyte ${jobLabel(ctx, after)}: ${after.status}.`)
      return { cancelled: true, job: after }
    } catch (error) {
      if (!(error instanceof ApiError)) throw error
      if (error.status === 409) {
        ctx.log.info(
          `Airbyte answered 409 to the cancellation (${error.providerMessage ?? 'job not running'}): job ${jobId} has already ended.`
        )
      } else if (error.transient) {
        deleteSent = true
        ctx.log.warning(`${error.message}; reading job ${jobId} again before anything else.`)
      } else throw error
    }
  }
}

/** The workflow was cancelled: with `cancel_on_abort`, cancel the job this step started or waits for, if it still runs. */
export async function cancelAfterAbort(ctx: Ctx): Promise<void> {
  const { report } = ctx
  const waits = ctx.common.actionKind === 'wait'
  if (!waits || (report.jobId === undefined && report.triggeredAt === undefined)) return
  if (!ctx.common.cancelOnAbort) {
    ctx.log.info('cancel_on_abort is false: the Airbyte job goes on.')
    return
  }
  // Not the aborted signal: the job must be cancelled after it.
  const api = airbyteClient(ctx, { afterAbort: true })
  // WAIT's job is known from the start, even before an answer about it came.
  let jobId = report.jobId ?? ctx.settings.jobId
  try {
    if (jobId === undefined && report.triggeredAt !== undefined) {
      // The creation request was in flight: find the job it may have created.
      const { ours } = findAfterLostAnswer(await api.jobs(ctx.target), report.triggeredAt - CLOCK_SLACK_MS, false)
      if (!ours) return
      jobId = String(ours.jobId)
    }
    if (jobId === undefined) return
    const { cancelled, job } = await cancelIfUnfinished(ctx, api, jobId)
    if (!cancelled) ctx.log.info(`Airbyte ${jobLabel(ctx, job)} had already ended (${job.status}); nothing to cancel.`)
  } catch (error) {
    ctx.log.warning(`Could not cancel Airbyte job ${jobId ?? '(unknown)'} after the workflow's cancellation: ${errorMessage(error)}`)
  }
}
