import { setTimeout as delay } from 'node:timers/promises'
import { AbortedError } from './errors.js'

/** Time, injectable so the wait loop's arithmetic can run on a fake clock. */
export interface Clock {
  now(): number
  /** Resolves after `ms`, or rejects with AbortedError as soon as `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>
}

/** The longest delay setTimeout can hold (about 24.8 days); longer ones fire after 1 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: async (ms, signal) => {
    try {
      // A timer holds at most 2^31 - 1 ms; a longer one would fire at once.
      await delay(Math.min(MAX_TIMER_MS, Math.max(0, ms)), undefined, { signal })
    } catch (error) {
      // timers/promises rejects with a DOMException named AbortError; the action's code knows AbortedError.
      if (signal?.aborted) throw new AbortedError()
      throw error
    }
  }
}

/** Races a promise against an abort signal, so a slow request cannot hold up a cancellation. */
export function raceAbort<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return promise
  if (signal.aborted) return Promise.reject(new AbortedError())
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new AbortedError())
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(error instanceof Error ? error : new Error(String(error)))
      }
    )
  })
}
