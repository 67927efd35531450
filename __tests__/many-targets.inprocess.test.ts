// Several targets in one step (connector_id, connection_id, sync_id, sync_slug with several values): at most
// `max_parallel` at once, each with the whole single-target behaviour, one request budget per provider, one
// `results` entry and one summary row per target, `status` the worst of them.
import { beforeAll, describe, expect, it } from '@jest/globals'
import { AIRBYTE_WORKSPACE_ID, AirbyteEmulator, airbyteConnection } from '../emulator/airbyte.js'
import type { FivetranEmulator } from '../emulator/fivetran.js'
import { HightouchEmulator } from '../emulator/hightouch.js'
import { mostInWindow } from '../emulator/server.js'
import type { RecordedRequest } from '../emulator/types.js'
import type { Clock } from '../src/core/clock.js'
import { orchestrate } from '../src/core/orchestrator.js'
import { SlidingWindowLimiter } from '../src/http/ratelimit.js'
import { errors, results, warnings } from './harness.js'
import { inProcessRig, type InProcessOptions } from './in-process.js'
import { inputsOf } from './fake-provider.js'
import { MemoryIo } from './memory-io.js'
import { providerInputs } from './provider-cases.js'

const airbyteEmulator = new AirbyteEmulator()
const hightouchEmulator = new HightouchEmulator()
const rig = inProcessRig(() => [airbyteEmulator, hightouchEmulator])
beforeAll(() => {
  // As in many-targets.e2e.test.ts (jobs that end before the first status check), so both files see the same jobs.
  ;(rig.emulator.providers.fivetran as unknown as FivetranEmulator).syncMs = 800
  hightouchEmulator.phaseScale = 0.5
})

let n = 0
/** A fresh Fivetran connector or Airbyte connection of a scenario, with no earlier run's state in the way. */
const connector = (scenario: string): string => `${scenario}_${++n}`
const connection = (scenario: Parameters<typeof airbyteConnection>[0]): string => airbyteConnection(scenario, ++n)

const fast = { poll_interval: '1s', timeout: '30s' }
const fivetranInputs = () => ({ ...providerInputs(rig.emulator, 'fivetran'), ...fast })
const airbyteInputs = () => ({ ...providerInputs(rig.emulator, 'airbyte'), ...fast })
const hightouchInputs = () => ({ ...providerInputs(rig.emulator, 'hightouch'), ...fast })

const fivetran = (inputs: Record<string, string>, options?: InProcessOptions) => rig.run({ ...fivetranInputs(), ...inputs }, options)
const airbyte = (inputs: Record<string, string>, options?: InProcessOptions) => rig.run({ ...airbyteInputs(), ...inputs }, options)
const hightouch = (inputs: Record<string, string>, options?: InProcessOptions) => rig.run({ ...hightouchInputs(), ...inputs }, options)

const byProvider = (provider: string): RecordedRequest[] => rig.emulator.requests.filter((r) => r.provider === provider)
const fivetranRequestsOf = (id: string) =>
  byProvider('fivetran').filter((r) => r.path === `/v1/connections/${id}` || r.path.startsWith(`/v1/connections/${id}/`))
const hightouchRequestsOf = (syncId: string) =>
  byProvider('hightouch').filter((r) => r.path.startsWith(`/api/v1/syncs/${syncId}/`) || r.path === `/api/v1/syncs/${syncId}`)

/** Each target's time at work as the emulator saw it: from its first request to its last. */
interface Span {
  target: string
  first: number
  last: number
}
function spans(targets: string[], requestsOf: (target: string) => RecordedRequest[]): Span[] {
  return targets.map((target) => {
    const times = requestsOf(target).map((r) => r.at)
    expect(times.length).toBeGreaterThan(0)
    return { target, first: Math.min(...times), last: Math.max(...times) }
  })
}
/** The most spans open at one instant. A span that ends at the instant another begins does not overlap it. */
function peakOverlap(all: Span[]): number {
  const events = all.flatMap((s) => [
    { at: s.first, delta: 1 },
    { at: s.last, delta: -1 }
  ])
  events.sort((a, b) => a.at - b.at || a.delta - b.delta)
  let open = 0
  let peak = 0
  for (const e of events) {
    open += e.delta
    peak = Math.max(peak, open)
  }
  return peak
}
/** The rows of the summary's overview table (one per target), without its header. */
const overviewRows = (summary: string): string[] => summary.split('\n').filter((l) => /^\| (✅|❌|🚫|⏱️|⚠️|⏳|⏸️|📅|ℹ️) \| /.test(l))
/** How the log and annotations name an emulated Airbyte connection: its name (`… (succeeds #3)`), then its short id. */
const airbyteLabel = (id: string): RegExp =>
  new RegExp(`^Postgres → Snowflake \\([a-z_]+ #${parseInt(id.slice(-12), 16)}\\) \\(${id.slice(0, 8)}…\\)$`)

