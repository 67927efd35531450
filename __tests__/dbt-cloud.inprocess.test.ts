// The dbt Cloud provider in-process (orchestrate() on a fake clock shared with the emulator): every action and scenario.
// dbt-cloud.e2e.test.ts runs the bundle itself for a success and a failure (those two cases are there only).
import { describe, expect, it } from '@jest/globals'
import { DBT_CLOUD_ACCOUNT, DBT_CLOUD_TOKEN, DbtCloudEmulator } from '../emulator/dbt-cloud.js'
import { errors, warnings } from './harness.js'
import { inProcessRig } from './in-process.js'

const dbt = new DbtCloudEmulator()
const rig = inProcessRig(() => [dbt])
function dbtCloud(inputs: Record<string, string>) {
  return rig.run({
    provider: 'dbt-cloud',
    api_key: DBT_CLOUD_TOKEN,
    account_id: DBT_CLOUD_ACCOUNT,
    base_url: rig.emulator.baseUrl('dbt-cloud'),
    poll_interval: '1s',
    timeout: '30s',
    ...inputs
  })
}

const requests = (method: string, pattern: RegExp = /./) =>
  rig.emulator.requests.filter((r) => r.provider === 'dbt-cloud' && r.method === method && pattern.test(r.path))
const triggers = () => requests('POST', /\/jobs\/\d+\/run\/$/)

