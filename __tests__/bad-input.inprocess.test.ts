// Issue 5: bad input across the providers. Each case fails the step with a message that names the input and
// what was expected, and the emulator records no request at all: nothing is sent before the inputs are known good.
// In-process (in-process.ts): the whole step as the action runs it, from INPUT_* variables with action.yml's
// defaults, through readSettings and orchestrate(), to the error annotation and the outputs.
import { describe, expect, it } from '@jest/globals'
import { airbyteConnection } from '../emulator/airbyte.js'
import { errors } from './harness.js'
import { inProcessRig } from './in-process.js'
import { providers } from '../src/providers/registry.js'
import { providerInputs } from './provider-cases.js'

const rig = inProcessRig()

type Base = 'fivetran' | 'airbyte' | 'hightouch' | 'dbt-cloud' | 'none'
const CONNECTION = airbyteConnection('succeeds', 1)

function base(kind: Base): Record<string, string> {
  switch (kind) {
    case 'fivetran':
      return { ...providerInputs(rig.emulator, kind), connector_id: 'succeeds' }
    case 'airbyte':
      return { ...providerInputs(rig.emulator, kind), connection_id: CONNECTION }
    case 'hightouch':
      return { ...providerInputs(rig.emulator, kind), sync_id: '1001' }
    case 'dbt-cloud':
      return { ...providerInputs(rig.emulator, kind), dbt_cloud_job_id: '101' }
    case 'none':
      return { base_url: rig.emulator.baseUrl('fivetran') }
  }
}

