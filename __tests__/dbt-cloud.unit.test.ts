import { afterEach, describe, expect, it } from '@jest/globals'
import { cell } from '../src/core/summary.js'
import nock from 'nock'
import { orchestrate } from '../src/core/orchestrator.js'
import { parseDbtCloudError } from '../src/providers/dbt-cloud/api.js'
import { dbtCloud } from '../src/providers/dbt-cloud/index.js'
import {
  MAX_CAUSE,
  MAX_PROBLEMS,
  addRunResults,
  causeWithToken,
  emptyAggregate,
  flatText,
  isPlainSuccess,
  logTailTable,
  newCauseToken,
  normaliseStatus,
  parseClock,
  parseDbtTime,
  problemsTable,
  providerStatus,
  readRun,
  resultSteps,
  retryReason,
  runDurationMs,
  runPhase,
  runUrl,
  runWithToken,
  safeHref,
  stepCommand,
  testCounts,
  type DbtRun
} from '../src/providers/dbt-cloud/model.js'
import { defaultCause } from '../src/providers/dbt-cloud/settings.js'
import { FakeClock } from './fake-clock.js'
import { inputsOf } from './fake-provider.js'
import { problemsOf, settingsOf } from './settings-helpers.js'
import { MemoryIo } from './memory-io.js'

describe('dbt Cloud run statuses', () => {
  it('waits on 1 queued, 2 starting, 3 running; ends on 10 succeeded, 20 failed, 30 cancelled', () => {
    expect([1, 2, 3].map(runPhase)).toEqual(['waiting', 'waiting', 'waiting'])
    expect([1, 2, 3].map(normaliseStatus)).toEqual(['queued', 'running', 'running'])
    expect([10, 20, 30].map(runPhase)).toEqual(['ended', 'ended', 'ended'])
    expect([10, 20, 30].map(normaliseStatus)).toEqual(['succeeded', 'failed', 'cancelled'])
  })

  it('calls a code nobody documented unknown (the wait goes on), never an end', () => {
    expect(runPhase(77)).toBe('unknown')
    expect(runPhase(0)).toBe('unknown')
    expect(normaliseStatus(77)).toBe('unknown')
  })

  it('takes provider_status from status_humanized, else the documented word', () => {
    expect(providerStatus({ status: 20, status_humanized: 'Error' })).toBe('Error')
    expect(providerStatus({ status: 3 })).toBe('Running')
    expect(providerStatus({ status: 10, status_humanized: '<b>x</b>' })).toBe('Success')
    expect(providerStatus({ status: 77 })).toBe('77')
  })

  it('reads a run with a numeric id and status; a 200 without them is a passing fault', () => {
    expect(readRun({ status: { code: 200 }, data: { id: 70471831584850, status: 3 } }, 'GET /runs/1/').id).toBe(70471831584850)
    expect(() => readRun({ status: { code: 200 }, data: { id: 1 } }, 'GET /runs/1/')).toThrow(/lacks data.status/)
    expect(() => readRun({ data: null }, 'GET /runs/1/')).toThrow(/lacks data/)
    expect(() => readRun({ status: { code: 200 } }, 'GET /runs/1/')).toThrow(/lacks data/)
  })
})

describe('dbt Cloud times', () => {
  it('parses `2021-11-26 16:48:41.431645+00:00` (a space, microseconds, an offset) and ISO forms', () => {
    expect(parseDbtTime('2021-11-26 16:48:41.431645+00:00')).toBe(Date.UTC(2021, 10, 26, 16, 48, 41, 431))
    expect(parseDbtTime('2021-11-26 18:48:41.431645+02:00')).toBe(Date.UTC(2021, 10, 26, 16, 48, 41, 431))
    expect(parseDbtTime('2021-11-26T16:48:41Z')).toBe(Date.UTC(2021, 10, 26, 16, 48, 41))
    expect(parseDbtTime(null)).toBeUndefined()
    expect(parseDbtTime('soon')).toBeUndefined()
  })

  it('parses HH:MM:SS durations', () => {
    expect(parseClock('01:02:03')).toBe(3_723_000)
    expect(parseClock('00:00:09')).toBe(9000)
    expect(parseClock('9 seconds')).toBeUndefined()
  })
})

