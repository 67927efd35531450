import { INPUTS } from './action-metadata.js'
import { MAX_TIMER_MS, systemClock, type Clock } from './clock.js'
import { ACTIVE_STATUSES, Outputs } from './constants.js'
import { formatDuration } from './duration.js'
import { AbortedError, InputError, errorMessage } from './errors.js'
import type { RequestLimiter } from '../http/ratelimit.js'
import type { InputReader } from './inputs.js'
import { prefixedLog, type Io } from './io.js'
import { providers as registry } from '../providers/registry.js'
import type { RegisteredProvider } from '../providers/types.js'
import { withTarget } from '../http/ratelimit.js'
import { addWait, newReport, type Report, type Timing } from './report.js'
import { isLoopback, readSettings, type Settings } from './settings.js'
import { renderSummary } from './summary.js'
import { plainLabel } from './timeline.js'
import { boundedJson, neutraliseLog, oneLine } from './text.js'
import { passes, worstStatus } from './verdict.js'

export interface OrchestrateOptions {
  io: Io
  read: InputReader
  clock?: Clock
  /** Aborted when the workflow is cancelled. */
  signal?: AbortSignal
  providers?: Record<string, RegisteredProvider>
  /** Builds the request budget shared by every target of the step (see ratelimit.ts). */
  limiterFor?: (provider: RegisteredProvider, clock: Clock) => RequestLimiter | undefined
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
  const { common, provider, step } = settings
  const secrets = step.secrets
  const short = secrets.filter((s) => s.length < MIN_SECRET_LENGTH)
  if (short.length > 0) {
    // Redacting a 1-character secret would replace that character everywhere, corrupting `results` JSON and words.
    const names = provider.inputs.filter((i) => i.secret && short.includes(options.read(i.name, i.envFallback))).map((i) => i.name)
    options.io.error(
      `Invalid input: ${names.length > 0 ? names.join(', ') : 'a secret input'} is shorter than ${MIN_SECRET_LENGTH} characters, too short to keep out of logs safely; no real key is that short: check the secret's value.`
    )
    return { exitCode: 1, reports: [], outputs: {} }
  }
  const io = safeIo(options.io)
  for (const secret of secrets) io.setSecret(secret)

  for (const warning of foreignInputs(options.read, provider, options.providers ?? registry)) io.warning(warning)

  if (common.baseUrlGiven && common.baseUrl.startsWith('http://') && !isLoopback(common.baseUrl)) {
    io.warning(`base_url uses plain http:// to ${new URL(common.baseUrl).host}: credentials travel in clear text. Use https://.`)
  }

  const deadline = clock.now() + common.timeoutMs
  const limiter = options.limiterFor?.(provider, clock)
  const targets = step.targets
  const reports = targets.map((target) => newReport(provider.name, common.action, target))
  const several = targets.length > 1
  const queuedAt = clock.now()
  for (const report of reports) report.timing = { queuedAt, waits: [] }

  // A target's name costs a request of its own where the provider has no other reason to read the target: worth it
  // when several targets share the summary table, timeline and log (one target is shown by the id the user gave), and
  // made only when they take at most a quarter of the provider's rate limit window.
  // The budget the step really has (a test's, or the provider's share), else the provider's documented limit.
  const limit = limiter?.limit ?? provider.rateLimit
  const spareRequests = several && (!limit || targets.length <= limit.requests / 4)

  const noun = provider.targetNoun.toLowerCase()
  await forEachLimited(targets.length, common.maxParallel, async (index) => {
    const report = reports[index]
    const timing = report.timing as Timing
    const waited = index >= common.maxParallel
    if (waited) addWait(timing, { from: queuedAt, to: clock.now(), reason: 'slot' })
    try {
      await work(report, timing, waited)
    } finally {
      timing.endedAt = clock.now()
    }
  })

