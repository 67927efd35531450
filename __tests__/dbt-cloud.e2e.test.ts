// The bundled action against the emulated dbt Cloud, as the runner runs it: a success and a failure with their tests,
// and a run timed by the job's past runs. Every action and scenario runs in-process in dbt-cloud.inprocess.test.ts.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { DBT_CLOUD_ACCOUNT, DBT_CLOUD_TOKEN, DbtCloudEmulator } from '../emulator/dbt-cloud.js'
import { startEmulator, type Emulator } from '../emulator/server.js'
import { errors, runAction } from './harness.js'

let emulator: Emulator
let dbt: DbtCloudEmulator

beforeAll(async () => {
  dbt = new DbtCloudEmulator()
  emulator = await startEmulator({ providers: [dbt] })
})
afterAll(() => emulator.close())
beforeEach(() => emulator.reset())

function dbtCloud(inputs: Record<string, string>) {
  return runAction({
    provider: 'dbt-cloud',
    api_key: DBT_CLOUD_TOKEN,
    account_id: DBT_CLOUD_ACCOUNT,
    base_url: emulator.baseUrl('dbt-cloud'),
    poll_interval: '1s',
    timeout: '30s',
    ...inputs
  })
}

const requests = (method: string, pattern: RegExp = /./) =>
  emulator.requests.filter((r) => r.provider === 'dbt-cloud' && r.method === method && pattern.test(r.path))
const triggers = () => requests('POST', /\/jobs\/\d+\/run\/$/)

describe('dbt Cloud RUN', () => {
  it('triggers once with a tokened cause and only the overrides given, waits, and puts the tests in the outputs and summary', async () => {
    const r = await dbtCloud({
      dbt_cloud_job_id: '101',
      git_branch: 'feature/x',
      threads_override: '8',
      steps_override: 'dbt seed\ndbt build --fail-fast'
    })
    expect(r.code).toBe(0)
    expect(r.outputs).toMatchObject({
      status: 'succeeded',
      provider_status: 'Success',
      tests_passed: '4',
      tests_failed: '0',
      tests_warning: '0'
    })
    // 14-digit run ids survive whole.
    expect(r.outputs.job_id).toMatch(/^70471831584\d{3}$/)
    expect(r.outputs.job_url).toBe(`https://cloud.getdbt.com/deploy/43/projects/7/runs/${r.outputs.job_id}/`)
    expect(r.outputs.rows_synced).toBeUndefined()
    expect(triggers()).toHaveLength(1)
    const body = triggers()[0].body as Record<string, unknown>
    expect(Object.keys(body).sort()).toEqual(['cause', 'git_branch', 'steps_override', 'threads_override'])
    expect(body).toMatchObject({ git_branch: 'feature/x', threads_override: 8, steps_override: ['dbt seed', 'dbt build --fail-fast'] })
    expect(body.cause).toMatch(/ \[eo-[0-9a-f]{12}\]$/)
    expect(triggers()[0].headers.authorization).toBe(`Token ${DBT_CLOUD_TOKEN}`)
    // Every endpoint path ends in /; the artifact is a file. Its results are read step by step.
    for (const q of emulator.requests) expect(q.path.endsWith('/') || q.path.endsWith('/run_results.json')).toBe(true)
    expect(requests('GET', /run_results\.json$/).map((q) => q.query.step)).toEqual(['4', '5'])
    expect(r.summary).toContain(`[\`${r.outputs.job_id}\`](${r.outputs.job_url})`)
    expect(r.summary).toContain('| Tests | 4 passed |')
    expect(r.summary).toContain('| Tests | 4 | 0 | 0 | 0 | 0 |')
    expect(r.summary).toMatch(/\| 5 \| Invoke dbt with \\`dbt build\\` \| Success \| \d/)
  })

  it('fails on failing tests and an erroring model, listing each (escaped), counting them, and setting tests_*', async () => {
    const r = await dbtCloud({ dbt_cloud_job_id: '102' })
    expect(r.code).toBe(1)
    expect(r.outputs).toMatchObject({
      status: 'failed',
      provider_status: 'Error',
      tests_passed: '1',
      tests_failed: '3',
      tests_warning: '0'
    })
    expect(errors(r).join('\n')).toMatch(/ended Error: tests 1 passed, 2 failed, 1 errored, 1 skipped; 1 model errored/)
    expect(r.summary).toContain('| fail | unit_test.jaffle_shop.customers.test_lifetime_value | 4 | 1 | actual differs from expected |')
    expect(r.summary).toContain('| Models, seeds, snapshots | 1 |  |  | 1 | 1 |')
    // Provider text never becomes markup: no raw tag, link or code span from the model's error message.
    expect(r.summary).toContain('&lt;b&gt;TOTAL&lt;/b&gt;')
    expect(r.summary).not.toMatch(/<b>|\[see\]\(|`x`/)
  })
})

describe('dbt Cloud RUN with history', () => {
  it("reads the job's last successful runs once, checks around their length, and the summary says so", async () => {
    dbt.defineJob('4242', { runMs: 2000, pastRunsMs: [2000, 1900, 2100, 2000, 2000] })
    const r = await dbtCloud({ dbt_cloud_job_id: '4242', poll_interval: '5s' })
    expect(r.code).toBe(0)
    expect(r.outputs).toMatchObject({ status: 'succeeded', tests_passed: '4' })
    const reads = requests('GET', /\/runs\/$/).filter((q) => q.query.status !== undefined)
    expect(reads.map((q) => q.query)).toEqual([
      { job_definition_id: '4242', status: '10', order_by: '-id', limit: '10', include_related: '["trigger"]' }
    ])
    expect(r.summary).toContain('| History | typical 2s over the last 5 runs |')
    // A 2 s run is checked every second either way: dbt-cloud.inprocess.test.ts pins the plan on a 10 min run.
    const checks = requests('GET', /\/runs\/\d+\/$/).filter((q) => q.query.include_related === undefined)
    expect(checks.length).toBeLessThanOrEqual(3)
  }, 30_000)
})