describe('dbt Cloud past runs (history)', () => {
  const past = (fields: Partial<DbtRun>): DbtRun => ({ id: 1, status: 10, ...fields })

  it('takes a run from its creation to its end (queue included), else its reported duration', () => {
    expect(runDurationMs(past({ created_at: '2026-03-01 10:00:00.000000+00:00', finished_at: '2026-03-01 10:09:30.500000+00:00' }))).toBe(
      570_500
    )
    expect(runDurationMs(past({ created_at: '2026-03-01 10:00:00+00:00', finished_at: null, duration: '00:12:05' }))).toBe(725_000)
    expect(runDurationMs(past({ created_at: 'soon', duration: '00:00:00' }))).toBeUndefined()
    expect(runDurationMs(past({}))).toBeUndefined()
  })

  it('counts only plain successful runs: not a failure, a rerun from the point of failure, or a run of other steps', () => {
    expect(isPlainSuccess(past({}))).toBe(true)
    expect(isPlainSuccess(past({ trigger: { cause: 'Scheduled', cause_category: 'scheduled', steps_override: null } }))).toBe(true)
    expect(isPlainSuccess(past({ status: 20 }))).toBe(false)
    expect(isPlainSuccess(past({ trigger: { cause_category: 'rerun' } }))).toBe(false)
    expect(isPlainSuccess(past({ trigger: { cause_category: 'api', steps_override: ['dbt run -s orders'] } }))).toBe(false)
  })
})

describe('the cause token', () => {
  it('is eo- and 12 hex digits, different each time', () => {
    expect(newCauseToken(() => 0.5)).toBe('eo-800080008000')
    expect(newCauseToken()).toMatch(/^eo-[0-9a-f]{12}$/)
    expect(newCauseToken()).not.toBe(newCauseToken())
  })

  it('ends the cause, kept whole however long the text, within 255 characters', () => {
    expect(causeWithToken('GitHub Actions: acme/data run 42', 'eo-0123456789ab')).toBe('GitHub Actions: acme/data run 42 [eo-0123456789ab]')
    const long = causeWithToken('x'.repeat(400), 'eo-0123456789ab')
    expect(long).toHaveLength(MAX_CAUSE)
    expect(long.endsWith('... [eo-0123456789ab]')).toBe(true)
    expect(causeWithToken('a\n  b', 't')).toBe('a b [t]')
  })

  it("finds the run whose trigger's cause carries the token, not a newer one", () => {
    const runs = [
      { id: 3, status: 1, trigger: { cause: 'someone else' } },
      { id: 2, status: 1, trigger: { cause: 'CI [eo-aaaaaaaaaaaa]' } },
      { id: 1, status: 10, trigger: { cause: 'CI [eo-bbbbbbbbbbbb]' } },
      { id: 0, status: 10 }
    ] as DbtRun[]
    expect(runWithToken(runs, 'eo-aaaaaaaaaaaa')?.id).toBe(2)
    expect(runWithToken(runs, 'eo-cccccccccccc')).toBeUndefined()
  })

  it('defaults the cause to the repository, workflow and run', () => {
    expect(defaultCause({ GITHUB_REPOSITORY: 'acme/data', GITHUB_WORKFLOW: 'ELT', GITHUB_RUN_ID: '99', GITHUB_RUN_ATTEMPT: '2' })).toBe(
      'GitHub Actions: acme/data workflow "ELT" run 99/2'
    )
    expect(defaultCause({})).toBe('Triggered by elt-orchestrator')
  })
})

