// The polling plan, as pure functions of ages, expected durations and the request budget (no clock, no I/O):
//   - when a target's next status check is due on its own (`nextCheckDelay`), from its age and its past runs;
//   - which of the requests waiting for a scarce budget go now (`planGrants`).
// The wait loop (wait.ts) and the step's shared budget (ratelimit.ts) apply them.

/** The proportional schedule: a check every fifth of the job's age, 1 s at least, `poll_interval` at most. */
export const POLL_AGE_FRACTION = 0.2
export const MIN_POLL_DELAY_MS = 1000
/**
 * Around the expected end, a check every 4.8 % of the job's age: a job that ends as expected is seen within 5 % of its
 * length.
 */
export const DENSE_AGE_FRACTION = 0.048
/**
 * History must never hide a run that ends early. A run as short as this share of its past runs is seen within a fifth
 * of its length, as without history: it gets a check at that age and another a fifth later.
 */
export const EARLY_END_SHARE = 1 / 3
/**
 * Between that pair and the expected window, this many checks, spaced evenly in ratio: any run that ends from
 * EARLY_END_SHARE of its past runs on is seen within `earlyEndLag()` of its length (36 %). The age-based schedule
 * would take about six checks there (a fifth each time) and make history cost more than a fixed 60 s interval; these
 * two keep a job that runs as usual to about nine requests, history read included.
 */
export const BAND_CHECKS = 2
/** The ratio between the ages of two checks from the early pair's second to the window's start. */
const BAND_RATIO = (1 / (EARLY_END_SHARE * (1 + POLL_AGE_FRACTION))) ** (1 / (BAND_CHECKS + 1))
/**
 * However long its past runs, a job is checked at least this many `poll_interval`s apart before its expected window
 * (10 min with the default 30 s): a run that fails early, long before a run that succeeds would end, is not left
 * unseen for a third of a long job's usual time.
 */
export const EARLY_GAP_POLLS = 20
/** How many past runs a provider reads: the last few successful runs of the same kind. */
export const HISTORY_RUNS = 5

/** What a target's past runs say about how long this one takes. */
export interface Expectation {
  /** The median of the past runs' durations. */
  typicalMs: number
  /** When the job may end: from the shortest past run (or 10 % under the median) to the longest (or 10 % over). */
  fromMs: number
  toMs: number
  /** How many past runs it is built on. */
  runs: number
}

/** The expectation from past durations (ms, any order), or undefined when there is none worth using. */
export function expectationFrom(durationsMs: readonly number[]): Expectation | undefined {
  const usable = durationsMs.filter((d) => Number.isFinite(d) && d > 0).sort((a, b) => a - b)
  if (usable.length === 0) return undefined
  const middle = Math.floor(usable.length / 2)
  const typicalMs = usable.length % 2 === 1 ? usable[middle] : (usable[middle - 1] + usable[middle]) / 2
  return {
    typicalMs,
    fromMs: Math.min(usable[0], typicalMs / 1.1),
    toMs: Math.max(usable[usable.length - 1], typicalMs / 0.9),
    runs: usable.length
  }
}

/** Today's schedule, for a job without history (or past its expected end): about a fifth of its age. */
export function proportionalDelay(ageMs: number, maxIntervalMs: number): number {
  const proportional = Math.round(Math.max(0, ageMs) * POLL_AGE_FRACTION)
  return Math.max(1, Math.min(maxIntervalMs, Math.max(MIN_POLL_DELAY_MS, proportional)))
}

/**
 * The ages of the checks of a job younger than its expected window: EARLY_END_SHARE of the window's start, a fifth
 * later, BAND_CHECKS more spaced evenly in ratio, and the window's start itself.
 */
export function earlyCheckAges(expected: Expectation): number[] {
  const first = expected.fromMs * EARLY_END_SHARE
  const second = first * (1 + POLL_AGE_FRACTION)
  const band = Array.from({ length: BAND_CHECKS }, (_, k) => second * BAND_RATIO ** (k + 1))
  return [first, second, ...band, expected.fromMs]
}

/** The worst lag, as a share of the run's length, of a run that ends between the early pair and the window. */
export function earlyEndLag(): number {
  return BAND_RATIO - 1
}

/**
 * How long to wait before the next status check of a job `ageMs` old.
 * - No history: the proportional schedule.
 * - Younger than its expected window: the checks of `earlyCheckAges` (these gaps may exceed `poll_interval`, up to
 *   EARLY_GAP_POLLS of it), so a run 3× shorter than its past runs is seen within 20 % of its length, and any earlier
 *   end within 36 %.
 * - In the expected window: dense, every 4.8 % of its age (1 s at least; not capped at `poll_interval` either).
 * - Past the window (it overran its history): proportional again.
 */
