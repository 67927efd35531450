import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FIVETRAN_KEY, FIVETRAN_SECRET } from '../emulator/fivetran.js'
import { startEmulator, type Emulator } from '../emulator/server.js'
import { ROOT } from './harness.js'

let emulator: Emulator
beforeAll(async () => {
  emulator = await startEmulator()
})
afterAll(() => emulator.close())
beforeEach(() => emulator.reset())

function cli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'dist', 'cli.js'), ...args], {
      env: { PATH: process.env.PATH ?? '', ...env }
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

const dataOpsEnv = (connector: string) => ({
  FIVETRAN_ACTION: 'START',
  CONNECTOR_ID: connector,
  FIVETRAN_API_KEY: FIVETRAN_KEY,
  FIVETRAN_API_SECRET: FIVETRAN_SECRET,
  INPUT_PROVIDER: 'fivetran',
  INPUT_BASE_URL: emulator.baseUrl('fivetran'),
  INPUT_POLL_INTERVAL: '1s'
})

describe('the CLI', () => {
  it('runs a Fivetran START from env variables alone, prints the result and writes a dotenv file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'elt-cli-'))
    const run = await cli(['--dotenv', join(dir, 'sync.env')], dataOpsEnv('succeeds'))
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/^status: succeeded$/m)
    expect(run.stdout).toMatch(/^job_id: succeeds@/m)
    const dotenv = readFileSync(join(dir, 'sync.env'), 'utf8')
    expect(dotenv).toMatch(/^STATUS=succeeded$/m)
    expect(dotenv).toMatch(/^JOB_ID=succeeds@2026-11-01T08:00:00.123456Z$/m)
    expect(run.stdout + run.stderr).not.toContain('::')
  })

  it('exits 1 as the action would, and prints JSON on stdout with --json', async () => {
    const run = await cli(['--json', '--provider', 'fivetran', '--connector-id', 'fails'], { ...dataOpsEnv('ignored'), INPUT_PROVIDER: '' })
    expect(run.code).toBe(1)
    const outputs = JSON.parse(run.stdout) as Record<string, string>
    expect(outputs.status).toBe('failed')
    expect(run.stderr).toMatch(/^error: The sync of fails failed/m)
    expect(run.stdout + run.stderr).not.toContain('::')
  })

  it('takes flags over INPUT_* and env names, and lists everything in --help', async () => {
    const help = await cli(['--help'], {})
    expect(help.code).toBe(0)
    for (const flag of ['--provider', '--connector-id', '--poll-interval', '--json', '--dotenv']) expect(help.stdout).toContain(flag)
    const bad = await cli(['--conector-id', 'x'], {})
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/Unknown flag --conector-id/)
  })
})

describe('the CLI against a hostile provider (it shares the core)', () => {
  it('a half-open server cannot hold it past timeout + 5 s, and injected commands stay text', async () => {
    emulator.addFault({ provider: 'fivetran', method: 'GET', kind: 'half-open', skip: 1, times: 100 })
    emulator.addFault({ provider: 'fivetran', method: 'GET', kind: 'inject', text: '\n::error title=forged::PWNED\r##[x]', times: 1 })
    const started = Date.now()
    const r = await cli(['--timeout', '3s', '--request-timeout', '2s'], dataOpsEnv('succeeds_cli'))
    expect(Date.now() - started).toBeLessThan(9000)
    expect(r.code).toBe(1)
    for (const line of `${r.stdout}\n${r.stderr}`.split('\n')) expect(line).not.toMatch(/^\s*::|##\[/)
    expect(r.stderr).toMatch(/PWNED/)
    expect(r.stdout).toMatch(/^status: /m)
  })
})