describe('run_results.json', () => {
  const results = (...r: [string, string, string?, number?][]) => ({
    results: r.map(([unique_id, status, message, failures]) => ({ unique_id, status, message, failures }))
  })

  it('counts tests (test. and unit_test.) by pass, fail, warn, error, skipped, and models, seeds, snapshots apart', () => {
    const a = emptyAggregate()
    addRunResults(
      a,
      results(
        ['test.p.a', 'pass'],
        ['unit_test.p.m.b', 'fail', 'actual differs', 1],
        ['test.p.c', 'warn', 'Got 2 results', 2],
        ['test.p.d', 'error', 'Database Error'],
        ['test.p.e', 'skipped'],
        ['test.p.f', 'runtime error', 'boom'],
        ['model.p.m', 'success'],
        ['model.p.n', 'error', 'Compilation Error'],
        ['seed.p.s', 'success'],
        ['snapshot.p.t', 'skipped'],
        ['source.p.x', 'error'],
        ['operation.p.hook', 'error'],
        ['test.p.g', 'partial success']
      ),
      4
    )
    expect(a.tests).toEqual({ pass: 1, fail: 1, warn: 1, error: 2, skipped: 1 })
    expect(a.nodes).toEqual({ success: 2, error: 1, skipped: 1 })
    expect(testCounts(a)).toEqual({ passed: 1, failed: 3, warning: 1 })
    expect(a.problems.map((p) => [p.status, p.uniqueId, p.step])).toEqual([
      ['fail', 'unit_test.p.m.b', 4],
      ['warn', 'test.p.c', 4],
      ['error', 'test.p.d', 4],
      ['error', 'test.p.f', 4],
      ['error', 'model.p.n', 4]
    ])
    expect(a.problems[0].failures).toBe(1)
  })

  it('adds steps together, and reads nothing from an artifact without results', () => {
    const a = emptyAggregate()
    addRunResults(a, results(['test.p.a', 'pass']), 4)
    addRunResults(a, results(['test.p.a', 'pass']), 5)
    addRunResults(a, { metadata: {} }, 6)
    addRunResults(a, 'not json', 7)
    expect(a.stepsRead).toBe(2)
    expect(a.tests.pass).toBe(2)
  })

  it('reads the steps whose command writes results: build, run, test, seed, snapshot, retry', () => {
    const steps = [
      { index: 1, name: 'Clone git repository' },
      { index: 3, name: 'Invoke dbt with `dbt deps`' },
      { index: 4, name: 'Invoke dbt with `dbt seed`' },
      { index: 5, name: 'Invoke dbt with `dbt build --fail-fast`' },
      { index: 6, name: 'Invoke dbt with `dbt docs generate`' },
      { index: 7, name: 'Invoke dbt with `dbt source freshness`' },
      { index: 8, name: 'anything', run_step_command: { dbt_command: 'dbt snapshot' } }
    ]
    expect(stepCommand(steps[3])).toBe('build')
    expect(stepCommand(steps[4])).toBe('docs')
    expect(resultSteps(steps).map((s) => s.index)).toEqual([4, 5, 8])
  })

  it('lists failing and warning tests and erroring models worst first, at most 50, saying how many more', () => {
    const a = emptyAggregate()
    addRunResults(a, results(...Array.from({ length: 55 }, (_, i) => [`test.p.t${i}`, i === 54 ? 'error' : 'warn'] as [string, string])), 4)
    const table = problemsTable(a)
    expect(table?.rows).toHaveLength(MAX_PROBLEMS + 1)
    expect(table?.rows[0][0]).toBe('error')
    expect(table?.rows.at(-1)?.[1]).toBe('5 more not shown')
    expect(problemsTable(emptyAggregate())).toBeUndefined()
  })
})

describe('provider text in the summary', () => {
  it('folds lines and caps the length, leaving the escaping to the summary (which escapes every cell)', () => {
    expect(flatText('a|b <i>x</i> [l](u) `c`')).toBe('a|b <i>x</i> [l](u) `c`')
    expect(cell('a|b <i>x</i> [l](u) `c`')).toBe('a\\|b &lt;i&gt;x&lt;/i&gt; \\[l\\](u) \\`c\\`')
    expect(flatText('line 1\nline 2\r\n::error::x')).toBe('line 1 line 2 ::error::x')
    expect(flatText('x'.repeat(600))).toHaveLength(500)
  })

  it("shows a failed step's last 30 log lines, each escaped", () => {
    const logs = Array.from({ length: 40 }, (_, i) => `line ${i} <b>`).join('\n')
    const table = logTailTable({ index: 3, name: 'Invoke dbt with `dbt deps`', logs })
    expect(table?.title).toBe('Last 30 log lines of step 3 (Invoke dbt with `dbt deps`)')
    expect(table?.rows[0]).toEqual(['line 10 <b>'])
    expect(table?.rows).toHaveLength(30)
    expect(logTailTable({ index: 3, logs: '' })).toBeUndefined()
  })

  it('links the run by its href only when it is a plain http(s) URL, else builds it from the project', () => {
    expect(safeHref('https://ab123.us1.dbt.com/deploy/1/projects/2/runs/3/')).toBe('https://ab123.us1.dbt.com/deploy/1/projects/2/runs/3/')
    expect(safeHref('javascript:alert(1)')).toBeUndefined()
    expect(safeHref('https://x.com/a)[b](c')).toBeUndefined()
    expect(runUrl('https://emea.dbt.com', '43', { id: 5, project_id: 7, href: 'nope' })).toBe(
      'https://emea.dbt.com/deploy/43/projects/7/runs/5/'
    )
    expect(runUrl('https://emea.dbt.com', '43', { id: 5 })).toBeUndefined()
  })

  it("reads dbt Cloud's error envelope, field errors and Django's detail, escaped", () => {
    expect(parseDbtCloudError(401, { status: { code: 401, user_message: 'Invalid token.', developer_message: null }, data: null })).toEqual(
      {
        message: 'Invalid token.'
      }
    )
    expect(
      parseDbtCloudError(400, { status: { user_message: 'The request was invalid.' }, data: { cause: 'This field is required.' } })
    ).toEqual({ message: 'The request was invalid. cause: This field is required.' })
    expect(parseDbtCloudError(405, { detail: 'Method "GET" not allowed.' })).toEqual({ message: 'Method "GET" not allowed.' })
    expect(parseDbtCloudError(500, { status: { user_message: '<img src=x>' } })).toEqual({ message: '<img src=x>' })
    expect(parseDbtCloudError(502, '<html>')).toEqual({})
  })

  it('explains why a run cannot be retried', () => {
    expect(retryReason('RETRY_UNSUPPORTED_CMD')).toMatch(/does not support dbt retry/)
    expect(retryReason('RETRY_NOT_FAILED_RUN')).toBe('it did not fail')
    expect(retryReason('SOMETHING_NEW')).toBe('dbt Cloud says SOMETHING_NEW')
    expect(retryReason('<b>')).toBe('dbt Cloud says it cannot be retried')
  })
})

