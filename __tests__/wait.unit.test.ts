import { describe, expect, it } from '@jest/globals'
import { AbortedError, ApiError } from '../src/core/errors.js'
import { nextPollDelay, waitFor, type CheckResult } from '../src/jobs/wait.js'
import { FakeClock } from './fake-clock.js'

describe('nextPollDelay', () => {
  it('starts at a second and grows with the job, capped by poll_interval', () => {
    expect(nextPollDelay(0, 30_000)).toBe(1000)
    expect(nextPollDelay(4000, 30_000)).toBe(1000)
    expect(nextPollDelay(20_000, 30_000)).toBe(4000)
    expect(nextPollDelay(600_000, 30_000)).toBe(30_000)
    expect(nextPollDelay(600_000, 500)).toBe(500)
  })
})

/** A job that ends at `endsAt` on the fake clock. */
function job(clock: FakeClock, endsAt: number) {
  let checks = 0
  return {
    get checks() {
      return checks
    },
    check: async (): Promise<CheckResult<string>> => {
      checks++
      return clock.now() >= endsAt ? { done: true, value: 'ended' } : { done: false }
    }
  }
}

describe('waitFor', () => {
  it('notices a 20-second job within a few seconds and a 2-hour job with few checks', async () => {
    for (const [length, maxLag, maxChecks] of [
      [20_000, 4000, 20],
      [7_200_000, 30_000, 300]
    ]) {
      const clock = new FakeClock()
      const start = clock.now()
      const j = job(clock, start + length)
      const outcome = await waitFor({
        check: j.check,
        clock,
        deadline: start + 10 * 3_600_000,
        pollIntervalMs: 30_000,
        jobStartedAt: start
      })
      expect(outcome.kind).toBe('done')
      expect(clock.now() - (start + length)).toBeLessThanOrEqual(maxLag)
      expect(j.checks).toBeLessThanOrEqual(maxChecks)
    }
  })

  it('times out at the deadline, checking once more at the deadline itself', async () => {
    const clock = new FakeClock()
    const start = clock.now()
    const j = job(clock, start + 60_000)
    const outcome = await waitFor({ check: j.check, clock, deadline: start + 60_000, pollIntervalMs: 30_000, jobStartedAt: start })
    expect(outcome.kind).toBe('done')
    expect(clock.now()).toBe(start + 60_000)
    const late = job(clock, clock.now() + 120_000)
    const again = await waitFor({
      check: late.check,
      clock,
      deadline: clock.now() + 60_000,
      pollIntervalMs: 30_000,
      jobStartedAt: clock.now()
    })
    expect(again.kind).toBe('timed_out')
  })

  it('with checkFirst: false, sleeps before the first check (a job just triggered has not ended)', async () => {
    const times = async (checkFirst: boolean | undefined): Promise<number[]> => {
      const clock = new FakeClock()
      const start = clock.now()
      const seen: number[] = []
      await waitFor({
        check: async () => {
          seen.push(clock.now() - start)
          return clock.now() - start >= 5000 ? { done: true, value: 'ended' } : { done: false }
        },
        clock,
        deadline: start + 3_600_000,
        pollIntervalMs: 30_000,
        jobStartedAt: start,
        checkFirst
      })
      return seen
    }
    expect(await times(undefined)).toEqual([0, 1000, 2000, 3000, 4000, 5000])
    expect(await times(true)).toEqual([0, 1000, 2000, 3000, 4000, 5000])
    // The same schedule, less the check at age 0.
    expect(await times(false)).toEqual([1000, 2000, 3000, 4000, 5000])

    // Past the deadline already, it still checks once (at the deadline), as the loop always does.
    const clock = new FakeClock()
    const start = clock.now()
    const j = job(clock, start)
    const outcome = await waitFor({
      check: j.check,
      clock,
      deadline: start - 1,
      pollIntervalMs: 30_000,
      jobStartedAt: start,
      checkFirst: false
    })
    expect(outcome.kind).toBe('done')
    expect(j.checks).toBe(1)
    expect(clock.now()).toBe(start)
  })

  it('defers the next check to notBefore', async () => {
    const clock = new FakeClock()
    const start = clock.now()
    let n = 0
    const outcome = await waitFor({
      check: async () => (++n === 1 ? { done: false, notBefore: start + 45_000 } : { done: true, value: n }),
      clock,
      deadline: start + 3_600_000,
      pollIntervalMs: 30_000,
      jobStartedAt: start
    })
    expect(outcome).toMatchObject({ kind: 'done', value: 2 })
    expect(clock.sleeps).toEqual([45_000])
  })

  it('rides out transient errors, honouring Retry-After, and reports them', async () => {
    const clock = new FakeClock()
    const start = clock.now()
    const seen: string[] = []
    let n = 0
    const outcome = await waitFor({
      check: async () => {
        n++
        if (n === 1) throw new ApiError({ kind: 'http', request: 'GET /x', status: 429, reason: 'Too Many Requests', retryAfterMs: 7000 })
        if (n === 2) throw new ApiError({ kind: 'malformed', request: 'GET /x', cause: 'the answer lacks status' })
        return { done: true, value: 'ok' }
      },
      clock,
      deadline: start + 3_600_000,
      pollIntervalMs: 30_000,
      jobStartedAt: start,
      onTransientError: (e) => seen.push(e.message)
    })
    expect(outcome.kind).toBe('done')
    expect(clock.sleeps[0]).toBe(7000)
    expect(seen).toHaveLength(2)
  })

  it('turns a retry that ran into the deadline into timed_out, keeping the last error', async () => {
    const clock = new FakeClock()
    const error = new ApiError({ kind: 'http', request: 'GET /x', status: 503, reason: 'Service Unavailable' })
    error.deadlineReached = true
    const outcome = await waitFor({
      check: async () => {
        throw error
      },
      clock,
      deadline: clock.now() + 10_000,
      pollIntervalMs: 1000,
      jobStartedAt: clock.now()
    })
    expect(outcome).toMatchObject({ kind: 'timed_out', lastError: error })
  })

  it('lets errors that are not passing ones through', async () => {
    const clock = new FakeClock()
    await expect(
      waitFor({
        check: async () => {
          throw new ApiError({ kind: 'http', request: 'GET /x', status: 401, reason: 'Unauthorized' })
        },
        clock,
        deadline: clock.now() + 10_000,
        pollIntervalMs: 1000,
        jobStartedAt: clock.now()
      })
    ).rejects.toThrow(/401/)
  })

  it('stops at once when aborted', async () => {
    const clock = new FakeClock()
    const controller = new AbortController()
    let n = 0
    const promise = waitFor({
      check: async () => {
        if (++n === 3) controller.abort()
        return { done: false }
      },
      clock,
      deadline: clock.now() + 3_600_000,
      pollIntervalMs: 1000,
      jobStartedAt: clock.now(),
      signal: controller.signal
    })
    await expect(promise).rejects.toBeInstanceOf(AbortedError)
    expect(n).toBe(3)
  })
})
