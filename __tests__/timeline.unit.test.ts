// The summary's timeline: a Mermaid Gantt chart of when each target ran, checked by Mermaid's own parser.
import { describe, expect, it } from '@jest/globals'
import mermaid from 'mermaid'
import { orchestrate } from '../src/core/orchestrator.js'
import { fakeProvider, idsFake, inputsOf, type FakeSpec } from './fake-provider.js'
import { SlidingWindowLimiter } from '../src/http/ratelimit.js'
import { newReport, type Report } from '../src/core/report.js'
import { renderSummary } from '../src/core/summary.js'
import { mermaidText, renderTimeline, TIMELINE_MAX_TARGETS } from '../src/core/timeline.js'
import { markdownToText } from '../scripts/text.js'
import { FakeClock } from './fake-clock.js'
import { MemoryIo } from './memory-io.js'

interface GanttTask {
  id: string
  task: string
  section: string
  done?: boolean
  crit?: boolean
  active?: boolean
  startTime: Date
  endTime: Date
}

/** The summary's one Mermaid block, parsed by Mermaid (it throws on a syntax error), as its tasks. */
async function gantt(summary: string): Promise<GanttTask[]> {
  const blocks = [...summary.matchAll(/```mermaid\n([\s\S]*?)```/g)].map((m) => m[1])
  expect(blocks).toHaveLength(1)
  expect(await mermaid.parse(blocks[0])).toEqual(expect.objectContaining({ diagramType: 'gantt' }))
  const diagram = await mermaid.mermaidAPI.getDiagramFromText(blocks[0])
  return (diagram.db as unknown as { getTasks(): GanttTask[] }).getTasks()
}

const statusBars = (tasks: GanttTask[]): GanttTask[] => tasks.filter((t) => /^t\d+$/.test(t.id))
/** Mermaid keeps `#58;`-style entities as placeholders until it draws: undo them to compare with the label. */
const decode = (text: string): string => text.replace(/ﬂ°°(\d+)¶ß/g, (_, code: string) => String.fromCodePoint(Number(code))).trim()

/** `ok…` succeeds after 2 s, `slow…` after 20 s, `bad…` fails after 3 s, `async…` is left running; each asks the budget first. */
const fake: FakeSpec<{ ids: string[] }> = {
  ...idsFake,
  inputs: [{ name: 'ids' }],
  async run(ctx) {
    const slot = await ctx.limiter?.acquire(ctx.signal)
    slot?.done()
    ctx.report.targetName = `name of ${ctx.target}`
    ctx.report.jobId = `job-${ctx.target}`
    await ctx.clock.sleep(ctx.target.startsWith('slow') ? 20_000 : ctx.target.startsWith('bad') ? 3000 : 2000, ctx.signal)
    ctx.report.status = ctx.target.startsWith('bad') ? 'failed' : ctx.target.startsWith('async') ? 'running' : 'succeeded'
  }
}
const providers = { fake: fakeProvider(fake) }