export function nextCheckDelay(ageMs: number, maxIntervalMs: number, expected?: Expectation): number {
  const age = Math.max(0, ageMs)
  if (!expected || age >= expected.toMs) return proportionalDelay(age, maxIntervalMs)
  if (age >= expected.fromMs) {
    const dense = Math.max(MIN_POLL_DELAY_MS, Math.round(age * DENSE_AGE_FRACTION))
    return Math.max(1, Math.min(dense, Math.max(MIN_POLL_DELAY_MS, Math.ceil(expected.toMs - age))))
  }
  const next = earlyCheckAges(expected).find((at) => at > age) ?? expected.fromMs
  return Math.max(MIN_POLL_DELAY_MS, Math.min(Math.ceil(next - age), EARLY_GAP_POLLS * maxIntervalMs))
}

// ---------------------------------------------------------------------------------------------------------------
// Spending a scarce budget

/** What a request waiting for the budget is for. */
export type RequestKind =
  /** Starts a job, or anything that is not a status check (slug lookups, tokens, cancellation): goes first. */
  | 'trigger'
  /** A status check of a job that is running. */
  | 'check'
  /** A read of past runs: optional spending, last in line. */
  | 'history'

export interface WaitingRequest {
  kind: RequestKind
  /** Checks: how old the job is. */
  ageMs?: number
  /** Checks: how long since the target's last check (or since the job started). */
  sinceLastMs?: number
  /** Checks: what the job's past runs say, if known. */
  expected?: Expectation
  /** Checks: the target's `poll_interval`; a target is never made to wait longer than this between checks. */
  pollIntervalMs?: number
}

export interface BudgetState {
  /** Requests that may be sent right now. */
  free: number
  /** The budget's long-run rate: requests per ms (the limit over its window). */
  perMs: number
  /** Targets with a job to watch: with `perMs`, the fair gap between two checks of one target. */
  targets: number
}

/** Under a scarce budget, a check whose job has less chance than this of having ended since the last look waits. */
export const MIN_LIKELIHOOD = 0.05

/**
 * The chance that a check finds the job ended, given it was running at the last check. With history: the share of
 * the expected window passed since the last check (0 while the job is younger than the window). Without (or once
 * it overran): the share of its age passed since the last check, as the proportional schedule assumes.
 */
export function endedLikelihood(request: WaitingRequest): number {
  const age = Math.max(0, request.ageMs ?? 0)
  const since = Math.min(age, Math.max(0, request.sinceLastMs ?? age))
  const last = age - since
  const e = request.expected
  if (e && last < e.toMs) {
    const from = Math.max(last, e.fromMs)
    if (age <= from) return 0
    return age >= e.toMs ? 1 : (age - from) / (e.toMs - from)
  }
  return age === 0 ? 0 : since / age
}

/**
 * Which of the waiting requests go now (their indexes, in the order to send them). When every one fits, all go.
 * When they do not (the budget is scarce):
 * 1. triggers (and other work that is not a status check), first come first served;
 * 2. checks of targets not looked at for `poll_interval` (no target is starved);
 * 3. checks of jobs with a known expected duration, most likely to have ended first; a check that could only say
 *    "still running" (likelihood under MIN_LIKELIHOOD) is not sent;
 * 4. checks of jobs without history, once the target has had its fair share of the budget's rate (the gap between
 *    two checks stretched to `targets / perMs`), longest unseen relative to age first;
 * 5. history reads, with whatever is left.
 */
export function planGrants(waiting: readonly WaitingRequest[], budget: BudgetState): number[] {
  const all = waiting.map((_, i) => i)
  if (waiting.length <= budget.free) return all
  if (budget.free <= 0) return []
  const fairGapMs = budget.perMs > 0 ? budget.targets / budget.perMs : Infinity
  const ranked: { index: number; rank: number; score: number }[] = []
  waiting.forEach((request, index) => {
    if (request.kind === 'trigger') return ranked.push({ index, rank: 1, score: -index })
    if (request.kind === 'history') return ranked.push({ index, rank: 5, score: -index })
    const since = request.sinceLastMs ?? request.ageMs ?? 0
    const likelihood = endedLikelihood(request)
    if (request.pollIntervalMs !== undefined && since >= request.pollIntervalMs) return ranked.push({ index, rank: 2, score: since })
    if (request.expected && (request.ageMs ?? 0) - since < request.expected.toMs) {
      if (likelihood >= MIN_LIKELIHOOD) ranked.push({ index, rank: 3, score: likelihood })
      return
    }
    if (since >= fairGapMs) ranked.push({ index, rank: 4, score: likelihood })
  })
  ranked.sort((a, b) => a.rank - b.rank || b.score - a.score)
  return ranked.slice(0, budget.free).map((r) => r.index)
}
