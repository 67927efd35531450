import { formatDuration } from '../../duration.js'
import { AbortedError, ApiError, errorMessage } from '../../errors.js'
import type { Auth } from '../../http.js'
import { splitList } from '../../inputs.js'
import { setFact } from '../../report.js'
import type { CommonSettings } from '../../settings.js'
import { lastCheckFailure, waitFor } from '../../wait.js'
import type { Provider, TargetContext } from '../types.js'
import { AIRBYTE_BASE_URL, AirbyteApi, CREATE_JOB_TIMEOUT_MS, authFor, type AirbyteCredentials } from './api.js'
import {
  connectionUrl,
  createdAt,
  describeJob,
  findAfterLostAnswer,
  hasEnded,
  isJobId,
  isKnownStatus,
  isUuid,
  jobFacts,
  missingRole,
  normalStatus,
  waitingNote,
  type AirbyteJob,
  type JobType
} from './model.js'

/** Airbyte inputs (Airflow `AirbyteTriggerSyncOperator` / `AirbyteJobSensor`). */
export interface AirbyteSettings {
  /** Connection UUIDs from `connection_id` (several for one SYNC/RESET/CLEAR step). */
  connectionIds: string[]
  credentials: AirbyteCredentials
  /** A sync already runs on the connection: fail (as Airflow) or wait for that job. */
  ifRunning: 'fail' | 'attach'
  /** Makes `job_url` point at the connection in the Airbyte UI. */
  workspaceId?: string
  /** WAIT, STATUS and CANCEL: the job, from a previous step's `job_id`. */
  jobId?: string
  /** What SYNC, RESET and CLEAR send as `jobType`. */
  jobType: JobType
}

type Ctx = TargetContext<AirbyteSettings>

/** The job types each starting action sends; RESET and CLEAR run the same server code. */
const JOB_TYPES: Record<string, JobType> = { SYNC: 'sync', RESET: 'reset', CLEAR: 'clear' }
const JOB_ACTIONS = new Set(['WAIT', 'STATUS', 'CANCEL'])

/** Airbyte's `startTime` has whole seconds and the two clocks may differ a little: "ours" means created after our request less this. */
export const CLOCK_SLACK_MS = 5000
/** How often the jobs list is read while looking for the job of a lost creation request. */
const LOOKUP_INTERVAL_MS = 2000
/**
 * Cancelling after the timeout gets its own budget, since the step's deadline has passed by then; a short one, so
 * that the step still ends within a few seconds of its timeout however Airbyte answers.
 */
const TIMEOUT_CLEANUP_MS = 4000
/** After the workflow's cancellation the runner kills the process within 7.5 s: cancel the job within this. */
export const ABORT_CLEANUP_MS = 4000

/**
 * After a creation request whose answer was lost, how long the jobs list may show no job of it before the action
 * concludes the request never reached Airbyte (a server that gave up waiting for the job may still create it).
 */
export function lostAnswerGraceMs(timeoutMs: number): number {
  return Math.min(30_000, timeoutMs / 4)
}

