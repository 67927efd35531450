// Issue 5 (run by reliability-<provider>.e2e.test.ts): every fault a provider or the runner can throw, during triggering and during waiting, for every
// provider. What must hold: no false verdict, no duplicate work, bounded time, a clear message.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { extraProviders } from '../emulator/providers.js'
import { startEmulator, type Emulator } from '../emulator/server.js'
import type { Fault } from '../emulator/types.js'
import { errors, runAction, type ActionRun } from './harness.js'
import type { ProviderCase } from './provider-cases.js'

let emulator: Emulator

const TIMEOUT_S = 8
let counter = 0

function run(p: ProviderCase, extra: Record<string, string> = {}): Promise<ActionRun> {
  counter++
  return runAction({ ...p.succeeding(emulator, counter), timeout: `${TIMEOUT_S}s`, request_timeout: '1s', poll_interval: '1s', ...extra })
}

/** A final message in plain words: no stack trace, no [object Object]. */
function expectClear(r: ActionRun): void {
  const text = errors(r).join('\n')
  expect(text).not.toMatch(/\[object Object\]|\n\s+at \S+ \(|TypeError|undefined/)
  expect(r.stderr).not.toMatch(/\n\s+at \S+ \(/)
}

function expectBounded(r: ActionRun): void {
  expect(r.elapsedMs).toBeLessThan((TIMEOUT_S + 5) * 1000)
}

/** Faults while waiting: status checks fail for a passing reason; the job still succeeds, and is reported so. */
const WAITING_FAULTS: [string, Omit<Fault, 'provider' | 'method' | 'path'>][] = [
  ['a burst of 500s', { kind: 'status', status: 500, times: 3 }],
  ['a burst of 502s', { kind: 'status', status: 502, times: 3 }],
  ['a burst of 503s', { kind: 'status', status: 503, times: 3 }],
  ['429 with Retry-After in seconds', { kind: 'status', status: 429, retryAfter: '1', times: 2 }],
  ['429 with Retry-After as an HTTP date', { kind: 'status', status: 429, retryAfter: 'DATE+1', times: 2 }],
  ['429 without Retry-After', { kind: 'status', status: 429, times: 2 }],
  ['a connection reset mid-response', { kind: 'reset', times: 2 }],
  ['a response slower than the request timeout', { kind: 'slow', delayMs: 2500, times: 1 }],
  ['an HTML error page from a proxy', { kind: 'html', status: 502, times: 2 }],
  ['a JSON body cut short', { kind: 'truncated', times: 2 }],
  ['a 200 lacking the fields the action needs', { kind: 'missing-fields', times: 2 }],
  ['a status value nobody documented', { kind: 'unknown-status', times: 2 }]
]

function withDate(fault: Omit<Fault, 'provider' | 'method' | 'path'>): Omit<Fault, 'provider' | 'method' | 'path'> {
  if (fault.retryAfter !== 'DATE+1') return fault
  return { ...fault, retryAfter: new Date(Date.now() + 1500).toUTCString() }
}

/** The whole reliability suite for one provider; each provider runs it from its own file, so that jest runs them side by side. */
export function reliabilitySuite(p: ProviderCase): void {
  beforeAll(async () => {
    emulator = await startEmulator({ providers: extraProviders() })
  })
  afterAll(() => emulator.close())
  beforeEach(() => emulator.reset())

  describe(p.name, () => {
    describe('while waiting', () => {
      it.each(WAITING_FAULTS)('rides out %s: succeeded, one trigger, bounded', async (_label, fault) => {
        emulator.addFault({ provider: p.name, method: 'GET', path: p.statusPath, skip: p.readsBeforeTrigger, ...withDate(fault) })
        const r = await run(p)
        expect(r.outputs.status).toBe('succeeded')
        expect(r.code).toBe(0)
        expect(p.triggers(emulator)).toBe(1)
        expectBounded(r)
      })
    })

    describe('while triggering', () => {
      it.each([
        ['429 with Retry-After in seconds', { kind: 'status', status: 429, retryAfter: '1' }],
        ['429 with Retry-After as an HTTP date', { kind: 'status', status: 429, retryAfter: 'DATE+1' }],
        ['429 without Retry-After', { kind: 'status', status: 429 }]
      ] as const)('sends the trigger again after %s (it was refused, not run)', async (_label, fault) => {
        emulator.addFault({ provider: p.name, method: 'POST', path: p.triggerPath, ...withDate(fault) })
        const r = await run(p)
        expect(r.outputs.status).toBe('succeeded')
        expect(p.jobsStarted(emulator)).toBe(1)
        expectBounded(r)
      })

      it.each([
        ['a connection reset after the job was created', { kind: 'reset' }],
        ['an answer slower than the request timeout', { kind: 'slow', delayMs: 2500 }],
        ['a 200 whose body is cut short', { kind: 'truncated' }]
      ] as const)('finds the job after %s instead of starting another', async (_label, fault) => {
        emulator.addFault({ provider: p.name, method: 'POST', path: p.triggerPath, ...fault })
        const r = await run(p)
        expect(r.outputs.status).toBe('succeeded')
        expect(r.code).toBe(0)
        expect(p.triggers(emulator)).toBe(1)
        expect(p.jobsStarted(emulator)).toBe(1)
        expectBounded(r)
      })

      it.each([
        ['a 500', { kind: 'status', status: 500 }],
        ['a 503', { kind: 'status', status: 503 }],
        ["a proxy's HTML 502 page", { kind: 'html', status: 502 }]
      ] as const)('never reports success, nor triggers twice, when %s lost the trigger', async (_label, fault) => {
        emulator.addFault({ provider: p.name, method: 'POST', path: p.triggerPath, ...fault })
        const r = await run(p)
        expect(p.triggers(emulator)).toBe(1)
        expect(p.jobsStarted(emulator)).toBe(0)
        expect(r.code).toBe(1)
        expect(r.outputs.status).not.toBe('succeeded')
        expect(errors(r).join('\n')).toMatch(/HTTP (500|503|502)/)
        expectClear(r)
        expectBounded(r)
      })
    })

    it('never fails a job that succeeded because checks kept failing: it times out, naming the last error', async () => {
      emulator.addFault({
        provider: p.name,
        method: 'GET',
        path: p.statusPath,
        skip: p.readsBeforeTrigger,
        kind: 'status',
        status: 503,
        times: 1000
      })
      const r = await run(p, { timeout: '4s' })
      expect(r.code).toBe(1)
      expect(r.outputs.status).toBe('timed_out')
      expect(errors(r).join('\n')).toMatch(/HTTP 503 Service Unavailable/)
      expectClear(r)
      expect(r.elapsedMs).toBeLessThan(9000)
    })

    it('never reports success for a job that failed, even through faults', async () => {
      emulator.addFault({
        provider: p.name,
        method: 'GET',
        path: p.statusPath,
        skip: p.readsBeforeTrigger,
        kind: 'status',
        status: 502,
        times: 2
      })
      counter++
      const r = await runAction({ ...p.failing(emulator, counter), timeout: `${TIMEOUT_S}s`, request_timeout: '1s', poll_interval: '1s' })
      expect(r.code).toBe(1)
      expect(r.outputs.status).toBe('failed')
      expectClear(r)
    })

    describe('workflow cancellation', () => {
      it('on SIGINT sets status cancelled and every known output, writes the summary and exits well inside 7.5 s', async () => {
        let signalledAt = 0
        counter++
        const r = await runAction(
          { ...p.slow(emulator, counter), timeout: '5m', poll_interval: '1s' },
          {
            onStart: (child) =>
              setTimeout(() => {
                signalledAt = Date.now()
                child.kill('SIGINT')
              }, 2000)
          }
        )
        expect(r.code).not.toBe(0)
        expect(r.outputs.status).toBe('cancelled')
        expect(r.outputs.job_id).toBeDefined()
        expect(r.summary).toContain('cancelled')
        expect(r.elapsedMs - (signalledAt - (Date.now() - r.elapsedMs))).toBeLessThan(7500)
        p.afterCancel(emulator, r)
      })

      it('a second signal exits at once', async () => {
        counter++
        const r = await runAction(
          { ...p.slow(emulator, counter), timeout: '5m', poll_interval: '1s' },
          {
            onStart: (child) =>
              setTimeout(() => {
                child.kill('SIGINT')
                child.kill('SIGTERM')
              }, 1500)
          }
        )
        expect(r.code).toBe(1)
        expect(r.elapsedMs).toBeLessThan(4000)
      })
    })
  })

  describe(`${p.name}: secrets never reach a log, even in debug mode (RUNNER_DEBUG=1)`, () => {
    // runAction rejects any run in which a registered secret, an input secret, the Basic header or an issued token shows
    // up in stdout, stderr, the summary or the outputs; these runs add debug logging and the error paths to that.
    const debug = { env: { RUNNER_DEBUG: '1' } }

    {
      it('a run that succeeds logs its requests in debug mode and no secret', async () => {
        counter++
        const r = await runAction({ ...p.succeeding(emulator, counter), poll_interval: '1s' }, debug)
        expect(r.outputs.status).toBe('succeeded')
        expect(r.stdout).toMatch(/::debug::/)
      })

      it('a run that fails, and one whose checks fault, print no secret in debug mode', async () => {
        counter++
        const failed = await runAction({ ...p.failing(emulator, counter), poll_interval: '1s' }, debug)
        expect(failed.outputs.status).toBe('failed')
        emulator.addFault({
          provider: p.name,
          method: 'GET',
          path: p.statusPath,
          skip: p.readsBeforeTrigger,
          kind: 'html',
          status: 502,
          times: 2
        })
        emulator.addFault({ provider: p.name, method: 'POST', path: p.triggerPath, kind: 'reset' })
        counter++
        const faulted = await runAction({ ...p.succeeding(emulator, counter), poll_interval: '1s', request_timeout: '1s' }, debug)
        expect(faulted.outputs.status).toBe('succeeded')
        expect(faulted.stdout).toMatch(/::debug::/)
      })

      it('refused credentials print no secret in debug mode, not even the wrong one', async () => {
        counter++
        const inputs = p.succeeding(emulator, counter)
        const wrong = { ...inputs }
        for (const name of ['api_secret', 'client_secret', 'api_key'])
          if (wrong[name] && name !== 'api_key') wrong[name] = `wrong-${name}-Zq81xVb`
        if (p.name === 'hightouch' || p.name === 'dbt-cloud') wrong.api_key = 'wrong-api_key-Zq81xVb'
        const r = await runAction(wrong, debug)
        expect(r.code).toBe(1)
        expect(errors(r).join('\n')).toMatch(/401|refused|credentials/i)
        expect(JSON.stringify(r)).not.toContain('Zq81xVb')
      })
    }
  })
}
