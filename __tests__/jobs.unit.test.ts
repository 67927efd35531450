import { describe, expect, it } from '@jest/globals'
import { ApiError } from '../src/core/errors.js'
import { CLEANUP_AFTER_ABORT_MS, CLEANUP_AFTER_TIMEOUT_MS, cleanupWindow } from '../src/jobs/cleanup.js'
import { readIdList } from '../src/jobs/ids.js'
import { explainRefusal } from '../src/jobs/refusal.js'
import { CLOCK_SLACK_MS, lostTriggerGraceMs, triggerOnce } from '../src/jobs/trigger.js'
import { timedOut, watchJob } from '../src/jobs/watch.js'
import type { TargetContext } from '../src/providers/types.js'
import { newReport } from '../src/core/report.js'
import type { CommonSettings } from '../src/core/common.js'
import { FakeClock } from './fake-clock.js'
import { MemoryIo } from './memory-io.js'

const common: CommonSettings = {
  provider: 'fake',
  action: 'SYNC',
  actionKind: 'wait',
  wait: true,
  timeoutMs: 600_000,
  pollIntervalMs: 30_000,
  requestTimeoutMs: 30_000,
  baseUrl: 'https://fake.test',
  baseUrlGiven: false,
  cancelOnAbort: true,
  maxParallel: 10,
  history: true
}

function context(overrides: Partial<CommonSettings> = {}): { ctx: TargetContext<unknown>; io: MemoryIo; clock: FakeClock } {
  const io = new MemoryIo()
  const clock = new FakeClock()
  const settings = { ...common, ...overrides }
  const ctx: TargetContext<unknown> = {
    settings: {},
    providerTitle: 'Fake',
    common: settings,
    target: 't1',
    report: newReport('fake', 'SYNC', 't1'),
    log: io,
    clock,
    signal: new AbortController().signal,
    deadline: clock.now() + settings.timeoutMs
  }
  return { ctx, io, clock }
}

const lostAnswer = (): ApiError => new ApiError({ kind: 'network', request: 'POST /jobs', cause: 'ECONNRESET' })
const refused = (): ApiError => new ApiError({ kind: 'http', request: 'POST /jobs', status: 400, reason: 'Bad Request' })
const unavailable = (): ApiError => new ApiError({ kind: 'http', request: 'GET /jobs/1', status: 503, reason: 'Service Unavailable' })

describe('watchJob', () => {
  it('checks until done, warns once per unknown status, logs only changes and records how long it waited', async () => {
    const { ctx, io, clock } = context()
    const answers = ['odd', 'odd', 'running', 'running', 'weird', 'done']
    let checks = 0
    const outcome = await watchJob(ctx, {
      what: 'job 1',
      startedAt: clock.now(),
      statusNoun: 'job status',
      check: async (tools) => {
        const status = answers[checks++]
        if (status === 'done') return { done: true, value: status }
        if (status === 'running') tools.progress('job 1 is running')
        else tools.unknownStatus(status)
        return { done: false }
      }
    })
    expect(outcome).toMatchObject({ kind: 'done', value: 'done', checks: 6 })
    expect(io.lines.filter((l) => l.includes('does not know'))).toEqual([
      'warning: Fake reports a job status this version does not know ("odd"); waiting on, as for a running job.',
      'warning: Fake reports a job status this version does not know ("weird"); waiting on, as for a running job.'
    ])
    expect(io.lines.filter((l) => l === 'job 1 is running')).toHaveLength(1)
    expect(io.lines[0]).toBe('group: Waiting for job 1 to end (10m left of the timeout)')
    expect(ctx.report.facts).toEqual([['Waited', '5s']])
  })

  it('warns about a check that failed for a passing reason and checks again', async () => {
    const { ctx, io, clock } = context()
    let checks = 0
    const outcome = await watchJob(ctx, {
      what: 'job 1',
      startedAt: clock.now(),
      statusNoun: 'job status',
      check: async () => {
        if (checks++ === 0) throw unavailable()
        return { done: true, value: 1 }
      }
    })
    expect(outcome.kind).toBe('done')
    expect(io.lines).toContain('warning: Status check failed (GET /jobs/1 failed with HTTP 503 Service Unavailable); checking again.')
  })

  it('sleeps one gap before the first check of a job triggered a moment ago', async () => {
    const { ctx, clock } = context()
    const start = clock.now()
    let firstCheckAt = 0
    await watchJob(ctx, {
      what: 'job 1',
      startedAt: start,
      statusNoun: 'job status',
      checkFirst: false,
      check: async () => {
        firstCheckAt = clock.now()
        return { done: true, value: 1 }
      }
    })
    expect(firstCheckAt - start).toBe(1000)
  })

  it('times out at the deadline with the last failure in the message, and no Waited fact', async () => {
    const { ctx, clock } = context({ timeoutMs: 60_000 })
    const outcome = await watchJob(ctx, {
      what: 'job 1',
      startedAt: clock.now(),
      statusNoun: 'job status',
      check: async () => {
        throw unavailable()
      }
    })
    expect(outcome.kind).toBe('timed_out')
    expect(clock.now()).toBe(ctx.deadline)
    expect(ctx.report.facts).toEqual([])
    expect(timedOut(ctx, 'job 1', outcome, 'It goes on.')).toBe(
      'Timed out after 1m waiting for job 1. It goes on. The last status check failed: GET /jobs/1 failed with HTTP 503 Service Unavailable.'
    )
  })
})

