/** Exponential backoff with "equal jitter": half the delay fixed, half random, so retries spread out. */
export function backoffDelay(
  attempt: number,
  { baseMs = 1000, maxMs = 30_000, random = Math.random }: { baseMs?: number; maxMs?: number; random?: () => number } = {}
): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1))
  return Math.round(ceiling / 2 + random() * (ceiling / 2))
}

/** Retry-After as seconds or as an HTTP date, in milliseconds from `now`; undefined when absent or unreadable. */
export function parseRetryAfter(header: string | string[] | undefined, now: number): number | undefined {
  const value = Array.isArray(header) ? header[0] : header
  if (value === undefined || value.trim() === '') return undefined
  const trimmed = value.trim()
  // Zero, negative, unreadable or in the past: no usable advice, so the normal backoff applies (never "at once").
  if (/^\d+(\.\d+)?$/.test(trimmed)) {
    const ms = Math.round(Number(trimmed) * 1000)
    return ms > 0 ? ms : undefined
  }
  if (!/[a-z]/i.test(trimmed)) return undefined
  const date = Date.parse(trimmed)
  if (Number.isNaN(date) || date <= now) return undefined
  return date - now
}

/** No retry comes sooner than this, whatever a server's Retry-After says: no target sends more than a request a second. */
export const MIN_RETRY_DELAY_MS = 1000

/** How long to wait before attempt `attempt + 1`: the server's Retry-After when usable, else the backoff; at least a second. */
export function retryDelay(retryAfterMs: number | undefined, attempt: number): number {
  return Math.max(MIN_RETRY_DELAY_MS, retryAfterMs ?? backoffDelay(attempt))
}