describe('max_parallel', () => {
  it('fivetran: 6 connectors with max_parallel 2 run two at a time, never more, and all succeed', async () => {
    const ids = Array.from({ length: 6 }, () => connector('succeeds'))
    const run = await fivetran({ connector_id: ids.join(','), max_parallel: '2' })
    expect(run.code).toBe(0)
    expect(results(run).map((r) => [r.target, r.status])).toEqual(ids.map((id) => [id, 'succeeded']))
    const all = spans(ids, fivetranRequestsOf)
    expect(peakOverlap(all)).toBe(2)
    // Concurrent, not one after the other: the whole took about half the sum of its parts.
    const wall = Math.max(...all.map((s) => s.last)) - Math.min(...all.map((s) => s.first))
    const serial = all.reduce((sum, s) => sum + (s.last - s.first), 0)
    expect(wall).toBeLessThan(serial * 0.7)
    // In input order: a target starts only once an earlier one has ended.
    expect(all[2].first).toBeGreaterThanOrEqual(Math.min(all[0].last, all[1].last))
    expect(rig.emulator.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/sync'))).toHaveLength(6)
  })

  it('hightouch: 4 syncs with max_parallel 2 run two at a time, never more', async () => {
    const ids = ['1001', '1002', '1012', '1013']
    const run = await hightouch({ sync_id: ids.join(','), max_parallel: '2', fail_on_warning: 'false' })
    expect(run.code).toBe(0)
    expect(results(run).map((r) => r.status)).toEqual(['succeeded', 'warning', 'succeeded', 'succeeded'])
    const all = spans(ids, hightouchRequestsOf)
    expect(peakOverlap(all)).toBe(2)
    const wall = Math.max(...all.map((s) => s.last)) - Math.min(...all.map((s) => s.first))
    expect(wall).toBeLessThan(all.reduce((sum, s) => sum + (s.last - s.first), 0) * 0.75)
  })

  it('fivetran: 12 connectors and no max_parallel run 10 at a time (the default); results keep the input order', async () => {
    const ids = Array.from({ length: 12 }, () => connector('succeeds'))
    const run = await fivetran({ connector_id: ids.join(', ') })
    expect(run.code).toBe(0)
    expect(peakOverlap(spans(ids, fivetranRequestsOf))).toBe(10)
    expect(run.outputs.status).toBe('succeeded')
    expect(results(run)).toEqual(
      ids.map((id) => ({
        target: id,
        job_id: `${id}@2026-11-01T08:00:00.123456Z`,
        status: 'succeeded',
        provider_status: 'scheduled',
        job_url: `https://fivetran.com/dashboard/connectors/${id}/status`
      }))
    )
    expect(overviewRows(run.summary)).toHaveLength(12)
    expect(run.summary).toContain('### ✅ Fivetran START: 12 targets, 12 passed, 0 failed')
  })
})

describe('one request budget per provider', () => {
  it('hightouch: a 429 with Retry-After: 0 on every check never makes its targets hammer the key', async () => {
    // Retry-After: 0 is no advice: each retry waits the normal backoff (at least 1 s), and every target holds back
    // after any target's 429, so the step stays far below Hightouch's 200 requests per 10 s.
    rig.emulator.addFault({ provider: 'hightouch', method: 'GET', path: '/runs$', kind: 'status', status: 429, retryAfter: '0', times: 12 })
    const ids = ['1001', '1002', '1012', '1013']
    const run = await hightouch({ sync_id: ids.join(','), timeout: '1m', fail_on_warning: 'false', history: 'false' })
    expect(run.code).toBe(0)
    expect(results(run).map((r) => r.status)).toEqual(['succeeded', 'warning', 'succeeded', 'succeeded'])
    const times = byProvider('hightouch').map((r) => r.at)
    for (const id of ids)
      expect(
        mostInWindow(
          hightouchRequestsOf(id).map((r) => r.at),
          900
        )
      ).toBeLessThanOrEqual(2)
    expect(mostInWindow(times, 1000)).toBeLessThanOrEqual(8)
    expect(warnings(run).filter((w) => /HTTP 429/.test(w)).length).toBe(12)
  }, 40_000)

  it.each([
    ['fivetran', () => ({ ...fivetranInputs(), connector_id: [1, 2, 3, 4].map(() => connector('never_synced')).join(',') })],
    ['hightouch', () => ({ ...hightouchInputs(), sync_id: '1001,1012,1013,1002', fail_on_warning: 'false' })]
  ])('%s: every target of the step draws on the same budget (a small one, in-process)', async (provider, inputs) => {
    const values: Record<string, string> = inputs()
    const budget = 2
    let built = 0
    const result = await orchestrate({
      io: new MemoryIo(),
      clock: rig.clock,
      read: inputsOf(values),
      limiterFor: ({ name }, clock: Clock) => {
        built++
        expect(name).toBe(provider)
        return new SlidingWindowLimiter({ requests: budget, windowMs: 500 }, clock)
      }
    })
    expect(result.exitCode).toBe(0)
    expect(result.reports.map((r) => r.status)).toEqual([
      'succeeded',
      'succeeded',
      'succeeded',
      provider === 'hightouch' ? 'warning' : 'succeeded'
    ])
    expect(built).toBe(1)
    const times = byProvider(provider)
      .map((r) => r.at)
      .sort((a, b) => a - b)
    expect(times.length).toBeGreaterThan(2 * budget)
    expect(mostInWindow(times, 450)).toBeLessThanOrEqual(budget)
    // The four targets start at once, each with a request: with a budget each (or none), the third request would
    // not have waited for the first one's window to pass.
    expect(times[budget] - times[0]).toBeGreaterThanOrEqual(450)
  })

  it('airbyte publishes no limit: nothing paces the step until a 429, then the targets slow down and all succeed', async () => {
    // `rate_limited`: a job's first 2 status checks answer 429 without Retry-After.
    const ids = [connection('rate_limited'), connection('rate_limited'), connection('rate_limited')]
    const run = await airbyte({ connection_id: ids.join(',') })
    expect(run.code).toBe(0)
    expect(results(run).map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded'])
    for (const id of ids) {
      const [jobId] = airbyteEmulator.jobIdsOf(id)
      // Each target met its own 429 and said so.
      // (Each line names the connection as the summary does: by its name, beside its short id.)
      const mine = (w: string): boolean => airbyteLabel(id).test(/^\[(.*)\] GET/.exec(w)?.[1] ?? '')
      expect(warnings(run).filter((w) => mine(w) && /HTTP 429 .*trying again in/.test(w))).toHaveLength(1)
      const checks = byProvider('airbyte')
        .filter((r) => r.method === 'GET' && r.path === `/api/public/v1/jobs/${jobId}`)
        .map((r) => r.at)
      // Backoff with jitter: the retry came half to all of a second later, not at once.
      expect(checks.length).toBeGreaterThanOrEqual(2)
      expect(checks[1] - checks[0]).toBeGreaterThanOrEqual(450)
    }
    // No window paces the step: the three jobs were created together, before any 429.
    const creates = byProvider('airbyte')
      .filter((r) => r.method === 'POST' && r.path.endsWith('/jobs'))
      .map((r) => r.at)
    expect(creates).toHaveLength(3)
    expect(Math.max(...creates) - Math.min(...creates)).toBeLessThan(500)
  })
})

describe('results', () => {
  it('airbyte: one entry per connection in input order, each with its own job, status, rows and link', async () => {
    const ids = [connection('succeeds'), connection('queued'), connection('incomplete')]
    const run = await airbyte({ connection_id: ids.join(',') })
    expect(run.code).toBe(0)
    expect(run.outputs.status).toBe('succeeded')
    expect(results(run)).toEqual(
      ids.map((id) => ({
        target: id,
        job_id: String(airbyteEmulator.jobIdsOf(id)[0]),
        status: 'succeeded',
        provider_status: 'succeeded',
        job_url: `${rig.emulator.url}/airbyte/workspaces/${AIRBYTE_WORKSPACE_ID}/connections/${id}`,
        rows_synced: 12500
      }))
    )
    expect(new Set(results(run).map((r) => r.job_id)).size).toBe(3)
    // The single-target outputs are left out: they would say which of the three?
    for (const name of ['job_id', 'provider_status', 'job_url', 'result', 'rows_synced']) expect(run.outputs[name]).toBeUndefined()
    // Logs name their target.
    for (const id of ids) expect(run.stdout).toContain(`[${id}] `)
  })

  it('hightouch by slug, newline-separated: one entry per slug, each with its run id, rows and link', async () => {
    const run = await hightouch({ sync_slug: 'succeeds\n\n  legacy-ids  \r\ndisabled\n' })
    expect(run.code).toBe(0)
    const list = results(run)
    expect(list.map((r) => r.target)).toEqual(['succeeds', 'legacy-ids', 'disabled'])
    const syncIds = ['1001', '1012', '1013']
    list.forEach((r, i) => {
      expect(r).toEqual({
        target: r.target,
        job_id: expect.stringMatching(/^\d+$/),
        status: 'succeeded',
        provider_status: 'success',
        job_url: `https://app.hightouch.com/acme/syncs/${syncIds[i]}/runs/${r.job_id}`,
        rows_synced: 1000
      })
      // The run id is the one the action followed for that sync.
      expect(hightouchRequestsOf(syncIds[i]).some((q) => q.query.runId === r.job_id)).toBe(true)
    })
  })
})

describe('status is the worst; the step fails if any target fails', () => {
  it('fivetran: succeeded + failed → failed, exit 1, each in results, one summary row each, one error', async () => {
    const [ok, bad] = [connector('succeeds'), connector('fails')]
    const run = await fivetran({ connector_id: `${ok},${bad}` })
    expect(run.code).toBe(1)
    expect(run.outputs.status).toBe('failed')
    expect(results(run).map((r) => [r.target, r.status, r.job_id?.split('@')[0]])).toEqual([
      [ok, 'succeeded', ok],
      [bad, 'failed', bad]
    ])
    const rows = overviewRows(run.summary)
    expect(rows).toHaveLength(2)
    // Each by its name (the connector's schema, markdown-escaped) beside its id.
    const name = (id: string): string => `emulated\\.${id}`
    expect(rows[0]).toMatch(new RegExp(`^\\| ✅ \\| ${name(ok)} \\(\`${ok}\`\\) .*\\*\\*succeeded\\*\\*`))
    expect(rows[1]).toMatch(new RegExp(`^\\| ❌ \\| ${name(bad)} \\(\`${bad}\`\\) .*\\*\\*failed\\*\\*`))
    expect(run.summary).toContain('2 targets, 1 passed, 1 failed')
    expect(errors(run)).toHaveLength(1)
    expect(errors(run)[0]).toMatch(new RegExp(`^emulated\\.${bad} \\(${bad}\\): .*sync of ${bad} failed`))
  })

  it('hightouch: succeeded + timed_out → timed_out, exit 1', async () => {
    const run = await hightouch({ sync_id: '1001,1010', timeout: '2s' })
    expect(run.code).toBe(1)
    expect(run.outputs.status).toBe('timed_out')
    expect(results(run).map((r) => [r.target, r.status])).toEqual([
      ['1001', 'succeeded'],
      ['1010', 'timed_out']
    ])
    // Sync 1010 by its slug, read for the label.
    expect(errors(run)).toEqual([expect.stringMatching(/^slow \(1010\): Timed out after 2s waiting for sync run \d+ of sync 1010/)])
    expect(overviewRows(run.summary).map((r) => r.split(' | ')[0])).toEqual(['| ✅', '| ⏱️'])
    expect(run.elapsedMs).toBeLessThan(7000)
  })

  it('hightouch: succeeded + warning with fail_on_warning: false → warning, and the step passes', async () => {
    const run = await hightouch({ sync_id: '1001,1002', fail_on_warning: 'false' })
    expect(run.code).toBe(0)
    expect(run.outputs.status).toBe('warning')
    expect(results(run).map((r) => r.status)).toEqual(['succeeded', 'warning'])
    expect(errors(run)).toEqual([])
  })
})

describe('one target failing among many', () => {
  it('fivetran: a connector refused at once does not stop the others, which run to the end', async () => {
    const [broken, ok1, ok2] = [connector('broken'), connector('succeeds'), connector('never_synced')]
    const run = await fivetran({ connector_id: `${broken}\n${ok1}\n${ok2}` })
    expect(run.code).toBe(1)
    const list = results(run)
    expect(list.map((r) => r.target)).toEqual([broken, ok1, ok2])
    expect(list[0].error).toMatch(/setup_state is "broken"/)
    expect(list.slice(1)).toEqual([
      expect.objectContaining({ status: 'succeeded', job_id: `${ok1}@2026-11-01T08:00:00.123456Z` }),
      expect.objectContaining({ status: 'succeeded', job_id: `${ok2}@none` })
    ])
    // The broken one was done before the others' syncs ended, and they went on after it.
    const [b, o1, o2] = spans([broken, ok1, ok2], fivetranRequestsOf)
    expect(o1.last - b.last).toBeGreaterThan(500)
    expect(o2.last - b.last).toBeGreaterThan(500)
    expect(errors(run)).toEqual([
      expect.stringMatching(new RegExp(`^emulated\\.${broken} \\(${broken}\\): Connector ${broken} cannot sync`))
    ])
    expect(run.summary).toContain('3 targets, 2 passed, 1 failed')
  })

  it('airbyte: a connection refused with 403 makes status unknown (not succeeded), and the others succeed', async () => {
    const [refused, ok1, ok2] = [connection('forbidden'), connection('succeeds'), connection('queued')]
    const run = await airbyte({ connection_id: `${refused},${ok1},${ok2}` })
    expect(run.code).toBe(1)
    expect(run.outputs.status).toBe('unknown')
    const list = results(run)
    expect(list[0]).toEqual({
      target: refused,
      job_url: `${rig.emulator.url}/airbyte/workspaces/${AIRBYTE_WORKSPACE_ID}/connections/${refused}`,
      error: expect.stringMatching(/HTTP 403 Forbidden.*WORKSPACE_RUNNER/)
    })
    expect(list.slice(1).map((r) => [r.target, r.status, r.rows_synced])).toEqual([
      [ok1, 'succeeded', 12500],
      [ok2, 'succeeded', 12500]
    ])
    expect(airbyteEmulator.jobsStarted).toBe(2)
    expect(airbyteEmulator.cancelledJobIds).toEqual([])
    expect(errors(run)).toHaveLength(1)
    const [label, message] = errors(run)[0].split(/: (.*)/s)
    expect(label).toMatch(airbyteLabel(refused))
    expect(message).toMatch(/^Airbyte refused access/)
  })
})

// Cancellation at a fake instant; many-targets.e2e.test.ts sends the bundle a real SIGINT and times its wrap-up.
describe('inputs', () => {
  it.each([
    ['fivetran', () => fivetran({ connector_id: 'succeeds_dup,\nsucceeds_dup' }), /connector_id lists the same connector twice/],
    ['hightouch', () => hightouch({ sync_slug: 'succeeds\nsucceeds' }), /sync_slug lists the same sync twice/],
    [
      'airbyte',
      () => airbyte({ connection_id: `${airbyteConnection('succeeds', 99)}, ${airbyteConnection('succeeds', 99)}` }),
      /connection_id lists the same connection twice/
    ]
  ])('%s: a target listed twice is refused before any request', async (_provider, start, message) => {
    const run = await start()
    expect(run.code).toBe(1)
    expect(errors(run).join('\n')).toMatch(message)
    expect(rig.emulator.requests).toEqual([])
    expect(run.outputs).toEqual({})
  })

  it.each([
    ['fivetran', () => connector('succeeds'), (id: string) => fivetran({ connector_id: id })],
    ['hightouch', () => '1001', (id: string) => hightouch({ sync_id: id })]
  ])('%s: one target gives every output as before, and a results array of one', async (_provider, target, start) => {
    const id = target()
    const run = await start(id)
    expect(run.code).toBe(0)
    expect(run.outputs).toMatchObject({
      status: 'succeeded',
      job_id: expect.any(String),
      provider_status: expect.any(String),
      job_url: expect.any(String)
    })
    expect(JSON.parse(run.outputs.result)).toBeDefined()
    const list = results(run)
    expect(list).toHaveLength(1)
    expect(list[0]).toMatchObject({
      target: id,
      job_id: run.outputs.job_id,
      status: run.outputs.status,
      provider_status: run.outputs.provider_status,
      job_url: run.outputs.job_url
    })
    expect(run.stdout).not.toContain(`[${id}] `)
    expect(run.summary).toMatch(new RegExp(`^### ✅ \\S+ \\S+: \`${id}\` succeeded`))
    expect(overviewRows(run.summary)).toEqual([])
  })
})
