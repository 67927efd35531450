// The polling plan as pure functions (src/jobs/plan.ts), and the step's budget applying it (src/http/ratelimit.ts) on a
// virtual clock: requests counted as the provider counts them, a scarce budget spent where it pays.
import { describe, expect, it } from '@jest/globals'
import type { RequestLimiter } from '../src/http/ratelimit.js'
import {
  endedLikelihood,
  expectationFrom,
  nextCheckDelay,
  earlyCheckAges,
  earlyEndLag,
  EARLY_END_SHARE,
  EARLY_GAP_POLLS,
  planGrants,
  proportionalDelay,
  type Expectation,
  type WaitingRequest
} from '../src/jobs/plan.js'
import { ARRIVAL_MARGIN_MS, SlidingWindowLimiter, withPurpose, withTarget } from '../src/http/ratelimit.js'
import { newReport } from '../src/core/report.js'
import { waitFor } from '../src/jobs/wait.js'
import { TimerClock } from './timer-clock.js'

const S = 1000
const ten: Expectation = expectationFrom([10 * S, 10 * S, 10 * S]) as Expectation

describe('expectationFrom', () => {
  it('takes the median as typical, and a window from the shortest (or 10 % under) to the longest (or 10 % over)', () => {
    expect(expectationFrom([600 * S, 540 * S, 580 * S, 620 * S, 700 * S])).toEqual({
      typicalMs: 600 * S,
      fromMs: 540 * S,
      toMs: 700 * S,
      runs: 5
    })
    const tight = expectationFrom([100 * S, 100 * S]) as Expectation
    expect(tight.fromMs).toBeCloseTo(100_000 / 1.1)
    expect(tight.toMs).toBeCloseTo(100_000 / 0.9)
    expect(expectationFrom([10 * S, 20 * S])?.typicalMs).toBe(15 * S)
  })

  it('has nothing to say without usable durations', () => {
    expect(expectationFrom([])).toBeUndefined()
    expect(expectationFrom([0, -5, NaN, Infinity])).toBeUndefined()
    expect(expectationFrom([NaN, 30 * S])?.runs).toBe(1)
  })
})