describe('triggerOnce', () => {
  it('returns the job the trigger started, sending it once', async () => {
    const { ctx } = context()
    let sent = 0
    const outcome = await triggerOnce(ctx, {
      what: 'a run of sync 1',
      send: async () => ++sent,
      find: async () => {
        throw new Error('not looked for')
      }
    })
    expect(outcome).toMatchObject({ kind: 'started', job: 1 })
    expect(sent).toBe(1)
  })

  it('throws a refusal as it is: nothing can have started', async () => {
    const { ctx } = context()
    await expect(
      triggerOnce(ctx, {
        what: 'a run',
        send: async () => {
          throw refused()
        },
        find: async () => 1
      })
    ).rejects.toThrow('HTTP 400')
  })

  it('after a lost answer finds the job instead of triggering again, looking only at jobs since just before it', async () => {
    const { ctx, io, clock } = context()
    const sentAt = clock.now()
    let sent = 0
    const looks: number[] = []
    const outcome = await triggerOnce(ctx, {
      what: 'a run of sync 1',
      send: async () => {
        sent++
        throw lostAnswer()
      },
      find: async (since) => {
        looks.push(since)
        return looks.length === 3 ? 'run-7' : undefined
      }
    })
    expect(outcome).toMatchObject({ kind: 'found', job: 'run-7' })
    expect(sent).toBe(1)
    expect(new Set(looks)).toEqual(new Set([sentAt - CLOCK_SLACK_MS]))
    expect(
      io.lines.some((l) => l.startsWith('warning: POST /jobs failed: network error (ECONNRESET). The trigger may have gone through'))
    ).toBe(true)
  })

  it('concludes the trigger never arrived once the grace period passes without a sign of the job', async () => {
    const { ctx, clock } = context({ timeoutMs: 3_600_000 })
    const sentAt = clock.now()
    const outcome = await triggerOnce(ctx, {
      what: 'a run of sync 1',
      send: async () => Promise.reject(lostAnswer()),
      find: async () => undefined
    })
    expect(outcome.kind).toBe('lost')
    expect(clock.now() - sentAt).toBeGreaterThanOrEqual(lostTriggerGraceMs(3_600_000))
    expect(clock.now() - sentAt).toBeLessThan(lostTriggerGraceMs(3_600_000) + 30_000)
    expect(ctx.report.status).toBe('failed')
    expect(ctx.report.error).toMatch(/most likely never reached Fake\. The action does not trigger twice: run the step again\.$/)
  })

  it('reports timed_out when the timeout comes before the grace period ends', async () => {
    const { ctx } = context({ timeoutMs: 10_000 })
    ctx.deadline = ctx.clock.now() + 2_000
    const outcome = await triggerOnce(ctx, {
      what: 'a run of sync 1',
      send: async () => Promise.reject(lostAnswer()),
      find: async () => undefined
    })
    expect(outcome.kind).toBe('lost')
    expect(ctx.report.status).toBe('timed_out')
    expect(ctx.report.message).toMatch(
      /^The trigger's answer was lost .* and the timeout \(10s\) was reached before a run of sync 1 showed up\.$/
    )
  })

  it('lets a provider count another refusal as a lost answer', async () => {
    const { ctx } = context()
    const outcome = await triggerOnce(ctx, {
      what: 'a job',
      send: async () => Promise.reject(refused()),
      mayHaveStarted: (e) => e.status === 400,
      find: async () => 'job-1'
    })
    expect(outcome).toMatchObject({ kind: 'found', job: 'job-1' })
  })
})

