// Several targets in one step, on a fake clock: the budgets main.ts hands the orchestrator, one budget per step,
// targets that never get their turn, and how the `status` of several is worked out.
import { describe, expect, it } from '@jest/globals'
import nock from 'nock'
import type { Clock } from '../src/core/clock.js'
import { AbortedError } from '../src/core/errors.js'
import { ApiClient } from '../src/http/client.js'
import { BudgetExhaustedError, type RequestLimiter } from '../src/http/ratelimit.js'
import { orchestrate, outputsFor } from '../src/core/orchestrator.js'
import { providers } from '../src/providers/registry.js'
import { fakeProvider, idsFake, inputsOf } from './fake-provider.js'
import { ARRIVAL_MARGIN_MS, limiterFor, SlidingWindowLimiter } from '../src/http/ratelimit.js'
import { newReport, type Report } from '../src/core/report.js'
import { renderSummary } from '../src/core/summary.js'
import { FakeClock } from './fake-clock.js'
import { MemoryIo } from './memory-io.js'

/** A request whose answer comes at once: its slot is counted from then. */
async function send(limiter: RequestLimiter, notAfter?: number): Promise<void> {
  const slot = await limiter.acquire(undefined, notAfter)
  slot?.done()
}

/** How many acquires go through before the clock has to move, and how far it moved for the next one. */
async function burstAndWait(limiter: RequestLimiter, clock: FakeClock, max: number): Promise<{ burst: number; waitedMs: number }> {
  const start = clock.now()
  let burst = 0
  while (burst <= max) {
    await send(limiter)
    if (clock.now() !== start) break
    burst++
  }
  return { burst, waitedMs: clock.now() - start }
}

describe('the budgets the action uses (limiterFor)', () => {
  it('hightouch: 180 requests (90 % of 200) per 10 s, each counted until 10 s (and a margin) after its answer', async () => {
    const clock = new FakeClock()
    const limiter = limiterFor(providers.hightouch, clock)
    if (!limiter) throw new Error('no budget for hightouch')
    expect(await burstAndWait(limiter, clock, 500)).toEqual({ burst: 180, waitedMs: 10_000 + ARRIVAL_MARGIN_MS })
  })

  it('fivetran: 18,000 requests (90 % of 20,000) per hour', async () => {
    const clock = new FakeClock()
    const limiter = limiterFor(providers.fivetran, clock)
    if (!limiter) throw new Error('no budget for fivetran')
    expect(await burstAndWait(limiter, clock, 25_000)).toEqual({ burst: 18_000, waitedMs: 3_600_000 + ARRIVAL_MARGIN_MS })
  })

  it('airbyte publishes no limit: no window, any number of requests go at once', async () => {
    const clock = new FakeClock()
    expect(await burstAndWait(limiterFor(providers.airbyte, clock), clock, 5000)).toEqual({ burst: 5001, waitedMs: 0 })
  })

  it.each(['airbyte', 'hightouch', 'fivetran'])('%s: a 429 to one target holds every target until its Retry-After', async (provider) => {
    const clock = new FakeClock()
    const limiter = limiterFor(providers[provider], clock)
    await limiter.acquire()
    limiter.throttled?.(clock.now() + 5000)
    await limiter.acquire()
    expect(clock.now()).toBe(1_005_000)
    // A pause never shortens: an earlier end leaves the later one in place.
    limiter.throttled?.(clock.now() + 3000)
    limiter.throttled?.(clock.now() + 1000)
    await limiter.acquire()
    expect(clock.now()).toBe(1_008_000)
    // A pause that ends after the deadline is not waited out.
    limiter.throttled?.(clock.now() + 60_000)
    await expect(limiter.acquire(undefined, clock.now() + 10_000)).rejects.toBeInstanceOf(BudgetExhaustedError)
  })

  it('the HTTP layer tells the shared budget about a 429 and how long the provider asked to wait', async () => {
    const clock = new FakeClock()
    const pauses: number[] = []
    const limiter: RequestLimiter = { acquire: async () => undefined, throttled: (until) => pauses.push(until - clock.now()) }
    const log = { warning: () => undefined, debug: () => undefined }
    const client = new ApiClient({ baseUrl: 'https://api.example.test/v1', log, clock, limiter, deadline: clock.now() + 60_000 })
    nock('https://api.example.test').get('/v1/jobs/1').reply(429, {}, { 'Retry-After': '7' }).get('/v1/jobs/1').reply(200, { ok: true })
    await expect(client.get('/jobs/1')).resolves.toMatchObject({ data: { ok: true } })
    expect(pauses).toEqual([7000])
    // Other errors are this request's own trouble: no pause for the others.
    nock('https://api.example.test').get('/v1/jobs/2').reply(503).get('/v1/jobs/2').reply(200, { ok: true })
    await client.get('/jobs/2')
    expect(pauses).toEqual([7000])
  })
})

