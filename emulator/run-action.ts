// Runs the bundled action the way the runner does: INPUT_* env with action.yml defaults applied,
// GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files, `node dist/index.js`.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'

/** The repository root (this file is in emulator/). */
export const ROOT = fileURLToPath(new URL('..', import.meta.url))

interface ActionYml {
  inputs: Record<string, { default?: string }>
  outputs: Record<string, unknown>
}

export function actionYml(): ActionYml {
  return parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as ActionYml
}

export interface ActionRun {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  outputs: Record<string, string>
  summary: string
  elapsedMs: number
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

export interface RunOptions {
  env?: Record<string, string>
  /** Called once the process has started (to send it signals). */
  onStart?: (child: ChildProcess) => void
  /** Kill the process after this long (a safety net for hung tests). */
  killAfterMs?: number
  entry?: string
}

/** Runs dist/index.js with `inputs` (names as in action.yml) and a clean environment. */
export function runAction(inputs: Record<string, string>, options: RunOptions = {}): Promise<ActionRun> {
  const dir = mkdtempSync(join(tmpdir(), 'elt-run-'))
  const files = ['GITHUB_OUTPUT', 'GITHUB_STEP_SUMMARY', 'GITHUB_STATE', 'GITHUB_ENV', 'GITHUB_PATH']
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env }
  for (const name of files) {
    const path = join(dir, name)
    writeFileSync(path, '')
    env[name] = path
  }
  const declared = actionYml().inputs
  for (const [name, spec] of Object.entries(declared)) {
    if (spec.default !== undefined) env[`INPUT_${name.toUpperCase()}`] = String(spec.default)
  }
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value
  const started = Date.now()
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [options.entry ?? join(ROOT, 'dist', 'index.js')], { env, cwd: dir })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const killer = setTimeout(() => child.kill('SIGKILL'), options.killAfterMs ?? 60_000)
    killer.unref()
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(killer)
      resolvePromise({
        code,
        signal,
        stdout,
        stderr,
        outputs: parseOutputFile(readFileSync(env.GITHUB_OUTPUT, 'utf8')),
        summary: readFileSync(env.GITHUB_STEP_SUMMARY, 'utf8'),
        elapsedMs: Date.now() - started
      })
    })
    options.onStart?.(child)
  })
}

/** The `::error::` annotations of a run, unescaped. */
export function errors(run: ActionRun): string[] {
  return annotations(run, 'error')
}

export function warnings(run: ActionRun): string[] {
  return annotations(run, 'warning')
}

function annotations(run: ActionRun, kind: string): string[] {
  return run.stdout
    .split('\n')
    .filter((l) => l.startsWith(`::${kind}::`))
    .map((l) => l.slice(kind.length + 4).replace(/%0A/g, '\n').replace(/%0D/g, '\r').replace(/%25/g, '%'))
}