export const airbyte: Provider<AirbyteSettings> = {
  name: 'airbyte',
  title: 'Airbyte',
  targetNoun: 'Connection',
  defaultBaseUrl: AIRBYTE_BASE_URL,
  defaultAction: 'SYNC',
  actions: {
    SYNC: { kind: 'wait' },
    RESET: { kind: 'wait' },
    CLEAR: { kind: 'wait' },
    WAIT: { kind: 'wait' },
    STATUS: { kind: 'report' },
    CANCEL: { kind: 'report' }
  },

  readSettings(read, common, problems) {
    const connectionIds = splitList(read('connection_id'))
    const clientId = read('client_id', 'AIRBYTE_CLIENT_ID')
    const clientSecret = read('client_secret', 'AIRBYTE_CLIENT_SECRET')
    const apiKey = read('api_key', 'AIRBYTE_API_KEY')
    const ifRunningText = read('if_running')
    const workspaceId = read('workspace_id') || undefined
    const { action, jobId } = common
    const starts = action in JOB_TYPES

    for (const id of connectionIds) {
      if (!isUuid(id)) {
        problems.push(
          `connection_id must be a connection UUID such as e735894a-e773-4938-969f-45f53957b75b (from the connection's URL in Airbyte), got "${id}"`
        )
      }
    }
    // UUIDs are case-insensitive: the same connection in two cases would start two jobs on it.
    if (new Set(connectionIds.map((id) => id.toLowerCase())).size !== connectionIds.length)
      problems.push('connection_id lists the same connection twice')
    if (starts) {
      if (connectionIds.length === 0) {
        problems.push(`connection_id is required for ${action}: the connection's UUID, e.g. e735894a-e773-4938-969f-45f53957b75b`)
      }
      if (jobId !== undefined) problems.push(`job_id is only used by WAIT, STATUS and CANCEL for airbyte, not ${action}`)
    } else if (JOB_ACTIONS.has(action)) {
      if (jobId === undefined) {
        problems.push(
          `job_id is required for ${action}: the Airbyte job id, a number such as a previous SYNC step's job_id output (e.g. 12345)`
        )
      } else if (!isJobId(jobId)) {
        problems.push(`job_id must be an Airbyte job id (a number, e.g. 12345), got "${jobId}"`)
      }
      if (connectionIds.length > 1) {
        problems.push(`${action} acts on one job: connection_id may name its connection only, got ${connectionIds.length} connections`)
      }
    }

    if (clientId !== '' && clientSecret === '') {
      problems.push(
        'client_secret is required with client_id (or the AIRBYTE_CLIENT_SECRET env variable): the secret of the same Airbyte application'
      )
    }
    if (clientSecret !== '' && clientId === '') {
      problems.push(
        'client_id is required with client_secret (or the AIRBYTE_CLIENT_ID env variable): the id of the same Airbyte application'
      )
    }
    if ((clientId !== '' || clientSecret !== '') && apiKey !== '') {
      problems.push('give either client_id and client_secret, or api_key (a ready token), not both')
    }
    let credentials: AirbyteCredentials = { kind: 'none' }
    if (clientId !== '' && clientSecret !== '') credentials = { kind: 'application', clientId, clientSecret }
    else if (apiKey !== '') credentials = { kind: 'token', apiKey }
    else if (clientId === '' && clientSecret === '' && isCloud(common, read('base_url'))) {
      problems.push(
        'client_id and client_secret are required for Airbyte Cloud (or the AIRBYTE_CLIENT_ID and AIRBYTE_CLIENT_SECRET env variables; or a ready token in api_key): an application from User settings → Applications. Only a self-managed server with auth turned off needs none (base_url http(s)://HOST/api/public/v1).'
      )
    }

    let ifRunning: AirbyteSettings['ifRunning'] = 'fail'
    if (ifRunningText !== '') {
      const value = ifRunningText.toLowerCase()
      if (value === 'fail' || value === 'attach') ifRunning = value
      else problems.push(`if_running must be fail or attach, got "${ifRunningText}"`)
    }
    if (workspaceId !== undefined && !isUuid(workspaceId)) {
      problems.push(`workspace_id must be a workspace UUID (from the Airbyte URL .../workspaces/<workspace_id>/...), got "${workspaceId}"`)
    }
    if (common.baseUrlGiven && /\/api\/v1$/.test(new URL(common.baseUrl).pathname)) {
      problems.push(
        `base_url must be Airbyte's public API (http(s)://HOST/api/public/v1), not the deprecated configuration API, got "${common.baseUrl}"`
      )
    }
    return {
      connectionIds,
      credentials,
      ifRunning,
      workspaceId,
      jobId: JOB_ACTIONS.has(action) ? jobId : undefined,
      jobType: JOB_TYPES[action] ?? 'sync'
    }
  },

  secrets: (s) =>
    s.credentials.kind === 'application' ? [s.credentials.clientSecret] : s.credentials.kind === 'token' ? [s.credentials.apiKey] : [],
  targets: (s) => (s.connectionIds.length > 0 || s.jobId === undefined ? s.connectionIds : [s.jobId]),

  async run(ctx) {
    const progress: Progress = {}
    if (ctx.settings.connectionIds.includes(ctx.target)) {
      ctx.report.jobUrl = connectionUrl(ctx.common.baseUrl, ctx.settings.workspaceId, ctx.target)
    }
    try {
      const api = apiFor(ctx, { signal: ctx.signal, deadline: ctx.deadline })
      switch (ctx.common.action) {
        case 'STATUS':
          return await status(ctx, api)
        case 'CANCEL':
          return await cancelAction(ctx, api)
        case 'WAIT':
          return await waitAction(ctx, api, progress)
        default:
          return await start(ctx, api, progress)
      }
    } catch (error) {
      if (error instanceof AbortedError || ctx.signal.aborted) {
        await cancelAfterAbort(ctx, progress)
        throw error
      }
      throw explain(error, ctx)
    }
  }
}

