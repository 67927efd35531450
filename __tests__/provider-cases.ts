// What the reliability and secrets suites need to know of each provider: inputs for a job that succeeds, one
// that fails and one that runs long; which requests trigger and which check; how many jobs really started.
import { expect } from '@jest/globals'
import {
  AIRBYTE_CLIENT_ID,
  AIRBYTE_CLIENT_SECRET,
  AIRBYTE_WORKSPACE_ID,
  airbyteConnection,
  type AirbyteEmulator
} from '../emulator/airbyte.js'
import { DBT_CLOUD_ACCOUNT, DBT_CLOUD_TOKEN, type DbtCloudEmulator } from '../emulator/dbt-cloud.js'
import { FIVETRAN_KEY, FIVETRAN_SECRET } from '../emulator/fivetran.js'
import { HIGHTOUCH_KEY, type HightouchEmulator } from '../emulator/hightouch.js'
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
  /**
   * How provider text injected into a status check shows in the log: as text, or refused (default
   * /pwned|not a number/i); null where no text of a status check is ever logged.
   */
  injectShown?: RegExp | null
  /** Whether a request to `statusPath` is a status check (dbt Cloud reads an ended run once more for its steps). */
  isStatusCheck?(query: Record<string, string>): boolean
  /** Status reads the action makes before it triggers (faults skip them to hit the waiting phase). */
  readsBeforeTrigger: number
  /** Trigger requests the emulator received. */
  triggers(e: Emulator): number
  /** Jobs the emulator really started. */
  jobsStarted(e: Emulator): number
  /** What must be true after a workflow cancellation (remote job cancelled or said to go on). */
  afterCancel(e: Emulator, r: ActionRun): void
  /** The documented form of this provider's `job_id` output: nothing else may ever reach it (hostile suite). */
  jobIdPattern: RegExp
  /** Keys whose values the hostile suite's `inject` fault leaves alone, so that a run gets far enough to log the rest. */
  injectKeep: string[]
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
  jobIdPattern: /^[A-Za-z0-9][A-Za-z0-9_.-]*@(none|\d{4}-\d\d-\d\dT[\d:.]+Z)$/,
  injectKeep: [],
  triggerPath: '/sync$',
  statusPath: '^/v1/connections/[^/]+$',
  readsBeforeTrigger: 1,
  triggers: (e) => e.requests.filter((r) => r.provider === 'fivetran' && r.method === 'POST' && r.path.endsWith('/sync')).length,
  jobsStarted: (e) => (e.providers.fivetran as unknown as { syncsStarted: number }).syncsStarted,
  afterCancel: (e, r) => {
    expect(errors(r).join('\n')).toMatch(
      /the Fivetran job goes on \(job slow_auto_\d+@[^)]+\): https:\/\/fivetran.com\/dashboard\/connectors\/slow_auto_\d+\/status/
    )
    const patches = e.requests.filter((q) => q.method === 'PATCH').map((q) => (q.body as { schedule_type: string }).schedule_type)
    expect(patches).toEqual(['manual', 'auto'])
  }
}

const airbyteBase = (e: Emulator) => ({
  provider: 'airbyte',
  client_id: AIRBYTE_CLIENT_ID,
  client_secret: AIRBYTE_CLIENT_SECRET,
  workspace_id: AIRBYTE_WORKSPACE_ID,
  base_url: e.baseUrl('airbyte')
})
const airbyteRequests = (e: Emulator, method: string, path: RegExp) =>
  e.requests.filter((r) => r.provider === 'airbyte' && r.method === method && path.test(r.path))

export const airbyteCase: ProviderCase = {
  name: 'airbyte',
  succeeding: (e, n) => ({ ...airbyteBase(e), connection_id: airbyteConnection('succeeds', n) }),
  failing: (e, n) => ({ ...airbyteBase(e), connection_id: airbyteConnection('fails', n) }),
  slow: (e, n) => ({ ...airbyteBase(e), connection_id: airbyteConnection('slow', n) }),
  jobIdPattern: /^\d+$/,
  // A token with a line break is refused before use, and a job of another connection or type is not followed.
  injectKeep: ['access_token', 'connectionId', 'jobType'],
  triggerPath: '^/api/public/v1/jobs$',
  statusPath: '^/api/public/v1/jobs/\\d+$',
  readsBeforeTrigger: 0,
  triggers: (e) => airbyteRequests(e, 'POST', /\/jobs$/).length,
  jobsStarted: (e) => (e.providers.airbyte as unknown as AirbyteEmulator).jobsStarted,
  afterCancel: (e, r) => {
    // Airbyte can cancel: the job is read, then cancelled once, and the message says so.
    expect(errors(r).join('\n')).toMatch(/the Airbyte job was cancelled too/)
    expect(airbyteRequests(e, 'DELETE', /\/jobs\/\d+$/)).toHaveLength(1)
    expect((e.providers.airbyte as unknown as AirbyteEmulator).cancelledJobIds).toEqual([Number(r.outputs.job_id)])
  }
}

