// Runs the bundled action the way the runner does: INPUT_* env with action.yml defaults applied,
// GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files, `node dist/index.js`.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'
import { emulatorSecrets } from './secrets.js'

/** The repository root (this file is in emulator/). */
export const ROOT = fileURLToPath(new URL('..', import.meta.url))

interface ActionYml {
  inputs: Record<string, { description: string; default?: string }>
  outputs: Record<string, unknown>
}

const parsedActionYml = new Map<string, ActionYml>()
/**
 * The root action's metadata, or that of the action in a folder (`fivetran`: fivetran/action.yml), read once per
 * process (every run, in-process ones by the hundred, needs its defaults).
 */
export function actionYml(folder = ''): ActionYml {
  let parsed = parsedActionYml.get(folder)
  if (!parsed) {
    parsed = parse(readFileSync(join(ROOT, folder, 'action.yml'), 'utf8')) as ActionYml
    parsedActionYml.set(folder, parsed)
  }
  return parsed
}

export interface ActionRun {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  outputs: Record<string, string>
  summary: string
  /** Epoch ms just before the process was spawned. */
  startedAt: number
  elapsedMs: number
  /** From the action's first line of output (it has loaded and started) to the process's exit. */
  exitedAfterStartMs: number
}

/** Parses the `name<<delimiter` blocks of a GITHUB_OUTPUT file. */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<]+)<<(.+)$/.exec(lines[i])
    if (!m) continue
    const [, name, delimiter] = m
    const value: string[] = []
    for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i])
    outputs[name] = value.join('\n')
  }
  return outputs
}

/**
 * The secret values a run must never print: the emulator's credentials and tokens, the secret inputs given,
 * and the Basic header made of a key and secret. `::add-mask::` lines are how a runner is asked to hide a
 * value; the runner consumes them, so they are not a leak.
 */
export function leaks(run: Pick<ActionRun, 'stdout' | 'stderr' | 'summary' | 'outputs'>, inputs: Record<string, string>): string[] {
  const values = new Set(emulatorSecrets)
  for (const name of ['api_key', 'api_secret', 'client_secret']) if (inputs[name]) values.add(inputs[name])
  if (inputs.api_key && inputs.api_secret) values.add(Buffer.from(`${inputs.api_key}:${inputs.api_secret}`).toString('base64'))
  const stdout = run.stdout
    .split('\n')
    .filter((l) => !l.startsWith('::add-mask::'))
    .join('\n')
  const places = { stdout, stderr: run.stderr, summary: run.summary, outputs: JSON.stringify(run.outputs) }
  const found: string[] = []
  for (const value of values) {
    if (value.length < 6) continue
    for (const [place, text] of Object.entries(places)) if (text.includes(value)) found.push(`${value.slice(0, 4)}… in ${place}`)
  }
  return found
}

export interface RunOptions {
  env?: Record<string, string>
  /** Called once the process has started (to send it signals). */
  onStart?: (child: ChildProcess) => void
  /** Kill the process after this long (a safety net for hung tests). */
  killAfterMs?: number
  entry?: string
  /** Whose defaults the runner applies: the root action (default) or a provider's (`fivetran`). */
  action?: string
}

/** The `INPUT_*` variables a runner sets for `inputs`: the action's defaults (root, or a provider's folder), then the inputs given. */
export function inputEnv(inputs: Record<string, string>, folder = ''): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [name, spec] of Object.entries(actionYml(folder).inputs)) {
    if (spec.default !== undefined) env[`INPUT_${name.toUpperCase()}`] = String(spec.default)
  }
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value
  return env
}

