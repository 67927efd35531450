/** Renders the job summary's markdown as plain text for a terminal: tables aligned, links as "text <url>". */
export function markdownToText(markdown: string): string {
  const out: string[] = []
  const lines = markdown.split('\n')
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] === '```mermaid') {
      const chart: string[] = []
      for (i++; i < lines.length && lines[i] !== '```'; i++) chart.push(lines[i])
      out.push(...ganttToText(chart))
      continue
    }
    if (lines[i].startsWith('|')) {
      const rows: string[][] = []
      for (; i < lines.length && lines[i].startsWith('|'); i++) {
        const cells = splitRow(lines[i]).map(inline)
        if (cells.every((c) => /^-+$/.test(c) || c === '')) continue
        rows.push(cells)
      }
      i--
      const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)))
      for (const row of rows)
        out.push(
          row
            .map((cell, c) => cell.padEnd(widths[c]))
            .join('  ')
            .trimEnd()
        )
      continue
    }
    out.push(inline(lines[i]).replace(/^#+ /, '').replace(/^> /, '  '))
  }
  return out
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()
}

function splitRow(line: string): string[] {
  const cells: string[] = []
  let current = ''
  for (let i = 1; i < line.length; i++) {
    if (line[i] === '\\' && line[i + 1] === '|') {
      current += '|'
      i++
    } else if (line[i] === '|') {
      cells.push(current.trim())
      current = ''
    } else current += line[i]
  }
  return cells
}

function inline(text: string): string {
  return (
    text
      .replace(/<\/?details>|<\/?summary>/g, '')
      .replace(/<br>/g, ' / ')
      .replace(/\[([^\]]*)\]\(([^)]*)\)/g, '$1 <$2>')
      .replace(/\*\*([^*]*)\*\*/g, '$1')
      // An escaped backtick is provider text, not the start of a code span.
      .replace(/\\`/g, '\uE000')
      .replace(/`([^`]*)`/g, '$1')
      // The summary escapes provider text for markdown and HTML; a terminal shows it as written.
      .replace(/\uE000/g, '`')
      .replace(/\\([\\*_[\]#!|~@:.])/g, '$1')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&')
  )
}

/**
 * The summary's Mermaid Gantt chart as text bars, one row per section (target): `.` waiting, `#` done, `x` failed,
 * `~` still running, on a shared time axis `width` characters wide.
 */
export function ganttToText(chart: string[], width = 40): string[] {
  const decode = (text: string): string => text.replace(/#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code))).trim()
  const rows: { label: string; bars: { tag: string; from: number; to: number }[]; text: string }[] = []
  for (const line of chart) {
    const section = /^\s*section (.*)$/.exec(line)
    if (section) rows.push({ label: decode(section[1]), bars: [], text: '' })
    const task = /^\s*(.*?) :(?:(done|active|crit), )?[\w]+, (\d+), (\d+)$/.exec(line)
    if (task && rows.length > 0) {
      const row = rows[rows.length - 1]
      row.bars.push({ tag: task[2] ?? 'wait', from: Number(task[3]), to: Number(task[4]) })
      if (task[2]) row.text = decode(task[1])
    }
  }
  if (rows.length === 0) return []
  const from = Math.min(...rows.flatMap((r) => r.bars.map((b) => b.from)))
  const to = Math.max(...rows.flatMap((r) => r.bars.map((b) => b.to)))
  const scale = (t: number): number => Math.round(((t - from) / Math.max(1, to - from)) * (width - 1))
  const labelWidth = Math.min(40, Math.max(...rows.map((r) => r.label.length)))
  const marks: Record<string, string> = { wait: '.', done: '#', crit: 'x', active: '~' }
  const out = [`Timeline: ${((to - from) / 1000).toFixed(1)}s from the first trigger to the last end`]
  for (const row of rows) {
    const cells = Array.from({ length: width }, () => ' ')
    // Waits first, so the run's own bar wins where they overlap.
    for (const bar of [...row.bars].sort((a, b) => Number(a.tag !== 'wait') - Number(b.tag !== 'wait'))) {
      for (let c = scale(bar.from); c <= Math.max(scale(bar.from), scale(bar.to)); c++) cells[c] = marks[bar.tag]
    }
    out.push(`${row.label.slice(0, labelWidth).padEnd(labelWidth)} |${cells.join('')}| ${row.text}`)
  }
  return out
}
