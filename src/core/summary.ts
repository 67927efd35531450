import type { Status } from './constants.js'
import type { Report, SummaryTable } from './report.js'
import { oneLine } from './text.js'
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

const HTML: Record<string, string> = { '<': '&lt;', '>': '&gt;', '&': '&amp;' }

/**
 * Provider text (or any text) shown as text in markdown: HTML, emphasis, links, images, code, pipes and headings are
 * escaped, and `://`, `www.` and `@` are broken so that GitHub does not autolink them. Line breaks become `<br>` (the
 * action's own markup) or, with `breaks: false`, spaces. Only the action's own links (jobLink) are links.
 */
export function escapeMarkdown(text: string, { breaks = true, max = 2000 } = {}): string {
  const lines = text.split(/\r\n|\r|\n|\u2028|\u2029/).map((line) =>
    oneLine(line, max)
      .replace(/[\\`*[\]#!|~@]/g, '\\$&')
      // An underscore inside a word (if_running, setup_state) emphasises nothing; one at a word's edge could.
      .replace(/(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])/g, '\\_')
      .replace(/[<>&]/g, (c) => HTML[c])
      .replace(/:\/\//g, '\\://')
      .replace(/\b(www)\./gi, '$1\\.')
  )
  const joined = lines.join(breaks ? '<br>' : ' ')
  return joined.length > max ? `${joined.slice(0, max)}…` : joined
}

/** Escapes text for a markdown table cell. */
export function cell(text: string): string {
  return escapeMarkdown(text)
}

/** An id or name the action shows as code: as code when it is plain, else as escaped text (no backtick can break out). */
function code(text: string): string {
  return /^[A-Za-z0-9_.@:+/=…-]{1,200}$/.test(text) ? `\`${text}\`` : escapeMarkdown(text, { breaks: false, max: 200 })
}

/** Icons follow the verdict: a target that passed never shows ❌, one that failed never shows ✅. */
function icon(target: SummaryTarget): string {
  const status = target.report.status
  if (target.report.error !== undefined && !status) return '❌'
  const shown = status ? ICONS[status] : undefined
  if (target.passed) return shown && GOOD_ICONS.has(shown) ? shown : 'ℹ️'
  return shown && !GOOD_ICONS.has(shown) ? shown : '❌'
}

const GOOD_ICONS = new Set(['✅', '⏳', '⚠️'])

function table(t: SummaryTable): string {
  const lines: string[] = []
  if (t.title) lines.push(`**${escapeMarkdown(t.title)}**`, '')
  lines.push(`| ${t.header.map(cell).join(' | ')} |`)
  lines.push(`| ${t.header.map(() => '---').join(' | ')} |`)
  for (const row of t.rows) lines.push(`| ${row.map(cell).join(' | ')} |`)
  return lines.join('\n')
}

/** The action's own link, built from ids it validated: the only link in a summary. */
function jobLink(report: Report): string {
  const url = safeUrl(report.jobUrl)
  if (!report.jobId) return url ? `[open](${url})` : '—'
  return url ? `[${code(report.jobId)}](${url})` : code(report.jobId)
}

/** An https URL with nothing in it that could end a markdown link early; anything else is no link. */
function safeUrl(url: string | undefined): string | undefined {
  return url && /^https?:\/\/[^\s()<>"'`\\[\]|]+$/.test(url) ? url : undefined
}

function statusText(report: Report): string {
  if (!report.status) return report.error !== undefined ? 'error' : '—'
  const provider = report.providerStatus && report.providerStatus !== report.status ? ` (${code(report.providerStatus)})` : ''
  return `**${report.status}**${provider}`
}

/** Provider text as plain markdown text on one line: no emphasis, link, code span or HTML of its own. */
export function plainText(text: string): string {
  return escapeMarkdown(text, { breaks: false, max: 200 })
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
    [report.targetNoun ?? targetNoun, targetLabel(report)],
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
      // The first rows are the action's own markup (built from escaped parts); facts are text, escaped whole.
      ...rows.map(([l, v], i) => `| ${i < 4 ? l : cell(l)} | ${i < 4 ? v : cell(v)} |`)
    ].join('\n')
  ]
  if (report.error !== undefined) parts.push(`> **Error:** ${escapeMarkdown(report.error, { max: 4000 })}`)
  else if (report.message) parts.push(`> ${escapeMarkdown(report.message, { max: 4000 })}`)
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
    return `### ${icon(target)} ${providerTitle} ${report.action}: ${code(report.target)} ${outcome}\n\n${timeline ? `${timeline}\n\n` : ''}${details(target, targetNoun)}\n`
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
    lines.push(
      '',
      // An HTML line: markdown is not read there, so only HTML is escaped.
      `<details><summary>${icon(target)} ${oneLine(plainLabel(target.report), 200).replace(/[<>&]/g, (c) => HTML[c])}</summary>`,
      '',
      details(target, targetNoun),
      '',
      '</details>'
    )
  }
  return `${lines.join('\n')}\n`
}
