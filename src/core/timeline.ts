import { formatDuration } from './duration.js'
import type { Report } from './report.js'

/** At most this many targets get a bar; failures first, then in input order. */
export const TIMELINE_MAX_TARGETS = 50
/** One target gets a timeline only when its work took longer than this. */
export const TIMELINE_LONG_JOB_MS = 5 * 60_000

export interface TimelineTarget {
  report: Report
  passed: boolean
}

/** Waits shorter than this are not drawn: too short to see, and the rate limit's are often a few milliseconds. */
export const TIMELINE_MIN_WAIT_MS = 1000

/** A long id shortened for labels: ids over 20 characters (UUIDs) to their first 8; names like shrank_paparazzi stay. */
export function shortId(id: string): string {
  return id.length > 20 ? `${id.slice(0, 8)}…` : id
}

/** A target's name (when known and not its id) and its id. */
export function labelParts(report: Report): { name?: string; id: string } {
  const id = report.targetId ?? report.target
  const name = report.targetName?.replace(/\s+/g, ' ').trim()
  return name && name !== id ? { name, id } : { id }
}

/** The name people know a target by, beside its short id; the id alone when no name is known. Plain text. */
export function plainLabel(report: Report): string {
  const { name, id } = labelParts(report)
  return name ? `${name} (${shortId(id)})` : id
}

/**
 * Text made safe for a line of a Mermaid diagram: one line, at most `max` characters, and every character that could
 * end a name or start a statement (`:` `;` `#` `%` `<` backticks, braces...) written as a Mermaid entity (`#58;`), which
 * Mermaid shows as the character itself. Provider text cannot break out of the chart, nor out of its code fence.
 */
export function mermaidText(text: string, max = 60): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  const short = flat.length > max ? `${flat.slice(0, max - 1)}…` : flat
  const safe = short.replace(/[^\p{L}\p{N} _.,()/@+=~'!?-]/gu, (c) => `#${c.codePointAt(0)};`)
  return safe === '' ? '?' : safe
}

function tag(target: TimelineTarget): 'done' | 'active' | 'crit' {
  if (!target.passed) return 'crit'
  const status = target.report.status
  return status === 'running' || status === 'queued' ? 'active' : 'done'
}

/**
 * A Mermaid Gantt chart of when each target ran (GitHub draws Mermaid in job summaries), or undefined when there is
 * nothing worth drawing (one short job). One section per target, labelled by its name: a bar from its trigger to its
 * end, marked done, active (still running: `wait: false`) or crit (failed), and plain bars for its waits for a slot
 * (`max_parallel`) or for the request budget. Compact mode draws a target's bars on one row where they do not overlap.
 */
export function renderTimeline(targets: TimelineTarget[]): string | undefined {
  const timed = targets.filter((t) => t.report.timing?.endedAt !== undefined)
  if (timed.length === 0) return undefined
  if (targets.length === 1) {
    const timing = timed[0].report.timing
    if (!timing?.endedAt || timing.endedAt - (timing.startedAt ?? timing.queuedAt) <= TIMELINE_LONG_JOB_MS) return undefined
  }
  const shown = [...timed.filter((t) => !t.passed), ...timed.filter((t) => t.passed)].slice(0, TIMELINE_MAX_TARGETS)
  const from = Math.min(...shown.map((t) => t.report.timing?.queuedAt ?? Infinity))
  const to = Math.max(...shown.map((t) => t.report.timing?.endedAt ?? -Infinity))
  const lines = ['```mermaid', '---', 'displayMode: compact', '---', 'gantt', '  dateFormat x']
  lines.push(`  axisFormat ${to - from > 3 * 3_600_000 ? '%H:%M' : '%H:%M:%S'}`, '  todayMarker off')
  shown.forEach((target, i) => {
    const { report } = target
    const timing = report.timing
    if (timing?.endedAt === undefined) return
    lines.push(`  section ${mermaidText(plainLabel(report))}`)
    timing.waits
      .filter((w) => w.to - w.from >= TIMELINE_MIN_WAIT_MS)
      .forEach((wait, j) => {
        const what = wait.reason === 'slot' ? 'waiting for a slot' : 'waiting for the rate limit'
        lines.push(`  ${what} ${formatDuration(wait.to - wait.from)} :w${i + 1}_${j + 1}, ${wait.from}, ${wait.to}`)
      })
    const start = timing.startedAt ?? timing.queuedAt
    const end = Math.max(timing.endedAt, start + 1)
    const status = report.status ?? (report.error !== undefined ? 'error' : 'done')
    const what = timing.startedAt === undefined ? `${status}, not started` : `${status} ${formatDuration(end - start)}`
    lines.push(`  ${mermaidText(what)} :${tag(target)}, t${i + 1}, ${start}, ${end}`)
  })
  lines.push('```')
  if (timed.length > shown.length) {
    lines.push('', `_The timeline shows ${shown.length} of ${timed.length} targets, failures first; the table lists every one._`)
  }
  return lines.join('\n')
}