describe('the timeline in the summary', () => {
  it('draws one bar per target, failures first, marked by status, with waits for a slot and for the rate limit', async () => {
    const io = new MemoryIo()
    const clock = new FakeClock()
    const result = await orchestrate({
      io,
      read: inputsOf({ provider: 'fake', ids: 'ok1,slow1,bad1,ok2,ok3', max_parallel: '2' }),
      providers,
      clock,
      // Two requests per 30 s: the third target's first request waits for the window.
      limiterFor: () => new SlidingWindowLimiter({ requests: 2, windowMs: 30_000 }, clock)
    })
    expect(result.exitCode).toBe(1)
    // Before the table.
    expect(io.summary.indexOf('```mermaid')).toBeGreaterThan(0)
    expect(io.summary.indexOf('```mermaid')).toBeLessThan(io.summary.indexOf('| --- |'))

    const tasks = await gantt(io.summary)
    const bars = statusBars(tasks)
    expect(bars.map((t) => decode(t.section))).toEqual([
      'name of bad1 (bad1)',
      'name of ok1 (ok1)',
      'name of slow1 (slow1)',
      'name of ok2 (ok2)',
      'name of ok3 (ok3)'
    ])
    expect(bars.map((t) => [t.crit === true, t.done === true])).toEqual([
      [true, false],
      [false, true],
      [false, true],
      [false, true],
      [false, true]
    ])
    for (const [report, bar] of [...result.reports].sort((a) => (a.target === 'bad1' ? -1 : 0)).map((r, i) => [r, bars[i]] as const)) {
      expect([+bar.startTime, +bar.endTime]).toEqual([report.timing?.startedAt, report.timing?.endedAt])
    }
    const waits = tasks
      .filter((t) => !/^t\d+$/.test(t.id))
      .map((t) => [decode(t.section), t.task.trim().replace(/ [\d.]+[ms]( \d+s)?$/, '')])
    // bad1 and later waited for a slot (max_parallel 2); the third request overall waited for the budget's window.
    expect(waits).toEqual(
      expect.arrayContaining([
        ['name of bad1 (bad1)', 'waiting for a slot'],
        ['name of ok2 (ok2)', 'waiting for a slot'],
        ['name of ok3 (ok3)', 'waiting for a slot'],
        [expect.any(String), 'waiting for the rate limit']
      ])
    )
    expect(waits.filter(([section]) => section.includes('ok1'))).toEqual([])
  })

  it('marks a job left running (wait: false) active', async () => {
    const io = new MemoryIo()
    await orchestrate({ io, read: inputsOf({ provider: 'fake', ids: 'async1,ok1', wait: 'false' }), providers, clock: new FakeClock() })
    const bars = statusBars(await gantt(io.summary))
    expect(bars.map((t) => [decode(t.section), t.active === true, t.done === true])).toEqual([
      ['name of async1 (async1)', true, false],
      ['name of ok1 (ok1)', false, true]
    ])
  })

  it('escapes provider text: a hostile name neither breaks the chart nor leaves its code fence', async () => {
    const hostile = 'x: y;\n```\n<img src=x onerror=alert(1)> %% #35; click t1 call alert() `tick`'
    const report: Report = { ...newReport('fake', 'SYNC', 'a1'), targetName: hostile, status: 'succeeded' }
    report.timing = { queuedAt: 1000, startedAt: 1000, endedAt: 5000, waits: [] }
    const other: Report = { ...newReport('fake', 'SYNC', 'a2'), status: 'succeeded' }
    other.timing = { queuedAt: 1000, startedAt: 1000, endedAt: 6000, waits: [] }
    const chart = renderTimeline([
      { report, passed: true },
      { report: other, passed: true }
    ]) as string
    // One line for the name, and nothing in it that ends a name or starts a statement.
    const sections = chart.split('\n').filter((l) => l.startsWith('  section '))
    expect(sections).toHaveLength(2)
    expect(sections[0].replace(/#\d+;/g, '')).toMatch(/^ {2}section [^`<>:;%#\n]*$/)
    expect(chart.split('\n').filter((l) => l.includes('```'))).toEqual(['```mermaid', '```'])
    const bars = statusBars(
      await gantt(
        renderSummary('Fake', 'Thing', [
          { report, passed: true },
          { report: other, passed: true }
        ])
      )
    )
    expect(bars).toHaveLength(2)
    expect(decode(bars[0].section)).toBe(`${hostile.replace(/\s+/g, ' ').slice(0, 59)}…`)
    expect(mermaidText('')).toBe('?')
  })

  it(`draws at most ${TIMELINE_MAX_TARGETS} targets, failures first, and says so`, async () => {
    const ids = Array.from({ length: 60 }, (_, i) => (i % 20 === 7 ? `bad${i}` : `ok${i}`))
    const io = new MemoryIo()
    await orchestrate({
      io,
      read: inputsOf({ provider: 'fake', ids: ids.join(','), max_parallel: '100' }),
      providers,
      clock: new FakeClock()
    })
    const bars = statusBars(await gantt(io.summary))
    expect(bars).toHaveLength(TIMELINE_MAX_TARGETS)
    expect(bars.slice(0, 3).map((t) => decode(t.section))).toEqual([
      'name of bad7 (bad7)',
      'name of bad27 (bad27)',
      'name of bad47 (bad47)'
    ])
    expect(bars.slice(3).every((t) => t.done === true)).toBe(true)
    expect(io.summary).toContain('The timeline shows 50 of 60 targets, failures first; the table lists every one.')
    // The table still has a row for each.
    expect(io.summary.match(/^\| [✅❌] \|/gm)).toHaveLength(60)
  })

  it('draws one target only when its job ran longer than 5 minutes', async () => {
    const one = (ms: number): string => {
      const report: Report = { ...newReport('fake', 'SYNC', 'c1'), status: 'succeeded' }
      report.timing = { queuedAt: 0, startedAt: 0, endedAt: ms, waits: [{ from: 60_000, to: 120_000, reason: 'rate limit' }] }
      return renderSummary('Fake', 'Thing', [{ report, passed: true }])
    }
    expect(one(5 * 60_000)).not.toContain('```mermaid')
    const tasks = await gantt(one(40 * 60_000))
    expect(tasks.map((t) => [t.id, t.task.trim()])).toEqual([
      ['w1_1', 'waiting for the rate limit 1m'],
      ['t1', 'succeeded 40m']
    ])
  })

  it('prints as text bars in npm run demo', () => {
    const at = (target: string, name: string, status: Report['status'], startedAt: number, endedAt: number, slot = 0): Report => ({
      ...newReport('fake', 'SYNC', target),
      targetName: name,
      status,
      timing: { queuedAt: 0, startedAt, endedAt, waits: slot ? [{ from: 0, to: slot, reason: 'slot' }] : [] }
    })
    const text = markdownToText(
      renderSummary('Fake', 'Thing', [
        { report: at('a1', 'orders: daily', 'succeeded', 0, 10_000), passed: true },
        { report: at('b2', 'billing', 'failed', 10_000, 20_000, 10_000), passed: false }
      ])
    )
    expect(text).toContain(
      [
        'Timeline: 20.0s from the first trigger to the last end',
        'billing (b2)       |....................xxxxxxxxxxxxxxxxxxxx| failed 10s',
        'orders: daily (a1) |#####################                   | succeeded 10s'
      ].join('\n')
    )
  })
})
