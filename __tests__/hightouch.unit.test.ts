import { afterEach, describe, expect, it } from '@jest/globals'
import nock from 'nock'
import { ApiError } from '../src/core/errors.js'
import { orchestrate } from '../src/core/orchestrator.js'
import { parseHightouchError, describeDetails } from '../src/providers/hightouch/api.js'
import { hightouch } from '../src/providers/hightouch/index.js'
import { lostTriggerGraceMs } from '../src/jobs/wait.js'
import {
  currentStatus,
  describeProblems,
  durationMs,
  findSyncBySlug,
  formatCompletion,
  formatRows,
  jobsTable,
  normalStatus,
  readRuns,
  readTriggeredRunId,
  rowsSynced,
  runCreatedSince,
  runPhase,
  runUrl,
  sameId,
  viewRun,
  type HightouchSyncRun
} from '../src/providers/hightouch/model.js'
import { FakeClock } from './fake-clock.js'
import { problemsOf, settingsOf } from './settings-helpers.js'
import { MemoryIo } from './memory-io.js'

/** A sync run as `GET /syncs/{id}/runs` lists it (the spec's example, trimmed). */
function syncRun(fields: Partial<HightouchSyncRun> = {}): HightouchSyncRun {
  return {
    id: 42,
    createdAt: '2026-03-01T10:00:01.000Z',
    startedAt: '2026-03-01T10:00:02.000Z',
    finishedAt: '2026-03-01T10:00:09.500Z',
    querySize: 773,
    status: 'success',
    completionRatio: 1,
    plannedRows: { addedCount: 773, changedCount: 10, removedCount: 2 },
    successfulRows: { addedCount: 773, changedCount: 10, removedCount: 2 },
    failedRows: { addedCount: 0, changedCount: 0, removedCount: 0 },
    error: null,
    ...fields
  }
}

const runs = (...data: HightouchSyncRun[]) => ({ data, hasMore: false })

describe('sync run statuses', () => {
  it('waits on queued, querying, processing and reporting', () => {
    for (const s of ['queued', 'querying', 'processing', 'reporting']) expect(runPhase(s)).toBe('waiting')
    expect(normalStatus('queued')).toBe('queued')
    expect(normalStatus('querying')).toBe('running')
    expect(normalStatus('processing')).toBe('running')
    expect(normalStatus('reporting')).toBe('running')
  })

  it('ends on success, warning, failed, cancelled and interrupted; interrupted is a failure', () => {
    for (const s of ['success', 'warning', 'failed', 'cancelled', 'interrupted']) expect(runPhase(s)).toBe('ended')
    expect(normalStatus('success')).toBe('succeeded')
    expect(normalStatus('warning')).toBe('warning')
    expect(normalStatus('failed')).toBe('failed')
    expect(normalStatus('cancelled')).toBe('cancelled')
    expect(normalStatus('interrupted')).toBe('failed')
  })

  it('calls a status nobody documented unknown (the wait goes on), never an end', () => {
    expect(runPhase('aborted')).toBe('unknown')
    expect(runPhase('pending')).toBe('unknown')
    expect(normalStatus('mystery')).toBe('unknown')
  })
})

