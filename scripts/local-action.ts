// `npm run local-action [-- FILE]`: runs the action's source (src/main.ts, its run()) through GitHub's own local runner,
// @github/local-action, with the inputs of FILE (default .env, else .env.example), against the emulator, which this
// script starts on the port of INPUT_BASE_URL when that is a loopback URL and nothing listens there yet.
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { extraProviders } from '../emulator/providers.js'
import { ROOT } from '../emulator/run-action.js'
import { startEmulator, type Emulator } from '../emulator/server.js'

/** The env file to use: the one given, else .env, else the checked-in .env.example. */
export function envFile(given: string | undefined): string {
  if (given) return given
  return existsSync(join(ROOT, '.env')) ? '.env' : '.env.example'
}

/** `NAME=value` lines (quotes around a value dropped, `#` comments skipped), as dotenv reads them. */
export function parseEnv(text: string): Record<string, string> {
  const env: Record<string, string> = {}
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line)
    if (m) env[m[1]] = m[2].replace(/^(["'])(.*)\1$/, '$2')
  }
  return env
}

/** The port to start the emulator on: that of a loopback INPUT_BASE_URL; undefined for any other. */
export function emulatorPort(env: Record<string, string>): number | undefined {
  const text = env.INPUT_BASE_URL
  if (!text) return undefined
  const url = new URL(text)
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) return undefined
  return Number(url.port || (url.protocol === 'https:' ? 443 : 80))
}

async function main(): Promise<number> {
  const file = envFile(process.argv[2])
  const port = emulatorPort(parseEnv(readFileSync(resolve(ROOT, file), 'utf8')))
  let emulator: Emulator | undefined
  if (port !== undefined) {
    try {
      emulator = await startEmulator({ port, host: '127.0.0.1', providers: extraProviders() })
      console.log(`Emulator listening on ${emulator.url}`)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error
      console.log(`Port ${port} is in use: using the emulator (or server) already listening there.`)
    }
  }
  try {
    // The job summary goes to a file, as on a runner; it is printed at the end.
    const summary = process.env.GITHUB_STEP_SUMMARY || join(mkdtempSync(join(tmpdir(), 'elt-local-action-')), 'summary.md')
    writeFileSync(summary, '', { flag: 'a' })
    const bin = join(ROOT, 'node_modules', '.bin', 'local-action')
    const child = spawn(bin, ['run', '.', 'src/main.ts', file], {
      cwd: ROOT,
      stdio: 'inherit',
      env: { ...process.env, GITHUB_STEP_SUMMARY: summary }
    })
    const code = await new Promise<number>((resolve, reject) => {
      child.on('error', reject)
      child.on('close', (c) => resolve(c ?? 1))
    })
    console.log(`\nJob summary (${summary}):\n\n${readFileSync(summary, 'utf8')}`)
    return code
  } finally {
    await emulator?.close()
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exitCode = await main()
