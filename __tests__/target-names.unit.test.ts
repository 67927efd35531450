// Targets by their names: the name people know a target by, beside a short id, in the summary table, timeline,
// details and log prefix; read with at most one request per target, through the step's budget, and only when there is
// room for it; messages in the table without the id the row already shows.
import { afterEach, describe, expect, it } from '@jest/globals'
import nock from 'nock'
import type { RequestLimiter } from '../src/http/ratelimit.js'
import { orchestrate } from '../src/core/orchestrator.js'
import { newReport, type Report } from '../src/core/report.js'
import { plainText, renderSummary, withoutId } from '../src/core/summary.js'
import { plainLabel, shortId } from '../src/core/timeline.js'
import { FakeClock } from './fake-clock.js'
import { inputsOf } from './fake-provider.js'
import { MemoryIo } from './memory-io.js'

afterEach(() => nock.cleanAll())

const A = 'e735894a-e773-4938-969f-45f53957b75b'
const B = '9e8f7a6b-5c4d-4e3f-8a2b-1c0d9e8f7a6b'
const created = (id: number, connectionId: string) => ({
  jobId: id,
  status: 'pending',
  jobType: 'sync',
  connectionId,
  startTime: '2026-01-05T10:00:00Z'
})

/** A budget that counts what goes through it. */
function counting(): RequestLimiter & { acquired: number } {
  const limiter = {
    acquired: 0,
    acquire: async () => {
      limiter.acquired++
    }
  }
  return limiter
}

async function step(values: Record<string, string>, limiter = counting()) {
  const io = new MemoryIo()
  const result = await orchestrate({
    io,
    read: inputsOf(values),
    clock: new FakeClock(Date.parse('2026-01-05T10:00:00Z')),
    limiterFor: () => limiter
  })
  return { io, result, limiter }
}

describe('labels', () => {
  it('shortens long ids (UUIDs) to 8 characters and keeps short ones', () => {
    expect(shortId(A)).toBe('e735894a…')
    expect(shortId('shrank_paparazzi')).toBe('shrank_paparazzi')
    expect(shortId('1234567')).toBe('1234567')
  })

  it('names a target by its name beside its short id, or by its id alone', () => {
    const named: Report = { ...newReport('airbyte', 'SYNC', A), targetName: 'Postgres → Snowflake' }
    expect(plainLabel(named)).toBe('Postgres → Snowflake (e735894a…)')
    expect(plainLabel(newReport('airbyte', 'SYNC', A))).toBe(A)
    // A Hightouch sync given by slug: the slug is its name, the id learned is shown beside it.
    expect(plainLabel({ ...newReport('hightouch', 'SYNC', 'orders'), targetName: 'orders', targetId: '55' })).toBe('orders (55)')
  })

  it('escapes a name in the summary: no emphasis, link, code, HTML or table cell break of its own', () => {
    expect(plainText('**x** [a](http://e) `c` <img src=x> | _y_ #1')).toBe(
      '\\*\\*x\\*\\* \\[a\\](http\\://e) \\`c\\` &lt;img src=x&gt; \\| \\_y\\_ \\#1'
    )
    const report: Report = { ...newReport('airbyte', 'SYNC', A), targetName: '<b>x</b> | y\n::error::z', status: 'succeeded' }
    const other: Report = { ...newReport('airbyte', 'SYNC', B), status: 'succeeded' }
    const summary = renderSummary('Airbyte', 'Connection', [
      { report, passed: true },
      { report: other, passed: true }
    ])
    expect(summary).toContain('| ✅ | &lt;b&gt;x&lt;/b&gt; \\| y ::error::z (`e735894a…`) |')
    expect(summary).toContain('| ✅ | `9e8f7a6b-5c4d-4e3f-8a2b-1c0d9e8f7a6b` |')
    // The details show the full id; the fold's title is the plain label, HTML-escaped.
    expect(summary).toContain(`| Connection | &lt;b&gt;x&lt;/b&gt; \\| y ::error::z (\`${A}\`) |`)
    expect(summary).toContain('<summary>✅ &lt;b&gt;x&lt;/b&gt; | y ::error::z (e735894a…)</summary>')
  })

  it('keeps messages in the table from repeating the id the row shows', () => {
    const fivetran = newReport('fivetran', 'START', 'shrank_paparazzi')
    expect(withoutId('The sync of shrank_paparazzi failed at 2026-01-05T10:00:00Z. Task: reconnect.', fivetran)).toBe(
      'The sync failed at 2026-01-05T10:00:00Z. Task: reconnect.'
    )
    expect(withoutId('Connector shrank_paparazzi is paused, so Fivetran will not sync it.', fivetran)).toBe(
      'This connector is paused, so Fivetran will not sync it.'
    )
    expect(withoutId('Setup tests of shrank_paparazzi: 3 passed, 1 failed.', fivetran)).toBe('Setup tests: 3 passed, 1 failed.')
    // Links and job ids that hold the id are left alone.
    expect(
      withoutId('See https://fivetran.com/dashboard/connectors/shrank_paparazzi/status (job_id shrank_paparazzi@2026).', fivetran)
    ).toBe('See https://fivetran.com/dashboard/connectors/shrank_paparazzi/status (job_id shrank_paparazzi@2026).')
    const airbyte = newReport('airbyte', 'SYNC', A)
    expect(withoutId(`Airbyte job 12 (sync of connection ${A}) succeeded, 1,000 rows.`, airbyte)).toBe(
      'Airbyte job 12 (sync) succeeded, 1,000 rows.'
    )
    const hightouch = { ...newReport('hightouch', 'SYNC', 'orders'), targetName: 'orders', targetId: '55' }
    expect(withoutId('Sync run 9 of sync orders (id 55) succeeded: 10 rows synced.', hightouch)).toBe(
      'Sync run 9 succeeded: 10 rows synced.'
    )
  })
})