describe('nextCheckDelay', () => {
  it('without history is the proportional schedule, unchanged', () => {
    for (const age of [0, 4 * S, 20 * S, 600 * S]) expect(nextCheckDelay(age, 30 * S)).toBe(proportionalDelay(age, 30 * S))
    expect(proportionalDelay(20 * S, 30 * S)).toBe(4 * S)
    expect(proportionalDelay(600 * S, 30 * S)).toBe(30 * S)
  })

  it('with history: a check at a third of the past runs, a fifth later, two more up to the window, dense there, proportional once overrun', () => {
    const e = expectationFrom([600 * S, 600 * S, 600 * S]) as Expectation // window 545 s .. 667 s
    const ages: number[] = []
    let age = 0
    while (age < 1200 * S) {
      age += nextCheckDelay(age, 30 * S, e)
      ages.push(age)
    }
    // Nothing before a third of the way to the window: the first gap is far beyond poll_interval.
    expect(Math.round(ages[0] / S)).toBe(Math.round((e.fromMs * EARLY_END_SHARE) / S))
    // Then a fifth later, and two more spaced evenly in ratio (2.5^(1/3) ≈ 1.36) up to the window's start.
    const beforeWindow = ages.filter((a) => a < e.fromMs)
    expect(beforeWindow.map((a) => Math.round(a / S))).toEqual([182, 218, 296, 402])
    expect(earlyCheckAges(e).map((a) => Math.round(a / S))).toEqual([182, 218, 296, 402, 545])
    const inWindow = ages.filter((a) => a >= e.fromMs && a < e.toMs)
    expect(Math.round(inWindow[0])).toBe(Math.round(e.fromMs))
    for (let i = 1; i < inWindow.length; i++) {
      expect(inWindow[i] - inWindow[i - 1]).toBeLessThanOrEqual(0.048 * inWindow[i - 1] + 1)
      expect(inWindow[i] - inWindow[i - 1]).toBeGreaterThanOrEqual(0.047 * inWindow[i - 1])
    }
    // Overrun: the proportional schedule's gaps again (a fifth of the age, at most poll_interval).
    const late = ages.filter((a) => a > e.toMs + 60 * S)
    for (let i = 1; i < late.length; i++) expect(late[i] - late[i - 1]).toBe(30 * S)
  })

  const seenAt = (e: Expectation, end: number): number => {
    let age = 0
    while (age < end) age += nextCheckDelay(age, 30 * S, e)
    return age
  }

  it('with history: a run 3× shorter than its past runs is seen within a fifth of its length, any earlier end within 36 %', () => {
    const e = expectationFrom([300 * S, 310 * S, 320 * S]) as Expectation
    const third = e.fromMs * EARLY_END_SHARE
    expect(earlyEndLag()).toBeCloseTo(0.357, 3)
    let worst = 0
    for (let end = third; end < 400 * S; end += 617) {
      const lag = (seenAt(e, end) - end) / end
      // From a third to a fifth past it (a run about 3× shorter than its past runs): as without history.
      if (end <= third * 1.2) expect(lag).toBeLessThanOrEqual(0.2)
      expect(lag).toBeLessThanOrEqual(earlyEndLag() + 0.001)
      worst = Math.max(worst, lag)
    }
    // The bound is reached, not loose: the checks are spread as evenly as it allows.
    expect(worst).toBeGreaterThan(earlyEndLag() - 0.01)
    // And a run that ends as expected is seen within 5 %.
    for (let end = e.fromMs; end < e.toMs; end += 311) expect(seenAt(e, end) - end).toBeLessThanOrEqual(0.05 * end)
  })

  it('with history of long runs: never more than 20 poll_intervals apart before the window, so an early failure is seen', () => {
    const e = expectationFrom([3 * 3600 * S, 3 * 3600 * S]) as Expectation // three hours
    const ages: number[] = []
    let age = 0
    while (age < e.fromMs) {
      age += nextCheckDelay(age, 30 * S, e)
      ages.push(age)
    }
    expect(ages[0]).toBe(EARLY_GAP_POLLS * 30 * S)
    for (let i = 1; i < ages.length; i++) expect(ages[i] - ages[i - 1]).toBeLessThanOrEqual(10 * 60 * S)
    // The planned checks are still made: at a third of the window's start, and a fifth later.
    const planned = earlyCheckAges(e).slice(0, 2)
    for (const at of planned) expect(ages.some((a) => Math.abs(a - at) < 1000)).toBe(true)
    // A job of half an hour or less keeps its plan: its gaps stay under 10 minutes.
    const halfHour = expectationFrom([1800 * S]) as Expectation
    const gaps = earlyCheckAges(halfHour).map((at, i, all) => at - (i === 0 ? 0 : all[i - 1]))
    expect(Math.max(...gaps)).toBeLessThan(EARLY_GAP_POLLS * 30 * S)
  })

  it('never checks sooner than a second apart', () => {
    const e = expectationFrom([3 * S]) as Expectation
    for (let age = 0; age < 10 * S; age += 100) expect(nextCheckDelay(age, 30 * S, e)).toBeGreaterThanOrEqual(1000)
  })
})

describe('endedLikelihood', () => {
  it('with history: nothing while the job is younger than its past runs, rising across the window, certain past it', () => {
    const check = (age: number, since = age): number => endedLikelihood({ kind: 'check', ageMs: age, sinceLastMs: since, expected: ten })
    expect(check(5 * S)).toBe(0)
    expect(check(9 * S)).toBe(0)
    expect(check(10 * S)).toBeGreaterThan(0.2)
    expect(check(10 * S)).toBeLessThan(check(11 * S))
    expect(check(12 * S)).toBe(1)
    // Seen running at 10.5 s: a look at 10.6 s has little chance, one at 11 s more.
    expect(check(10.6 * S, 0.1 * S)).toBeLessThan(check(11 * S, 0.5 * S))
  })

  it('without history: the share of its age since the last look', () => {
    expect(endedLikelihood({ kind: 'check', ageMs: 100 * S, sinceLastMs: 20 * S })).toBeCloseTo(0.2)
  })
})

