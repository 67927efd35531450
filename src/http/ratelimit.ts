import { AsyncLocalStorage } from 'node:async_hooks'
import type { Clock } from '../core/clock.js'
import { AbortedError } from '../core/errors.js'
import { planGrants, type Expectation, type RequestKind, type WaitingRequest } from '../jobs/plan.js'
import type { Report } from '../core/report.js'

/** A request's place in the budget: `done` when its answer (or failure) has arrived. */
export interface RequestSlot {
  done(): void
}

/** Shares a request budget between the clients of one provider (SlidingWindowLimiter below). */
export interface RequestLimiter {
  /** The budget it keeps, where it has one: requests in any window (the step's share of the provider's limit). */
  readonly limit?: { requests: number; windowMs: number }
  /**
   * Resolves when a request may be sent. Rejects with BudgetExhaustedError when the next free slot comes after
   * `notAfter` (the step's deadline), so that waiting for the budget never holds a step past its timeout.
   */
  acquire(signal?: AbortSignal, notAfter?: number): Promise<RequestSlot | void>
  /** The provider answered 429: hold every request of the step (not only this target's) until `untilMs`. */
  throttled?(untilMs: number): void
}

/** The shared request budget has no room before the deadline. */
export class BudgetExhaustedError extends Error {
  constructor(readonly nextSlotAt: number) {
    super(`no room in the request budget before the timeout (next slot at ${new Date(nextSlotAt).toISOString()})`)
    this.name = 'BudgetExhaustedError'
  }
}

/** A provider's documented request limit: at most `requests` in any `windowMs`. */
export interface RateLimit {
  requests: number
  windowMs: number
}

/** The share of a documented limit one step uses, leaving room for whatever else uses the same key. */
export const BUDGET_SHARE = 0.9
/** Added to each slot's window: network latency and the provider's clock running a little apart from ours. */
export const ARRIVAL_MARGIN_MS = 250
/** While requests wait for a scarce budget, how often the plan is made again (their likelihoods grow with time). */
export const REPLAN_MS = 250

/** The job a status check is about, as the wait loop knows it (read when the budget plans). */
export interface CheckedJob {
  jobStartedAt: number
  lastCheckAt: number
  pollIntervalMs: number
  expected?: Expectation
}

/** What the request about to be sent is for: set by the wait loop around a check or a history read. */
export interface RequestPurpose {
  kind: RequestKind
  job?: CheckedJob
  /** Gives up the wait for a slot (a history read nobody needs any more). */
  signal?: AbortSignal
}

const purposes = new AsyncLocalStorage<RequestPurpose>()

/** Runs `fn` with its requests marked as `purpose`; requests outside any purpose count as triggers. */
export function withPurpose<T>(purpose: RequestPurpose, fn: () => Promise<T>): Promise<T> {
  return purposes.run(purpose, fn)
}

/** What the orchestrator tells the wait loops of one target. */
export interface TargetScope {
  /** The `history` input: false leaves past runs unread. */
  historyEnabled: boolean
  report?: Report
}

const targets = new AsyncLocalStorage<TargetScope>()

export function withTarget<T>(scope: TargetScope, fn: () => Promise<T>): Promise<T> {
  return targets.run(scope, fn)
}

export function currentTarget(): TargetScope | undefined {
  return targets.getStore()
}

interface Slot {
  /** Until when the provider may still count the request: Infinity while it is in flight. */
  until: number
}

interface Waiter {
  purpose?: RequestPurpose
  notAfter?: number
  resolve: (slot: RequestSlot) => void
  reject: (error: Error) => void
  cleanup: () => void
}

/**
 * One step's request budget for a provider, counted as the provider counts: by arrival. A request holds its slot
 * from when it is sent until the provider can no longer count it: the window from its answer's arrival (which comes
 * after the request arrived), plus ARRIVAL_MARGIN_MS. So however slow the answers, no window of the provider's ever
 * holds more than `requests` of this step's. When more requests wait than there are free slots, `planGrants` picks
 * which go (triggers first, then the checks most likely to find a job ended; see plan.ts); the rest wait for the
 * next free slot, or until time makes them worth it.
 * Whatever the limit, a 429 to any target holds every target's requests until the provider's Retry-After (or the
 * backoff) has passed, so that many targets do not keep hammering a key that is over its limit.
 */
export class SlidingWindowLimiter implements RequestLimiter {
  private slots: Slot[] = []
  /** The earliest time a slot given back expires (Infinity when none is due): pumps between expiries skip the scan. */
  private nextExpiry = Infinity
  private waiters: Waiter[] = []
  private pausedUntil = 0
  private timer: AbortController | undefined
  private timerAt = Infinity

  constructor(
    readonly limit: RateLimit | undefined,
    private readonly clock: Clock,
    private readonly marginMs = ARRIVAL_MARGIN_MS
  ) {}