describe('dbt Cloud settings', () => {
  const settings = (values: Record<string, string>, env: Record<string, string> = {}) => settingsOf('dbt-cloud', values, env)
  const problems = (values: Record<string, string>): string[] => problemsOf('dbt-cloud', { api_key: 'k', account_id: '43', ...values })

  it('is registered as dbt-cloud: RUN by default on https://cloud.getdbt.com, inputs from the DBT_CLOUD_* env names', () => {
    const s = settings({}, { DBT_CLOUD_API_TOKEN: 'tok', DBT_CLOUD_ACCOUNT_ID: '43', DBT_CLOUD_JOB_ID: '1,2' })
    expect(s.provider.name).toBe('dbt-cloud')
    expect(s.common).toMatchObject({ action: 'RUN', actionKind: 'wait', baseUrl: 'https://cloud.getdbt.com' })
    expect(s.step.settings).toMatchObject({ apiKey: 'tok', accountId: '43', jobIds: ['1', '2'], trigger: {} })
    expect(dbtCloud.targets(s.step.settings as never)).toEqual(['1', '2'])
    expect(dbtCloud.secrets(s.step.settings as never)).toEqual(['tok'])
    expect(Object.entries(dbtCloud.actions).map(([a, { kind }]) => `${a}:${kind}`)).toEqual([
      'RUN:wait',
      'RERUN:wait',
      'WAIT:wait',
      'STATUS:report',
      'CANCEL:report'
    ])
    expect(dbtCloud.rateLimit).toEqual({ requests: 5000, windowMs: 60_000 })
  })

  it('sends only the overrides given, typed', () => {
    const s = settings({
      api_key: 'k',
      account_id: '43',
      dbt_cloud_job_id: '1',
      git_sha: 'abc1234',
      threads_override: '8',
      timeout_seconds_override: '0',
      github_pull_request_id: '12',
      steps_override: '- dbt seed\n\n  dbt build -s my_model+  '
    })
    expect(s.step.settings).toMatchObject({
      trigger: {
        git_sha: 'abc1234',
        threads_override: 8,
        timeout_seconds_override: 0,
        github_pull_request_id: 12,
        steps_override: ['dbt seed', 'dbt build -s my_model+']
      }
    })
    expect(Object.keys((s.step.settings as { trigger: object }).trigger)).toHaveLength(5)
  })

  it('names the input and the value expected for each problem, all at once', () => {
    expect(
      problems({ account_id: 'acme', dbt_cloud_job_id: 'x1', threads_override: 'many', git_sha: 'main', steps_override: 'build' })
    ).toEqual([
      'dbt_cloud_job_id must be a numeric dbt Cloud job id (e.g. 567), got "x1"',
      'account_id must be the numeric dbt Cloud account id (e.g. 43), got "acme"',
      'git_sha must be a commit SHA (7 to 40 hex digits), got "main"',
      'threads_override must be a whole number from 1 (e.g. 8), got "many"',
      'steps_override takes one dbt command a line (e.g. dbt build -s my_model+), got "build"'
    ])
    expect(problems({ api_key: '', account_id: '' })).toEqual([
      expect.stringMatching(/^api_key is required \(or the DBT_CLOUD_API_TOKEN env variable\)/),
      expect.stringMatching(/^account_id is required \(or the DBT_CLOUD_ACCOUNT_ID env variable\)/),
      expect.stringMatching(/^dbt_cloud_job_id is required for RUN/)
    ])
    expect(problems({ dbt_cloud_job_id: '1,1' })).toEqual(['dbt_cloud_job_id lists the same job twice'])
  })

  it('WAIT and CANCEL need a run id in job_id; STATUS takes one or a single job; RERUN takes no overrides', () => {
    expect(problems({ action: 'WAIT' })).toEqual([expect.stringMatching(/^job_id is required for WAIT/)])
    expect(problems({ action: 'CANCEL', job_id: 'run-1' })).toEqual([expect.stringMatching(/^job_id must be a dbt Cloud run id/)])
    expect(problems({ action: 'STATUS' })).toEqual([
      expect.stringMatching(/^STATUS needs job_id \(a run id\) or exactly one dbt_cloud_job_id/)
    ])
    expect(problems({ action: 'STATUS', dbt_cloud_job_id: '5' })).toEqual([])
    expect(problems({ action: 'WAIT', job_id: '9', dbt_cloud_job_id: '5,6' })).toEqual([expect.stringMatching(/^WAIT acts on one run/)])
    expect(problems({ dbt_cloud_job_id: '5', job_id: '9' })).toEqual([
      'job_id is only used by WAIT, STATUS and CANCEL for dbt-cloud, not RUN'
    ])
    expect(problems({ action: 'RERUN', dbt_cloud_job_id: '5', cause: 'x', git_branch: 'b' })).toEqual([
      'git_branch, cause are only used by RUN: dbt Cloud reruns a failed run as it was, with no cause or overrides'
    ])
    expect(problems({ dbt_cloud_job_id: '5', cause: 'x'.repeat(201) })).toEqual([
      expect.stringMatching(/^cause must be at most 200 characters/)
    ])
    const wait = settings({ api_key: 'k', account_id: '43', action: 'wait', job_id: '70471831584850' })
    expect(dbtCloud.targets(wait.step.settings as never)).toEqual(['70471831584850'])
  })
})