describe('viewRun: every job in data must succeed', () => {
  it('does not see a run while data is empty or lacks it', () => {
    expect(viewRun(runs(), '42')).toEqual({ kind: 'invisible' })
    expect(viewRun(runs(syncRun({ id: 41 })), '42')).toEqual({ kind: 'invisible' })
  })

  it('compares ids as strings: numeric ids, string ids, a string run id', () => {
    expect(sameId(42, '42')).toBe(true)
    expect(sameId('42', '42')).toBe(true)
    expect(sameId(420, '42')).toBe(false)
    expect(sameId(undefined, 'undefined')).toBe(false)
    expect(viewRun(runs(syncRun({ id: '42' })), '42').kind).toBe('ended')
  })

  it('waits while the run, or any other job in data, is still going', () => {
    expect(viewRun(runs(syncRun({ status: 'processing' })), '42').kind).toBe('waiting')
    const view = viewRun(runs(syncRun(), syncRun({ id: 43, status: 'querying' })), '42')
    expect(view.kind).toBe('waiting')
  })

  it('waits on an unknown status, naming it', () => {
    const view = viewRun(runs(syncRun({ status: 'mystery' })), '42')
    expect(view).toMatchObject({ kind: 'waiting', unknown: ['mystery'] })
  })

  it('succeeds only when every job succeeded', () => {
    expect(viewRun(runs(syncRun(), syncRun({ id: 43 })), '42')).toMatchObject({
      kind: 'ended',
      status: 'succeeded',
      providerStatus: 'success'
    })
  })

  it('fails when another job failed though the run succeeded; the failed job gives provider_status', () => {
    const view = viewRun(runs(syncRun(), syncRun({ id: 43, status: 'failed', error: 'boom' })), '42')
    expect(view).toMatchObject({ kind: 'ended', status: 'failed', providerStatus: 'failed' })
  })

  it('ends interrupted as failed with provider_status interrupted', () => {
    expect(viewRun(runs(syncRun({ status: 'interrupted' })), '42')).toMatchObject({ status: 'failed', providerStatus: 'interrupted' })
  })

  it('orders outcomes: failed over cancelled over warning over success', () => {
    const statuses = (...s: string[]) => viewRun(runs(...s.map((status, i) => syncRun({ id: 42 + i, status }))), '42')
    expect(statuses('success', 'warning')).toMatchObject({ status: 'warning', providerStatus: 'warning' })
    expect(statuses('warning', 'cancelled')).toMatchObject({ status: 'cancelled', providerStatus: 'cancelled' })
    expect(statuses('cancelled', 'failed', 'warning')).toMatchObject({ status: 'failed', providerStatus: 'failed' })
  })

  it("reports the run's own status while it goes, the verdict once ended", () => {
    expect(currentStatus(viewRun(runs(syncRun({ status: 'queued' })), '42'))).toEqual({ status: 'queued', providerStatus: 'queued' })
    expect(currentStatus(viewRun(runs(syncRun({ status: 'reporting' })), '42'))).toEqual({ status: 'running', providerStatus: 'reporting' })
    expect(currentStatus({ kind: 'invisible' })).toEqual({ status: 'unknown' })
  })
})

describe('rows and summary', () => {
  it('rows_synced sums successful added + changed + removed over every job', () => {
    const jobs = [syncRun(), syncRun({ id: 43, successfulRows: { addedCount: 1, changedCount: 2, removedCount: 3 } })]
    expect(rowsSynced(jobs)).toBe(785 + 6)
    expect(rowsSynced([syncRun({ successfulRows: undefined }), syncRun({ successfulRows: { addedCount: 5 } })])).toBe(5)
    expect(rowsSynced([])).toBe(0)
  })

  it('has one table row per job: status, planned / successful / failed rows, error', () => {
    const table = jobsTable([
      syncRun(),
      syncRun({ id: '43', status: 'failed', successfulRows: undefined, error: 'Cannot generate sync plan due to unmet dependencies.' })
    ])
    expect(table.header).toEqual(['Run', 'Status', 'Planned', 'Successful', 'Failed', 'Error'])
    expect(table.rows).toEqual([
      ['42', 'success', '773 / 10 / 2', '773 / 10 / 2', '0 / 0 / 0', ''],
      ['43', 'failed', '773 / 10 / 2', '—', '0 / 0 / 0', 'Cannot generate sync plan due to unmet dependencies.']
    ])
    expect(formatRows({ addedCount: 12345 })).toBe('12,345 / 0 / 0')
  })

  it('shows completion as a percentage', () => {
    expect(formatCompletion(0.54)).toBe('54%')
    expect(formatCompletion(0.425)).toBe('42.5%')
    expect(formatCompletion(1)).toBe('100%')
    expect(formatCompletion(undefined)).toBeUndefined()
  })

  it('says what went wrong: a lone run by its rows and error, several jobs by name', () => {
    const warning = syncRun({ status: 'warning', failedRows: { addedCount: 5, changedCount: 3, removedCount: 0 } })
    expect(describeProblems([warning], '42')).toEqual(['8 rows rejected'])
    expect(describeProblems([syncRun({ status: 'failed', error: 'No access' })], '42')).toEqual(['No access'])
    expect(describeProblems([syncRun({ status: 'cancelled' })], '42')).toEqual([])
    expect(describeProblems([syncRun(), syncRun({ id: 43, status: 'failed', error: 'No access' })], '42')).toEqual([
      'run 43 failed (No access)'
    ])
  })

  it('links the run in the app only when the workspace slug is known', () => {
    expect(runUrl('acme', '1001', '42')).toBe('https://app.hightouch.com/acme/syncs/1001/runs/42')
    expect(runUrl(undefined, '1001', '42')).toBeUndefined()
  })

  it('measures durations, ignoring missing or reversed times', () => {
    expect(durationMs('2026-03-01T10:00:02.000Z', '2026-03-01T10:00:09.500Z')).toBe(7500)
    expect(durationMs('2026-03-01T10:00:02.000Z', null)).toBeUndefined()
    expect(durationMs('2026-03-01T10:00:09.000Z', '2026-03-01T10:00:02.000Z')).toBeUndefined()
  })
})

