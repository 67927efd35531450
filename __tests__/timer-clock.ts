import type { Clock } from '../src/core/clock.js'
import { AbortedError } from '../src/core/errors.js'

interface Timer {
  at: number
  resolve: () => void
}

/**
 * A virtual clock for many concurrent sleepers: time stands still until `run` moves it to the next timer, after
 * everything that can run at the current time has run. For tests where several loops share one clock (the budget).
 */
export class TimerClock implements Clock {
  private timers: Timer[] = []
  constructor(public time = 0) {}

  now(): number {
    return this.time
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(new AbortedError())
      const timer: Timer = { at: this.time + Math.max(0, ms), resolve }
      this.timers.push(timer)
      signal?.addEventListener(
        'abort',
        () => {
          this.timers = this.timers.filter((t) => t !== timer)
          reject(new AbortedError())
        },
        { once: true }
      )
    })
  }

  /** Runs until `done` settles, moving time from timer to timer (at most to `limitMs`). */
  async run<T>(done: Promise<T>, limitMs = 24 * 3_600_000): Promise<T> {
    let settled = false
    const result = done.finally(() => {
      settled = true
    })
    for (;;) {
      for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r))
      if (settled) return result
      this.timers.sort((a, b) => a.at - b.at)
      const next = this.timers.shift()
      if (!next) throw new Error('nothing left to wait for, yet the work has not finished')
      if (next.at > limitMs) throw new Error('the work ran past the time limit')
      this.time = Math.max(this.time, next.at)
      next.resolve()
    }
  }
}
