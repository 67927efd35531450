import { describe, expect, it } from '@jest/globals'
import { AbortedError } from '../src/core/errors.js'
import { foreignInputs, forEachLimited, orchestrate, outputsFor } from '../src/core/orchestrator.js'
import { providers as registry } from '../src/providers/registry.js'
import { fakeProvider, inputsOf, type FakeSpec } from './fake-provider.js'
import { newReport, setFact } from '../src/core/report.js'
import { SlidingWindowLimiter } from '../src/http/ratelimit.js'
import { cell, renderSummary } from '../src/core/summary.js'
import { FakeClock } from './fake-clock.js'
import { MemoryIo } from './memory-io.js'

/** A provider whose targets end as their names say: `ok`, `bad`, `boom` (throws), `slow` (waits to be aborted). */
const fake: FakeSpec<{ ids: string[]; key: string }> = {
  name: 'fake',
  title: 'Fake',
  targetNoun: 'Thing',
  defaultBaseUrl: 'https://fake.test',
  inputs: [{ name: 'ids' }, { name: 'api_key', secret: true }],
  defaultAction: 'SYNC',
  actions: { SYNC: 'wait', STATUS: 'report' },
  readSettings: (read, _common, problems) => {
    const key = read('api_key')
    if (!key) problems.push('api_key is required')
    return { ids: read('ids').split(','), key }
  },
  secrets: (s) => [s.key],
  targets: (s) => s.ids,
  async run(ctx) {
    ctx.report.jobId = `job-${ctx.target}`
    ctx.log.info(`working on ${ctx.target} with key ${ctx.settings.key}`)
    if (ctx.target.startsWith('ok')) ctx.report.status = 'succeeded'
    if (ctx.target === 'bad') ctx.report.status = 'failed'
    if (ctx.target === 'boom') throw new Error(`HTTP 500 on ${ctx.target}`)
    if (ctx.target === 'slow') await ctx.clock.sleep(10_000, ctx.signal)
  }
}

const providers = { fake: fakeProvider(fake) }

describe('orchestrate', () => {
  it('warns of a non-empty input only other providers read, naming them, and works on', async () => {
    const other = fakeProvider({ ...fake, name: 'other', inputs: [{ name: 'other_id' }, { name: 'api_key' }] })
    const io = new MemoryIo()
    const result = await orchestrate({
      io,
      read: inputsOf({ provider: 'fake', api_key: 'sekret', ids: 'ok', other_id: '7' }),
      providers: { fake: fakeProvider(fake), other },
      clock: new FakeClock()
    })
    expect(result.exitCode).toBe(0)
    expect(io.lines.filter((l) => l.startsWith('warning: '))).toEqual([
      'warning: other_id is an input of other, not of fake: it is ignored.'
    ])
  })

  it("names the provider of a foreign input among the real ones; the root action's defaults and shared inputs pass quietly", () => {
    const read = inputsOf({
      connector_id: 'a',
      api_key: 'k',
      sync_id: '1234',
      client_id: 'c',
      full_resync: 'true',
      fail_on_warning: 'true',
      if_running: 'fail',
      force: 'false'
    })
    expect(foreignInputs(read, registry.fivetran, registry)).toEqual([
      'client_id is an input of airbyte, not of fivetran: it is ignored.',
      'sync_id is an input of hightouch, not of fivetran: it is ignored.',
      'full_resync is an input of hightouch, not of fivetran: it is ignored.'
    ])
    expect(foreignInputs(inputsOf({ sync_id: '1', api_key: 'k', connector_id: 'x' }), registry.hightouch, registry)).toEqual([
      'connector_id is an input of fivetran, not of hightouch: it is ignored.'
    ])
  })

  it('sets every output of one target and passes', async () => {
    const io = new MemoryIo()
    const result = await orchestrate({
      io,
      read: inputsOf({ provider: 'fake', api_key: 'sekret', ids: 'ok' }),
      providers,
      clock: new FakeClock()
    })
    expect(result.exitCode).toBe(0)
    expect(io.outputs).toMatchObject({ job_id: 'job-ok', status: 'succeeded' })
    expect(JSON.parse(io.outputs.results)).toEqual([{ target: 'ok', job_id: 'job-ok', status: 'succeeded' }])
    expect(io.summary).toContain('### ✅ Fake SYNC: `ok` succeeded')
  })

  it('reports bad input once, sends nothing and sets no output', async () => {
    const io = new MemoryIo()
    const result = await orchestrate({ io, read: inputsOf({ provider: 'fake', ids: 'ok', timeout: 'never' }), providers })
    expect(result.exitCode).toBe(1)
    expect(io.errors).toEqual([
      'Invalid inputs:\n  - timeout must be a duration such as 90s, 45m, 2h, 1h30m or a number of seconds, got "never"\n  - api_key is required'
    ])
    expect(io.outputs).toEqual({})
  })

  it('never lets a secret through, whatever a provider logs', async () => {
    const io = new MemoryIo()
    await orchestrate({ io, read: inputsOf({ provider: 'fake', api_key: 'sekret', ids: 'ok' }), providers })
    expect(io.secrets).toEqual(['sekret', Buffer.from('sekret').toString('base64')])
    expect(io.lines.join('\n')).toContain('with key ***')
    expect(io.lines.join('\n')).not.toContain('sekret')
  })

  it('runs several targets: worst status, results in input order, one failure fails the step', async () => {
    const io = new MemoryIo()
    const result = await orchestrate({ io, read: inputsOf({ provider: 'fake', api_key: 'the-key', ids: 'ok1,bad,boom,ok2' }), providers })
    expect(result.exitCode).toBe(1)
    expect(io.outputs.status).toBe('failed')
    expect(io.outputs.job_id).toBeUndefined()
    const results = JSON.parse(io.outputs.results) as { target: string; status?: string; error?: string }[]
    expect(results.map((r) => r.target)).toEqual(['ok1', 'bad', 'boom', 'ok2'])
    expect(results[2]).toEqual({ target: 'boom', job_id: 'job-boom', error: 'HTTP 500 on boom' })
    expect(io.errors).toEqual(['bad: Fake SYNC ended with status failed', 'boom: HTTP 500 on boom'])
    expect(io.lines).toContain('[ok2] working on ok2 with key ***')
    expect(io.summary).toContain('4 targets, 2 passed, 2 failed')
  })

  it('on cancellation sets status cancelled and says the remote job goes on', async () => {
    const io = new MemoryIo()
    const controller = new AbortController()
    controller.abort()
    const result = await orchestrate({
      io,
      read: inputsOf({ provider: 'fake', api_key: 'the-key', ids: 'slow' }),
      providers,
      signal: controller.signal
    })
    expect(result.exitCode).toBe(1)
    expect(io.outputs.status).toBe('cancelled')
    expect(io.errors[0]).toBe('The workflow was cancelled; the Fake job goes on (job job-slow).')
  })

  it('warns when credentials would travel over plain http to another host', async () => {
    const io = new MemoryIo()
    await orchestrate({
      io,
      read: inputsOf({ provider: 'fake', api_key: 'the-key', ids: 'ok', base_url: 'http://airbyte.internal:8000/api/public/v1' }),
      providers
    })
    expect(io.lines.join('\n')).toMatch(/warning: base_url uses plain http:\/\/ to airbyte.internal:8000: credentials travel in clear text/)
    const local = new MemoryIo()
    await orchestrate({
      io: local,
      read: inputsOf({ provider: 'fake', api_key: 'the-key', ids: 'ok', base_url: 'http://127.0.0.1:8787/x' }),
      providers
    })
    expect(local.lines.join('\n')).not.toMatch(/clear text/)
  })

  it('treats AbortedError from a provider as a cancellation', async () => {
    const io = new MemoryIo()
    const aborting = { ...fake, run: async () => Promise.reject(new AbortedError()) }
    await orchestrate({
      io,
      read: inputsOf({ provider: 'fake', api_key: 'the-key', ids: 'x' }),
      providers: { fake: fakeProvider(aborting) }
    })
    expect(io.outputs.status).toBe('cancelled')
  })
})