describe('reading answers', () => {
  it('takes a runs answer with data, ids and statuses, keeping unknown fields', () => {
    const body = { data: [{ ...syncRun(), externalSegment: {} }], hasMore: false }
    expect(readRuns(body, 'GET x')).toBe(body)
    expect(readRuns({ data: [] }, 'GET x').data).toEqual([])
  })

  it('calls a 200 without data, id or status malformed: a passing fault, not a verdict', () => {
    for (const body of [{}, undefined, { data: [{ id: 1 }] }, { data: [{ status: 'success' }] }, { data: 'x' }]) {
      let caught: unknown
      try {
        readRuns(body, 'GET /syncs/1/runs?runId=1')
      } catch (error) {
        caught = error
      }
      expect(caught).toBeInstanceOf(ApiError)
      expect((caught as ApiError).kind).toBe('malformed')
      expect((caught as ApiError).transient).toBe(true)
    }
  })

  it("reads the trigger's run id as a string", () => {
    expect(readTriggeredRunId({ id: '123' })).toBe('123')
    expect(readTriggeredRunId({ id: 123 })).toBe('123')
    expect(readTriggeredRunId({})).toBeUndefined()
    expect(readTriggeredRunId({ id: '' })).toBeUndefined()
  })

  it('finds a sync by its exact slug', () => {
    const list = {
      hasMore: false,
      data: [
        { id: 7, slug: 'other' },
        { id: 8, slug: 'orders' }
      ]
    }
    expect(findSyncBySlug(list, 'orders', 'GET')?.id).toBe(8)
    expect(findSyncBySlug({ hasMore: false, data: [] }, 'orders', 'GET')).toBeUndefined()
    expect(() => findSyncBySlug({}, 'orders', 'GET')).toThrow(ApiError)
  })

  it('after a lost answer, takes the first run created since just before the trigger', () => {
    const since = Date.parse('2026-03-01T10:00:00.000Z')
    const older = syncRun({ id: 40, createdAt: '2026-03-01T09:59:59.000Z' })
    const ours = syncRun({ id: 41, createdAt: '2026-03-01T10:00:00.500Z' })
    const later = syncRun({ id: 42, createdAt: '2026-03-01T10:00:03.000Z' })
    expect(runCreatedSince([later, older, ours], since)?.id).toBe(41)
    expect(runCreatedSince([older], since)).toBeUndefined()
    expect(runCreatedSince([syncRun({ id: '9', createdAt: null, startedAt: '2026-03-01T10:00:01.000Z' })], since)?.id).toBe('9')
  })

  it('parses Hightouch errors: message and details for 401 and 422, message for others', () => {
    expect(parseHightouchError(401, { message: 'Authentication error', details: 'Token is invalid' }).message).toBe(
      'Authentication error: Token is invalid'
    )
    expect(
      parseHightouchError(422, {
        message: 'Validation failed',
        details: { 'requestBody.syncId': { message: "Not match in '^[0-9]+$'", value: 'abc' } }
      }).message
    ).toBe(`Validation failed: requestBody.syncId: Not match in '^[0-9]+$' (value "abc")`)
    expect(parseHightouchError(404, { message: 'Not found', details: 'sync 5' }).message).toBe('Not found')
    expect(parseHightouchError(429, { error: 'Rate limit exceeded' }).message).toBe('Rate limit exceeded')
    expect(parseHightouchError(500, 'Internal Server Error').message).toBeUndefined()
    expect(parseHightouchError(502, '<html>').message).toBe('<html>')
    expect(parseHightouchError(400, undefined).message).toBeUndefined()
    expect(describeDetails({ a: 1 })).toBe('a: 1')
  })
})

