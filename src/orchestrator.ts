import { systemClock, type Clock } from './clock.js'
import { Outputs } from './constants.js'
import { formatDuration } from './duration.js'
import { AbortedError, InputError, errorMessage } from './errors.js'
import type { RequestLimiter } from './http.js'
import type { InputReader } from './inputs.js'
import { prefixedLog, type Io } from './io.js'
import { providers as registry } from './providers/registry.js'
import type { Provider } from './providers/types.js'
import { withTarget } from './ratelimit.js'
import { newReport, type Report } from './report.js'
import { isLoopback, readSettings, type Settings } from './settings.js'
import { renderSummary } from './summary.js'
import { passes, worstStatus } from './verdict.js'

export interface OrchestrateOptions {
  io: Io
  read: InputReader
  clock?: Clock
  /** Aborted when the workflow is cancelled. */
  signal?: AbortSignal
  providers?: Record<string, Provider<never>>
  /** Builds the request budget shared by every target of the step (see ratelimit.ts). */
  limiterFor?: (provider: string, clock: Clock) => RequestLimiter | undefined
}

export interface OrchestrateResult {
  exitCode: 0 | 1
  reports: Report[]
  outputs: Record<string, string>
}

/**
 * The whole step, free of @actions/core: read the inputs, work on each target, then set every output known,
 * write the summary and give the verdict. Used by the action (main.ts) and the CLI alike.
 */
export async function orchestrate(options: OrchestrateOptions): Promise<OrchestrateResult> {
  const clock = options.clock ?? systemClock
  const signal = options.signal ?? new AbortController().signal
  let settings: Settings
  try {
    settings = readSettings(options.read, options.providers ?? registry)
  } catch (error) {
    if (!(error instanceof InputError)) throw error
    options.io.error(error.message)
    return { exitCode: 1, reports: [], outputs: {} }
  }
  const { common, provider, specific } = settings
  const secrets = provider.secrets(specific).filter((s) => s.length > 0)
  for (const secret of secrets) options.io.setSecret(secret)
  const io = redactingIo(options.io, secrets)

  if (common.baseUrlGiven && common.baseUrl.startsWith('http://') && !isLoopback(common.baseUrl)) {
    io.warning(`base_url uses plain http:// to ${new URL(common.baseUrl).host}: credentials travel in clear text. Use https://.`)
  }

  const deadline = clock.now() + common.timeoutMs
  const limiter = options.limiterFor?.(provider.name, clock)
  const targets = provider.targets(specific)
  const reports = targets.map((target) => newReport(provider.name, common.action, target))
  const several = targets.length > 1

  const noun = provider.targetNoun.toLowerCase()
  await forEachLimited(targets.length, common.maxParallel, async (index) => {
    const report = reports[index]
    // A target that had to wait for its turn starts no job once the workflow is cancelled or the timeout has passed:
    // a job started then would be left running unwatched (or, on Airbyte, started only to be cancelled).
    const waited = index >= common.maxParallel
    if (waited && signal.aborted) {
      report.status = 'cancelled'
      report.error = `The workflow was cancelled before work on this ${noun} began; no job was started.`
      return
    }
    if (waited && clock.now() >= deadline) {
      report.status = 'timed_out'
      report.error = `The timeout (${formatDuration(common.timeoutMs)}) passed before this ${noun}'s turn came (max_parallel: ${common.maxParallel}); no job was started.`
      return
    }
    const log = several ? prefixedLog(io, report.target) : io
    try {
      // The wait loops of this target learn from the scope whether to read past runs, and where to note them.
      await withTarget({ historyEnabled: common.history, report }, () =>
        provider.run({ settings: specific, common, target: report.target, report, log, clock, signal, deadline, limiter })
      )
    } catch (error) {
      if (error instanceof AbortedError || signal.aborted) {
        report.status = 'cancelled'
        report.error = report.remoteCancelled
          ? `The workflow was cancelled; the ${provider.title} job was cancelled too.`
          : `The workflow was cancelled; the ${provider.title} job goes on${report.jobId ? ` (job ${report.jobId})` : ''}${report.jobUrl ? `: ${report.jobUrl}` : ''}.`
      } else {
        report.error = errorMessage(error)
      }
    }
  })

  const warningsPass = provider.warningsPass?.(specific) ?? false
  const judged = reports.map((report) => ({
    report,
    passed: passes(report, common.actionKind, { wait: common.wait, warningsPass })
  }))

  const outputs = outputsFor(reports, several)
  await io.group('Outputs', async () => {
    for (const [name, value] of Object.entries(outputs)) {
      io.info(`${name} = ${name === Outputs.result || name === Outputs.results ? abbreviate(value) : value}`)
      io.setOutput(name, value)
    }
  })

  try {
    await io.writeSummary(renderSummary(provider.title, provider.targetNoun, judged))
  } catch (error) {
    io.warning(`Could not write the job summary: ${errorMessage(error)}`)
  }

  let exitCode: 0 | 1 = 0
  for (const { report, passed } of judged) {
    if (passed) {
      if (report.message) io.info(several ? `[${report.target}] ${report.message}` : report.message)
      continue
    }
    exitCode = 1
    const reason = report.error ?? report.message ?? `${provider.title} ${common.action} ended with status ${report.status ?? 'unknown'}`
    io.error(several ? `${report.target}: ${reason}` : reason)
  }
  return { exitCode, reports, outputs }
}

