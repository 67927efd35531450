import type { Clock } from './clock.js'
import { BudgetExhaustedError, type RequestLimiter } from './http.js'

/** A provider's documented request limit: at most `requests` in any `windowMs`. */
export interface RateLimit {
  requests: number
  windowMs: number
}

/** Documented limits (reference notes): Hightouch 200 per 10 s per workspace; Fivetran 20,000 per hour; dbt Cloud 5,000 per minute per account. */
export const RATE_LIMITS: Record<string, RateLimit | undefined> = {
  hightouch: { requests: 200, windowMs: 10_000 },
  fivetran: { requests: 20_000, windowMs: 3_600_000 },
  'dbt-cloud': { requests: 5_000, windowMs: 60_000 }
}

/**
 * One step's request budget for a provider. With a documented limit, a sliding window: a request waits until fewer
 * than `requests` were sent in the last `windowMs` (a margin below the limit leaves room for whatever else uses the
 * same key). Whatever the limit, a 429 to any target holds every target's requests until the provider's
 * Retry-After (or the backoff) has passed, so that many targets do not keep hammering a key that is over its limit.
 */
export class SlidingWindowLimiter implements RequestLimiter {
  private readonly sent: number[] = []
  private queue: Promise<void> = Promise.resolve()
  private pausedUntil = 0

  constructor(
    private readonly limit: RateLimit | undefined,
    private readonly clock: Clock
  ) {}

  acquire(signal?: AbortSignal, notAfter?: number): Promise<void> {
    const turn = this.queue.then(() => this.take(signal, notAfter))
    // Later callers wait for this one, whether it got its turn or was aborted.
    this.queue = turn.catch(() => undefined)
    return turn
  }

  throttled(untilMs: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, untilMs)
  }

  private async take(signal?: AbortSignal, notAfter?: number): Promise<void> {
    for (;;) {
      const now = this.clock.now()
      let nextSlotAt: number
      if (this.pausedUntil > now) {
        nextSlotAt = this.pausedUntil
      } else if (!this.limit) {
        return
      } else {
        while (this.sent.length > 0 && this.sent[0] <= now - this.limit.windowMs) this.sent.shift()
        if (this.sent.length < this.limit.requests) {
          this.sent.push(now)
          return
        }
        nextSlotAt = this.sent[0] + this.limit.windowMs + 1
      }
      if (notAfter !== undefined && nextSlotAt > notAfter) throw new BudgetExhaustedError(nextSlotAt)
      await this.clock.sleep(nextSlotAt - now, signal)
    }
  }
}

/**
 * The shared budget for one step's requests to a provider: 90 % of its documented limit (Hightouch, Fivetran), or
 * none where none is published (Airbyte), and in every case a pause for all targets after a 429.
 */
export function limiterFor(provider: string, clock: Clock): RequestLimiter {
  const limit = RATE_LIMITS[provider]
  return new SlidingWindowLimiter(limit && { requests: Math.floor(limit.requests * 0.9), windowMs: limit.windowMs }, clock)
}
