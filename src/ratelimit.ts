import type { Clock } from './clock.js'
import { BudgetExhaustedError, type RequestLimiter } from './http.js'

/** A provider's documented request limit: at most `requests` in any `windowMs`. */
export interface RateLimit {
  requests: number
  windowMs: number
}

/** Documented limits (reference notes): Hightouch 200 per 10 s per workspace; Fivetran 20,000 per hour. */
export const RATE_LIMITS: Record<string, RateLimit | undefined> = {
  hightouch: { requests: 200, windowMs: 10_000 },
  fivetran: { requests: 20_000, windowMs: 3_600_000 }
}

/**
 * A sliding-window limiter: a request waits until fewer than `requests` were sent in the last `windowMs`.
 * A margin below the documented limit leaves room for whatever else uses the same key.
 */
export class SlidingWindowLimiter implements RequestLimiter {
  private readonly sent: number[] = []
  private queue: Promise<void> = Promise.resolve()

  constructor(
    private readonly limit: RateLimit,
    private readonly clock: Clock
  ) {}

  acquire(signal?: AbortSignal, notAfter?: number): Promise<void> {
    const turn = this.queue.then(() => this.take(signal, notAfter))
    // Later callers wait for this one, whether it got its turn or was aborted.
    this.queue = turn.catch(() => undefined)
    return turn
  }

  private async take(signal?: AbortSignal, notAfter?: number): Promise<void> {
    for (;;) {
      const now = this.clock.now()
      while (this.sent.length > 0 && this.sent[0] <= now - this.limit.windowMs) this.sent.shift()
      if (this.sent.length < this.limit.requests) {
        this.sent.push(now)
        return
      }
      const nextSlotAt = this.sent[0] + this.limit.windowMs + 1
      if (notAfter !== undefined && nextSlotAt > notAfter) throw new BudgetExhaustedError(nextSlotAt)
      await this.clock.sleep(nextSlotAt - now, signal)
    }
  }
}

/** The shared budget for one step's requests to a provider, or undefined where none is published. */
export function limiterFor(provider: string, clock: Clock): RequestLimiter | undefined {
  const limit = RATE_LIMITS[provider]
  if (!limit) return undefined
  return new SlidingWindowLimiter({ requests: Math.floor(limit.requests * 0.9), windowMs: limit.windowMs }, clock)
}