describe('the grace, cleanup and id-list rules', () => {
  it('looks for a lost job for 2 minutes, or half the timeout when that is less', () => {
    expect(lostTriggerGraceMs(3_600_000)).toBe(120_000)
    expect(lostTriggerGraceMs(60_000)).toBe(30_000)
  })

  it('gives cleanup its own short, strict budget: longer after a cancellation (the runner waits 7.5 s) than after the timeout', () => {
    const clock = new FakeClock()
    expect(cleanupWindow(clock, 30_000, true)).toEqual({
      deadline: clock.now() + CLEANUP_AFTER_ABORT_MS,
      requestTimeoutMs: 2000,
      strictDeadline: true
    })
    expect(cleanupWindow(clock, 30_000, false)).toEqual({
      deadline: clock.now() + CLEANUP_AFTER_TIMEOUT_MS,
      requestTimeoutMs: 2000,
      strictDeadline: true
    })
    expect(CLEANUP_AFTER_TIMEOUT_MS).toBeLessThan(CLEANUP_AFTER_ABORT_MS)
    expect(cleanupWindow(clock, 500, true).requestTimeoutMs).toBe(500)
  })

  it('splits an id list, names each malformed id and refuses one target named twice in two spellings', () => {
    const problems: string[] = []
    const read = (name: string, env?: string) => (name === 'sync_id' ? '12, abc\n012' : env === 'ENV' ? 'x' : '')
    const ids = readIdList(
      read,
      {
        input: 'sync_id',
        valid: (id) => /^\d+$/.test(id),
        expected: 'a number',
        noun: 'sync',
        canonical: (id) => id.replace(/^0+(?=\d)/, '')
      },
      problems
    )
    expect(ids).toEqual(['12', 'abc', '012'])
    expect(problems).toEqual(['sync_id must be a number, got "abc"', 'sync_id lists the same sync twice'])
  })

  it('reads the env fallback when the input is empty', () => {
    const problems: string[] = []
    const read = (name: string, env?: string) => (env === 'CONNECTOR_ID' ? 'a,b' : '')
    expect(
      readIdList(read, { input: 'connector_id', envFallback: 'CONNECTOR_ID', valid: () => true, expected: '', noun: 'connector' }, problems)
    ).toEqual(['a', 'b'])
    expect(problems).toEqual([])
  })
})

describe('explainRefusal', () => {
  const notFound = new ApiError({
    kind: 'http',
    request: 'GET /syncs/1',
    status: 404,
    reason: 'Not Found',
    providerMessage: 'no such sync'
  })

  it("words a refusal the provider knows, with the provider's own message", () => {
    const explained = explainRefusal(notFound, 'Fake', (e, { http, said }) =>
      e.status === 404 ? `Sync 1 was not found (${http}).${said}` : undefined
    )
    expect((explained as Error).message).toBe('Sync 1 was not found (HTTP 404 Not Found on GET /syncs/1). Fake said: "no such sync".')
    expect((explained as Error).cause).toBe(notFound)
  })

  it('keeps other errors as they are', () => {
    const network = lostAnswer()
    expect(explainRefusal(network, 'Fake', () => 'never')).toBe(network)
    expect(explainRefusal(notFound, 'Fake', () => undefined)).toBe(notFound)
  })
})
