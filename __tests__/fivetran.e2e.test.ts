// A few runs of the bundle (dist/index.js) as the runner runs it; every case, these included, runs in-process in
// fivetran.inprocess.test.ts. Cancellation by signal and the debug-mode leak checks are in
// reliability-fivetran.e2e.test.ts.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { FIVETRAN_KEY, FIVETRAN_SECRET } from '../emulator/fivetran.js'
import { startEmulator, type Emulator } from '../emulator/server.js'
import { errors, runAction } from './harness.js'

let emulator: Emulator

beforeAll(async () => {
  emulator = await startEmulator()
})
afterAll(async () => {
  await emulator.close()
})
beforeEach(() => emulator.reset())

function fivetran(inputs: Record<string, string>) {
  return runAction({
    provider: 'fivetran',
    api_key: FIVETRAN_KEY,
    api_secret: FIVETRAN_SECRET,
    base_url: emulator.baseUrl('fivetran'),
    poll_interval: '1s',
    timeout: '30s',
    ...inputs
  })
}

const calls = (method: string, suffix = '') => emulator.requests.filter((r) => r.method === method && r.path.endsWith(suffix))

describe('fivetran START, run as the runner runs the bundle', () => {
  it('switches to manual, triggers once, waits and reports success', async () => {
    const run = await fivetran({ action: 'START', connector_id: 'succeeds' })
    expect(run.code).toBe(0)
    expect(run.outputs.status).toBe('succeeded')
    expect(run.outputs.provider_status).toBe('scheduled')
    expect(run.outputs.job_id).toBe('succeeds@2026-11-01T08:00:00.123456Z')
    expect(run.outputs.job_url).toContain('/succeeds/')
    expect(JSON.parse(run.outputs.result).id).toBe('succeeds')
    expect(calls('POST', '/sync')).toHaveLength(1)
    expect(calls('POST', '/sync')[0].body).toEqual({ force: false })
    const patch = calls('PATCH')
    expect(patch).toHaveLength(1)
    expect(patch[0].body).toEqual({ schedule_type: 'manual', run_setup_tests: false })
    for (const r of emulator.requests) {
      expect(r.path.startsWith('/v1/connections/')).toBe(true)
      expect(r.headers.accept).toBe('application/json;version=2')
      expect(r.headers['user-agent']).toMatch(/^elt-orchestrator\/\d+\.\d+\.\d+/)
    }
    expect(run.summary).toContain('Fivetran START')
    expect(run.summary).toContain('**succeeded**')
    // A 1.2 s sync is seen to end within a couple of seconds, not a poll_interval later.
    // Timed by the emulator, from the first request to the last: Node's start-up, long on a loaded machine, is not the
    // action's doing (the in-process copy of this case checks the same bound on the fake clock).
    const times = emulator.requests.map((r) => r.at)
    expect(Math.max(...times) - Math.min(...times)).toBeLessThan(5000)
  })

  it('fails a failed sync and still sets every output it knows', async () => {
    const run = await fivetran({ action: 'START', connector_id: 'fails' })
    expect(run.code).toBe(1)
    expect(run.outputs.status).toBe('failed')
    expect(run.outputs.job_id).toMatch(/^fails@/)
    expect(run.outputs.job_url).toBeDefined()
    expect(errors(run).join('\n')).toMatch(/sync of fails failed at .*Task: reconnect/)
    expect(run.summary).toContain('**failed**')
  })
})