// The provider against dbt Cloud's API as documented (nock), on a fake clock: no real waiting.
const HOST = 'https://cloud.getdbt.com'
const ROOT = '/api/v2/accounts/43'
const TOKEN = 'dbtc_unit-token-7Qx2'
const T0 = Date.parse('2026-03-01T10:00:00.000Z')

afterEach(() => nock.cleanAll())

function api() {
  return nock(HOST, { reqheaders: { authorization: `Token ${TOKEN}` } })
}

const unmatched: string[] = []
nock.emitter.on('no match', (req: { method?: string; path?: string }) => unmatched.push(`${req.method} ${req.path}`))

/**
 * The step's inputs: job 5 of account 43, polled every 5 s, with `values` on top. These steps pin the requests of the
 * age-based schedule (history: false); the history read has tests of its own.
 */
const stepInputs = (values: Record<string, string>) =>
  inputsOf({
    provider: 'dbt-cloud',
    api_key: TOKEN,
    account_id: '43',
    dbt_cloud_job_id: '5',
    poll_interval: '5s',
    history: 'false',
    ...values
  })

async function step(values: Record<string, string>) {
  unmatched.length = 0
  const io = new MemoryIo()
  const clock = new FakeClock(T0)
  const read = stepInputs(values)
  const result = await orchestrate({ io, read, clock })
  const text = [...io.lines, io.summary, JSON.stringify(io.outputs)].join('\n')
  expect(text).not.toContain(TOKEN)
  expect(unmatched).toEqual([])
  return { io, result, clock }
}

const ok = (data: unknown) => ({ status: { code: 200, is_success: true, user_message: 'Success!', developer_message: '' }, data })
const run = (fields: Partial<DbtRun> = {}): DbtRun => ({
  id: 900,
  status: 3,
  status_humanized: 'Running',
  job_definition_id: 5,
  project_id: 7,
  href: 'https://cloud.getdbt.com/deploy/43/projects/7/runs/900/',
  created_at: '2026-03-01 10:00:00.100000+00:00',
  ...fields
})

/** The job read before every trigger, and the runs in progress a queued run is checked against (none). */
function beforeTrigger() {
  api()
    .get(`${ROOT}/runs/`)
    .query((q) => q.status__in === '[1,2,3]')
    .optionally()
    .reply(200, ok([]))
  return api()
    .get(`${ROOT}/jobs/5/`)
    .reply(200, ok({ id: 5, name: 'nightly', project_id: 7 }))
}