describe('dbt Cloud RUN', () => {
  it('passes a run whose tests only warn, counting them in tests_warning', async () => {
    const r = await dbtCloud({ dbt_cloud_job_id: '103' })
    expect(r.code).toBe(0)
    expect(r.outputs).toMatchObject({ status: 'succeeded', tests_passed: '1', tests_failed: '0', tests_warning: '2' })
    expect(r.summary).toContain('| warn | test.jaffle_shop.recent_orders.9a8b7c | 4 | 2 | Got 2 results, configured to warn if \\!= 0 |')
  })

  it('says the run is queued behind the one already running, and counts the queue in the wait', async () => {
    const r = await dbtCloud({ dbt_cloud_job_id: '105' })
    expect(r.code).toBe(0)
    const behind = /queued behind run (\d+)/.exec(r.stdout)?.[1]
    expect(behind).toBeDefined()
    expect(Number(behind)).toBeLessThan(Number(r.outputs.job_id))
    expect(r.summary).toContain(`| Queued behind | run ${behind} (Running) |`)
    expect(r.summary).toMatch(/\| Queued for \| \d/)
    expect(r.summary).toContain(`It was queued behind run ${behind}.`)
  })

  it('shows the failed step and the tail of its log (escaped) when a failed run wrote no results', async () => {
    const r = await dbtCloud({ dbt_cloud_job_id: '107' })
    expect(r.code).toBe(1)
    expect(r.outputs.tests_passed).toBeUndefined()
    expect(r.summary).toContain('| Failed step | 3: Invoke dbt with \\`dbt deps\\` |')
    expect(r.summary).toContain(
      '| Runtime Error &lt;script&gt;alert(1)&lt;/script&gt; \\| \\[click\\](http\\://evil.example) \\`rm -rf\\` |'
    )
    expect(r.summary).not.toContain('<script>')
    // The log line that looks like a workflow command stays in the summary; nothing prints it at the start of a line.
    expect(r.stdout).not.toMatch(/^::error::not a workflow command/m)
  })

  it('skips a step whose run_results.json is missing, and fails a cancelled run with no results', async () => {
    const missing = await dbtCloud({ dbt_cloud_job_id: '106' })
    expect(missing.code).toBe(0)
    expect(missing.stdout).toMatch(/Step 5 \(Invoke dbt with `dbt test`\) saved no run_results.json; skipped/)
    expect(missing.outputs).toMatchObject({ tests_passed: '0', tests_failed: '0' })
    rig.emulator.reset()
    const cancelled = await dbtCloud({ dbt_cloud_job_id: '104' })
    expect(cancelled.code).toBe(1)
    expect(cancelled.outputs).toMatchObject({ status: 'cancelled', provider_status: 'Cancelled' })
    expect(cancelled.summary).toContain('| Status message | Cancelled by user. |')
  })

  it('finds the run of a trigger whose answer was lost by its cause token, though another run came after it', async () => {
    const r = await dbtCloud({ dbt_cloud_job_id: '111', request_timeout: '1s' })
    expect(r.code).toBe(0)
    expect(triggers()).toHaveLength(1)
    expect(warnings(r).join('\n')).toMatch(/looks for a run of job 111 .*whose cause carries \[eo-[0-9a-f]{12}\]/)
    const cause = (triggers()[0].body as { cause: string }).cause
    const found = requests('GET', /\/runs\/$/).at(-1)
    expect(found?.query).toMatchObject({ job_definition_id: '111', order_by: '-id', include_related: '["trigger"]' })
    // The newest run is someone else's; ours is the one whose trigger echoes our cause.
    expect(dbt.runsStarted).toBe(1)
    expect(r.stdout).toContain(`Found run ${r.outputs.job_id}`)
    expect(cause).toContain('[eo-')
  })

  it('rides out the account cooldown (429 without Retry-After) and fails clearly on a 401 and a 404', async () => {
    const limited = await dbtCloud({ dbt_cloud_job_id: '112' })
    expect(limited.code).toBe(0)
    expect(warnings(limited).join('\n')).toMatch(/HTTP 429/)
    rig.emulator.reset()
    const refused = await dbtCloud({ dbt_cloud_job_id: '101', api_key: 'dbtc_wrong-token-Zz9' })
    expect(refused.code).toBe(1)
    expect(errors(refused).join('\n')).toMatch(/dbt Cloud refused the token .*HTTP 401.*"Invalid token\."/)
    rig.emulator.reset()
    const missing = await dbtCloud({ dbt_cloud_job_id: '999' })
    expect(missing.code).toBe(1)
    expect(errors(missing).join('\n')).toMatch(/Job 999 was not found \(HTTP 404/)
    expect(triggers()).toHaveLength(0)
  })
})

describe('dbt Cloud RUN with history', () => {
  it("times its checks by the job's past runs: none for the first third, dense around the end, seen within 5 %", async () => {
    const minutes = (m: number) => Math.round(m * 60_000)
    dbt.defineJob('4300', { runMs: minutes(10), pastRunsMs: [10, 9.5, 10.5, 9.8, 10.2].map(minutes), now: rig.clock.now() })
    const r = await dbtCloud({ dbt_cloud_job_id: '4300', poll_interval: '30s', timeout: '1h' })
    expect(r.code).toBe(0)
    expect(r.outputs.status).toBe('succeeded')
    expect(r.summary).toContain('| History | typical 10m over the last 5 runs |')
    const trigger = triggers()[0].at
    const checks = requests('GET', /\/runs\/\d+\/$/).filter((q) => q.query.include_related === undefined)
    // The age-based schedule would check 39 times (every 30 s once the run is 2.5 min old).
    expect(checks.length).toBeLessThanOrEqual(9)
    expect(checks[0].at - trigger).toBeGreaterThan(minutes(2.9))
    const last = checks[checks.length - 1].at - trigger
    expect(last).toBeGreaterThanOrEqual(minutes(10))
    expect(last - minutes(10)).toBeLessThanOrEqual(0.05 * minutes(10))
  })
})

describe('dbt Cloud WAIT, STATUS, CANCEL', () => {
  it('WAIT follows a run started with wait: false, and STATUS reports it with its tests', async () => {
    const started = await dbtCloud({ dbt_cloud_job_id: '102', wait: 'false' })
    expect(started.code).toBe(0)
    expect(started.outputs.status).toMatch(/queued|running/)
    const waited = await dbtCloud({ action: 'WAIT', job_id: started.outputs.job_id })
    expect(waited.code).toBe(1)
    expect(waited.outputs).toMatchObject({ job_id: started.outputs.job_id, status: 'failed', tests_failed: '3' })
    const status = await dbtCloud({ action: 'STATUS', dbt_cloud_job_id: '102' })
    expect(status.code).toBe(0)
    expect(status.outputs).toMatchObject({ job_id: started.outputs.job_id, status: 'failed', tests_failed: '3' })
    expect(triggers()).toHaveLength(1)
  })

  it('CANCEL cancels a running run and confirms it; a run that ended is reported, not an error', async () => {
    const started = await dbtCloud({ dbt_cloud_job_id: '108', wait: 'false' })
    const cancel = await dbtCloud({ action: 'CANCEL', job_id: started.outputs.job_id, dbt_cloud_job_id: '108' })
    expect(cancel.code).toBe(0)
    expect(cancel.outputs).toMatchObject({ status: 'cancelled', provider_status: 'Cancelled' })
    expect(dbt.cancelledRunIds).toEqual([Number(started.outputs.job_id)])
    expect(requests('POST', /\/runs\/\d+\/cancel\/$/)).toHaveLength(1)
    const again = await dbtCloud({ action: 'CANCEL', job_id: started.outputs.job_id })
    expect(again.code).toBe(0)
    expect(again.stdout).toMatch(/had already ended \(Cancelled\); nothing to cancel/)
    expect(requests('POST', /\/cancel\/$/)).toHaveLength(1)
  })
})

describe('dbt Cloud RERUN', () => {
  it('reruns a failed run from the point of failure', async () => {
    const r = await dbtCloud({ action: 'RERUN', dbt_cloud_job_id: '109' })
    expect(r.code).toBe(0)
    expect(r.outputs).toMatchObject({ status: 'succeeded', tests_passed: '4' })
    expect(requests('POST', /\/jobs\/109\/rerun\/$/)).toHaveLength(1)
    expect(requests('POST', /\/jobs\/109\/rerun\/$/)[0].body).toBeUndefined()
    expect(r.summary).toMatch(/\| Rerun of \| run \d+ \|/)
  })

  it('refuses, before asking, a run that cannot be retried and a job whose last run did not fail', async () => {
    const refused = await dbtCloud({ action: 'RERUN', dbt_cloud_job_id: '110' })
    expect(refused.code).toBe(1)
    expect(errors(refused).join('\n')).toMatch(/cannot rerun it from the point of failure: the job's dbt version is older than 1\.6/)
    const fine = await dbtCloud({ action: 'RERUN', dbt_cloud_job_id: '101' })
    expect(errors(fine).join('\n')).toMatch(/has no run to rerun/)
    expect(requests('POST')).toHaveLength(0)
  })
})

describe('the emulated dbt Cloud', () => {
  it('answers a POST without its trailing slash with 405, as the redirected request does', async () => {
    const url = `${rig.emulator.baseUrl('dbt-cloud')}/api/v2/accounts/${DBT_CLOUD_ACCOUNT}/jobs/101/run`
    const response = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Token ${DBT_CLOUD_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ cause: 'x' })
    })
    expect(response.status).toBe(405)
    expect(dbt.runsStarted).toBe(0)
  })
})