/** Runs dist/index.js with `inputs` (names as in the action's action.yml, defaults applied) and a clean environment. */
export function runAction(inputs: Record<string, string>, options: RunOptions = {}): Promise<ActionRun> {
  const dir = mkdtempSync(join(tmpdir(), 'elt-run-'))
  const files = ['GITHUB_OUTPUT', 'GITHUB_STEP_SUMMARY', 'GITHUB_STATE', 'GITHUB_ENV', 'GITHUB_PATH']
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env }
  for (const name of files) {
    const path = join(dir, name)
    writeFileSync(path, '')
    env[name] = path
  }
  Object.assign(env, inputEnv(inputs, options.action))
  const started = Date.now()
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [options.entry ?? join(ROOT, 'dist', 'index.js')], { env, cwd: dir })
    let stdout = ''
    let stderr = ''
    let firstOutputAt: number | undefined
    child.stdout.on('data', (d: Buffer) => {
      firstOutputAt ??= Date.now()
      stdout += d.toString()
    })
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const killer = setTimeout(() => child.kill('SIGKILL'), options.killAfterMs ?? 60_000)
    killer.unref()
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(killer)
      const run: ActionRun = {
        code,
        signal,
        stdout,
        stderr,
        outputs: parseOutputFile(readFileSync(env.GITHUB_OUTPUT, 'utf8')),
        summary: readFileSync(env.GITHUB_STEP_SUMMARY, 'utf8'),
        startedAt: started,
        elapsedMs: Date.now() - started,
        exitedAfterStartMs: Date.now() - (firstOutputAt ?? started)
      }
      // Every end-to-end run doubles as a leak check, error paths included.
      const found = leaks(run, { ...inputs, ...lowerEnvSecrets(options.env) })
      if (found.length > 0) reject(new Error(`A secret leaked: ${found.join(', ')}\n${stdout}\n${stderr}`))
      else resolvePromise(run)
    })
    options.onStart?.(child)
  })
}

/**
 * Calls `fn` once the process has printed something matching `pattern` (say, that it waits for a job): a signal sent
 * then hits the phase the test means, however long a loaded machine took to start Node, where a fixed delay after the
 * spawn could land before the action had even installed its signal handlers.
 */
export function whenPrinted(child: ChildProcess, pattern: RegExp, fn: () => void): void {
  let seen = ''
  const onData = (d: Buffer): void => {
    seen += d.toString()
    if (!pattern.test(seen)) return
    child.stdout?.off('data', onData)
    fn()
  }
  child.stdout?.on('data', onData)
}

/** Secrets given through the DataOps-style env names count too. */
export function lowerEnvSecrets(env: Record<string, string> | undefined): Record<string, string> {
  const names: Record<string, string> = {
    FIVETRAN_API_KEY: 'api_key',
    FIVETRAN_API_SECRET: 'api_secret',
    AIRBYTE_CLIENT_SECRET: 'client_secret',
    AIRBYTE_API_KEY: 'api_key',
    HIGHTOUCH_API_KEY: 'api_key'
  }
  const out: Record<string, string> = {}
  for (const [env_, input] of Object.entries(names)) if (env?.[env_]) out[input] = env[env_]
  return out
}

/** The `::error::` annotations of a run, unescaped. */
export function errors(run: ActionRun): string[] {
  return annotations(run, 'error')
}

export function warnings(run: ActionRun): string[] {
  return annotations(run, 'warning')
}

/** One entry of the `results` output: a target's outcome. */
export interface TargetResult {
  target: string
  job_id?: string
  status?: string
  provider_status?: string
  job_url?: string
  rows_synced?: number
  error?: string
}

/** The `results` output of a run, parsed. */
export function results(run: ActionRun): TargetResult[] {
  return JSON.parse(run.outputs.results) as TargetResult[]
}

function annotations(run: ActionRun, kind: string): string[] {
  return run.stdout
    .split('\n')
    .filter((l) => l.startsWith(`::${kind}::`))
    .map((l) =>
      l
        .slice(kind.length + 4)
        .replace(/%0A/g, '\n')
        .replace(/%0D/g, '\r')
        .replace(/%25/g, '%')
    )
}
