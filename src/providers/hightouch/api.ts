import { STATUS_CODES } from 'node:http'
import { ApiClient, type ApiClientOptions } from '../../http/client.js'
import { ApiError } from '../../core/errors.js'
import { HISTORY_RUNS } from '../../jobs/plan.js'
import { durationMs, findSyncBySlug, readRuns, readTriggeredRunId, type HightouchRuns, type HightouchSync } from './model.js'

export const HIGHTOUCH_BASE_URL = 'https://api.hightouch.com/api/v1'

/**
 * Hightouch's error bodies: `{"message": "Authentication error", "details": "Token is invalid"}` (401),
 * `{"message": "Validation failed", "details": {...}}` (422), `{"error": "..."}` (429), `"Internal Server Error"` (500).
 * As Orchestra documents it, `details` is shown for a 401 and a 422; other codes show `message` only.
 */
export function parseHightouchError(status: number, body: unknown): { code?: string; message?: string } {
  if (typeof body === 'string') {
    const text = body.trim()
    return { message: text !== '' && text !== STATUS_CODES[status] ? text : undefined }
  }
  const b = body as { message?: unknown; details?: unknown; error?: unknown } | undefined
  const message =
    typeof b?.message === 'string' && b.message !== '' ? b.message : typeof b?.error === 'string' && b.error !== '' ? b.error : undefined
  const details = status === 401 || status === 422 ? describeDetails(b?.details) : undefined
  if (message && details) return { message: `${message}: ${details}` }
  return { message: message ?? details }
}

/** `details` as one line: a string as it is; tsoa's `{"requestBody.x": {message, value}}` as `requestBody.x: message (value "...")`. */
export function describeDetails(details: unknown): string | undefined {
  if (typeof details === 'string') return details.trim() || undefined
  if (!details || typeof details !== 'object') return undefined
  const parts = Object.entries(details as Record<string, unknown>).map(([field, value]) => {
    if (value && typeof value === 'object' && typeof (value as { message?: unknown }).message === 'string') {
      const v = value as { message: string; value?: unknown }
      const given = v.value === undefined ? '' : ` (value ${JSON.stringify(v.value)})`
      return `${field}: ${v.message}${given}`
    }
    return `${field}: ${typeof value === 'string' ? value : JSON.stringify(value)}`
  })
  const text = parts.join('; ')
  if (text === '') return undefined
  return text.length > 500 ? `${text.slice(0, 497)}...` : text
}

/** The Hightouch REST endpoints the action uses: trigger a sync, list its runs, find a sync by slug. */
export class HightouchApi {
  readonly client: ApiClient

  constructor(options: Omit<ApiClientOptions, 'auth' | 'parseError'>, apiKey: string) {
    const header = `Bearer ${apiKey}`
    this.client = new ApiClient({ ...options, auth: { header: async () => header }, parseError: parseHightouchError })
  }

  /** The sync with this slug, or undefined when the workspace has none. */
  async syncBySlug(slug: string): Promise<HightouchSync | undefined> {
    const response = await this.client.get<unknown>('syncs', { query: { slug } })
    return findSyncBySlug(response.data, slug, `GET /syncs?slug=${slug}`)
  }

  /** The slug of the sync with this id, for naming it; one attempt only (it is not worth a retry). */
  async syncSlug(syncId: string): Promise<string | undefined> {
    const response = await this.client.get<unknown>(`syncs/${encodeURIComponent(syncId)}`, { maxAttempts: 1 })
    const slug = (response.data as { slug?: unknown } | undefined)?.slug
    return typeof slug === 'string' && slug.trim() !== '' ? slug : undefined
  }

  /**
   * Starts a sync run and returns its id. Sent once: Hightouch queues a second run rather than refusing it,
   * so only a 429 (certainly not processed) is sent again, by the HTTP layer. A 200 without a run id leaves
   * the run unknown, like a lost answer: a malformed ApiError, which the caller treats as ambiguous.
   */
  async trigger(syncId: string, fullResync: boolean): Promise<string> {
    const path = `syncs/${encodeURIComponent(syncId)}/trigger`
    const response = await this.client.post<unknown>(path, { fullResync })
    const id = readTriggeredRunId(response.data)
    if (id === undefined) {
      const given = (response.data as { id?: unknown } | undefined)?.id
      const cause = given === undefined || given === null ? 'the answer lacks the run id' : 'the run id in the answer is not a number'
      throw new ApiError({ kind: 'malformed', request: `POST /${path}`, status: response.status, cause })
    }
    return id
  }

  /** `GET /syncs/{id}/runs?runId=`: the run, and any other job of the sync Hightouch lists with it. */
  async runs(syncId: string, runId: string): Promise<HightouchRuns> {
    const path = `syncs/${encodeURIComponent(syncId)}/runs`
    const response = await this.client.get<unknown>(path, { query: { runId } })
    return readRuns(response.data, `GET /${path}?runId=${runId}`)
  }

  /** The sync's runs started after `after` (ISO), by creation time: how a run whose trigger answer was lost is found. */
  async runsSince(syncId: string, after: string): Promise<HightouchRuns> {
    const path = `syncs/${encodeURIComponent(syncId)}/runs`
    const response = await this.client.get<unknown>(path, { query: { after, orderBy: 'createdAt', limit: 100 } })
    return readRuns(response.data, `GET /${path}?after=${after}`)
  }

  /**
   * How long the sync's last few successful runs took (ms, created to finished: the age the wait loop counts), from
   * one list of its runs of the past week. The list's sort direction is undocumented, so the newest are picked here.
   */
  async pastDurations(syncId: string, now: number): Promise<number[]> {
    const after = new Date(now - 7 * 24 * 3_600_000).toISOString()
    const path = `syncs/${encodeURIComponent(syncId)}/runs`
    // Optional: one attempt, and any failure leaves the schedule as it is.
    const response = await this.client.get<unknown>(path, { query: { after, orderBy: 'createdAt', limit: 100 }, maxAttempts: 1 })
    return readRuns(response.data, `GET /${path}?after=${after}`)
      .data.filter((run) => run.status === 'success')
      .map((run) => ({ created: Date.parse(run.createdAt ?? ''), took: durationMs(run.createdAt, run.finishedAt) }))
      .filter((run): run is { created: number; took: number } => !Number.isNaN(run.created) && run.took !== undefined)
      .sort((a, b) => b.created - a.created)
      .slice(0, HISTORY_RUNS)
      .map((run) => run.took)
  }
}
