// Issue 5's fault matrix, in-process (see in-process.ts): every fault a provider or the network can throw, during
// triggering and during waiting, for every provider in provider-cases.ts. What must hold: no false verdict, no
// duplicate work, bounded time, a clear message. The emulated jobs and the action share a fake clock, so the matrix
// runs in seconds; cancellation by signals and the debug-mode leak checks run the bundle (reliability-suite.ts).
import { describe, expect, it } from '@jest/globals'
import type { Fault } from '../emulator/types.js'
import { errors, type ActionRun } from './harness.js'
import { inProcessRig } from './in-process.js'
import { PROVIDER_CASES, type ProviderCase } from './provider-cases.js'

const rig = inProcessRig()

const TIMEOUT_S = 8
let counter = 0

function run(p: ProviderCase, extra: Record<string, string> = {}): Promise<ActionRun> {
  counter++
  return rig.run({ ...p.succeeding(rig.emulator, counter), timeout: `${TIMEOUT_S}s`, request_timeout: '1s', poll_interval: '1s', ...extra })
}

/** A final message in plain words: no stack trace, no [object Object]. */
function expectClear(r: ActionRun): void {
  const text = errors(r).join('\n')
  expect(text).not.toMatch(/\[object Object\]|\n\s+at \S+ \(|TypeError|undefined/)
  expect(r.stderr).not.toMatch(/\n\s+at \S+ \(/)
}

/** Within the timeout and its cleanup budget, on the shared (fake) clock. */
function expectBounded(r: ActionRun): void {
  expect(r.elapsedMs).toBeLessThan((TIMEOUT_S + 5) * 1000)
}

type FaultSpec = Omit<Fault, 'provider' | 'method' | 'path'>

/** Faults while waiting: status checks fail for a passing reason; the job still succeeds, and is reported so. */
const WAITING_FAULTS: [string, FaultSpec][] = [
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

/** An HTTP-date Retry-After 1.5 s ahead of the shared clock. */
function withDate(fault: FaultSpec): FaultSpec {
  if (fault.retryAfter !== 'DATE+1') return fault
  return { ...fault, retryAfter: new Date(rig.clock.now() + 1500).toUTCString() }
}

describe.each(PROVIDER_CASES)('$name', (p) => {
  describe('while waiting', () => {
    it.each(WAITING_FAULTS)('rides out %s: succeeded, one trigger, bounded', async (_label, fault) => {
      rig.emulator.addFault({ provider: p.name, method: 'GET', path: p.statusPath, skip: p.readsBeforeTrigger, ...withDate(fault) })
      const r = await run(p)
      expect(r.outputs.status).toBe('succeeded')
      expect(r.code).toBe(0)
      expect(p.triggers(rig.emulator)).toBe(1)
      expectBounded(r)
    })
  })

  describe('while triggering', () => {
    it.each([
      ['429 with Retry-After in seconds', { kind: 'status', status: 429, retryAfter: '1' }],
      ['429 with Retry-After as an HTTP date', { kind: 'status', status: 429, retryAfter: 'DATE+1' }],
      ['429 without Retry-After', { kind: 'status', status: 429 }]
    ] as const)('sends the trigger again after %s (it was refused, not run)', async (_label, fault) => {
      rig.emulator.addFault({ provider: p.name, method: 'POST', path: p.triggerPath, ...withDate(fault) })
      const r = await run(p)
      expect(r.outputs.status).toBe('succeeded')
      expect(p.jobsStarted(rig.emulator)).toBe(1)
      expectBounded(r)
    })

    it.each([
      ['a connection reset after the job was created', { kind: 'reset' }],
      ['an answer slower than the request timeout', { kind: 'slow', delayMs: 2500 }],
      ['a 200 whose body is cut short', { kind: 'truncated' }]
    ] as const)('finds the job after %s instead of starting another', async (_label, fault) => {
      rig.emulator.addFault({ provider: p.name, method: 'POST', path: p.triggerPath, ...fault })
      const r = await run(p)
      expect(r.outputs.status).toBe('succeeded')
      expect(r.code).toBe(0)
      expect(p.triggers(rig.emulator)).toBe(1)
      expect(p.jobsStarted(rig.emulator)).toBe(1)
      expectBounded(r)
    })

    it.each([
      ['a 500', { kind: 'status', status: 500 }],
      ['a 503', { kind: 'status', status: 503 }],
      ["a proxy's HTML 502 page", { kind: 'html', status: 502 }]
    ] as const)('never reports success, nor triggers twice, when %s lost the trigger', async (_label, fault) => {
      rig.emulator.addFault({ provider: p.name, method: 'POST', path: p.triggerPath, ...fault })
      const r = await run(p)
      expect(p.triggers(rig.emulator)).toBe(1)
      expect(p.jobsStarted(rig.emulator)).toBe(0)
      expect(r.code).toBe(1)
      expect(r.outputs.status).not.toBe('succeeded')
      expect(errors(r).join('\n')).toMatch(/HTTP (500|503|502)/)
      expectClear(r)
      expectBounded(r)
    })
  })

  it('never fails a job that succeeded because checks kept failing: it times out, naming the last error', async () => {
    rig.emulator.addFault({
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
    rig.emulator.addFault({
      provider: p.name,
      method: 'GET',
      path: p.statusPath,
      skip: p.readsBeforeTrigger,
      kind: 'status',
      status: 502,
      times: 2
    })
    counter++
    const r = await rig.run({ ...p.failing(rig.emulator, counter), timeout: `${TIMEOUT_S}s`, request_timeout: '1s', poll_interval: '1s' })
    expect(r.code).toBe(1)
    expect(r.outputs.status).toBe('failed')
    expectClear(r)
  })
})