describe('the HTTP layer holds a slot until the answer arrives', () => {
  it('each attempt takes a slot before it is sent and gives it back once its answer (or failure) is in', async () => {
    const clock = new FakeClock()
    const events: string[] = []
    const limiter: RequestLimiter = {
      acquire: async () => {
        events.push('acquire')
        return { done: () => events.push('done') }
      }
    }
    const log = { warning: () => undefined, debug: () => events.push('sent') }
    const client = new ApiClient({ baseUrl: 'https://api.example.test/v1', log, clock, limiter, deadline: clock.now() + 60_000 })
    nock('https://api.example.test').get('/v1/jobs/3').reply(503).get('/v1/jobs/3').reply(200, { ok: true })
    await client.get('/jobs/3')
    expect(events).toEqual(['acquire', 'sent', 'done', 'acquire', 'sent', 'done'])
    events.length = 0
    nock('https://api.example.test').get('/v1/jobs/4').replyWithError('socket hang up')
    await expect(client.get('/jobs/4', { maxAttempts: 1 })).rejects.toThrow()
    expect(events).toEqual(['acquire', 'sent', 'done'])
  })
})

/**
 * Targets end as their names say: `ok…` succeeds at once, `step…` after 4 s, `bad` fails, `refused` errors before any
 * job, `long` outlasts the timeout, `sigint` is interrupted.
 */
function fakeThings(seen: { target: string; limiter?: RequestLimiter; at: number }[], onRun?: (target: string) => void) {
  return {
    fake: fakeProvider<{ ids: string[] }>({
      ...idsFake,
      async run(ctx) {
        seen.push({ target: ctx.target, limiter: ctx.limiter, at: ctx.clock.now() })
        onRun?.(ctx.target)
        if (ctx.target === 'refused') throw new Error('HTTP 403 on trigger')
        ctx.report.jobId = `job-${ctx.target}`
        if (ctx.target === 'long') await ctx.clock.sleep(ctx.deadline - ctx.clock.now() + 1, ctx.signal)
        if (ctx.target.startsWith('step')) await ctx.clock.sleep(4000, ctx.signal)
        if (ctx.target === 'sigint') throw new AbortedError()
        ctx.report.status = ctx.target === 'bad' ? 'failed' : ctx.target === 'long' ? 'timed_out' : 'succeeded'
      }
    })
  }
}

describe('one budget per step', () => {
  it("builds it once, for the step's provider and clock, and hands the same one to every target", async () => {
    const seen: { target: string; limiter?: RequestLimiter; at: number }[] = []
    const clock = new FakeClock()
    const calls: [string, Clock][] = []
    let acquired = 0
    const budget: RequestLimiter = {
      acquire: async () => {
        acquired++
      }
    }
    const result = await orchestrate({
      io: new MemoryIo(),
      read: inputsOf({ provider: 'fake', ids: 'ok1,ok2,ok3,ok4,ok5', max_parallel: '2' }),
      providers: fakeThings(seen),
      clock,
      limiterFor: ({ name }, c) => {
        calls.push([name, c])
        return budget
      }
    })
    expect(result.exitCode).toBe(0)
    expect(calls).toEqual([['fake', clock]])
    expect(seen.map((s) => s.target).sort()).toEqual(['ok1', 'ok2', 'ok3', 'ok4', 'ok5'])
    // Each target sees the one budget through a view that records its waits for the timeline.
    for (const s of seen) await s.limiter?.acquire()
    expect(acquired).toBe(5)
  })
})

