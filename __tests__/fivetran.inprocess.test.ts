import { describe, expect, it } from '@jest/globals'
import { FIVETRAN_KEY, FIVETRAN_SECRET } from '../emulator/fivetran.js'
import { errors, warnings } from './harness.js'
import { inProcessRig } from './in-process.js'

const rig = inProcessRig()

function fivetran(inputs: Record<string, string>) {
  return rig.run({
    provider: 'fivetran',
    api_key: FIVETRAN_KEY,
    api_secret: FIVETRAN_SECRET,
    base_url: rig.emulator.baseUrl('fivetran'),
    poll_interval: '1s',
    timeout: '30s',
    ...inputs
  })
}

const calls = (method: string, suffix = '') => rig.emulator.requests.filter((r) => r.method === method && r.path.endsWith(suffix))

describe('fivetran START', () => {
  it('does not let an old failed_at fail a new success', async () => {
    const run = await fivetran({ action: 'START', connector_id: 'stale_failure' })
    expect(run.code).toBe(0)
    expect(run.outputs.status).toBe('succeeded')
    expect(run.outputs.job_id).toBe('stale_failure@2026-11-02T09:30:00.654321Z')
  })

  it('uses "none" as the baseline of a connector that never synced', async () => {
    const run = await fivetran({ action: 'START', connector_id: 'never_synced' })
    expect(run.code).toBe(0)
    expect(run.outputs.job_id).toBe('never_synced@none')
  })

  it('triggers a sync rescheduled on a manual schedule again once rescheduled_for has passed', async () => {
    const run = await fivetran({ action: 'START', connector_id: 'rescheduled' })
    expect(run.code).toBe(0)
    expect(run.outputs.status).toBe('succeeded')
    const syncs = calls('POST', '/sync')
    expect(syncs).toHaveLength(2)
    expect(run.stdout).toMatch(/rescheduled the sync for .* triggers it again/)
    expect(run.stdout).toMatch(/Triggered the rescheduled sync of rescheduled again/)
  })

  it('stops at once with status rescheduled when rescheduled_for is past the timeout', async () => {
    const run = await fivetran({ action: 'START', connector_id: 'rescheduled_far', timeout: '1m' })
    expect(run.code).toBe(1)
    expect(run.outputs.status).toBe('rescheduled')
    expect(errors(run).join('\n')).toMatch(/past the end of the timeout/)
    expect(run.elapsedMs).toBeLessThan(10_000)
  })

  it('refuses a paused connector before triggering', async () => {
    const run = await fivetran({ action: 'START', connector_id: 'paused' })
    expect(run.code).toBe(1)
    expect(run.outputs.status).toBe('paused')
    expect(errors(run).join('\n')).toMatch(/paused.*Resume it/)
    expect(calls('POST')).toHaveLength(0)
    expect(calls('PATCH')).toHaveLength(0)
  })

  it('refuses a broken connector and says what to do', async () => {
    const run = await fivetran({ action: 'START', connector_id: 'broken' })
    expect(run.code).toBe(1)
    expect(errors(run).join('\n')).toMatch(/setup_state is "broken".*TEST/)
    expect(calls('POST')).toHaveLength(0)
  })

  it('names the connector and the id format on a 404', async () => {
    const run = await fivetran({ action: 'START', connector_id: 'no_such_connector' })
    expect(run.code).toBe(1)
    const message = errors(run).join('\n')
    expect(message).toMatch(/Connector no_such_connector was not found \(HTTP 404 Not Found/)
    expect(message).toMatch(/connections/)
  })

  it("says the credentials were refused on a 401, showing Fivetran's message", async () => {
    const run = await fivetran({ action: 'START', connector_id: 'succeeds', api_secret: 'wrong-secret' })
    expect(run.code).toBe(1)
    expect(errors(run).join('\n')).toMatch(/refused the API key and secret \(HTTP 401.*Invalid API key or secret/)
  })

  it('waits out 429 with Retry-After while waiting', async () => {
    const run = await fivetran({ action: 'START', connector_id: 'rate_limited' })
    expect(run.code).toBe(0)
    expect(run.outputs.status).toBe('succeeded')
    expect(warnings(run).join('\n')).toMatch(/HTTP 429/)
    expect(calls('POST', '/sync')).toHaveLength(1)
  })

  it('rides out a burst of 5xx while waiting', async () => {
    const run = await fivetran({ action: 'START', connector_id: 'flaky' })
    expect(run.code).toBe(0)
    expect(run.outputs.status).toBe('succeeded')
    expect(warnings(run).join('\n')).toMatch(/HTTP 503/)
  })

  it('ends with timed_out when the timeout is reached', async () => {
    const run = await fivetran({ action: 'START', connector_id: 'slow', timeout: '3s' })
    expect(run.code).toBe(1)
    expect(run.outputs.status).toBe('timed_out')
    expect(run.outputs.job_id).toMatch(/^slow@/)
    expect(errors(run).join('\n')).toMatch(/Timed out after 3s/)
    expect(run.elapsedMs).toBeLessThan(8000)
  })

  it('goes on with a warning when the schedule cannot be switched', async () => {
    const run = await fivetran({ action: 'START', connector_id: 'schedule_locked' })
    expect(run.code).toBe(0)
    expect(warnings(run).join('\n')).toMatch(/Could not switch connector schedule_locked to a manual schedule/)
  })

  it('leaves the schedule alone with dont_disable_sync, or the FIVETRAN_DONT_DISABLE_SYNC env', async () => {
    const run = await fivetran({ action: 'START', connector_id: 'succeeds', dont_disable_sync: 'yes' })
    expect(run.code).toBe(0)
    expect(calls('PATCH')).toHaveLength(0)
    const viaEnv = await rig.run(
      { provider: 'fivetran', connector_id: 'succeeds_env', base_url: rig.emulator.baseUrl('fivetran'), poll_interval: '1s' },
      { env: { FIVETRAN_DONT_DISABLE_SYNC: 'true', FIVETRAN_API_KEY: FIVETRAN_KEY, FIVETRAN_API_SECRET: FIVETRAN_SECRET } }
    )
    expect(viaEnv.code).toBe(0)
    expect(calls('PATCH')).toHaveLength(0)
  })

  it('restores the schedule after the job when restore_schedule is true', async () => {
    const run = await fivetran({ action: 'START', connector_id: 'succeeds', restore_schedule: 'true' })
    expect(run.code).toBe(0)
    expect(calls('PATCH').map((r) => (r.body as { schedule_type: string }).schedule_type)).toEqual(['manual', 'auto'])
  })

  it('restores the schedule even when the job times out', async () => {
    const run = await fivetran({ action: 'START', connector_id: 'slow_auto', timeout: '2s', restore_schedule: 'true' })
    expect(run.code).toBe(1)
    expect(run.outputs.status).toBe('timed_out')
    expect(calls('PATCH').map((r) => (r.body as { schedule_type: string }).schedule_type)).toEqual(['manual', 'auto'])
  })

  it('waits for a running sync when force is false, and restarts it when true', async () => {
    const waiting = await fivetran({ action: 'START', connector_id: 'mid_sync' })
    expect(waiting.code).toBe(0)
    expect(waiting.stdout).toMatch(/already running: force is false/)
    rig.emulator.reset()
    const forced = await fivetran({ action: 'START', connector_id: 'mid_sync', force: 'true' })
    expect(forced.code).toBe(0)
    expect(forced.outputs.status).toBe('succeeded')
    expect(calls('POST', '/sync')[0].body).toEqual({ force: true })
  })
})

describe('fivetran wait: false then WAIT', () => {
  it('returns at once with a job_id that a later WAIT uses', async () => {
    const started = await fivetran({ action: 'START', connector_id: 'succeeds', wait: 'false' })
    expect(started.code).toBe(0)
    expect(started.outputs.status).toBe('running')
    expect(started.elapsedMs).toBeLessThan(3000)
    const waited = await fivetran({ action: 'WAIT', job_id: started.outputs.job_id })
    expect(waited.code).toBe(0)
    expect(waited.outputs.status).toBe('succeeded')
    expect(waited.outputs.job_id).toBe(started.outputs.job_id)
    expect(calls('POST', '/sync')).toHaveLength(1)
  })

  it('WAIT with a bare connector reports the last outcome when nothing runs', async () => {
    const run = await fivetran({ action: 'WAIT', connector_id: 'fails' })
    expect(run.code).toBe(0)
    expect(run.outputs.status).toBe('succeeded')
    const failed = await fivetran({ action: 'WAIT', connector_id: 'stale_failure' })
    expect(failed.code).toBe(1)
    expect(failed.outputs.status).toBe('failed')
  })
})

describe('fivetran STATUS, TEST, FORCE_RESYNC', () => {
  it('STATUS prints the connector and reports without failing on its state', async () => {
    const run = await fivetran({ action: 'STATUS', connector_id: 'stale_failure' })
    expect(run.code).toBe(0)
    expect(run.outputs.status).toBe('failed')
    expect(run.outputs.provider_status).toBe('scheduled')
    expect(run.stdout).toContain('"id":"stale_failure"')
    expect(calls('POST')).toHaveLength(0)
    expect(calls('PATCH')).toHaveLength(0)
  })

  it('STATUS reads the action from FIVETRAN_ACTION and the id from CONNECTOR_ID', async () => {
    const run = await rig.run(
      { provider: 'fivetran', base_url: rig.emulator.baseUrl('fivetran') },
      {
        env: {
          FIVETRAN_ACTION: 'status',
          CONNECTOR_ID: 'paused',
          FIVETRAN_API_KEY: FIVETRAN_KEY,
          FIVETRAN_API_SECRET: FIVETRAN_SECRET
        }
      }
    )
    expect(run.code).toBe(0)
    expect(run.outputs.status).toBe('paused')
  })

  it('TEST with mixed results shows each test and fails on a FAILED one', async () => {
    const run = await fivetran({ action: 'TEST', connector_id: 'mixed_tests' })
    expect(run.code).toBe(1)
    expect(run.outputs).toMatchObject({ tests_passed: '1', tests_failed: '1', tests_warning: '1', status: 'failed' })
    expect(run.summary).toContain('Validate Permissions')
    expect(run.summary).toContain('The role lacks SELECT on schema public')
    expect(warnings(run).join('\n')).toMatch(/Bucket Access/)
    expect(calls('POST', '/test')[0].body).toEqual({})
  })

  it('TEST with warnings only passes', async () => {
    const run = await fivetran({ action: 'TEST', connector_id: 'warning_tests' })
    expect(run.code).toBe(0)
    expect(run.outputs.status).toBe('warning')
  })

  it('FORCE_RESYNC re-syncs the scope and waits', async () => {
    const run = await fivetran({ action: 'FORCE_RESYNC', connector_id: 'succeeds', schema: 'public', table: 'orders, customers' })
    expect(run.code).toBe(0)
    expect(run.outputs.status).toBe('succeeded')
    expect(calls('POST', '/resync')[0].body).toEqual({ scope: { public: ['orders', 'customers'] } })
  })

  it('FORCE_RESYNC explains a 400 and a 409 each in its own words', async () => {
    const refused = await fivetran({ action: 'FORCE_RESYNC', connector_id: 'no_table_resync', schema: 'public', table: 'orders' })
    expect(refused.code).toBe(1)
    expect(errors(refused).join('\n')).toMatch(/may not support re-syncing single tables/)
    const busy = await fivetran({ action: 'FORCE_RESYNC', connector_id: 'mid_sync_2', schema: 'public', table: 'orders' })
    expect(busy.code).toBe(1)
    expect(errors(busy).join('\n')).toMatch(/a sync was running and could not be finished first/)
  })
})
