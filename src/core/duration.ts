const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/**
 * Parses `90s`, `45m`, `2h`, `1h30m`, `1h 30m`, `500ms` or bare seconds (`3600`) into milliseconds.
 * Returns undefined for anything else (including zero-length and negative values).
 */
export function parseDuration(text: string): number | undefined {
  const value = text.trim().toLowerCase()
  if (value === '') return undefined
  if (/^\d+(\.\d+)?$/.test(value)) {
    const ms = Math.round(Number(value) * 1000)
    return ms > 0 ? ms : undefined
  }
  const compact = value.replace(/\s+/g, '')
  if (!/^(\d+(\.\d+)?(ms|s|m|h|d))+$/.test(compact)) return undefined
  let total = 0
  for (const [, amount, unit] of compact.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)) {
    total += Number(amount) * UNIT_MS[unit]
  }
  total = Math.round(total)
  return total > 0 ? total : undefined
}

/** `1h 2m 3s`, `4m 5s`, `6s`, `0.4s`: short and readable, for logs and summaries. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return 'unknown'
  if (ms < 1000) return `${(ms / 1000).toFixed(1)}s`
  let seconds = Math.round(ms / 1000)
  const hours = Math.floor(seconds / 3600)
  seconds -= hours * 3600
  const minutes = Math.floor(seconds / 60)
  seconds -= minutes * 60
  const parts: string[] = []
  if (hours) parts.push(`${hours}h`)
  if (minutes) parts.push(`${minutes}m`)
  if (seconds || parts.length === 0) parts.push(`${seconds}s`)
  return parts.join(' ')
}

/**
 * Parses an ISO-8601 duration as Airbyte sends it (`PT14M12S`, `PT5M`, `P1DT2H`) into milliseconds.
 */
export function parseIsoDuration(text: string | undefined | null): number | undefined {
  if (typeof text !== 'string') return undefined
  const match = /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(text.trim())
  if (!match || text.trim() === 'P' || text.trim() === 'PT') return undefined
  const [, d, h, m, s] = match
  return Math.round((Number(d ?? 0) * 86_400 + Number(h ?? 0) * 3600 + Number(m ?? 0) * 60 + Number(s ?? 0)) * 1000)
}

/**
 * Parses a timestamp leniently: `2026-08-21T12:00Z` (Java drops zero seconds), 3 or 6 fractional digits.
 * Returns epoch milliseconds, or undefined when absent or unreadable.
 */
export function parseTimestamp(text: unknown): number | undefined {
  if (typeof text !== 'string' || text.trim() === '') return undefined
  let value = text.trim()
  // Date.parse wants seconds and at most millisecond precision on some engines: normalise both.
  value = value.replace(/T(\d{2}):(\d{2})(Z|[+-]\d{2}:?\d{2})$/, 'T$1:$2:00$3')
  value = value.replace(/(\.\d{3})\d+/, '$1')
  const ms = Date.parse(value)
  return Number.isNaN(ms) ? undefined : ms
}
