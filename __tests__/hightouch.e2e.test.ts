// A few runs of the bundle (dist/index.js) as the runner runs it; every case, these included, runs in-process in
// hightouch.inprocess.test.ts. Cancellation by signal and the debug-mode leak checks are in
// reliability-hightouch.e2e.test.ts.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { HIGHTOUCH_KEY, HightouchEmulator } from '../emulator/hightouch.js'
import { startEmulator, type Emulator } from '../emulator/server.js'
import { errors, runAction } from './harness.js'

let emulator: Emulator
let hightouchEmulator: HightouchEmulator

beforeAll(async () => {
  hightouchEmulator = new HightouchEmulator()
  emulator = await startEmulator({ providers: [hightouchEmulator] })
})
afterAll(async () => {
  await emulator.close()
})
beforeEach(() => emulator.reset())

function hightouch(inputs: Record<string, string>) {
  return runAction({
    provider: 'hightouch',
    api_key: HIGHTOUCH_KEY,
    base_url: emulator.baseUrl('hightouch'),
    poll_interval: '1s',
    timeout: '30s',
    ...inputs
  })
}

const requests = (method: string, pattern: RegExp = /./) =>
  emulator.requests.filter((r) => r.provider === 'hightouch' && r.method === method && pattern.test(r.path))
const triggers = () => requests('POST', /\/trigger$/)
/** Status checks of a run (`?runId=`), not the history read (`?after=`) nor a lost trigger's search. */
const runChecks = () => requests('GET', /\/runs$/).filter((r) => r.query.runId !== undefined)
const historyReads = () => requests('GET', /\/runs$/).filter((r) => r.query.after !== undefined && r.query.orderBy === 'createdAt')

describe('hightouch SYNC, run as the runner runs the bundle', () => {
  it('by id: triggers once with a JSON boolean, waits for the run and reports it', async () => {
    const run = await hightouch({ action: 'SYNC', sync_id: '1001' })
    expect(run.code).toBe(0)
    expect(run.outputs.status).toBe('succeeded')
    expect(run.outputs.provider_status).toBe('success')
    expect(run.outputs.job_id).toMatch(/^\d+$/)
    expect(run.outputs.rows_synced).toBe('1000')
    expect(run.outputs.job_url).toBeUndefined()
    const result = JSON.parse(run.outputs.result) as { data: { id: number; status: string }[] }
    expect(String(result.data[0].id)).toBe(run.outputs.job_id)
    expect(result.data[0].status).toBe('success')

    expect(triggers()).toHaveLength(1)
    expect(triggers()[0].path).toBe('/api/v1/syncs/1001/trigger')
    expect(triggers()[0].body).toEqual({ fullResync: false })
    expect(triggers()[0].headers['content-type']).toBe('application/json')
    for (const r of emulator.requests) {
      expect(r.headers.authorization).toBe(`Bearer ${HIGHTOUCH_KEY}`)
      expect(r.headers['user-agent']).toMatch(/^elt-orchestrator\//)
    }
    // No body and no Content-Type on GET (the real API answered 500 to both; the emulator does too).
    expect(historyReads()).toHaveLength(1)
    for (const r of [...runChecks(), ...historyReads()]) {
      expect(r.headers['content-type']).toBeUndefined()
      expect(r.body).toBeUndefined()
      expect(r.path).toBe('/api/v1/syncs/1001/runs')
    }
    for (const r of runChecks()) expect(r.query).toEqual({ runId: run.outputs.job_id })
    expect(run.summary).toContain('Hightouch SYNC')
    expect(run.summary).toContain('**succeeded**')
    expect(run.summary).toMatch(/\| Started \| \d{4}-/)
    expect(run.summary).toMatch(/\| Finished \| \d{4}-/)
    expect(run.summary).toMatch(/\| Duration \| /)
    expect(run.summary).toContain('| Completion | 100% |')
    expect(run.summary).toContain(`| ${run.outputs.job_id} | success | 200 / 800 / 0 | 200 / 800 / 0 | 0 / 0 / 0 |  |`)
    // A 1.4 s run is seen to end within a couple of seconds, not a poll_interval later.
    // Timed by the emulator, from the first request to the last: Node's start-up, long on a loaded machine, is not the
    // action's doing (the in-process copy of this case checks the same bound on the fake clock).
    const times = emulator.requests.map((r) => r.at)
    expect(Math.max(...times) - Math.min(...times)).toBeLessThan(5000)
  })

  it('fails a failed run with its error text', async () => {
    const run = await hightouch({ action: 'SYNC', sync_slug: 'fails' })
    expect(run.code).toBe(1)
    expect(run.outputs.status).toBe('failed')
    expect(errors(run).join('\n')).toMatch(/ended failed: Cannot generate sync plan due to unmet dependencies\./)
  })
})