  acquire(signal?: AbortSignal, notAfter?: number): Promise<RequestSlot> {
    const purpose = purposes.getStore()
    return new Promise<RequestSlot>((resolve, reject) => {
      if (signal?.aborted || purpose?.signal?.aborted) return reject(new AbortedError())
      const waiter: Waiter = { purpose, notAfter, resolve, reject, cleanup: () => undefined }
      const onAbort = (): void => {
        this.waiters = this.waiters.filter((w) => w !== waiter)
        waiter.cleanup()
        reject(new AbortedError())
        this.pump()
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      purpose?.signal?.addEventListener('abort', onAbort, { once: true })
      waiter.cleanup = () => {
        signal?.removeEventListener('abort', onAbort)
        purpose?.signal?.removeEventListener('abort', onAbort)
      }
      this.waiters.push(waiter)
      this.pump()
    })
  }

  throttled(untilMs: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, untilMs)
  }

  /** Slots held now (in flight, or still countable by the provider). */
  get held(): number {
    this.expire(this.clock.now())
    return this.slots.length
  }

  private expire(now: number): void {
    if (now < this.nextExpiry) return
    this.slots = this.slots.filter((s) => s.until > now)
    this.nextExpiry = this.slots.reduce((min, s) => Math.min(min, s.until), Infinity)
  }

  /** Gives out what slots it can, by the plan, and sets a timer for when that may change. */
  private pump(): void {
    const now = this.clock.now()
    this.expire(now)
    if (this.waiters.length === 0) return this.stopTimer()
    const paused = this.pausedUntil > now
    const free = paused ? 0 : this.limit ? this.limit.requests - this.slots.length : Infinity
    let granted: number[]
    if (!this.limit || free >= this.waiters.length) granted = paused ? [] : this.waiters.map((_, i) => i)
    else {
      const requests = this.waiters.map((w) => this.describe(w, now))
      const targets = new Set(this.waiters.filter((w) => w.purpose?.job).map((w) => w.purpose?.job)).size
      granted = planGrants(requests, { free, perMs: this.limit.requests / this.limit.windowMs, targets: Math.max(1, targets) })
    }
    const chosen = new Set(granted)
    const given = granted.map((i) => this.waiters[i])
    this.waiters = this.waiters.filter((_, i) => !chosen.has(i))
    for (const waiter of given) {
      waiter.cleanup()
      waiter.resolve(this.take())
    }
    // Still waiting: when is the next chance? A slot's expiry, the end of a pause, or (when the plan held
    // requests back although slots were free) a little later, as their jobs age.
    if (this.waiters.length === 0) return this.stopTimer()
    const heldBack = !paused && this.limit !== undefined && this.limit.requests - this.slots.length > 0
    let next = paused ? this.pausedUntil : Infinity
    if (!paused) {
      next = this.nextExpiry
      if (heldBack) next = Math.min(next, now + REPLAN_MS)
    }
    // Waiting past the deadline helps nobody: say so at once, as the HTTP layer expects.
    if (paused || (this.limit && this.limit.requests - this.slots.length <= 0)) {
      for (const waiter of [...this.waiters]) {
        if (waiter.notAfter !== undefined && Number.isFinite(next) && next > waiter.notAfter) {
          this.waiters = this.waiters.filter((w) => w !== waiter)
          waiter.cleanup()
          waiter.reject(new BudgetExhaustedError(next))
        }
      }
    }
    if (this.waiters.length > 0 && Number.isFinite(next)) this.wakeAt(next)
    else this.stopTimer()
  }

  /** Nothing waits: no timer keeps the process alive. */
  private stopTimer(): void {
    this.timer?.abort()
    this.timer = undefined
    this.timerAt = Infinity
  }

  private take(): RequestSlot {
    const limit = this.limit
    if (!limit) return { done: () => undefined }
    const slot: Slot = { until: Infinity }
    this.slots.push(slot)
    return {
      done: () => {
        if (Number.isFinite(slot.until)) return
        slot.until = this.clock.now() + limit.windowMs + this.marginMs
        this.nextExpiry = Math.min(this.nextExpiry, slot.until)
        this.pump()
      }
    }
  }

  private describe(waiter: Waiter, now: number): WaitingRequest {
    const purpose = waiter.purpose
    if (!purpose || purpose.kind !== 'check' || !purpose.job) return { kind: purpose?.kind ?? 'trigger' }
    const job = purpose.job
    return {
      kind: 'check',
      ageMs: now - job.jobStartedAt,
      sinceLastMs: now - job.lastCheckAt,
      expected: job.expected,
      pollIntervalMs: job.pollIntervalMs
    }
  }

  private wakeAt(at: number): void {
    if (this.timer && this.timerAt <= at) return
    this.timer?.abort()
    const timer = new AbortController()
    this.timer = timer
    this.timerAt = at
    this.clock.sleep(Math.max(1, at - this.clock.now()), timer.signal).then(
      () => {
        if (this.timer !== timer) return
        this.timer = undefined
        this.timerAt = Infinity
        this.pump()
      },
      () => undefined
    )
  }
}

/**
 * The shared budget for one step's requests to a provider: 90 % of its documented limit (Hightouch, Fivetran), or
 * none where none is published (Airbyte), and in every case a pause for all targets after a 429.
 */
export function limiterFor(provider: { rateLimit?: RateLimit }, clock: Clock): RequestLimiter {
  const limit = provider.rateLimit
  return new SlidingWindowLimiter(limit && { requests: Math.floor(limit.requests * BUDGET_SHARE), windowMs: limit.windowMs }, clock)
}