describe('hightouch settings', () => {
  const settings = (values: Record<string, string>, env: Record<string, string> = {}) => settingsOf('hightouch', values, env)
  const problems = (values: Record<string, string>): string[] => problemsOf('hightouch', values)

  it('is registered as hightouch: SYNC by default, fail_on_warning true, full_resync false', () => {
    const s = settings({ sync_id: '1, 2', api_key: 'k' })
    expect(s.provider.name).toBe('hightouch')
    expect(s.step.targets).toEqual(['1', '2'])
    expect(s.common.action).toBe('SYNC')
    expect(s.common.actionKind).toBe('wait')
    expect(s.common.baseUrl).toBe('https://api.hightouch.com/api/v1')
    expect(s.step.settings).toMatchObject({ syncs: ['1', '2'], bySlug: false, fullResync: false, failOnWarning: true })
    expect(hightouch.warningsPass?.(s.step.settings as never)).toBe(false)
    expect(hightouch.secrets(s.step.settings as never)).toEqual(['k'])
    expect(hightouch.targets(s.step.settings as never)).toEqual(['1', '2'])
    expect(Object.keys(hightouch.actions)).toEqual(['SYNC', 'WAIT', 'STATUS'])
    expect(hightouch.actions.STATUS.kind).toBe('report')
    expect([hightouch.name, hightouch.title, hightouch.targetNoun]).toEqual(['hightouch', 'Hightouch', 'Sync'])
  })

  it('takes slugs, booleans in any case, and the key from HIGHTOUCH_API_KEY', () => {
    const s = settings({ sync_slug: 'a\nb', full_resync: 'TRUE', fail_on_warning: 'False' }, { HIGHTOUCH_API_KEY: 'env-key' })
    expect(s.step.settings).toMatchObject({ syncs: ['a', 'b'], bySlug: true, fullResync: true, failOnWarning: false, apiKey: 'env-key' })
    expect(hightouch.warningsPass?.(s.step.settings as never)).toBe(true)
    expect(settings({ sync_id: '1', api_key: 'input-key' }, { HIGHTOUCH_API_KEY: 'env-key' }).step.settings).toMatchObject({
      apiKey: 'input-key'
    })
  })

  it('names the input and the value expected for each problem, all at once', () => {
    expect(problems({ sync_id: 'abc,7' })).toEqual([
      'sync_id must be a number (the sync\'s id, e.g. 1234567), got "abc"',
      'api_key is required (or the HIGHTOUCH_API_KEY env variable): a Hightouch workspace API key'
    ])
    expect(problems({ api_key: 'k' })).toEqual([expect.stringMatching(/^sync_id or sync_slug is required/)])
    expect(problems({ api_key: 'k', sync_id: '1', sync_slug: 'x' })).toEqual([
      expect.stringMatching(/^give sync_id or sync_slug, not both/)
    ])
    expect(problems({ api_key: 'k', sync_id: '1,1' })).toEqual(['sync_id lists the same sync twice'])
    expect(problems({ api_key: 'k', sync_id: '1', workspace_slug: 'a/b' })).toEqual([expect.stringMatching(/^workspace_slug must be/)])
  })

  it('WAIT and STATUS need one sync and a numeric job_id; SYNC takes none', () => {
    expect(problems({ api_key: 'k', sync_id: '1', action: 'WAIT' })).toEqual([expect.stringMatching(/^job_id is required for WAIT/)])
    expect(problems({ api_key: 'k', sync_id: '1', action: 'status', job_id: '12a' })).toEqual([
      expect.stringMatching(/^job_id must be a Hightouch sync run id/)
    ])
    expect(problems({ api_key: 'k', sync_id: '1,2', action: 'WAIT', job_id: '5' })).toEqual([expect.stringMatching(/^WAIT takes one sync/)])
    expect(problems({ api_key: 'k', sync_id: '1', job_id: '5' })).toEqual([
      'job_id is only used by WAIT and STATUS for hightouch, not SYNC'
    ])
    expect(settings({ api_key: 'k', sync_slug: 'x', action: 'WAIT', job_id: '5' }).step.settings).toMatchObject({ runId: '5' })
  })

  it('gives up on a lost trigger after 2 minutes, or half a short timeout', () => {
    expect(lostTriggerGraceMs(3600_000)).toBe(120_000)
    expect(lostTriggerGraceMs(60_000)).toBe(30_000)
  })
})

// The provider against Hightouch's API as documented (nock), on a fake clock: no real waiting.
const HOST = 'https://api.hightouch.com'
const KEY = 'ht-unit-key-3b9Xq'
const T0 = Date.parse('2026-03-01T10:00:00.000Z')

// nock is opened and handed back clean by __tests__/nock-setup.ts.
afterEach(() => nock.cleanAll())

function api(options: nock.Options = {}) {
  return nock(HOST, { reqheaders: { authorization: `Bearer ${KEY}` }, ...options })
}

/** Requests no interceptor matched (a second trigger would be one): every step asserts there were none. */
const unmatched: string[] = []
nock.emitter.on('no match', (req: { method?: string; path?: string }) => unmatched.push(`${req.method} ${req.path}`))

async function step(values: Record<string, string>) {
  unmatched.length = 0
  const io = new MemoryIo()
  const clock = new FakeClock(T0)
  // These steps pin the requests of the age-based schedule; the history read has tests of its own.
  const read = (name: string) => ({ provider: 'hightouch', api_key: KEY, poll_interval: '5s', history: 'false', ...values })[name] ?? ''
  const result = await orchestrate({ io, read, clock })
  const text = [...io.lines, io.summary, JSON.stringify(io.outputs)].join('\n')
  // The key is never printed: not even masked by the orchestrator's last line of defence.
  expect(text).not.toContain(KEY)
  expect(text).not.toContain('***')
  expect(unmatched).toEqual([])
  return { io, result, clock, text }
}

