// `npm run local-action` end to end: GitHub's @github/local-action runs src/main.ts against the emulator, offline.
import { describe, expect, it } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ROOT } from './harness.js'

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

describe('npm run local-action', () => {
  it('runs the action through @github/local-action against the emulator it starts: outputs and summary', async () => {
    // .env.example with a port of its own, so that it cannot clash with anything else on this machine.
    const port = await freePort()
    const env = readFileSync(join(ROOT, '.env.example'), 'utf8')
      .replace('127.0.0.1:8787', `127.0.0.1:${port}`)
      .replace(/^INPUT_CONNECTOR_ID=.*$/m, 'INPUT_CONNECTOR_ID=succeeds')
    const file = join(mkdtempSync(join(tmpdir(), 'elt-la-')), '.env')
    writeFileSync(file, env)
    const run = spawnSync('npm', ['run', '--silent', 'local-action', '--', file], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 50_000,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' }
    })
    expect({ status: run.status, stderr: run.stderr.slice(-2000) }).toEqual({ status: 0, stderr: expect.any(String) })
    expect(run.stdout).toContain(`Emulator listening on http://127.0.0.1:${port}`)
    expect(run.stdout).toContain('::set-output name=status::succeeded')
    expect(run.stdout).toContain('### ✅ Fivetran START: `succeeds` succeeded')
  })
})