describe('planGrants', () => {
  const check = (ageMs: number, extra: Partial<WaitingRequest> = {}): WaitingRequest => ({
    kind: 'check',
    ageMs,
    sinceLastMs: ageMs,
    pollIntervalMs: 30 * S,
    ...extra
  })
  const budget = { free: 2, perMs: 18 / 1000, targets: 10 }

  it('sends everything when everything fits', () => {
    expect(planGrants([check(S), { kind: 'history' }], budget)).toEqual([0, 1])
  })

  it('scarce: triggers first, then the checks most likely to find a job ended', () => {
    const waiting: WaitingRequest[] = [
      check(10.5 * S, { expected: ten }),
      { kind: 'trigger' },
      check(11.5 * S, { expected: ten }),
      { kind: 'history' }
    ]
    expect(planGrants(waiting, budget)).toEqual([1, 2])
    expect(planGrants(waiting, { ...budget, free: 3 })).toEqual([1, 2, 0])
    expect(planGrants(waiting, { ...budget, free: 0 })).toEqual([])
  })

  it('scarce: a check that could only say "still running" is not sent, even with slots to spare', () => {
    const young = check(3 * S, { expected: ten })
    expect(planGrants([young, young, young], budget)).toEqual([])
    // Unless the target has gone unseen for poll_interval: no target is starved.
    expect(planGrants([young, young, check(40 * S, { sinceLastMs: 30 * S, expected: expectationFrom([600 * S]) })], budget)).toEqual([2])
  })

  it('scarce: a check without history waits for its fair share of the rate, then goes before history reads', () => {
    // 10 targets on 18 per second: one check each every 0.56 s.
    const fresh = check(S, { sinceLastMs: 0.3 * S })
    const due = check(5 * S, { sinceLastMs: 0.6 * S })
    expect(planGrants([{ kind: 'history' }, fresh, due, { kind: 'history' }], budget)).toEqual([2, 0])
  })
})

/** A request through the budget that takes `latencyMs`, arriving at the provider halfway. */
async function send(limiter: RequestLimiter, clock: TimerClock, arrivals: number[], latencyMs = 40): Promise<void> {
  const slot = await limiter.acquire()
  const sent = clock.now()
  await clock.sleep(latencyMs / 2)
  arrivals.push(sent + latencyMs / 2)
  await clock.sleep(latencyMs / 2)
  slot?.done()
}

const busiest = (times: number[], windowMs: number): number =>
  Math.max(...times.map((t) => times.filter((u) => u >= t && u < t + windowMs).length))

describe('the budget on a virtual clock', () => {
  it('counts a request until the window after its answer arrived: slow answers never crowd a window of the provider', async () => {
    const clock = new TimerClock()
    const limiter = new SlidingWindowLimiter({ requests: 5, windowMs: 1000 }, clock)
    const arrivals: number[] = []
    // Answers take 0.9 s: counted from when they were sent, the next five would arrive within the first five's window.
    await clock.run(Promise.all(Array.from({ length: 15 }, () => send(limiter, clock, arrivals, 900))))
    expect(busiest(arrivals, 1000)).toBeLessThanOrEqual(5)
    expect(arrivals.sort((a, b) => a - b)[5]).toBe(900 + 1000 + ARRIVAL_MARGIN_MS + 450)
  })

  it('a tight limit: 10 jobs of 10 s, 18 requests per 10 s — triggers, history, no wasted check, all seen within 1.5 s', async () => {
    const clock = new TimerClock()
    const limiter = new SlidingWindowLimiter({ requests: 18, windowMs: 10_000 }, clock)
    const arrivals: number[] = []
    const checkAges: number[] = []
    const seenAfter: number[] = []
    const target = async (): Promise<void> => {
      await send(limiter, clock, arrivals)
      const startedAt = clock.now()
      const outcome = await waitFor<number>({
        clock,
        deadline: startedAt + 3_600_000,
        pollIntervalMs: 30_000,
        jobStartedAt: startedAt,
        checkFirst: false,
        history: async () => {
          await send(limiter, clock, arrivals)
          return [10_000, 9_800, 10_200]
        },
        check: async () => {
          await send(limiter, clock, arrivals)
          checkAges.push(clock.now() - startedAt)
          return clock.now() - startedAt >= 10_000 ? { done: true, value: clock.now() - startedAt - 10_000 } : { done: false }
        }
      })
      if (outcome.kind !== 'done') throw new Error('timed out')
      seenAfter.push(outcome.value)
    }
    await clock.run(Promise.all(Array.from({ length: 10 }, () => withPurpose({ kind: 'trigger' }, target))))
    expect(seenAfter).toHaveLength(10)
    expect(Math.max(...seenAfter)).toBeLessThanOrEqual(1500)
    expect(busiest(arrivals, 10_000)).toBeLessThanOrEqual(18)
    // The budget was full after the triggers and 8 history reads: no check was spent on a job that could not have ended.
    expect(Math.min(...checkAges)).toBeGreaterThanOrEqual(10_000)
    expect(checkAges).toHaveLength(10)
  })
})