describe('targets that never get their turn start nothing', () => {
  it('after the workflow is cancelled: cancelled, with no job and a message that says so', async () => {
    const seen: { target: string; at: number }[] = []
    const controller = new AbortController()
    const io = new MemoryIo()
    // The first target is interrupted while it works (as by SIGINT); the other two wait for the single slot.
    const result = await orchestrate({
      io,
      read: inputsOf({ provider: 'fake', ids: 'sigint,ok1,ok2', max_parallel: '1' }),
      providers: fakeThings(seen, (target) => target === 'sigint' && controller.abort()),
      clock: new FakeClock(),
      signal: controller.signal
    })
    expect(result.exitCode).toBe(1)
    expect(seen.map((s) => s.target)).toEqual(['sigint'])
    expect(io.outputs.status).toBe('cancelled')
    expect(JSON.parse(io.outputs.results)).toEqual([
      {
        target: 'sigint',
        job_id: 'job-sigint',
        status: 'cancelled',
        error: 'The workflow was cancelled; the Fake job goes on (job job-sigint).'
      },
      { target: 'ok1', status: 'cancelled', error: 'The workflow was cancelled before work on this thing began; no job was started.' },
      { target: 'ok2', status: 'cancelled', error: 'The workflow was cancelled before work on this thing began; no job was started.' }
    ])
    expect(io.errors).toHaveLength(3)
  })

  it('after the timeout: timed_out, with no job, and the step fails', async () => {
    const seen: { target: string; at: number }[] = []
    const io = new MemoryIo()
    const clock = new FakeClock()
    const result = await orchestrate({
      io,
      read: inputsOf({ provider: 'fake', ids: 'long,ok1,ok2', max_parallel: '1', timeout: '10s' }),
      providers: fakeThings(seen),
      clock
    })
    expect(result.exitCode).toBe(1)
    expect(seen.map((s) => s.target)).toEqual(['long'])
    expect(io.outputs.status).toBe('timed_out')
    const notStarted = "The timeout (10s) passed before this thing's turn came (max_parallel: 1); no job was started."
    expect(JSON.parse(io.outputs.results)).toEqual([
      { target: 'long', job_id: 'job-long', status: 'timed_out' },
      { target: 'ok1', status: 'timed_out', error: notStarted },
      { target: 'ok2', status: 'timed_out', error: notStarted }
    ])
    expect(io.errors).toEqual(expect.arrayContaining([`ok1: ${notStarted}`, `ok2: ${notStarted}`]))
  })

  it('a target whose turn comes before the timeout still runs, with what is left of it', async () => {
    const seen: { target: string; at: number }[] = []
    const clock = new FakeClock()
    const io = new MemoryIo()
    const start = clock.now()
    const result = await orchestrate({
      io,
      read: inputsOf({ provider: 'fake', ids: 'step1,step2,step3,step4', max_parallel: '1', timeout: '10s' }),
      providers: fakeThings(seen),
      clock
    })
    // Turns at 0, 4 and 8 s come before the timeout; at 12 s, after it.
    expect(seen.map((s) => [s.target, s.at - start])).toEqual([
      ['step1', 0],
      ['step2', 4000],
      ['step3', 8000]
    ])
    expect(result.exitCode).toBe(1)
    expect(result.reports.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'timed_out'])
  })
})

