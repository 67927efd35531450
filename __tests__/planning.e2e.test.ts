// Polling that plans, against the emulator: a rate limit enforced as the provider counts it (by arrival, 429 past
// it), and run histories read once per target to time the checks.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { AirbyteEmulator, airbyteConnection } from '../emulator/airbyte.js'
import { HightouchEmulator } from '../emulator/hightouch.js'
import { mostInWindow, startEmulator, type Emulator } from '../emulator/server.js'
import type { Clock } from '../src/core/clock.js'
import { orchestrate } from '../src/core/orchestrator.js'
import { SlidingWindowLimiter } from '../src/http/ratelimit.js'
import { runAction } from './harness.js'
import { inputsOf } from './fake-provider.js'
import { MemoryIo } from './memory-io.js'
import { providerInputs } from './provider-cases.js'

let emulator: Emulator
let airbyteEmulator: AirbyteEmulator
let hightouchEmulator: HightouchEmulator

beforeAll(async () => {
  airbyteEmulator = new AirbyteEmulator()
  hightouchEmulator = new HightouchEmulator()
  emulator = await startEmulator({ providers: [airbyteEmulator, hightouchEmulator] })
})
afterAll(async () => {
  await emulator.close()
})
beforeEach(() => emulator.reset())

const hightouchRequests = () => emulator.requests.filter((r) => r.provider === 'hightouch')

describe('the emulator enforces a limit by arrival', () => {
  it('answers 429 past the limit, counting the refused requests too', async () => {
    emulator.limitRate('hightouch', { requests: 3, windowMs: 60_000 })
    const headers = { authorization: `Bearer ${providerInputs(emulator, 'hightouch').api_key}` }
    const statuses: number[] = []
    for (let i = 0; i < 5; i++) statuses.push((await fetch(`${emulator.baseUrl('hightouch')}/syncs/1001`, { headers })).status)
    expect(statuses).toEqual([200, 200, 200, 429, 429])
    expect(hightouchRequests().map((r) => r.limited === true)).toEqual([false, false, false, true, true])
  })
})

describe('a tight limit (scaled down, in-process against the emulator)', () => {
  it('30 syncs on a budget of 36 per 2 s: all succeed, no 429, no window over the budget, no check wasted on a young run', async () => {
    // The emulator allows 40 per 2 s; the action's budget is 90 % of it, as limiterFor gives for Hightouch's 200 per 10 s.
    emulator.limitRate('hightouch', { requests: 40, windowMs: 2000 })
    const ids = Array.from({ length: 30 }, (_, i) => 880_000 + i)
    for (const id of ids) hightouchEmulator.defineSync(id, { runMs: 2000, pastRunsMs: [2000, 1950, 2050] })
    const values: Record<string, string> = {
      ...providerInputs(emulator, 'hightouch'),
      sync_id: ids.join(','),
      max_parallel: '30',
      poll_interval: '5s',
      timeout: '60s'
    }
    const io = new MemoryIo()
    const result = await orchestrate({
      io,
      read: inputsOf(values),
      limiterFor: (_, clock: Clock) => new SlidingWindowLimiter({ requests: 36, windowMs: 2000 }, clock)
    })
    expect(result.reports.map((r) => r.status)).toEqual(ids.map(() => 'succeeded'))
    expect(result.exitCode).toBe(0)
    const requests = hightouchRequests()
    expect(requests.filter((r) => r.limited)).toEqual([])
    expect(
      mostInWindow(
        requests.map((r) => r.at),
        2000
      )
    ).toBeLessThanOrEqual(36)
    // Every run's checks came once it could have ended (it takes 2 s; its history says so).
    const triggers = new Map(requests.filter((r) => r.method === 'POST').map((r) => [r.path.split('/')[4], r.at]))
    const checks = requests.filter((r) => r.query.runId !== undefined)
    for (const check of checks) expect(check.at - (triggers.get(check.path.split('/')[4]) as number)).toBeGreaterThanOrEqual(1700)
    expect(checks.length).toBeLessThanOrEqual(45)
    // The six history reads that fit beside the triggers were made and used.
    expect(result.reports.filter((r) => r.facts.some(([label]) => label === 'History')).length).toBeGreaterThanOrEqual(6)
  }, 30_000)
})

describe('history, the bundled action against the emulator', () => {
  it('airbyte: reads the last succeeded syncs once, checks around their length, and the summary says so', async () => {
    const connection = airbyteConnection('succeeds', 4242)
    airbyteEmulator.defineConnection(connection, { runMs: 3000, pastRunsMs: [3000, 3000, 4000, 3000, 2000] })
    const run = await runAction({ ...providerInputs(emulator, 'airbyte'), connection_id: connection, poll_interval: '5s', timeout: '60s' })
    expect(run.code).toBe(0)
    expect(run.outputs.status).toBe('succeeded')
    const requests = emulator.requests.filter((r) => r.provider === 'airbyte' && r.path.endsWith('/jobs') && r.method === 'GET')
    expect(requests.map((r) => r.query)).toEqual([
      { connectionId: connection, jobType: 'sync', status: 'succeeded', orderBy: 'createdAt|DESC', limit: '5' }
    ])
    expect(run.summary).toContain('| History | typical 3s over the last 5 runs |')
    // Planned around the past runs: fewer checks than the age-based schedule's four in the first four seconds.
    const checks = emulator.requests.filter((r) => r.provider === 'airbyte' && /\/jobs\/\d+$/.test(r.path))
    expect(checks.length).toBeLessThanOrEqual(3)
  }, 30_000)

  it('hightouch with history: false reads no history and keeps the age-based schedule', async () => {
    hightouchEmulator.defineSync(881_000, { runMs: 3000, pastRunsMs: [3000, 3000, 3000] })
    const run = await runAction({ ...providerInputs(emulator, 'hightouch'), sync_id: '881000', history: 'false', timeout: '60s' })
    expect(run.code).toBe(0)
    expect(hightouchRequests().filter((r) => r.query.after !== undefined)).toEqual([])
    expect(run.summary).not.toContain('History')
    const checks = hightouchRequests().filter((r) => r.query.runId !== undefined)
    // 1 s, 2 s, 3 s (and maybe 4 s) after the trigger: the proportional schedule's first checks.
    expect(checks.length).toBeGreaterThanOrEqual(3)
  }, 30_000)
})