/** What the run has got to, for cancelling its job when the workflow is cancelled. */
interface Progress {
  /** When the creation request was sent (epoch ms). */
  postedAt?: number
  /** The job this step started, attached to, or waits for. */
  jobId?: number
}

/** The `base_url` is Airbyte Cloud's API (given or by default), where credentials are always needed. */
function isCloud(common: CommonSettings, given: string): boolean {
  // A base_url that was refused has left the default in place: that problem is reported on its own.
  if (given !== '' && given.replace(/\/+$/, '') !== common.baseUrl) return false
  return new URL(common.baseUrl).hostname === 'api.airbyte.com'
}

/** One Auth per step, so that every target shares its token. */
const auths = new WeakMap<AirbyteSettings, Auth | undefined>()

function authOf(ctx: Ctx): Auth | undefined {
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
  return auths.get(ctx.settings)
}

function apiFor(ctx: Ctx, options: { signal?: AbortSignal; deadline: number; requestTimeoutMs?: number }): AirbyteApi {
  return new AirbyteApi({
    baseUrl: ctx.common.baseUrl,
    auth: authOf(ctx),
    clock: ctx.clock,
    log: ctx.log,
    limiter: ctx.limiter,
    signal: options.signal,
    deadline: options.deadline,
    requestTimeoutMs: options.requestTimeoutMs ?? ctx.common.requestTimeoutMs
  })
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
  if (connectionId && connectionId !== ctx.target) report.targetName = `connection ${connectionId}`
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

/** SYNC, RESET, CLEAR: create the job (once), then wait for it unless `wait: false`. */
async function start(ctx: Ctx, api: AirbyteApi, progress: Progress): Promise<void> {
  const { target: connectionId, log, settings, clock } = ctx
  const job = await log.group(`Starting a ${settings.jobType} job of connection ${connectionId}`, async () => {
    // Airbyte answers once the job exists; never wait past the step's timeout for that.
    const timeoutMs = Math.max(1000, Math.min(CREATE_JOB_TIMEOUT_MS, ctx.deadline - clock.now()))
    progress.postedAt = clock.now()
    try {
      const created = await api.createJob(connectionId, settings.jobType, timeoutMs)
      log.info(`Airbyte created ${jobLabel(ctx, created)}: ${created.status}.`)
      return created
    } catch (error) {
      if (!(error instanceof ApiError) || !(error.ambiguous || error.status === 409)) throw error
      return afterLostAnswer(ctx, api, error, progress.postedAt as number)
    }
  })
  progress.jobId = job.jobId
  record(ctx, job)
  setFact(ctx.report, 'Job type', job.jobType ?? settings.jobType)
  if (!ctx.common.wait) {
    ctx.report.message = `Started ${jobLabel(ctx, job)}, ${job.status}; not waiting (wait: false). A later step can WAIT with job_id ${job.jobId}.`
    return
  }
  await waitForJob(ctx, api, job)
}

/** Airbyte's 409 "try-again-later": a sync is already running on the connection, so nothing was created. */
function isAlreadyRunning(error: ApiError): boolean {
  return error.status === 409 && (error.providerCode === 'try-again-later' || /already running/i.test(error.providerMessage ?? ''))
}

/**
 * The creation request failed in a way that leaves open whether a job was created (timeout, network error, 5xx,
 * a 409 other than "already running"), or Airbyte said a sync is already running. Reads the connection's jobs,
 * newest first, instead of sending the request again: a job created since our request is ours and followed
 * whatever its status; an unfinished older one is someone else's, and `if_running` decides.
 */
async function afterLostAnswer(ctx: Ctx, api: AirbyteApi, error: ApiError, postedAt: number): Promise<AirbyteJob> {
  const { target: connectionId, log, clock } = ctx
  const refused = isAlreadyRunning(error)
  if (refused)
    log.info(`Airbyte did not start a job: "${error.providerMessage ?? 'a sync is already running'}". Looking for the running job.`)
  else
    log.warning(
      `${error.message}. The job may have been created anyway: looking it up in the connection's jobs instead of sending the request again.`
    )
  const graceEnds = refused ? clock.now() : Math.min(ctx.deadline, clock.now() + lostAnswerGraceMs(ctx.common.timeoutMs))
  let lookupError: ApiError | undefined
  let looked = false
  for (;;) {
    try {
      const jobs = await api.jobs(connectionId)
      looked = true
      lookupError = undefined
      const { ours, running } = findAfterLostAnswer(jobs, postedAt - CLOCK_SLACK_MS, refused)
      if (ours) {
        log.info(`Found ${jobLabel(ctx, ours)}, created by this step's request (${ours.status}): following it, not starting another.`)
        return ours
      }
      if (running) return alreadyRunning(ctx, running, error)
    } catch (lookup) {
      if (!(lookup instanceof ApiError) || !lookup.transient) throw lookup
      lookupError = lookup
    }
    const now = clock.now()
    if (now >= graceEnds) break
    await clock.sleep(Math.min(LOOKUP_INTERVAL_MS, graceEnds - now), ctx.signal)
  }
  if (!looked) {
    throw new Error(
      `${error.message}. The job may have been created, but the connection's jobs could not be read to find it (${lookupError?.message}). The action does not send the request twice: check connection ${connectionId} in Airbyte before running the step again.`
    )
  }
  if (refused) {
    throw new Error(
      `Airbyte did not start a ${ctx.settings.jobType} of connection ${connectionId} (${error.message}), yet shows no unfinished job on it: the running one has probably just ended. Run the step again.`
    )
  }
  throw new Error(
    `${error.message}. Connection ${connectionId} shows no job created since the request, so it most likely never reached Airbyte. The action does not send it twice: run the step again.`
  )
}

/** A job started by someone else runs on the connection: `if_running: attach` follows it, `fail` stops here. */
function alreadyRunning(ctx: Ctx, running: AirbyteJob, error: ApiError): AirbyteJob {
  const said = isAlreadyRunning(error) && error.providerMessage ? error.providerMessage : `A sync is already running for: ${ctx.target}`
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

/** WAIT (the sensor): waits for the job named by job_id. */
async function waitAction(ctx: Ctx, api: AirbyteApi, progress: Progress): Promise<void> {
  const jobId = ctx.settings.jobId as string
  progress.jobId = Number(jobId)
  const job = await ctx.log.group(`Reading Airbyte job ${jobId}`, () => api.job(jobId))
  checkConnection(ctx, job)
  record(ctx, job)
  await waitForJob(ctx, api, job)
}

/** Waits for a job to end; on the timeout, cancels it (as Airflow does) if it still runs. */
async function waitForJob(ctx: Ctx, api: AirbyteApi, first: AirbyteJob): Promise<void> {
  const { log, clock, deadline, report } = ctx
  const since = clock.now()
  const warned = new Set<string>()
  let seenStatus: string | undefined
  let last = first
  let fresh: AirbyteJob | undefined = first
  const outcome = await log.group(
    `Waiting for ${jobLabel(ctx, first)} to end (${formatDuration(Math.max(0, deadline - since))} left of the timeout)`,
    () =>
      waitFor<AirbyteJob>({
        clock,
        deadline,
        pollIntervalMs: ctx.common.pollIntervalMs,
        jobStartedAt: createdAt(first) ?? since,
        signal: ctx.signal,
        history: historyOf(ctx, api, first),
        onTransientError: (error) => log.warning(`Status check failed (${error.message}); checking again.`),
        check: async () => {
          // The job just read or created counts as the first check.
          const job = fresh ?? (await api.job(first.jobId))
          fresh = undefined
          last = job
          record(ctx, job)
          if (hasEnded(job.status)) return { done: true, value: job }
          if (!isKnownStatus(job.status)) {
            if (!warned.has(job.status)) {
              warned.add(job.status)
              log.warning(`Airbyte reports a job status this version does not know ("${job.status}"); waiting on, as for a running job.`)
            }
          } else if (job.status !== seenStatus) {
            log.info(describeJob(job))
            const note = waitingNote(job.status)
            if (note) log.info(note)
          }
          seenStatus = job.status
          return { done: false }
        }
      })
  )
  if (outcome.kind === 'done') return finish(ctx, outcome.value, since)
  const timedOut = `Timed out after ${formatDuration(ctx.common.timeoutMs)} waiting for ${jobLabel(ctx, last)} (last seen ${last.status}).${lastCheckFailure(outcome)}`
  const cleanup = apiFor(ctx, {
    signal: ctx.signal,
    deadline: clock.now() + TIMEOUT_CLEANUP_MS,
    requestTimeoutMs: Math.min(2000, ctx.common.requestTimeoutMs)
  })
  let result: { cancelled: boolean; job: AirbyteJob }
  try {
    result = await log.group(`Timed out: cancelling job ${last.jobId} if it still runs`, () => cancelIfUnfinished(ctx, cleanup, last.jobId))
  } catch (error) {
    if (error instanceof AbortedError) throw error
    report.status = 'timed_out'
    report.message = `${timedOut} Could not cancel it (${errorMessage(error)}): it may still be running; see ${whereToLook(ctx, last)}.`
    return
  }
  if (!result.cancelled && hasEnded(result.job.status)) {
    // It ended between the last check and the cancellation: its own outcome is the truth, not a timeout.
    log.info(`${jobLabel(ctx, result.job)} ended (${result.job.status}) just as the timeout was reached; nothing to cancel.`)
    return finish(ctx, result.job, since)
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
    ? `${timedOut} The action cancelled the job; Airbyte now reports it ${report.providerStatus}.`
    : `${timedOut} The action could not cancel it (still ${result.job.status}): see ${whereToLook(ctx, result.job)}.`
}

/** The past runs of the job's connection and type (the job's own fields, else the inputs), when the connection is known. */
function historyOf(ctx: Ctx, api: AirbyteApi, job: AirbyteJob): (() => Promise<number[]>) | undefined {
  const connectionId = job.connectionId ?? ctx.settings.connectionIds[0]
  const jobType = job.jobType ?? ctx.settings.jobType
  return connectionId ? () => api.pastDurations(connectionId, jobType) : undefined
}

/** Sets the outcome of a job that ended, in words that say what to do next. */
function finish(ctx: Ctx, job: AirbyteJob, since: number): void {
  const { report } = ctx
  record(ctx, job)
  setFact(report, 'Waited', formatDuration(ctx.clock.now() - since))
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

/** The workflow was cancelled: with `cancel_on_abort`, cancel the job if it still runs, on a short budget of its own. */
async function cancelAfterAbort(ctx: Ctx, progress: Progress): Promise<void> {
  if (progress.jobId === undefined && progress.postedAt === undefined) return
  if (!ctx.common.cancelOnAbort) {
    ctx.log.info('cancel_on_abort is false: the Airbyte job goes on.')
    return
  }
  // Not the aborted signal: the job must be cancelled after it.
  const api = apiFor(ctx, { deadline: ctx.clock.now() + ABORT_CLEANUP_MS, requestTimeoutMs: 2000 })
  let jobId = progress.jobId
  try {
    if (jobId === undefined && progress.postedAt !== undefined) {
      // The creation request was in flight: find the job it may have created.
      const { ours } = findAfterLostAnswer(await api.jobs(ctx.target), progress.postedAt - CLOCK_SLACK_MS, false)
      if (!ours) return
      jobId = ours.jobId
    }
    if (jobId === undefined) return
    const { cancelled, job } = await cancelIfUnfinished(ctx, api, jobId)
    if (!cancelled) ctx.log.info(`Airbyte ${jobLabel(ctx, job)} had already ended (${job.status}); nothing to cancel.`)
  } catch (error) {
    ctx.log.warning(`Could not cancel Airbyte job ${jobId ?? '(unknown)'} after the workflow's cancellation: ${errorMessage(error)}`)
  }
}

/** STATUS: reports the job once; its state never fails the step. */
async function status(ctx: Ctx, api: AirbyteApi): Promise<void> {
  const jobId = ctx.settings.jobId as string
  const job = await ctx.log.group(`Reading Airbyte job ${jobId}`, async () => {
    const read = await api.job(jobId)
    ctx.log.info(JSON.stringify(read, null, 2))
    return read
  })
  checkConnection(ctx, job)
  record(ctx, job)
  ctx.report.message = `Airbyte ${jobLabel(ctx, job)} is ${job.status}.`
}

/** CANCEL: cancels the job if it still runs; one that already ended is reported, not an error. */
async function cancelAction(ctx: Ctx, api: AirbyteApi): Promise<void> {
  const jobId = ctx.settings.jobId as string
  const { cancelled, job } = await ctx.log.group(`Cancelling Airbyte job ${jobId}`, () =>
    cancelIfUnfinished(ctx, api, jobId, (read) => checkConnection(ctx, read))
  )
  ctx.report.message = cancelled
    ? `Cancelled Airbyte ${jobLabel(ctx, job)}; Airbyte reports it ${job.status}.`
    : `Airbyte ${jobLabel(ctx, job)} had already ended (${job.status}); nothing to cancel.`
}

/** Turns HTTP errors into messages that say what was refused and what to do. */
function explain(error: unknown, ctx: Ctx): unknown {
  if (!(error instanceof ApiError) || error.kind !== 'http') return error
  const said = error.providerMessage ? ` Airbyte said: "${error.providerMessage}".` : ''
  const http = `HTTP ${error.status} ${error.reason} on ${error.request}`
  const { credentials } = ctx.settings
  const apiRoot =
    'base_url must be an Airbyte public API root: https://api.airbyte.com/v1 for Cloud, http(s)://HOST/api/public/v1 for a self-managed server.'
  if (error.request.includes('/applications/token') && error.status === 404) {
    return new Error(`Airbyte's token endpoint was not found (${http}).${said} ${apiRoot}`)
  }
  if (error.request.includes('/applications/token') && error.status !== undefined && error.status < 500 && error.status !== 429) {
    return new Error(
      `Airbyte refused client_id and client_secret (${http}).${said} Check them: the credentials of an application from User settings → Applications (on self-managed Airbyte, \`abctl local credentials\` shows them).`
    )
  }
  const jobPath = /\/jobs\/(\d+)/.exec(error.request)
  const what = jobPath ? `job ${jobPath[1]}` : `connection ${ctx.target}`
  switch (error.status) {
    case 401:
      if (credentials.kind === 'token') {
        return new Error(
          `Airbyte refused the token in api_key (${http}).${said} Access tokens expire (15 minutes by default): give client_id and client_secret instead, so the action gets fresh ones itself.`
        )
      }
      if (credentials.kind === 'none') {
        return new Error(
          `Airbyte requires credentials (${http}): this server has auth turned on. Give client_id and client_secret (or a token in api_key).`
        )
      }
      return new Error(
        `Airbyte refused the access token it issued for client_id, even a fresh one (${http}).${said} Check that base_url is the server that issued it.`
      )
    case 403: {
      const role = missingRole(error.providerMessage)
      const lacking = role ? `the application's user lacks the ${role} role` : "the application's user lacks a permission this action needs"
      return new Error(
        `Airbyte refused access to ${what} (${http}): ${lacking}.${said} Grant the role on the workspace (SYNC needs workspace runner, RESET and CLEAR workspace editor), or check the id: Airbyte also answers 403 for an id outside the workspaces you can reach.`
      )
    }
    case 404: {
      const problem = error.providerCode !== undefined
      const hint = jobPath
        ? "Check job_id: a job id of this Airbyte instance, e.g. a previous SYNC step's job_id output."
        : "Check connection_id: the UUID in the connection's URL in Airbyte (.../connections/<connection_id>/...)."
      const api = problem ? '' : ` The answer is not Airbyte's: ${apiRoot}`
      return new Error(`${what[0].toUpperCase()}${what.slice(1)} was not found (${http}).${said} ${hint}${api}`)
    }
    case 422:
      return new Error(`Airbyte could not process the request for ${what} (${http}).${said}`)
    case 429:
      return new Error(`Airbyte kept answering 429 (rate limited) until the timeout (${http}).${said}`)
    default:
      return error
  }
}