/** Every output known, as strings; for several targets the `status` is the worst and `results` lists each. */
export function outputsFor(reports: Report[], several: boolean): Record<string, string> {
  const outputs: Record<string, string> = {}
  const set = (name: string, value: unknown): void => {
    if (value === undefined || value === null || value === '') return
    outputs[name] = typeof value === 'string' ? value : JSON.stringify(value)
  }
  if (!several && reports.length === 1) {
    const [r] = reports
    set(Outputs.jobId, r.jobId)
    set(Outputs.status, r.status)
    set(Outputs.providerStatus, r.providerStatus)
    set(Outputs.jobUrl, r.jobUrl)
    set(Outputs.result, r.result)
    set(Outputs.rowsSynced, r.rowsSynced === undefined ? undefined : String(r.rowsSynced))
    if (r.tests) {
      set(Outputs.testsPassed, String(r.tests.passed))
      set(Outputs.testsFailed, String(r.tests.failed))
      set(Outputs.testsWarning, String(r.tests.warning))
    }
  } else {
    // A target that failed before it had a status (its trigger was refused, say) counts as `unknown`, never as
    // nothing: the others' `succeeded` must not stand for a step that failed.
    set(Outputs.status, worstStatus(reports.map((r) => r.status ?? (r.error !== undefined ? 'unknown' : undefined))))
  }
  set(
    Outputs.results,
    reports.map((r) => {
      const entry: Record<string, unknown> = { target: r.target }
      if (r.jobId !== undefined) entry.job_id = r.jobId
      if (r.status !== undefined) entry.status = r.status
      if (r.providerStatus !== undefined) entry.provider_status = r.providerStatus
      if (r.jobUrl !== undefined) entry.job_url = r.jobUrl
      if (r.rowsSynced !== undefined) entry.rows_synced = r.rowsSynced
      if (r.error !== undefined) entry.error = r.error
      return entry
    })
  )
  return outputs
}

/** Runs `count` tasks, at most `limit` at a time, in order of index. */
export async function forEachLimited(count: number, limit: number, task: (index: number) => Promise<void>): Promise<void> {
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < count) await task(next++)
  }
  await Promise.all(Array.from({ length: Math.min(count, Math.max(1, limit)) }, worker))
}

function abbreviate(value: string): string {
  return value.length > 200 ? `${value.slice(0, 197)}...` : value
}

/** A last line of defence: whatever a provider says, no secret value reaches the log, outputs or summary. */
export function redactingIo(io: Io, secrets: string[]): Io {
  if (secrets.length === 0) return io
  const redact = (text: string): string => secrets.reduce((t, s) => t.split(s).join('***'), text)
  return {
    info: (m) => io.info(redact(m)),
    warning: (m) => io.warning(redact(m)),
    error: (m) => io.error(redact(m)),
    debug: (m) => io.debug(redact(m)),
    group: (name, fn) => io.group(redact(name), fn),
    setSecret: (v) => io.setSecret(v),
    setOutput: (name, value) => io.setOutput(name, redact(value)),
    writeSummary: (markdown) => io.writeSummary(redact(markdown))
  }
}
