/** Renders the job summary's markdown as plain text for a terminal: tables aligned, links as "text <url>". */
export function markdownToText(markdown: string): string {
  const out: string[] = []
  const lines = markdown.split('\n')
  for (let i = 0; i < lines.length; i++) {
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
  return text
    .replace(/<\/?details>|<\/?summary>/g, '')
    .replace(/<br>/g, ' / ')
    .replace(/\[([^\]]*)\]\(([^)]*)\)/g, '$1 <$2>')
    .replace(/\*\*([^*]*)\*\*/g, '$1')
    .replace(/`([^`]*)`/g, '$1')
}
