// The in-process runner: the action's whole step (orchestrate(), as src/main.ts calls it) on a fake clock, with
// in-memory IO, talking real HTTP to an emulator on 127.0.0.1 that shares the clock. A "2 s job with 1 s polls" runs
// in milliseconds, and a test reads the result as it would an end-to-end run of the bundle (same ActionRun shape, the
// same workflow-command lines on stdout, the same leak check), so a case moves between the two by changing its runner.
import { afterAll, beforeAll, beforeEach } from '@jest/globals'
import { extraProviders } from '../emulator/providers.js'
import { inputEnv, leaks, lowerEnvSecrets, type ActionRun } from '../emulator/run-action.js'
import { startEmulator, type Emulator } from '../emulator/server.js'
import type { ProviderEmulator } from '../emulator/types.js'
import { errorMessage } from '../src/core/errors.js'
import { envInputReader } from '../src/core/inputs.js'
import type { Io } from '../src/core/io.js'
import { orchestrate } from '../src/core/orchestrator.js'
import { limiterFor } from '../src/http/ratelimit.js'
import { IdleClock } from './fake-clock.js'

export interface InProcessOptions {
  /** Extra environment (env fallbacks such as FIVETRAN_API_KEY, GITHUB_ACTIONS, RUNNER_DEBUG). */
  env?: Record<string, string>
  /** Cancels the workflow (as the runner's SIGINT does) this many fake milliseconds after the start. */
  cancelAfterMs?: number
}

/** As @actions/core escapes a workflow command's message. */
function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')
}

/** An Io that writes what @actions/core would write to stdout, GITHUB_OUTPUT and the step summary. */
function runnerIo(env: Record<string, string>): Io & { stdout: string; outputs: Record<string, string>; summary: string } {
  const io = {
    stdout: '',
    outputs: {} as Record<string, string>,
    summary: '',
    info: (m: string) => void (io.stdout += `${m}\n`),
    warning: (m: string) => void (io.stdout += `::warning::${escapeData(m)}\n`),
    error: (m: string) => void (io.stdout += `::error::${escapeData(m)}\n`),
    debug: (m: string) => void (io.stdout += `::debug::${escapeData(m)}\n`),
    group: async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
      io.stdout += `::group::${escapeData(name)}\n`
      try {
        return await fn()
      } finally {
        io.stdout += '::endgroup::\n'
      }
    },
    setSecret: (v: string) => {
      if (env.GITHUB_ACTIONS === 'true') io.stdout += `::add-mask::${escapeData(v)}\n`
    },
    setOutput: (name: string, value: string) => void (io.outputs[name] = value),
    writeSummary: async (markdown: string) => void (io.summary += `${markdown}\n`)
  }
  return io
}

/** Runs the step in this process with `inputs` (names as in action.yml, defaults applied), as src/main.ts would. */
export async function runInProcess(clock: IdleClock, inputs: Record<string, string>, options: InProcessOptions = {}): Promise<ActionRun> {
  const env = { ...options.env, ...inputEnv(inputs) }
  const io = runnerIo(env)
  const controller = new AbortController()
  const startedAt = clock.now()
  const cancelTimer =
    options.cancelAfterMs === undefined
      ? undefined
      : clock.at(startedAt + options.cancelAfterMs, () => {
          io.warning('Received SIGINT: the workflow was cancelled. Wrapping up.')
          controller.abort()
        })
  let code: 0 | 1
  try {
    const result = await orchestrate({ io, read: envInputReader(env), signal: controller.signal, clock, limiterFor })
    code = controller.signal.aborted ? 1 : result.exitCode
  } catch (error) {
    io.error(`Unexpected error: ${errorMessage(error)}`)
    code = 1
  } finally {
    // A run that ended before its cancellation leaves no timer behind for the next one.
    cancelTimer?.()
  }
  const run: ActionRun = {
    code,
    signal: null,
    stdout: io.stdout,
    stderr: '',
    outputs: io.outputs,
    summary: io.summary,
    startedAt,
    elapsedMs: clock.now() - startedAt,
    exitedAfterStartMs: clock.now() - startedAt
  }
  // As with runAction, every run doubles as a leak check, error paths included.
  const found = leaks(run, { ...inputs, ...lowerEnvSecrets(options.env) })
  if (found.length > 0) throw new Error(`A secret leaked: ${found.join(', ')}\n${io.stdout}`)
  return run
}

/** An emulator on a fake clock for one test file, reset before each test, and a runner that shares its clock. */
export interface InProcessRig {
  emulator: Emulator
  clock: IdleClock
  run(inputs: Record<string, string>, options?: InProcessOptions): Promise<ActionRun>
}

/** Sets up an in-process rig for the calling test file (beforeAll/afterAll/beforeEach hooks). */
export function inProcessRig(providers: () => ProviderEmulator[] = extraProviders): InProcessRig {
  const clock = new IdleClock()
  const rig = {
    clock,
    run: (inputs: Record<string, string>, options?: InProcessOptions) => runInProcess(clock, inputs, options)
  } as InProcessRig
  beforeAll(async () => {
    rig.emulator = await startEmulator({ providers: providers(), clock })
  })
  afterAll(async () => {
    await rig.emulator.close()
    clock.dispose()
  })
  beforeEach(() => rig.emulator.reset())
  return rig
}
