// What the reliability and secrets suites need to know of each provider: inputs for a job that succeeds, one
// that fails and one that runs long; which requests trigger and which check; how many jobs really started.
import { expect } from '@jest/globals'
import { FIVETRAN_KEY, FIVETRAN_SECRET } from '../emulator/fivetran.js'
import type { Emulator } from '../emulator/server.js'
import { errors, type ActionRun } from './harness.js'

export interface ProviderCase {
  name: string
  succeeding(e: Emulator, n: number): Record<string, string>
  failing(e: Emulator, n: number): Record<string, string>
  slow(e: Emulator, n: number): Record<string, string>
  /** Regular expressions (as strings) for the emulator's fault matching. */
  triggerPath: string
  statusPath: string
  /** Status reads the action makes before it triggers (faults skip them to hit the waiting phase). */
  readsBeforeTrigger: number
  /** Trigger requests the emulator received. */
  triggers(e: Emulator): number
  /** Jobs the emulator really started. */
  jobsStarted(e: Emulator): number
  /** What must be true after a workflow cancellation (remote job cancelled or said to go on). */
  afterCancel(e: Emulator, r: ActionRun): void
}

const fivetranBase = (e: Emulator) => ({
  provider: 'fivetran',
  api_key: FIVETRAN_KEY,
  api_secret: FIVETRAN_SECRET,
  base_url: e.baseUrl('fivetran')
})

export const fivetranCase: ProviderCase = {
  name: 'fivetran',
  succeeding: (e, n) => ({ ...fivetranBase(e), connector_id: `succeeds_${n}` }),
  failing: (e, n) => ({ ...fivetranBase(e), connector_id: `fails_${n}` }),
  slow: (e, n) => ({ ...fivetranBase(e), connector_id: `slow_auto_${n}`, restore_schedule: 'true' }),
  triggerPath: '/sync$',
  statusPath: '^/v1/connections/[^/]+$',
  readsBeforeTrigger: 1,
  triggers: (e) => e.requests.filter((r) => r.provider === 'fivetran' && r.method === 'POST' && r.path.endsWith('/sync')).length,
  jobsStarted: (e) => (e.providers.fivetran as unknown as { syncsStarted: number }).syncsStarted,
  afterCancel: (e, r) => {
    expect(errors(r).join('\n')).toMatch(/the Fivetran job goes on \(job slow_auto_\d+@[^)]+\): https:\/\/fivetran.com\/dashboard\/connectors\/slow_auto_\d+\/status/)
    const patches = e.requests.filter((q) => q.method === 'PATCH').map((q) => (q.body as { schedule_type: string }).schedule_type)
    expect(patches).toEqual(['manual', 'auto'])
  }
}

export const PROVIDER_CASES: ProviderCase[] = [fivetranCase]