const hightouchBase = (e: Emulator) => ({
  provider: 'hightouch',
  api_key: HIGHTOUCH_KEY,
  workspace_slug: 'acme',
  base_url: e.baseUrl('hightouch')
})

export const hightouchCase: ProviderCase = {
  name: 'hightouch',
  // Hightouch syncs are fixed ids in the emulator; each test starts from a reset emulator.
  succeeding: (e) => ({ ...hightouchBase(e), sync_id: '1001' }),
  failing: (e) => ({ ...hightouchBase(e), sync_id: '1003' }),
  slow: (e) => ({ ...hightouchBase(e), sync_id: '1010' }),
  jobIdPattern: /^\d+$/,
  injectKeep: [],
  triggerPath: '^/api/v1/syncs/\\d+/trigger$',
  statusPath: '^/api/v1/syncs/\\d+/runs$',
  readsBeforeTrigger: 0,
  triggers: (e) => e.requests.filter((r) => r.provider === 'hightouch' && r.method === 'POST' && r.path.endsWith('/trigger')).length,
  jobsStarted: (e) => (e.providers.hightouch as unknown as HightouchEmulator).runsStarted,
  afterCancel: (e, r) => {
    // Hightouch has no API to cancel a run: the action says the run goes on, with its id and link.
    expect(errors(r).join('\n')).toMatch(
      /the Hightouch job goes on \(job \d+\): https:\/\/app\.hightouch\.com\/acme\/syncs\/1010\/runs\/\d+/
    )
    expect(e.requests.filter((q) => q.provider === 'hightouch' && q.method !== 'GET' && q.method !== 'POST')).toHaveLength(0)
  }
}

const dbtCloudBase = (e: Emulator) => ({
  provider: 'dbt-cloud',
  api_key: DBT_CLOUD_TOKEN,
  account_id: DBT_CLOUD_ACCOUNT,
  base_url: e.baseUrl('dbt-cloud')
})
const dbtCloudEmulator = (e: Emulator) => e.providers['dbt-cloud'] as unknown as DbtCloudEmulator

export const dbtCloudCase: ProviderCase = {
  name: 'dbt-cloud',
  // dbt Cloud jobs are fixed ids in the emulator; each test starts from a reset emulator.
  succeeding: (e) => ({ ...dbtCloudBase(e), dbt_cloud_job_id: '101' }),
  failing: (e) => ({ ...dbtCloudBase(e), dbt_cloud_job_id: '102' }),
  slow: (e) => ({ ...dbtCloudBase(e), dbt_cloud_job_id: '108' }),
  jobIdPattern: /^\d+$/,
  injectKeep: [],
  triggerPath: '^/api/v2/accounts/\\d+/jobs/\\d+/run/$',
  statusPath: '^/api/v2/accounts/\\d+/runs/\\d+/$',
  isStatusCheck: (query) => query.include_related === undefined,
  // status_humanized is used only when it is a plain word, else the status code's name: no status-check text is logged.
  injectShown: null,
  readsBeforeTrigger: 0,
  triggers: (e) => e.requests.filter((r) => r.provider === 'dbt-cloud' && r.method === 'POST' && /\/jobs\/\d+\/run\/$/.test(r.path)).length,
  jobsStarted: (e) => dbtCloudEmulator(e).runsStarted,
  afterCancel: (e, r) => {
    // dbt Cloud can cancel: the run is cancelled once, confirmed Cancelled, and the message says so.
    expect(errors(r).join('\n')).toMatch(/the dbt Cloud job was cancelled too/)
    expect(e.requests.filter((q) => q.provider === 'dbt-cloud' && q.method === 'POST' && q.path.endsWith('/cancel/'))).toHaveLength(1)
    expect(dbtCloudEmulator(e).cancelledRunIds).toEqual([Number(r.outputs.job_id)])
    expect(r.outputs.provider_status).toBe('Cancelled')
  }
}

export const PROVIDER_CASES: ProviderCase[] = [fivetranCase, airbyteCase, hightouchCase, dbtCloudCase]

/** The inputs that reach a provider of the emulator with good credentials, but name no target. */
export function providerInputs(e: Emulator, provider: 'fivetran' | 'airbyte' | 'hightouch' | 'dbt-cloud'): Record<string, string> {
  return { fivetran: fivetranBase, airbyte: airbyteBase, hightouch: hightouchBase, 'dbt-cloud': dbtCloudBase }[provider](e)
}
