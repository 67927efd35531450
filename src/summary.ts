import type { Status } from './constants.js'
import type { Report, SummaryTable } from './report.js'
import { labelParts, plainLabel, renderTimeline, shortId } from './timeline.js'

const ICONS: Partial<Record<Status, string>> = {
  succeeded: '✅',
  failed: '❌',
  cancelled: '🚫',
  timed_out: '⏱️',
  warning: '⚠️',
  running: '⏳',
  queued: '⏳',
  paused: '⏸️',
  rescheduled: '📅'
}

export interface SummaryTarget {
  report: Report
  passed: boolean
}

/** Escapes text for a markdown table cell. */
export function cell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>')
}

function icon(target: SummaryTarget): string {
  const status = target.report.status
  if (target.report.error !== undefined && !status) return '❌'
  return (status && ICONS[status]) ?? (target.passed ? 'ℹ️' : '❌')
}

function table(t: SummaryTable): string {
  const lines: string[] = []
  if (t.title) lines.push(`**${t.title}**`, '')
  lines.push(`| ${t.header.map(cell).join(' | ')} |`)
  lines.push(`| ${t.header.map(() => '---').join(' | ')} |`)
  for (const row of t.rows) lines.push(`| ${row.map(cell).join(' | ')} |`)
  return lines.join('\n')
}

function jobLink(report: Report): string {
  if (!report.jobId) return report.jobUrl ? `[open](${report.jobUrl})` : '—'
  return report.jobUrl ? `[\`${report.jobId}\`](${report.jobUrl})` : `\`${report.jobId}\``
}

function statusText(report: Report): string {
  if (!report.status) return report.error !== undefined ? 'error' : '—'
  const provider = report.providerStatus && report.providerStatus !== report.status ? ` (\`${report.providerStatus}\`)` : ''
  return `**${report.status}**${provider}`
}

/** Provider text as plain markdown text: no emphasis, link, code span or HTML of its own, and safe in a table cell. */
export function plainText(text: string): string {
  return cell(text.replace(/\s+/g, ' ').trim())
    .replace(/[`*_[\]~!#]/g, (c) => `\\${c}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
}

/** A code span that stays one, whatever the id holds. */
function code(text: string): string {
  return text.includes('`') ? `<code>${plainText(text)}</code>` : `\`${text.replace(/\|/g, '\\|')}\``
}

/** The target as people know it: its name beside its id (shortened in the overview), or its id alone. */
function targetLabel(report: Report, short = false): string {
  const { name, id } = labelParts(report)
  return name ? `${plainText(name)} (${code(short ? shortId(id) : id)})` : code(report.target)
}

/**
 * A message for the overview table, without the id its row already shows: "The sync of shrank_paparazzi failed" reads
 * "The sync failed". The full message stays in the target's details and the log.
 */
export function withoutId(message: string, report: Report): string {
  const ids = [...new Set([report.targetId ? `${report.target} (id ${report.targetId})` : '', report.target, report.targetId ?? ''])]
    .filter((id) => id !== '')
    .sort((a, b) => b.length - a.length)
    .map((id) => id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
  if (ids.length === 0) return message
  const alt = `(?:${ids.join('|')})`
  const end = String.raw`(?=[\s,;:)]|\.(?:\s|$)|$)`
  return message
    .replace(new RegExp(`^(Connector|Connection|Sync) ${alt}${end}`, 'g'), (_, noun: string) => `This ${noun.toLowerCase()}`)
    .replace(new RegExp(`\\(([a-z_]+) of (?:connection |connector |sync )?${alt}\\)`, 'g'), '($1)')
    .replace(new RegExp(` of (?:connection |connector |sync )?${alt}${end}`, 'g'), '')
}

function details(target: SummaryTarget, targetNoun: string): string {
  const { report } = target
  const rows: [string, string][] = [
    [targetNoun, targetLabel(report)],
    ['Action', report.action],
    ['Job', jobLink(report)],
    ['Status', statusText(report)]
  ]
  if (report.rowsSynced !== undefined) rows.push(['Rows synced', report.rowsSynced.toLocaleString('en-US')])
  for (const [label, value] of report.facts) rows.push([label, value])
  const parts = [
    [
      '| | |',
      '| --- | --- |',
      // The target's label is escaped already.
      ...rows.map(([l, v], i) => `| ${l} | ${i === 0 ? v : v.includes('`') || v.includes('](') ? v.replace(/\|/g, '\\|') : cell(v)} |`)
    ].join('\n')
  ]
  if (report.error !== undefined) parts.push(`> **Error:** ${report.error.replace(/\n/g, '\n> ')}`)
  else if (report.message) parts.push(`> ${report.message.replace(/\n/g, '\n> ')}`)
  for (const t of report.tables) parts.push(table(t))
  return parts.join('\n\n')
}

/**
 * The job summary: what ran and how it ended. One target gets a heading and a facts table; several get an
 * overview table with a row each, and their details folded below it.
 */
export function renderSummary(providerTitle: string, targetNoun: string, targets: SummaryTarget[]): string {
  if (targets.length === 1) {
    const [target] = targets
    const { report } = target
    const outcome = report.status ?? (report.error !== undefined ? 'error' : 'done')
    const timeline = renderTimeline(targets)
    return `### ${icon(target)} ${providerTitle} ${report.action}: \`${report.target}\` ${outcome}\n\n${timeline ? `${timeline}\n\n` : ''}${details(target, targetNoun)}\n`
  }
  const failed = targets.filter((t) => !t.passed).length
  const headline = failed === 0 ? '✅' : '❌'
  const counts = `${targets.length - failed} passed, ${failed} failed`
  const action = targets[0]?.report.action ?? ''
  const overview: SummaryTable = {
    header: ['', targetNoun, 'Job', 'Status', 'Rows', 'Message'],
    rows: []
  }
  const lines = [`### ${headline} ${providerTitle} ${action}: ${targets.length} targets, ${counts}`, '']
  const timeline = renderTimeline(targets)
  if (timeline) lines.push(timeline, '')
  lines.push(`| ${overview.header.join(' | ')} |`, `| ${overview.header.map(() => '---').join(' | ')} |`)
  for (const target of targets) {
    const r = target.report
    const message = withoutId(r.error ?? r.message ?? '', r)
    lines.push(
      `| ${icon(target)} | ${targetLabel(r, true)} | ${jobLink(r)} | ${statusText(r)} | ${r.rowsSynced?.toLocaleString('en-US') ?? ''} | ${cell(message)} |`
    )
  }
  for (const target of targets) {
    const label = plainLabel(target.report).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
    lines.push('', `<details><summary>${icon(target)} ${label}</summary>`, '', details(target, targetNoun), '', '</details>')
  }
  return `${lines.join('\n')}\n`
}