describe('dbt Cloud RUN (nock)', () => {
  it('after a 502 on the trigger, finds the run by the token in its cause and never triggers again', async () => {
    let cause = ''
    beforeTrigger()
    const trigger = api()
      .post(`${ROOT}/jobs/5/run/`, (body: { cause: string }) => {
        cause = body.cause
        return true
      })
      .once()
      .reply(502, '<html>Bad Gateway</html>')
    const lookups = api()
      .get(`${ROOT}/runs/`)
      .query({ job_definition_id: '5', order_by: '-id', limit: '10', include_related: '["trigger"]' })
      .reply(200, () => ok([run({ id: 901, trigger: { cause: 'someone else' } })]))
      .get(`${ROOT}/runs/`)
      .query(true)
      .reply(200, () =>
        ok([
          run({ id: 902, trigger: { cause: 'someone else' } }),
          run({ id: 901, status: 1, status_humanized: 'Queued', trigger: { cause } })
        ])
      )
    const checks = api()
      .get(`${ROOT}/runs/901/`)
      .reply(200, ok(run({ id: 901, status: 10, status_humanized: 'Success' })))
      .get(`${ROOT}/runs/901/`)
      .query({ include_related: '["run_steps"]' })
      .reply(200, ok(run({ id: 901, status: 10, run_steps: [] })))
    const { io, result } = await step({})
    trigger.done()
    lookups.done()
    checks.done()
    expect(result.exitCode).toBe(0)
    expect(io.outputs).toMatchObject({ job_id: '901', status: 'succeeded' })
    expect(cause).toMatch(/^Triggered by elt-orchestrator \[eo-[0-9a-f]{12}\]$/)
    expect(io.lines.join('\n')).toMatch(/Found run 901 \(Queued\): the trigger did go through/)
  })

  it('after a lost answer and no run with the token within the grace period, fails without triggering again', async () => {
    beforeTrigger()
    const trigger = api()
      .post(`${ROOT}/jobs/5/run/`)
      .once()
      .reply(503, { status: { code: 503, user_message: 'Down' } })
    api().get(`${ROOT}/runs/`).query(true).times(50).reply(200, ok([]))
    const { io, result, clock } = await step({ timeout: '2m' })
    trigger.done()
    expect(result.exitCode).toBe(1)
    expect(io.errors.join('\n')).toMatch(
      /HTTP 503 .* and no sign of a run of job 5 \(nightly\) whose cause carries \[eo-[0-9a-f]{12}\] showed up in the 1m \d+s after it/
    )
    expect(io.errors.join('\n')).toMatch(/The action does not trigger twice/)
    expect(clock.now() - T0).toBeGreaterThanOrEqual(60_000)
    expect(io.outputs.job_id).toBeUndefined()
  })

  it('on the timeout, leaves the run going and says so with its link; no cancel is sent', async () => {
    beforeTrigger()
    api()
      .post(`${ROOT}/jobs/5/run/`)
      .reply(200, ok(run({ status: 1, status_humanized: 'Queued' })))
    api().get(`${ROOT}/runs/900/`).times(100).reply(200, ok(run()))
    const { io, result } = await step({ timeout: '1m' })
    expect(result.exitCode).toBe(1)
    expect(io.outputs).toMatchObject({ job_id: '900', status: 'timed_out', provider_status: 'Running' })
    expect(io.errors.join('\n')).toMatch(
      /Timed out after 1m waiting for run 900 of job 5 \(nightly\) \(last seen Running\)\. The run goes on in dbt Cloud: https:\/\/cloud\.getdbt\.com\/deploy\/43\/projects\/7\/runs\/900\//
    )
  })

  it('warns once about a status nobody documented and waits on', async () => {
    beforeTrigger()
    api()
      .post(`${ROOT}/jobs/5/run/`)
      .reply(200, ok(run({ status: 1 })))
    api()
      .get(`${ROOT}/runs/900/`)
      .times(2)
      .reply(200, ok(run({ status: 77, status_humanized: 'Mystery' })))
      .get(`${ROOT}/runs/900/`)
      .reply(200, ok(run({ status: 10, status_humanized: 'Success' })))
      .get(`${ROOT}/runs/900/`)
      .query(true)
      .reply(200, ok(run({ status: 10, run_steps: [] })))
    const { io, result } = await step({})
    expect(result.exitCode).toBe(0)
    expect(io.lines.filter((l) => l.includes('does not know ("77")'))).toHaveLength(1)
  })
})