describe('waitFor with a history read', () => {
  const base = { deadline: 3_600_000, pollIntervalMs: 30_000, jobStartedAt: 0, checkFirst: false }
  /** Waits for a job of `lengthMs` on a virtual clock; the ages of its checks and what the report learned. */
  async function wait(lengthMs: number, history?: () => Promise<number[]>, historyEnabled = true) {
    const clock = new TimerClock()
    const ages: number[] = []
    const report = newReport('hightouch', 'SYNC', '1')
    const outcome = await clock.run(
      withTarget({ historyEnabled, report }, () =>
        waitFor({
          ...base,
          clock,
          history,
          check: async () => {
            ages.push(clock.now())
            return clock.now() >= lengthMs ? { done: true, value: clock.now() } : { done: false }
          }
        })
      )
    )
    return { outcome, ages, facts: Object.fromEntries(report.facts) }
  }

  it('reads the past runs once and checks around the expected end; the summary says what it used', async () => {
    let reads = 0
    const { outcome, ages, facts } = await wait(600_000, async () => {
      reads++
      return [580_000, 600_000, 610_000, 640_000, 590_000]
    })
    expect(reads).toBe(1)
    expect(outcome).toMatchObject({ kind: 'done' })
    // The first check waits: the answer came before the proportional first check at 1 s.
    expect(ages[0]).toBeGreaterThan(100_000)
    // A third of the way, a fifth later, two more up to the window, four in it: the proportional schedule would take 39.
    expect(ages.length).toBeLessThanOrEqual(8)
    expect(ages[ages.length - 1] - 600_000).toBeLessThanOrEqual(0.05 * 600_000)
    expect(facts.History).toBe('typical 10m over the last 5 runs')
  })

  it('history: false, a failed read or no past runs leave the proportional schedule', async () => {
    const proportional = (await wait(120_000)).ages
    expect(proportional.slice(0, 3)).toEqual([1000, 2000, 3000])
    let reads = 0
    const counted = async (): Promise<number[]> => {
      reads++
      return [120_000]
    }
    const off = await wait(120_000, counted, false)
    expect(reads).toBe(0)
    expect(off.ages).toEqual(proportional)
    expect(off.facts.History).toBeUndefined()
    expect((await wait(120_000, async () => Promise.reject(new Error('HTTP 500')))).ages).toEqual(proportional)
    expect((await wait(120_000, async () => [])).ages).toEqual(proportional)
  })

  it('a history read still waiting for the budget when the job ends is never sent', async () => {
    const clock = new TimerClock()
    const limiter = new SlidingWindowLimiter({ requests: 1, windowMs: 10_000 }, clock)
    // The trigger's slot is held for the window after its answer: both the check and the history read must wait.
    ;(await limiter.acquire())?.done()
    let historySent = false
    const outcome = await clock.run(
      waitFor({
        ...base,
        clock,
        checkFirst: true,
        history: async () => {
          await limiter.acquire()
          historySent = true
          return [5000]
        },
        check: async () => {
          ;(await limiter.acquire())?.done()
          return { done: true, value: 1 }
        }
      })
    )
    expect(outcome).toMatchObject({ kind: 'done' })
    // A minute on, with the budget free again, it still has not been sent: it was given up, not just delayed.
    await clock.run(clock.sleep(60_000))
    expect(historySent).toBe(false)
    expect(limiter.held).toBe(0)
  })
})
