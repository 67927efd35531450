import type { Clock } from '../src/clock.js'
import { AbortedError } from '../src/errors.js'

/** A clock whose sleeps return at once and move time forward: the wait loop's arithmetic without waiting. */
export class FakeClock implements Clock {
  sleeps: number[] = []
  constructor(public time = 1_000_000) {}
  now(): number {
    return this.time
  }
  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw new AbortedError()
    this.sleeps.push(ms)
    this.time += Math.max(0, ms)
  }
}