describe('dbt Cloud RUN: the past runs time the checks (history)', () => {
  const past = (id: number, day: number, minutes: number, trigger?: DbtRun['trigger']): DbtRun =>
    run({
      id,
      status: 10,
      status_humanized: 'Success',
      created_at: `2026-02-${10 + day} 06:00:00.000000+00:00`,
      finished_at: `2026-02-${10 + day} 06:${String(minutes).padStart(2, '0')}:00.000000+00:00`,
      trigger: trigger ?? { cause: 'Scheduled by the nightly schedule', cause_category: 'scheduled', steps_override: null }
    })

  /** A run that ends Success on its second check. */
  function triggerAndEnd() {
    beforeTrigger()
    api()
      .post(`${ROOT}/jobs/5/run/`)
      .reply(200, ok(run({ status: 1, status_humanized: 'Queued' })))
    api()
      .get(`${ROOT}/runs/900/`)
      .reply(200, ok(run()))
      .get(`${ROOT}/runs/900/`)
      .reply(200, ok(run({ status: 10, status_humanized: 'Success' })))
      .get(`${ROOT}/runs/900/`)
      .query({ include_related: '["run_steps"]' })
      .reply(200, ok(run({ status: 10, run_steps: [] })))
  }

  it("reads the job's successful runs once, leaves out reruns and runs of other steps, and the summary says what it used", async () => {
    triggerAndEnd()
    const history = api()
      .get(`${ROOT}/runs/`)
      .query({ job_definition_id: '5', status: '10', order_by: '-id', limit: '10', include_related: '["trigger"]' })
      .once()
      .reply(
        200,
        ok([
          past(808, 8, 10),
          past(807, 7, 2, { cause: 'Rerun of run 806', cause_category: 'rerun' }),
          past(805, 5, 11),
          past(804, 4, 1, { cause: 'Triggered via API', cause_category: 'api', steps_override: ['dbt run -s orders'] }),
          past(803, 3, 9),
          // Neither times nor a duration: left out.
          run({ id: 802, status: 10, created_at: undefined })
        ])
      )
    const { io, result } = await step({ history: 'true' })
    expect(result.exitCode).toBe(0)
    history.done()
    expect(io.summary).toContain('| History | typical 10m over the last 3 runs |')
    expect(io.outputs).toMatchObject({ job_id: '900', status: 'succeeded' })
  })

  it('a run with steps_override reads no history (its steps take their own time), nor does history: false', async () => {
    const cases: Record<string, string>[] = [{ history: 'true', steps_override: 'dbt run -s orders' }, { history: 'false' }]
    for (const values of cases) {
      triggerAndEnd()
      const { io, result } = await step(values)
      expect(result.exitCode).toBe(0)
      expect(io.summary).not.toContain('History')
    }
  })

  it('a failed history read is tried once, and the wait goes on as without it', async () => {
    triggerAndEnd()
    let reads = 0
    api()
      .get(`${ROOT}/runs/`)
      .query((q) => q.status === '10')
      .times(3)
      .reply(() => {
        reads++
        return [500, { status: { code: 500, user_message: 'Oops' } }]
      })
    const { io, result } = await step({ history: 'true' })
    expect(result.exitCode).toBe(0)
    expect(reads).toBe(1)
    expect(io.summary).not.toContain('History')
    expect(io.lines.filter((l) => l.startsWith('warning:'))).toEqual([])
  })
})