describe('the status of several targets', () => {
  const report = (target: string, status?: Report['status'], error?: string): Report => ({
    ...newReport('fake', 'SYNC', target),
    status,
    error
  })
  const statusOf = (...reports: Report[]) => outputsFor(reports, reports.length > 1).status

  it('is the worst of them', () => {
    expect(statusOf(report('a', 'succeeded'), report('b', 'warning'))).toBe('warning')
    expect(statusOf(report('a', 'succeeded'), report('b', 'timed_out'), report('c', 'cancelled'))).toBe('timed_out')
    expect(statusOf(report('a', 'cancelled'), report('b', 'failed'), report('c', 'succeeded'))).toBe('failed')
    expect(statusOf(report('a', 'succeeded'), report('b', 'succeeded'))).toBe('succeeded')
  })

  it('counts a target that failed before it had a status as unknown, never as nothing', () => {
    expect(statusOf(report('a', 'succeeded'), report('b', undefined, 'HTTP 403 on trigger'))).toBe('unknown')
    expect(statusOf(report('a', 'failed'), report('b', undefined, 'HTTP 403 on trigger'))).toBe('failed')
    // One target: as before, no status output when there is none.
    expect(statusOf(report('b', undefined, 'HTTP 403 on trigger'))).toBeUndefined()
  })

  it('through the whole step: a refused target fails the step; results and the summary show each', async () => {
    const io = new MemoryIo()
    const result = await orchestrate({
      io,
      read: inputsOf({ provider: 'fake', ids: 'ok1,refused,ok2' }),
      providers: fakeThings([]),
      clock: new FakeClock()
    })
    expect(result.exitCode).toBe(1)
    expect(io.outputs.status).toBe('unknown')
    expect(JSON.parse(io.outputs.results)).toEqual([
      { target: 'ok1', job_id: 'job-ok1', status: 'succeeded' },
      { target: 'refused', error: 'HTTP 403 on trigger' },
      { target: 'ok2', job_id: 'job-ok2', status: 'succeeded' }
    ])
    const rows = io.summary.split('\n').filter((l) => /^\| (✅|❌) \|/.test(l))
    expect(rows).toEqual([
      '| ✅ | `ok1` | `job-ok1` | **succeeded** |  |  |',
      '| ❌ | `refused` | — | error |  | HTTP 403 on trigger |',
      '| ✅ | `ok2` | `job-ok2` | **succeeded** |  |  |'
    ])
    expect(io.summary).toContain('### ❌ Fake SYNC: 3 targets, 2 passed, 1 failed')
  })

  it('renders one overview row per target, whatever their number', () => {
    const targets = Array.from({ length: 7 }, (_, i) => ({ report: report(`t${i}`, 'succeeded'), passed: true }))
    const md = renderSummary('Fake', 'Thing', targets)
    expect(md.split('\n').filter((l) => /^\| ✅ \| `t\d` \|/.test(l))).toHaveLength(7)
    expect(md.match(/<details>/g)).toHaveLength(7)
  })
})

describe('waiting for the budget never holds a step past its timeout', () => {
  it('the limiter refuses a turn whose slot comes after the deadline, and lets the next caller through later', async () => {
    const clock = new FakeClock()
    const limiter = new SlidingWindowLimiter({ requests: 2, windowMs: 10_000 }, clock)
    const deadline = clock.now() + 5000
    await send(limiter, deadline)
    await send(limiter, deadline)
    await expect(limiter.acquire(undefined, deadline)).rejects.toBeInstanceOf(BudgetExhaustedError)
    expect(clock.now()).toBe(1_000_000)
    // Without a deadline (or a later one) it waits for the window to pass, as before.
    await send(limiter, clock.now() + 20_000)
    expect(clock.now()).toBe(1_010_000 + ARRIVAL_MARGIN_MS)
  })

  it('the HTTP layer turns that into an error saying the request was not sent, which no one mistakes for a lost trigger', async () => {
    const clock = new FakeClock()
    const limiter = new SlidingWindowLimiter({ requests: 1, windowMs: 60_000 }, clock)
    await send(limiter)
    const log = { warning: () => undefined, debug: () => undefined }
    const client = new ApiClient({ baseUrl: 'https://api.example.test/v1', log, clock, limiter, deadline: clock.now() + 30_000 })
    const error = await client.post('/syncs/1/trigger', {}, { retry: 'never-blind' }).catch((e: unknown) => e)
    expect(error).toMatchObject({ notSent: true, certainlyNotProcessed: true, ambiguous: false, deadlineReached: true })
    expect(String((error as Error).message)).toMatch(
      /^POST \/v1\/syncs\/1\/trigger was not sent: this step's requests are at the provider's rate limit, and the next free slot \(1970-01-01T00:17:40\.250Z\) comes after the timeout$/
    )
    expect(clock.now()).toBe(1_000_000)
  })
})