describe('names read from the provider', () => {
  it('airbyte: one GET /connections/{id} per target, through the budget; the table, details, timeline and log use the name', async () => {
    const api = nock('https://api.airbyte.com/v1')
      .get(`/connections/${A}`)
      .reply(200, { connectionId: A, name: 'Postgres → Snowflake' })
      .get(`/connections/${B}`)
      .reply(200, { connectionId: B, name: 'Stripe → BigQuery' })
      .post('/jobs', { connectionId: A, jobType: 'sync' })
      .reply(200, created(1, A))
      .post('/jobs', { connectionId: B, jobType: 'sync' })
      .reply(200, created(2, B))
    const { io, result, limiter } = await step({ provider: 'airbyte', api_key: 'tok-1', connection_id: `${A},${B}`, wait: 'false' })
    api.done()
    expect(result.exitCode).toBe(0)
    // Two name reads and two job creations: each counted in the step's budget.
    expect(limiter.acquired).toBe(4)
    expect(result.reports.map((r) => r.targetName)).toEqual(['Postgres → Snowflake', 'Stripe → BigQuery'])
    expect(io.summary).toMatch(/^\| ⏳ \| Postgres → Snowflake \(`e735894a…`\) \| .* \| Started job 1 \(sync\), pending; not waiting/m)
    expect(io.summary).toContain(`| Connection | Postgres → Snowflake (\`${A}\`) |`)
    expect(io.summary).toContain('section Postgres #8594; Snowflake (e735894a#8230;)')
    expect(io.lines).toContain(
      '[Stripe → BigQuery (9e8f7a6b…)] Started job 2 (sync of connection 9e8f7a6b-5c4d-4e3f-8a2b-1c0d9e8f7a6b), pending; not waiting (wait: false). A later step can WAIT with job_id 2.'
    )
  })

  it('airbyte: a name that cannot be read costs one attempt and stops nothing; one target reads none', async () => {
    const api = nock('https://api.airbyte.com/v1')
      .get(`/connections/${A}`)
      .reply(503, { message: 'down' })
      .get(`/connections/${B}`)
      .reply(200, { connectionId: B, name: 'Stripe → BigQuery' })
      .post('/jobs', { connectionId: A, jobType: 'sync' })
      .reply(200, created(1, A))
      .post('/jobs', { connectionId: B, jobType: 'sync' })
      .reply(200, created(2, B))
    const { result } = await step({ provider: 'airbyte', api_key: 'tok-1', connection_id: `${A},${B}`, wait: 'false' })
    api.done()
    expect(result.exitCode).toBe(0)
    expect(result.reports.map((r) => [r.targetName, r.jobId])).toEqual([
      [undefined, '1'],
      ['Stripe → BigQuery', '2']
    ])

    // One target: shown by the id the user gave, so no request for its name.
    const single = nock('https://api.airbyte.com/v1').post('/jobs', { connectionId: A, jobType: 'sync' }).reply(200, created(3, A))
    const one = await step({ provider: 'airbyte', api_key: 'tok-1', connection_id: A, wait: 'false' })
    single.done()
    expect(one.limiter.acquired).toBe(1)
  })

  it('hightouch: a sync given by id is named by its slug (GET /syncs/{id}); with more targets than a quarter of the rate limit, by its id', async () => {
    const api = nock('https://api.hightouch.com/api/v1')
      .get('/syncs/1001')
      .reply(200, { id: 1001, slug: 'orders-to-crm' })
      .get('/syncs/1002')
      .reply(200, { id: 1002, slug: 'users-to-braze' })
      .post(/\/syncs\/100[12]\/trigger/)
      .times(2)
      .reply(200, { id: '9' })
    const two = await step({ provider: 'hightouch', api_key: 'key-1', sync_id: '1001,1002', wait: 'false' })
    api.done()
    expect(two.result.reports.map((r) => plainLabel(r))).toEqual(['orders-to-crm (1001)', 'users-to-braze (1002)'])
    expect(two.limiter.acquired).toBe(4)

    // 51 syncs: 51 requests more would take over a quarter of Hightouch's 200 per 10 s, so no names are read.
    const ids = Array.from({ length: 51 }, (_, i) => String(2000 + i))
    const many = nock('https://api.hightouch.com/api/v1')
      .post(/\/syncs\/\d+\/trigger/)
      .times(51)
      .reply(200, { id: '9' })
    const big = await step({ provider: 'hightouch', api_key: 'key-1', sync_id: ids.join(','), wait: 'false', max_parallel: '100' })
    many.done()
    expect(big.limiter.acquired).toBe(51)
    expect(big.result.reports.every((r) => r.targetName === undefined)).toBe(true)
  })
})