  async function work(report: Report, timing: Timing, waited: boolean): Promise<void> {
    // A target that had to wait for its turn starts no job once the workflow is cancelled or the timeout has passed:
    // a job started then would be left running unwatched (or, on Airbyte, started only to be cancelled).
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
    const log = several ? prefixedLog(io, () => plainLabel(report)) : io
    timing.startedAt = clock.now()
    const timedLimiter = limiter && timed(limiter, clock, timing)
    try {
      // The wait loops of this target learn from the scope whether to read past runs, and where to note them.
      const run = withTarget({ historyEnabled: common.history, report }, () =>
        step.run({
          providerTitle: provider.title,
          common,
          target: report.target,
          report,
          log,
          clock,
          signal,
          deadline,
          limiter: timedLimiter,
          spareRequests
        })
      )
      // Requests are bounded each; this bounds the whole: a provider still busy well after the timeout is left behind,
      // so that outputs, summary and verdict always come within timeout + a few seconds.
      if ((await untilHardStop(run, clock, deadline + HARD_STOP_AFTER_DEADLINE_MS)) === 'stopped') {
        report.status = report.status === undefined || ACTIVE_STATUSES.includes(report.status) ? 'timed_out' : report.status
        report.error ??= `The ${provider.title} ${common.action} of this ${noun} was still busy ${formatDuration(HARD_STOP_AFTER_DEADLINE_MS)} after the timeout (${formatDuration(common.timeoutMs)}); the action stopped waiting for it.`
      }
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
  }

  const warningsPass = step.warningsPass
  const judged = reports.map((report) => ({
    report,
    passed: passes(report, common.actionKind, { wait: common.wait, warningsPass })
  }))

  // Written whatever the bodies held: each output is bounded and one-line, and one failing does not stop the others.
  const outputs = outputsFor(
    reports,
    several,
    judged.map((j) => j.passed)
  )
  await io.group('Outputs', async () => {
    for (const [name, value] of Object.entries(outputs)) {
      try {
        io.info(`${name} = ${name === Outputs.result || name === Outputs.results ? abbreviate(value) : value}`)
        io.setOutput(name, value)
      } catch (error) {
        io.warning(`Could not set the output ${name}: ${errorMessage(error)}`)
      }
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
      if (report.message) io.info(several ? `[${plainLabel(report)}] ${report.message}` : report.message)
      continue
    }
    exitCode = 1
    const reason = report.error ?? report.message ?? `${provider.title} ${common.action} ended with status ${report.status ?? 'unknown'}`
    io.error(several ? `${plainLabel(report)}: ${reason}` : reason)
  }
  return { exitCode, reports, outputs }
}

/**
 * A warning for each input that only other providers read, given a value (other than the root action's default, which
 * the runner passes whether or not the workflow set it): `sync_id` under `provider: fivetran` would be ignored.
 */
export function foreignInputs(read: InputReader, provider: RegisteredProvider, all: Record<string, RegisteredProvider>): string[] {
  const owners = new Map<string, string[]>()
  for (const other of Object.values(all)) {
    for (const { name } of other.inputs) {
      if (!provider.inputs.some((own) => own.name === name)) owners.set(name, [...(owners.get(name) ?? []), other.name])
    }
  }
  const defaults = new Map(INPUTS.map((i) => [i.name, i.default]))
  const warnings: string[] = []
  for (const [name, of] of owners) {
    const value = read(name)
    if (value === '' || value === defaults.get(name)) continue
    warnings.push(`${name} is an input of ${of.join(' and ')}, not of ${provider.name}: it is ignored.`)
  }
  return warnings
}

/**
 * Every output known, as strings; for several targets the `status` is the worst and `results` lists each. Text outputs
 * are one line (no provider-chosen newline), `result` and `results` are JSON bounded well under GitHub's 1 MB.
 * `passed` (one per report) lets a target that failed on its job's status carry its reason as `error` in `results`.
 */
export function outputsFor(reports: Report[], several: boolean, passed?: boolean[]): Record<string, string> {
  const outputs: Record<string, string> = {}
  const set = (name: string, value: unknown): void => {
    if (value === undefined || value === null || value === '') return
    outputs[name] = typeof value === 'string' ? oneLine(value, 2000) : boundedJson(value)
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
    reports.map((r, i) => {
      const entry: Record<string, unknown> = r.targetNoun === undefined ? { target: r.target } : {}
      if (r.jobId !== undefined) entry.job_id = oneLine(r.jobId, 200)
      if (r.status !== undefined) entry.status = r.status
      if (r.providerStatus !== undefined) entry.provider_status = oneLine(r.providerStatus, 200)
      if (r.jobUrl !== undefined) entry.job_url = r.jobUrl
      if (r.rowsSynced !== undefined) entry.rows_synced = r.rowsSynced
      const error = r.error ?? (passed?.[i] === false ? r.message : undefined)
      if (error !== undefined) entry.error = oneLine(error, 1000)
      return entry
    })
  )
  return outputs
}

/** The step's shared budget as one target sees it: the same budget, with the time it waits for it recorded. */
function timed(limiter: RequestLimiter, clock: Clock, timing: Timing): RequestLimiter {
  return {
    acquire: async (signal, notAfter) => {
      const from = clock.now()
      try {
        // The slot goes back to the request, which frees it when its answer arrives.
        return await limiter.acquire(signal, notAfter)
      } finally {
        addWait(timing, { from, to: clock.now(), reason: 'rate limit' })
      }
    },
    throttled: limiter.throttled && ((untilMs) => limiter.throttled?.(untilMs)),
    limit: limiter.limit
  }
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

/** Secrets shorter than this are refused as bad input: redacting them would corrupt unrelated text. */
export const MIN_SECRET_LENGTH = 4
/** How long after the timeout a target's work may go on before the step stops waiting for it. */
export const HARD_STOP_AFTER_DEADLINE_MS = 3500

/** The forms a secret may take in text: as it is, URL-encoded, base64, and escaped inside JSON. */
export function secretForms(secret: string): string[] {
  const forms = [secret, encodeURIComponent(secret), Buffer.from(secret).toString('base64'), JSON.stringify(secret).slice(1, -1)]
  return [...new Set(forms)].filter((f) => f.length >= MIN_SECRET_LENGTH)
}

/**
 * The one path every message, output and summary takes out of the action (GitHub runner and CLI alike):
 * - every secret, registered before use or obtained later (access tokens, renewed ones), is masked by the runner and
 *   redacted by the action itself, in each of its forms (secretForms);
 * - every log line is neutralised (neutraliseLog): provider text can never start a workflow command.
 */
export function safeIo(io: Io): Io & { redact(text: string): string } {
  const secrets = new Set<string>()
  let ordered: string[] = []
  const redact = (text: string): string => ordered.reduce((t, s) => t.split(s).join('***'), text)
  const log = (text: string): string => neutraliseLog(redact(text))
  return {
    redact,
    info: (m) => io.info(log(m)),
    warning: (m) => io.warning(log(m)),
    error: (m) => io.error(log(m)),
    debug: (m) => io.debug(log(m)),
    group: (name, fn) => io.group(neutraliseLog(oneLine(redact(name))), fn),
    setSecret: (value) => {
      for (const form of secretForms(value)) {
        if (secrets.has(form)) continue
        secrets.add(form)
        io.setSecret(form)
      }
      // Longest first, so that no shorter secret breaks up a longer one before it is replaced.
      ordered = [...secrets].sort((a, b) => b.length - a.length)
    },
    setOutput: (name, value) => io.setOutput(name, redact(value)),
    writeSummary: (markdown) => io.writeSummary(redact(markdown))
  }
}

/**
 * Resolves 'done' when `work` settles (rethrowing its error), or 'stopped' at `stopAt` if it has not by then. A real
 * timer, not the injected clock: it is a safety net for wall time (and a fake clock's sleeps return at once).
 */
async function untilHardStop(work: Promise<void>, clock: Clock, stopAt: number): Promise<'done' | 'stopped'> {
  let timer: NodeJS.Timeout | undefined
  const stop = new Promise<'stopped'>((resolve) => {
    timer = setTimeout(() => resolve('stopped'), Math.min(MAX_TIMER_MS, Math.max(0, stopAt - clock.now())))
  })
  try {
    return await Promise.race([work.then(() => 'done' as const), stop])
  } finally {
    clearTimeout(timer)
  }
}
