import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import type { Socket } from 'node:net'
import type { Clock } from '../src/core/clock.js'
import { AbortedError } from '../src/core/errors.js'

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

interface Timer {
  due: number
  seq: number
  resolve(): void
}

/**
 * The same fake clock for code that also does real socket I/O: the in-process runner, where orchestrate() talks real
 * HTTP to an emulator on 127.0.0.1 that reads this clock too.
 *
 * Sleeps are queued, not resolved at once (that would add up the sleeps of targets that wait side by side, and let
 * time run on while a request is still on the wire). Time moves only when the process is otherwise idle: no HTTP
 * client socket is open (counted through the `net.client.socket` diagnostics channel, which Node publishes
 * synchronously when a request creates its socket) and a few turns of the event loop have passed without one, so
 * the continuations of the last answer have run and made their next request or sleep. Then time jumps to the end
 * of the earliest sleep, every sleep that ends at that instant wakes (in the order they were asked for, so targets
 * due together send their requests together, as they would in real time), and the check starts again. So requests take
 * no fake time, sleeps take exactly their fake time, and the order of events depends only on fake time: the same
 * test gives the same requests and the same log, run after run, however loaded the machine is.
 *
 * What stays real: the action's per-request timeout and an emulator's deliberately slow answer (a `slow` fault) are
 * real timers, so a test of them costs the request timeout in real time (one second).
 */
export class IdleClock extends FakeClock {
  private timers: Timer[] = []
  private seq = 0
  private sockets = 0
  private scheduled = false
  private readonly onSocket = (message: unknown): void => {
    const { socket } = message as { socket: Socket }
    this.sockets++
    socket.once('close', () => {
      this.sockets--
      this.schedule()
    })
  }

  constructor(time = Date.now()) {
    super(time)
    subscribe('net.client.socket', this.onSocket)
  }

  /** Stops counting sockets; call when the test file is done. */
  dispose(): void {
    unsubscribe('net.client.socket', this.onSocket)
  }

  override sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(new AbortedError())
    this.sleeps.push(ms)
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        this.timers = this.timers.filter((t) => t !== timer)
        reject(new AbortedError())
      }
      const timer: Timer = {
        due: this.time + Math.max(0, ms),
        seq: this.seq++,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort)
          resolve()
        }
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      this.timers.push(timer)
      this.schedule()
    })
  }

  /** Runs `fn` at fake time `at` (as a sleeper would wake then): to cancel a run part way, say. Returns a canceller. */
  at(at: number, fn: () => void): () => void {
    const controller = new AbortController()
    this.sleep(at - this.time, controller.signal).then(fn, () => undefined)
    return () => controller.abort()
  }

  private schedule(): void {
    if (this.scheduled) return
    this.scheduled = true
    setImmediate(() => this.tick(0))
  }

  private tick(quietTurns: number): void {
    if (this.timers.length === 0 || this.sockets > 0) {
      // Nothing to wake, or a request is on the wire: its socket's close (or the next sleep) schedules the next check.
      this.scheduled = false
      return
    }
    if (quietTurns < 3) {
      setImmediate(() => this.tick(quietTurns + 1))
      return
    }
    this.scheduled = false
    this.timers.sort((a, b) => a.due - b.due || a.seq - b.seq)
    const due = this.timers[0].due
    const waking = this.timers.filter((t) => t.due === due)
    this.timers = this.timers.filter((t) => t.due !== due)
    this.time = Math.max(this.time, due)
    for (const timer of waking) timer.resolve()
    this.schedule()
  }
}