describe('forEachLimited', () => {
  it('runs at most `limit` tasks at once, all of them, each once', async () => {
    let running = 0
    let peak = 0
    const done: number[] = []
    await forEachLimited(25, 4, async (i) => {
      running++
      peak = Math.max(peak, running)
      await new Promise((r) => setTimeout(r, 2))
      done.push(i)
      running--
    })
    expect(peak).toBe(4)
    expect(done.sort((a, b) => a - b)).toEqual(Array.from({ length: 25 }, (_, i) => i))
  })
})

describe('outputs and summary', () => {
  it('sets Fivetran TEST counts and leaves unknown outputs out', () => {
    const r = newReport('fivetran', 'TEST', 'c')
    r.status = 'warning'
    r.tests = { passed: 2, failed: 0, warning: 1 }
    expect(outputsFor([r], false)).toEqual({
      status: 'warning',
      tests_passed: '2',
      tests_failed: '0',
      tests_warning: '1',
      results: '[{"target":"c","status":"warning"}]'
    })
  })

  it('escapes table cells and renders facts, messages and tables', () => {
    expect(cell('a|b\nc')).toBe('a\\|b<br>c')
    const r = newReport('hightouch', 'SYNC', '42')
    r.status = 'failed'
    r.jobId = '7'
    r.jobUrl = 'https://app.example/runs/7'
    r.rowsSynced = 1234
    setFact(r, 'Started', '2026-01-01T00:00:00Z')
    r.message = 'One job failed'
    r.tables.push({ title: 'Jobs', header: ['Status', 'Error'], rows: [['failed', 'bad | row']] })
    const md = renderSummary('Hightouch', 'Sync', [{ report: r, passed: false }])
    expect(md).toContain('### ❌ Hightouch SYNC: `42` failed')
    expect(md).toContain('| Job | [`7`](https://app.example/runs/7) |')
    expect(md).toContain('| Rows synced | 1,234 |')
    expect(md).toContain('> One job failed')
    expect(md).toContain('| failed | bad \\| row |')
  })
})

describe('SlidingWindowLimiter', () => {
  it('never lets more than the limit through in any window', async () => {
    const clock = new FakeClock()
    const limiter = new SlidingWindowLimiter({ requests: 5, windowMs: 10_000 }, clock)
    const times: number[] = []
    for (let i = 0; i < 23; i++) {
      const slot = await limiter.acquire()
      slot?.done()
      times.push(clock.now())
    }
    for (const t of times) expect(times.filter((u) => u >= t && u < t + 10_000).length).toBeLessThanOrEqual(5)
    expect(times[5] - times[0]).toBeGreaterThanOrEqual(10_000)
  })
})