/** [provider whose good inputs the case starts from, the inputs it changes, what the error must say]. */
const CASES: [Base, Record<string, string>, RegExp][] = [
  // The provider and the action
  ['none', { provider: 'stitch' }, /provider must be one of fivetran, airbyte, hightouch, dbt-cloud, got "stitch"/],
  ['none', { provider: '' }, /provider is required: one of fivetran, airbyte, hightouch/],
  ['fivetran', { action: 'LAUNCH' }, /action must be one of STATUS, START, TEST, FORCE_RESYNC, WAIT, SYNC for fivetran, got "LAUNCH"/],
  ['airbyte', { action: 'START' }, /action must be one of SYNC, RESET, CLEAR, WAIT, STATUS, CANCEL for airbyte, got "START"/],
  ['hightouch', { action: 'RESET' }, /action must be one of SYNC, WAIT, STATUS for hightouch, got "RESET"/],
  // Common inputs
  ['fivetran', { timeout: 'soon' }, /timeout must be a duration .*got "soon"/],
  ['airbyte', { timeout: '0s' }, /timeout must be/],
  ['hightouch', { timeout: '-5m' }, /timeout must be/],
  ['fivetran', { poll_interval: 'often' }, /poll_interval must be a duration .*got "often"/],
  ['airbyte', { poll_interval: '0' }, /poll_interval must be/],
  ['hightouch', { request_timeout: 'forever' }, /request_timeout must be a duration .*got "forever"/],
  ['fivetran', { wait: 'yes' }, /wait must be true or false, got "yes"/],
  ['airbyte', { wait: 'maybe' }, /wait must be true or false, got "maybe"/],
  ['hightouch', { cancel_on_abort: 'sometimes' }, /cancel_on_abort must be true or false, got "sometimes"/],
  ['fivetran', { max_parallel: '0' }, /max_parallel must be .*got "0"/],
  ['airbyte', { max_parallel: 'many' }, /max_parallel must be .*got "many"/],
  ['hightouch', { max_parallel: '1001' }, /max_parallel must be a whole number from 1 to 1000, got "1001"/],
  ['airbyte', { history: 'perhaps' }, /history must be true or false, got "perhaps"/],
  ['fivetran', { base_url: 'api.fivetran.com' }, /base_url must be an http\(s\) URL/],
  ['airbyte', { base_url: 'ftp://airbyte.example.com/api/public/v1' }, /base_url must start with https:\/\/ or http:\/\/, got "ftp:/],
  ['hightouch', { base_url: 'https://user:pw@api.hightouch.com/api/v1' }, /base_url must/],
  // Fivetran
  ['fivetran', { connector_id: '' }, /connector_id is required/],
  ['fivetran', { connector_id: 'has spaces' }, /connector_id must be/],
  ['fivetran', { api_key: '' }, /api_key is required/],
  ['fivetran', { api_secret: '' }, /api_secret is required/],
  ['fivetran', { action: 'FORCE_RESYNC', table: 'orders' }, /schema is required for FORCE_RESYNC/],
  ['fivetran', { action: 'FORCE_RESYNC', schema: 'public' }, /table is required for FORCE_RESYNC/],
  ['fivetran', { connector_id: 'succeeds,succeeds' }, /connector_id lists the same connector twice/],
  [
    'fivetran',
    { restore_schedule: 'true', dont_disable_sync: 'true' },
    /restore_schedule: true has nothing to restore when dont_disable_sync is set/
  ],
  ['fivetran', { force: 'always' }, /force must be true or false, got "always"/],
  ['fivetran', { restore_schedule: 'y' }, /restore_schedule must be true or false, got "y"/],
  [
    'fivetran',
    { action: 'START', job_id: 'succeeds@2026-01-05T18:12:49.562Z' },
    /job_id is only used by WAIT and STATUS for fivetran, not START/
  ],
  ['fivetran', { action: 'WAIT', job_id: '12345' }, /job_id must be CONNECTOR_ID@BASELINE .*got "12345"/],
  [
    'fivetran',
    { action: 'WAIT', job_id: 'other@2026-01-05T18:12:49.562Z' },
    /connector_id "succeeds" does not match the connector of job_id \("other"\)/
  ],
  // Airbyte
  ['airbyte', { connection_id: 'not-a-uuid' }, /connection_id must be a connection UUID .*got "not-a-uuid"/],
  ['airbyte', { connection_id: '' }, /connection_id is required for SYNC/],
  ['airbyte', { action: 'WAIT', job_id: 'abc' }, /job_id must be an Airbyte job id \(a number, e\.g\. 12345\), got "abc"/],
  ['airbyte', { action: 'STATUS', job_id: '12x' }, /job_id must be an Airbyte job id/],
  ['airbyte', { job_id: '12' }, /job_id is only used by WAIT, STATUS and CANCEL/],
  ['airbyte', { action: 'CANCEL' }, /job_id is required for CANCEL/],
  ['airbyte', { client_secret: '' }, /client_secret is required with client_id/],
  ['airbyte', { client_id: '', client_secret: '', base_url: '' }, /client_id and client_secret are required for Airbyte Cloud/],
  ['airbyte', { if_running: 'maybe' }, /if_running must be fail or attach, got "maybe"/],
  ['airbyte', { workspace_id: 'acme' }, /workspace_id must be a workspace UUID/],
  ['airbyte', { api_key: 'a-token-too' }, /either client_id and client_secret, or api_key/],
  ['airbyte', { base_url: 'http://localhost:8000/api/v1' }, /base_url must be Airbyte's public API/],
  ['airbyte', { connection_id: `${CONNECTION},${CONNECTION.toUpperCase()}` }, /connection_id lists the same connection twice/],
  // Hightouch
  ['hightouch', { sync_id: '1001,01001' }, /sync_id lists the same sync twice/],
  ['hightouch', { sync_id: 'abc' }, /sync_id must be a number \(the sync's id, e\.g\. 1234567\), got "abc"/],
  ['hightouch', { sync_id: '' }, /sync_id or sync_slug is required/],
  ['hightouch', { sync_slug: 'orders-to-salesforce' }, /give sync_id or sync_slug, not both/],
  ['hightouch', { api_key: '' }, /api_key is required \(or the HIGHTOUCH_API_KEY env variable\)/],
  ['hightouch', { action: 'WAIT' }, /job_id is required for WAIT: the sync run id/],
  ['hightouch', { action: 'STATUS', sync_id: '', sync_slug: 'succeeds' }, /job_id is required for STATUS/],
  ['hightouch', { action: 'WAIT', job_id: 'run-7' }, /job_id must be a Hightouch sync run id \(a number/],
  ['hightouch', { full_resync: 'yes' }, /full_resync must be true or false, got "yes"/],
  ['hightouch', { fail_on_warning: 'maybe' }, /fail_on_warning must be true or false, got "maybe"/],
  ['hightouch', { workspace_slug: 'Acme Corp' }, /workspace_slug must be/],
  // dbt Cloud
  ['dbt-cloud', { action: 'SYNC' }, /action must be one of RUN, RERUN, WAIT, STATUS, CANCEL for dbt-cloud, got "SYNC"/],
  ['dbt-cloud', { api_key: '' }, /api_key is required \(or the DBT_CLOUD_API_TOKEN env variable\)/],
  ['dbt-cloud', { account_id: 'acme' }, /account_id must be the numeric dbt Cloud account id .*got "acme"/],
  ['dbt-cloud', { dbt_cloud_job_id: '' }, /dbt_cloud_job_id is required for RUN/],
  ['dbt-cloud', { dbt_cloud_job_id: 'nightly' }, /dbt_cloud_job_id must be a numeric dbt Cloud job id .*got "nightly"/],
  ['dbt-cloud', { dbt_cloud_job_id: '101,101' }, /dbt_cloud_job_id lists the same job twice/],
  ['dbt-cloud', { action: 'WAIT', dbt_cloud_job_id: '' }, /job_id is required for WAIT: the dbt Cloud run id/],
  ['dbt-cloud', { action: 'CANCEL', job_id: 'run-1' }, /job_id must be a dbt Cloud run id .*got "run-1"/],
  ['dbt-cloud', { action: 'STATUS', dbt_cloud_job_id: '' }, /STATUS needs job_id \(a run id\) or exactly one dbt_cloud_job_id/],
  ['dbt-cloud', { job_id: '70471831584850' }, /job_id is only used by WAIT, STATUS and CANCEL for dbt-cloud, not RUN/],
  ['dbt-cloud', { threads_override: 'eight' }, /threads_override must be a whole number from 1 .*got "eight"/],
  ['dbt-cloud', { steps_override: 'dbt seed\nbuild' }, /steps_override takes one dbt command a line .*got "build"/],
  ['dbt-cloud', { git_sha: 'HEAD' }, /git_sha must be a commit SHA/],
  [
    'dbt-cloud',
    { action: 'RERUN', schema_override: 'pr_1' },
    /schema_override is only used by RUN: dbt Cloud reruns a failed run as it was/
  ]
]

describe('bad input fails before any request, naming the input and what is expected', () => {
  it('has at least 40 cases across the providers, and 10 for every registered provider', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(40)
    for (const p of Object.keys(providers)) expect(CASES.filter(([b]) => b === p).length).toBeGreaterThanOrEqual(10)
  })

  it.each(CASES.map(([kind, inputs, message]) => [kind, JSON.stringify(inputs), inputs, message] as const))(
    '%s %s',
    async (kind, _label, inputs, message) => {
      const run = await rig.run({ ...base(kind), ...inputs })
      const text = errors(run).join('\n')
      expect(text).toMatch(message)
      expect(run.code).toBe(1)
      expect(rig.emulator.requests).toHaveLength(0)
      // Nothing ran, so nothing is known but that: no job, and the status says the step did not start.
      expect(run.outputs.job_id ?? '').toBe('')
    }
  )
})