const runsPath = (sync: string) => `/api/v1/syncs/${sync}/runs`

describe('hightouch: the past runs time the checks (history)', () => {
  it("reads the sync's runs of the past week once, and uses its five newest successful runs", async () => {
    api().post('/api/v1/syncs/1001/trigger').reply(200, { id: '42' })
    api().get(runsPath('1001')).query({ runId: '42' }).times(100).reply(200, runs(syncRun()))
    const at = (hours: number, minutes: number) => new Date(T0 - hours * 3_600_000 + minutes * 60_000).toISOString()
    const past = (id: number, hoursAgo: number, minutes: number, status = 'success') =>
      syncRun({ id, status, createdAt: at(hoursAgo, 0), startedAt: at(hoursAgo, 0), finishedAt: at(hoursAgo, minutes) })
    const history = api()
      .get(runsPath('1001'))
      .query({ after: new Date(T0 - 7 * 24 * 3_600_000).toISOString(), orderBy: 'createdAt', limit: '100' })
      .once()
      .reply(
        200,
        // Oldest first, as the emulator lists them: the oldest success (60 min) and the failures are left out.
        runs(past(1, 70, 60), past(2, 60, 10), past(3, 50, 11), past(4, 40, 99, 'failed'), past(5, 30, 12), past(6, 20, 9), past(7, 10, 10))
      )
    const { result, io } = await step({ sync_id: '1001', history: 'true' })
    expect(result.exitCode).toBe(0)
    history.done()
    expect(io.summary).toContain('| History | typical 10m over the last 5 runs |')
    expect(JSON.parse(io.outputs.result)).toEqual(runs(syncRun()))
  })

  it('history: false sends no history read', async () => {
    api().post('/api/v1/syncs/1001/trigger').reply(200, { id: '42' })
    api().get(runsPath('1001')).query({ runId: '42' }).reply(200, runs(syncRun()))
    const { result, io } = await step({ sync_id: '1001', history: 'false' })
    expect(result.exitCode).toBe(0)
    expect(io.summary).not.toContain('History')
  })
})

