// A real SIGINT to the bundle working on several targets, its wrap-up timed; every case of several targets runs
// in-process in many-targets.inprocess.test.ts (cancellation at a fake instant there).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import type { ChildProcess } from 'node:child_process'
import { AirbyteEmulator, airbyteConnection } from '../emulator/airbyte.js'
import type { FivetranEmulator } from '../emulator/fivetran.js'
import { HightouchEmulator } from '../emulator/hightouch.js'
import { startEmulator, type Emulator } from '../emulator/server.js'
import type { RecordedRequest } from '../emulator/types.js'
import { errors, results, runAction, whenPrinted, type RunOptions } from './harness.js'
import { providerInputs } from './provider-cases.js'

let emulator: Emulator
let airbyteEmulator: AirbyteEmulator
let hightouchEmulator: HightouchEmulator

beforeAll(async () => {
  airbyteEmulator = new AirbyteEmulator()
  hightouchEmulator = new HightouchEmulator()
  emulator = await startEmulator({ providers: [airbyteEmulator, hightouchEmulator] })
  // Jobs that end before the first status check (1 s after the trigger) keep this file fast.
  ;(emulator.providers.fivetran as unknown as FivetranEmulator).syncMs = 800
  hightouchEmulator.phaseScale = 0.5
})
afterAll(async () => {
  await emulator.close()
})
beforeEach(() => emulator.reset())

let n = 0
/** A fresh Fivetran connector or Airbyte connection of a scenario, with no earlier run's state in the way. */
const connector = (scenario: string): string => `${scenario}_${++n}`
const connection = (scenario: Parameters<typeof airbyteConnection>[0]): string => airbyteConnection(scenario, ++n)

const fast = { poll_interval: '1s', timeout: '30s' }
const fivetranInputs = () => ({ ...providerInputs(emulator, 'fivetran'), ...fast })
const airbyteInputs = () => ({ ...providerInputs(emulator, 'airbyte'), ...fast })

const fivetran = (inputs: Record<string, string>, options?: RunOptions) => runAction({ ...fivetranInputs(), ...inputs }, options)
const airbyte = (inputs: Record<string, string>, options?: RunOptions) => runAction({ ...airbyteInputs(), ...inputs }, options)

/** Sends SIGINT `afterMs` after the first target began to wait, and remembers when. */
function interrupt(afterMs: number): { options: RunOptions; signalledAt: () => number } {
  let at = 0
  return {
    options: {
      onStart: (child: ChildProcess) =>
        whenPrinted(child, /Waiting for/, () =>
          setTimeout(() => {
            at = Date.now()
            child.kill('SIGINT')
          }, afterMs)
        )
    },
    signalledAt: () => at
  }
}
const byProvider = (provider: string): RecordedRequest[] => emulator.requests.filter((r) => r.provider === provider)
const fivetranRequestsOf = (id: string) =>
  byProvider('fivetran').filter((r) => r.path === `/v1/connections/${id}` || r.path.startsWith(`/v1/connections/${id}/`))

/** The rows of the summary's overview table (one per target), without its header. */
const overviewRows = (summary: string): string[] => summary.split('\n').filter((l) => /^\| (✅|❌|🚫|⏱️|⚠️|⏳|⏸️|📅|ℹ️) \| /.test(l))

describe('cancellation of many, run as the runner runs the bundle', () => {
  it('airbyte: SIGINT cancels each running job once; a connection still waiting for its turn starts none', async () => {
    const ids = [connection('slow'), connection('slow'), connection('slow')]
    const sigint = interrupt(500)
    const run = await airbyte({ connection_id: ids.join(','), max_parallel: '2', timeout: '5m' }, sigint.options)
    const wrapUp = Date.now() - sigint.signalledAt()
    expect(run.code).toBe(1)
    expect(wrapUp).toBeLessThan(5000)
    expect(run.outputs.status).toBe('cancelled')
    const [j1, j2] = [airbyteEmulator.jobIdsOf(ids[0]), airbyteEmulator.jobIdsOf(ids[1])]
    expect(results(run)).toEqual([
      expect.objectContaining({
        target: ids[0],
        job_id: String(j1[0]),
        status: 'cancelled',
        error: 'The workflow was cancelled; the Airbyte job was cancelled too.'
      }),
      expect.objectContaining({
        target: ids[1],
        job_id: String(j2[0]),
        status: 'cancelled',
        error: 'The workflow was cancelled; the Airbyte job was cancelled too.'
      }),
      { target: ids[2], status: 'cancelled', error: 'The workflow was cancelled before work on this connection began; no job was started.' }
    ])
    expect(airbyteEmulator.jobIdsOf(ids[2])).toEqual([])
    expect(airbyteEmulator.cancelledJobIds.sort()).toEqual([j1[0], j2[0]].sort())
    const deletes = byProvider('airbyte')
      .filter((r) => r.method === 'DELETE')
      .map((r) => r.path)
    expect(deletes.sort()).toEqual([`/api/public/v1/jobs/${j1[0]}`, `/api/public/v1/jobs/${j2[0]}`].sort())
    expect(overviewRows(run.summary)).toHaveLength(3)
    expect(run.summary).toContain('3 targets, 0 passed, 3 failed')
  })

  it('fivetran: SIGINT stops every wait, says each sync goes on and puts each schedule back', async () => {
    const ids = [connector('slow_auto'), connector('slow_auto'), connector('slow_auto')]
    const sigint = interrupt(500)
    const run = await fivetran({ connector_id: ids.join(','), restore_schedule: 'true', timeout: '5m' }, sigint.options)
    const wrapUp = Date.now() - sigint.signalledAt()
    expect(run.code).toBe(1)
    expect(wrapUp).toBeLessThan(5000)
    expect(run.outputs.status).toBe('cancelled')
    const list = results(run)
    expect(list.map((r) => [r.target, r.status])).toEqual(ids.map((id) => [id, 'cancelled']))
    for (const [i, r] of list.entries()) {
      expect(r.job_id).toMatch(new RegExp(`^${ids[i]}@`))
      expect(r.error).toBe(
        `The workflow was cancelled; the Fivetran job goes on (job ${r.job_id}): https://fivetran.com/dashboard/connectors/${ids[i]}/status.`
      )
      const patches = fivetranRequestsOf(ids[i])
        .filter((q) => q.method === 'PATCH')
        .map((q) => (q.body as { schedule_type: string }).schedule_type)
      expect(patches).toEqual(['manual', 'auto'])
    }
    expect(errors(run).filter((e) => /goes on/.test(e))).toHaveLength(3)
  })
})