describe('dbt Cloud errors (nock)', () => {
  it('a 401 "Invalid token." on the default host says to set base_url to the access URL', async () => {
    api()
      .get(`${ROOT}/jobs/5/`)
      .reply(401, { status: { code: 401, is_success: false, user_message: 'Invalid token.', developer_message: null }, data: null })
    const { io, result } = await step({})
    expect(result.exitCode).toBe(1)
    const error = io.errors.join('\n')
    expect(error).toMatch(
      /dbt Cloud refused the token \(HTTP 401 Unauthorized on GET \/api\/v2\/accounts\/43\/jobs\/5\/\)\. dbt Cloud said: "Invalid token\."/
    )
    expect(error).toMatch(/Set base_url to the account's access URL \(Account settings → Access URLs, e.g\. https:\/\/ab123\.us1\.dbt\.com/)
  })

  it('a 401 on an access URL points at the token; a 403 at the permission or IP restrictions; a 404 run at job_id', async () => {
    nock('https://ab123.us1.dbt.com')
      .get(`${ROOT}/jobs/5/`)
      .reply(401, { status: { user_message: 'Invalid token.' }, data: null })
    const refused = await step({ base_url: 'https://ab123.us1.dbt.com/api' })
    expect(refused.io.errors.join('\n')).toMatch(/Check base_url \(ab123\.us1\.dbt\.com\) is the account's access URL .* and api_key/)
    api()
      .get(`${ROOT}/jobs/5/`)
      .reply(403, { status: { user_message: 'Forbidden: Access denied' }, data: { account_access_denied: true } })
    const forbidden = await step({})
    expect(forbidden.io.errors.join('\n')).toMatch(/Job Runner, or Job Admin\), or the account's IP restrictions/)
    api()
      .get(`${ROOT}/runs/77/`)
      .reply(404, { status: { user_message: 'The requested resource was not found.' }, data: null })
    const missing = await step({ action: 'WAIT', job_id: '77', dbt_cloud_job_id: '' })
    expect(missing.io.errors.join('\n')).toMatch(/Run 77 was not found .*Check job_id/)
  })

  it('a run of another job is refused when dbt_cloud_job_id names one', async () => {
    api()
      .get(`${ROOT}/jobs/5/`)
      .reply(200, ok({ id: 5, name: 'nightly' }))
    api()
      .get(`${ROOT}/runs/900/`)
      .reply(200, ok(run({ job_definition_id: 6 })))
    const { io } = await step({ action: 'CANCEL', job_id: '900' })
    expect(io.errors.join('\n')).toMatch(/run 900 belongs to job 6, not to dbt_cloud_job_id 5/)
  })
})

describe('dbt Cloud and the workflow cancellation (nock)', () => {
  async function cancelled(values: Record<string, string>, abortAfterChecks: number, afterAbort: () => void = () => undefined) {
    const controller = new AbortController()
    const io = new MemoryIo()
    const read = stepInputs(values)
    let checks = 0
    beforeTrigger()
    api()
      .post(`${ROOT}/jobs/5/run/`)
      .reply(200, ok(run({ status: 1 })))
    api()
      .get(`${ROOT}/runs/900/`)
      .times(abortAfterChecks)
      .reply(200, () => {
        if (++checks === abortAfterChecks) controller.abort()
        return ok(run())
      })
    // Registered after the checks, so that only requests made after the abort reach them.
    afterAbort()
    const result = await orchestrate({ io, read, clock: new FakeClock(T0), signal: controller.signal })
    return { io, result }
  }

  it('cancels the run and confirms it reached Cancelled (30)', async () => {
    let cancel: nock.Scope | undefined
    let confirm: nock.Scope | undefined
    const { io, result } = await cancelled({}, 2, () => {
      confirm = api()
        .get(`${ROOT}/runs/900/`)
        .twice()
        .reply(200, ok(run({ status: 3 })))
        .get(`${ROOT}/runs/900/`)
        .reply(200, ok(run({ status: 30, status_humanized: 'Cancelled', status_message: 'Cancelled by user.' })))
      cancel = api()
        .post(`${ROOT}/runs/900/cancel/`)
        .once()
        .reply(200, ok(run({ status: 3 })))
    })
    cancel?.done()
    confirm?.done()
    expect(result.exitCode).toBe(1)
    expect(io.outputs).toMatchObject({ job_id: '900', status: 'cancelled', provider_status: 'Cancelled' })
    expect(io.errors.join('\n')).toMatch(/The workflow was cancelled; the dbt Cloud job was cancelled too/)
  })

  it('after an abort while the trigger was in flight, finds its run by the token (once it shows up) and cancels it', async () => {
    const controller = new AbortController()
    let cause = ''
    beforeTrigger()
    api()
      .post(`${ROOT}/jobs/5/run/`, (body: { cause: string }) => {
        cause = body.cause
        return true
      })
      .reply(200, () => {
        controller.abort()
        return ok(run({ status: 1 }))
      })
    const lookups = api()
      .get(`${ROOT}/runs/`)
      .query((q) => q.status__in === undefined)
      .reply(200, () => ok([]))
      .get(`${ROOT}/runs/`)
      .query((q) => q.status__in === undefined)
      .reply(200, () => ok([run({ status: 1, trigger: { cause } })]))
    const cancel = api()
      .get(`${ROOT}/runs/900/`)
      .reply(200, ok(run({ status: 1 })))
      .post(`${ROOT}/runs/900/cancel/`)
      .reply(200, ok(run({ status: 30, status_humanized: 'Cancelled' })))
    const io = new MemoryIo()
    const read = (name: string) => ({ provider: 'dbt-cloud', api_key: TOKEN, account_id: '43', dbt_cloud_job_id: '5' })[name] ?? ''
    const result = await orchestrate({ io, read, clock: new FakeClock(T0), signal: controller.signal })
    lookups.done()
    cancel.done()
    expect(result.exitCode).toBe(1)
    expect(io.outputs).toMatchObject({ job_id: '900', status: 'cancelled', provider_status: 'Cancelled' })
    expect(io.errors.join('\n')).toMatch(/the dbt Cloud job was cancelled too/)
  })

  it('with cancel_on_abort: false, leaves the run going and links it', async () => {
    const { io } = await cancelled({ cancel_on_abort: 'false' }, 1)
    expect(io.lines.join('\n')).toContain('cancel_on_abort is false: the dbt Cloud run goes on.')
    expect(io.errors.join('\n')).toMatch(
      /the dbt Cloud job goes on \(job 900\): https:\/\/cloud\.getdbt\.com\/deploy\/43\/projects\/7\/runs\/900\//
    )
  })
})