describe('hightouch SYNC (nock)', () => {
  it('triggers with a JSON body once, waits without a body or Content-Type on GET, and reports', async () => {
    const trigger = api({ reqheaders: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' } })
      .post('/api/v1/syncs/1001/trigger', (body) => body.fullResync === false && Object.keys(body).length === 1)
      .once()
      .reply(200, { id: '42' })
    const checks = api({ badheaders: ['content-type'] })
      .get(runsPath('1001'))
      .query({ runId: '42' })
      .reply(200, runs(syncRun({ status: 'queued', startedAt: null, finishedAt: null })))
      .get(runsPath('1001'))
      .query({ runId: '42' })
      .reply(200, runs(syncRun({ status: 'processing', finishedAt: null, completionRatio: 0.5 })))
      .get(runsPath('1001'))
      .query({ runId: '42' })
      .reply(200, runs(syncRun()))
    const { io, result } = await step({ sync_id: '1001', workspace_slug: 'acme' })
    trigger.done()
    checks.done()
    expect(result.exitCode).toBe(0)
    expect(io.outputs).toMatchObject({
      job_id: '42',
      status: 'succeeded',
      provider_status: 'success',
      rows_synced: '785',
      job_url: 'https://app.hightouch.com/acme/syncs/1001/runs/42'
    })
    expect(JSON.parse(io.outputs.result)).toEqual(runs(syncRun()))
    expect(io.lines).toContain('Sync run 42: processing, 50% complete')
    expect(io.summary).toContain('| Started | 2026-03-01T10:00:02.000Z |')
    expect(io.summary).toContain('| Finished | 2026-03-01T10:00:09.500Z |')
    expect(io.summary).toContain('| Duration | 8s |')
    expect(io.summary).toContain('| Completion | 100% |')
    expect(io.summary).toContain('| 42 | success | 773 / 10 / 2 | 773 / 10 / 2 | 0 / 0 / 0 |  |')
    expect(io.summary).toContain('[`42`](https://app.hightouch.com/acme/syncs/1001/runs/42)')
  })

  it('sends full_resync: true as a boolean', async () => {
    const scope = api().post('/api/v1/syncs/7/trigger', { fullResync: true }).reply(200, { id: '1' })
    const { result, io } = await step({ sync_id: '7', full_resync: 'true', wait: 'false' })
    scope.done()
    expect(result.exitCode).toBe(0)
    expect(io.outputs).toMatchObject({ job_id: '1', status: 'queued' })
  })

  it("resolves a slug, then triggers the sync's id", async () => {
    const scope = api()
      .get('/api/v1/syncs')
      .query({ slug: 'orders-to-crm' })
      .reply(200, { hasMore: false, data: [{ id: 55, slug: 'orders-to-crm', disabled: false }] })
      .post('/api/v1/syncs/55/trigger')
      .reply(200, { id: '9' })
    const { result, io } = await step({ sync_slug: 'orders-to-crm', wait: 'false' })
    scope.done()
    expect(result.exitCode).toBe(0)
    expect(io.summary).toContain('| Sync | orders-to-crm (`55`) |')
  })

  it('fails on a slug no sync has, before any trigger', async () => {
    const scope = api().get('/api/v1/syncs').query({ slug: 'nope' }).reply(200, { hasMore: false, data: [] })
    const { result, io } = await step({ sync_slug: 'nope' })
    scope.done()
    expect(result.exitCode).toBe(1)
    expect(io.errors.join('\n')).toMatch(/No sync with slug "nope"/)
  })

  it('keeps waiting while data is empty or lacks the run', async () => {
    const scope = api()
      .post('/api/v1/syncs/1/trigger')
      .reply(200, { id: '42' })
      .get(runsPath('1'))
      .query({ runId: '42' })
      .reply(200, runs())
      .get(runsPath('1'))
      .query({ runId: '42' })
      .reply(200, runs(syncRun({ id: 41, status: 'failed' })))
      .get(runsPath('1'))
      .query({ runId: '42' })
      .reply(200, runs(syncRun()))
    const { result, io } = await step({ sync_id: '1' })
    scope.done()
    expect(result.exitCode).toBe(0)
    expect(io.outputs.status).toBe('succeeded')
    expect(io.lines).toContain('Hightouch does not show run 42 yet; checking again.')
  })

  it.each([
    ['warning', 'true', 1, 'warning', 'warning'],
    ['warning', 'false', 0, 'warning', 'warning'],
    ['warning', '', 1, 'warning', 'warning'],
    ['interrupted', '', 1, 'failed', 'interrupted'],
    ['cancelled', '', 1, 'cancelled', 'cancelled'],
    ['failed', '', 1, 'failed', 'failed']
  ])(
    'a run that ends %s (fail_on_warning "%s") exits %i with status %s',
    async (runStatus, failOnWarning, code, status, providerStatus) => {
      const scope = api()
        .post('/api/v1/syncs/1/trigger')
        .reply(200, { id: '42' })
        .get(runsPath('1'))
        .query({ runId: '42' })
        .reply(200, runs(syncRun({ status: runStatus, error: runStatus === 'failed' ? 'Query failed' : null })))
      const { result, io } = await step({ sync_id: '1', fail_on_warning: failOnWarning })
      scope.done()
      expect(result.exitCode).toBe(code)
      expect(io.outputs).toMatchObject({ status, provider_status: providerStatus })
      if (runStatus === 'failed') expect(io.errors.join('\n')).toMatch(/ended failed: Query failed/)
    }
  )

  it('fails when another job in data failed, summing rows over all jobs and listing each', async () => {
    const other = syncRun({
      id: 43,
      status: 'failed',
      successfulRows: { addedCount: 1 },
      error: 'Cannot generate sync plan due to unmet dependencies.'
    })
    const scope = api()
      .post('/api/v1/syncs/1/trigger')
      .reply(200, { id: '42' })
      .get(runsPath('1'))
      .query({ runId: '42' })
      .reply(200, runs(syncRun(), other))
    const { result, io } = await step({ sync_id: '1' })
    scope.done()
    expect(result.exitCode).toBe(1)
    expect(io.outputs).toMatchObject({ status: 'failed', provider_status: 'failed', rows_synced: '786' })
    expect(io.errors.join('\n')).toMatch(/ended failed \(2 jobs in the run's data\): run 43 failed \(Cannot generate sync plan/)
    expect(io.summary).toContain(
      '| 43 | failed | 773 / 10 / 2 | 1 / 0 / 0 | 0 / 0 / 0 | Cannot generate sync plan due to unmet dependencies. |'
    )
  })

  it('warns about an unknown status once and waits on; checks again after a 200 without a status', async () => {
    const scope = api()
      .post('/api/v1/syncs/1/trigger')
      .reply(200, { id: '42' })
      .get(runsPath('1'))
      .query({ runId: '42' })
      .times(2)
      .reply(200, runs(syncRun({ status: 'rebalancing' })))
      .get(runsPath('1'))
      .query({ runId: '42' })
      .reply(200, { data: [{ id: 42 }] })
      .get(runsPath('1'))
      .query({ runId: '42' })
      .reply(200, runs(syncRun()))
    const { result, io } = await step({ sync_id: '1' })
    scope.done()
    expect(result.exitCode).toBe(0)
    const warned = io.lines.filter((l) => l.startsWith('warning: '))
    expect(warned.filter((l) => l.includes('"rebalancing"'))).toHaveLength(1)
    expect(warned.some((l) => /lacks data\[0\]\.status\)\); checking again/.test(l))).toBe(true)
  })

  it('rides out 5xx and 429 on status checks', async () => {
    const scope = api()
      .post('/api/v1/syncs/1/trigger')
      .reply(200, { id: '42' })
      .get(runsPath('1'))
      .query({ runId: '42' })
      .reply(500, '"Internal Server Error"', { 'content-type': 'application/json' })
      .get(runsPath('1'))
      .query({ runId: '42' })
      .reply(429, { error: 'Rate limit exceeded' })
      .get(runsPath('1'))
      .query({ runId: '42' })
      .reply(200, runs(syncRun()))
    const { result, io } = await step({ sync_id: '1' })
    scope.done()
    expect(result.exitCode).toBe(0)
    expect(io.lines.join('\n')).toMatch(/HTTP 429 Too Many Requests: Rate limit exceeded/)
  })

  it('ends timed_out at the timeout, saying the run goes on (no cancel endpoint)', async () => {
    api()
      .post('/api/v1/syncs/1/trigger')
      .reply(200, { id: '42' })
      .get(runsPath('1'))
      .query({ runId: '42' })
      .times(100)
      .reply(200, runs(syncRun({ status: 'processing', finishedAt: null, completionRatio: 0.3 })))
    const { result, io } = await step({ sync_id: '1', timeout: '2m' })
    expect(result.exitCode).toBe(1)
    expect(io.outputs).toMatchObject({ status: 'timed_out', job_id: '42', provider_status: 'processing' })
    expect(io.errors.join('\n')).toMatch(
      /Timed out after 2m waiting for sync run 42 of sync 1\. Hightouch has no API to cancel a run, so it goes on \(sync 1, run 42\)\. Last seen: processing, 30% complete\./
    )
  })
})

describe('hightouch lost trigger answers (nock)', () => {
  it('after a 502, finds the run created since just before the trigger and never posts again', async () => {
    const created = new Date(T0 + 200).toISOString()
    const scope = api()
      .post('/api/v1/syncs/1/trigger')
      .once()
      .reply(502, 'Bad Gateway')
      .get(runsPath('1'))
      .query({ after: new Date(T0 - 5000).toISOString(), orderBy: 'createdAt', limit: '100' })
      .reply(200, runs())
      .get(runsPath('1'))
      .query(true)
      .reply(200, runs(syncRun({ id: 77, createdAt: created, status: 'querying', finishedAt: null })))
      .get(runsPath('1'))
      .query({ runId: '77' })
      .reply(200, runs(syncRun({ id: 77, createdAt: created })))
    const { result, io } = await step({ sync_id: '1' })
    scope.done()
    expect(result.exitCode).toBe(0)
    expect(io.outputs).toMatchObject({ job_id: '77', status: 'succeeded' })
    expect(io.lines.join('\n')).toMatch(/Found sync run 77/)
  })

  it('after a lost answer and no run within the grace period, fails without posting again', async () => {
    api()
      .post('/api/v1/syncs/1/trigger')
      .once()
      .reply(500, '"Internal Server Error"', { 'content-type': 'application/json' })
      .get(runsPath('1'))
      .query(true)
      .times(1000)
      .reply(200, runs(syncRun({ id: 3, createdAt: '2026-03-01T09:00:00.000Z' })))
    const { result, io, clock } = await step({ sync_id: '1' })
    expect(result.exitCode).toBe(1)
    expect(io.outputs.status).toBe('failed')
    expect(io.outputs.job_id).toBeUndefined()
    expect(io.errors.join('\n')).toMatch(
      /answer was lost \(POST \/api\/v1\/syncs\/1\/trigger failed with HTTP 500 Internal Server Error\) and no sign of a run of sync 1 showed up in the 2m/
    )
    expect(clock.now() - T0).toBeGreaterThanOrEqual(120_000)
    expect(clock.now() - T0).toBeLessThan(150_000)
  })

  it('with wait: false, still finds the run so that job_id is set', async () => {
    const scope = api()
      .post('/api/v1/syncs/1/trigger')
      .reply(504, 'Gateway Timeout')
      .get(runsPath('1'))
      .query(true)
      .reply(200, runs(syncRun({ id: '88', createdAt: new Date(T0 + 10).toISOString(), status: 'queued' })))
    const { result, io } = await step({ sync_id: '1', wait: 'false' })
    scope.done()
    expect(result.exitCode).toBe(0)
    expect(io.outputs).toMatchObject({ job_id: '88', status: 'queued' })
  })

  it('sends the trigger again after a 429: it was refused, not run', async () => {
    const scope = api()
      .post('/api/v1/syncs/1/trigger')
      .reply(429, { error: 'Rate limit exceeded' })
      .post('/api/v1/syncs/1/trigger')
      .reply(200, { id: '42' })
    const { result, io } = await step({ sync_id: '1', wait: 'false' })
    scope.done()
    expect(result.exitCode).toBe(0)
    expect(io.outputs.job_id).toBe('42')
  })
})

describe('hightouch errors (nock)', () => {
  it("a 401 fails with Hightouch's own message and details", async () => {
    api().post('/api/v1/syncs/1/trigger').reply(401, { message: 'Authentication error', details: 'Token is invalid' })
    const { result, io } = await step({ sync_id: '1' })
    expect(result.exitCode).toBe(1)
    expect(io.errors[0]).toMatch(
      /^Hightouch refused the API key \(HTTP 401 Unauthorized on POST \/api\/v1\/syncs\/1\/trigger\): Authentication error: Token is invalid\. Check api_key/
    )
  })

  it('a 404 fails with the HTTP reason and names the sync (and the run, for WAIT)', async () => {
    api().post('/api/v1/syncs/9/trigger').reply(404, '')
    const sync = await step({ sync_id: '9' })
    expect(sync.io.errors[0]).toMatch(/^Sync 9 was not found \(HTTP 404 Not Found on POST \/api\/v1\/syncs\/9\/trigger\)\. Check sync_id/)
    api().get(runsPath('9')).query({ runId: '5' }).reply(404, { message: 'Not found' })
    const wait = await step({ sync_id: '9', action: 'WAIT', job_id: '5' })
    expect(wait.io.errors[0]).toMatch(/^Sync 9 or its run 5 was not found \(HTTP 404 Not Found/)
  })

  it("another code fails with the HTTP reason and the body's message; a 422 with its details", async () => {
    api().post('/api/v1/syncs/1/trigger').reply(400, { message: 'Sync is disabled' })
    const bad = await step({ sync_id: '1' })
    expect(bad.io.errors[0]).toBe('Hightouch answered HTTP 400 Bad Request on POST /api/v1/syncs/1/trigger for sync 1: Sync is disabled')
    api()
      .post('/api/v1/syncs/1/trigger')
      .reply(422, {
        message: 'Validation failed',
        details: { 'requestBody.fullResync': { message: 'invalid boolean value', value: 'yes' } }
      })
    const invalid = await step({ sync_id: '1' })
    expect(invalid.io.errors[0]).toBe(
      'Hightouch answered HTTP 422 Unprocessable Entity on POST /api/v1/syncs/1/trigger for sync 1: Validation failed: requestBody.fullResync: invalid boolean value (value "yes")'
    )
  })
})

describe('hightouch WAIT and STATUS (nock)', () => {
  it('WAIT checks the run named by job_id until it ends, triggering nothing', async () => {
    const scope = api()
      .get(runsPath('3'))
      .query({ runId: '42' })
      .reply(200, runs(syncRun({ status: 'reporting', finishedAt: null })))
      .get(runsPath('3'))
      .query({ runId: '42' })
      .reply(200, runs(syncRun({ status: 'warning' })))
    const { result, io } = await step({ sync_id: '3', action: 'WAIT', job_id: '42', fail_on_warning: 'false' })
    scope.done()
    expect(result.exitCode).toBe(0)
    expect(io.outputs).toMatchObject({ job_id: '42', status: 'warning' })
  })

  it('STATUS reports a running run once and passes', async () => {
    const scope = api()
      .get(runsPath('3'))
      .query({ runId: '42' })
      .once()
      .reply(200, runs(syncRun({ status: 'processing', finishedAt: null })))
    const { result, io } = await step({ sync_id: '3', action: 'STATUS', job_id: '42' })
    scope.done()
    expect(result.exitCode).toBe(0)
    expect(io.outputs).toMatchObject({ job_id: '42', status: 'running', provider_status: 'processing' })
    expect(io.lines.join('\n')).toContain('"status":"processing"')
  })

  it('STATUS of a failed run reports it without failing; of an unknown run, fails', async () => {
    api()
      .get(runsPath('3'))
      .query({ runId: '42' })
      .reply(200, runs(syncRun({ status: 'failed' })))
    const failed = await step({ sync_id: '3', action: 'STATUS', job_id: '42' })
    expect(failed.result.exitCode).toBe(0)
    expect(failed.io.outputs.status).toBe('failed')
    api().get(runsPath('3')).query({ runId: '43' }).reply(200, runs())
    const unknown = await step({ sync_id: '3', action: 'STATUS', job_id: '43' })
    expect(unknown.result.exitCode).toBe(1)
    expect(unknown.io.errors[0]).toMatch(/Hightouch shows no run 43 of sync 3/)
  })
})
