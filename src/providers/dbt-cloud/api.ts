import { ApiClient, type ApiClientOptions } from '../../http/client.js'
import { ApiError } from '../../core/errors.js'
import { HISTORY_RUNS } from '../../jobs/plan.js'
import { flatText, isPlainSuccess, readJob, readRun, readRunList, runDurationMs, type DbtJob, type DbtRun } from './model.js'

export const DBT_CLOUD_BASE_URL = 'https://cloud.getdbt.com'

/** What a trigger sends besides `cause`: only the overrides the user gave. */
export interface TriggerBody {
  cause: string
  git_branch?: string
  git_sha?: string
  schema_override?: string
  target_name_override?: string
  threads_override?: number
  steps_override?: string[]
  github_pull_request_id?: number
  timeout_seconds_override?: number
}

/**
 * dbt Cloud's error bodies: the envelope `{status: {code, user_message, developer_message}, data}`, where `data` may
 * map fields to messages (a 400); Django's own `{"detail": "..."}` (a 405 from a path without its trailing slash).
 * The message is escaped: it is provider text.
 */
export function parseDbtCloudError(_status: number, body: unknown): { code?: string; message?: string } {
  if (!body || typeof body !== 'object') return {}
  const b = body as { status?: { user_message?: unknown; developer_message?: unknown }; data?: unknown; detail?: unknown }
  const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined)
  const user = text(b.status?.user_message) ?? text(b.detail)
  const fields =
    b.data && typeof b.data === 'object' && !Array.isArray(b.data)
      ? Object.entries(b.data as Record<string, unknown>)
          .filter(([, v]) => typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string')))
          .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(' ') : String(v)}`)
      : []
  const message = [user, fields.length > 0 ? fields.join('; ') : undefined].filter(Boolean).join(' ')
  // Provider text reaches the log and the summary: made inert here, once, for every message built from it.
  return { message: message === '' ? undefined : flatText(message, 500) }
}

/** `include_related` as dbt Cloud reads it: a JSON list in one parameter. */
const related = (...names: string[]): string => JSON.stringify(names)

/**
 * The Administrative API v2 endpoints the action uses, under `{base_url}/api/v2/accounts/{account_id}/`. Every
 * endpoint path ends in `/`: without it dbt Cloud redirects, and a redirected POST comes back as a 405.
 * The artifact path is a file name (`.../artifacts/run_results.json`), as the API defines it.
 */
export class DbtCloudApi {
  readonly client: ApiClient

  constructor(options: Omit<ApiClientOptions, 'auth' | 'parseError'>, accountId: string, token: string) {
    const header = `Token ${token}`
    const root = options.baseUrl.replace(/\/+$/, '').replace(/\/api(\/v2)?$/, '')
    this.client = new ApiClient({
      ...options,
      baseUrl: `${root}/api/v2/accounts/${accountId}`,
      auth: { header: async () => header },
      parseError: parseDbtCloudError
    })
  }

  async job(jobId: string): Promise<DbtJob> {
    const path = `jobs/${jobId}/`
    return readJob((await this.client.get<unknown>(path)).data, `GET /${path}`)
  }

  /** Starts a run. Sent once: a lost answer is followed by looking for the run's cause token, never a resend. */
  async trigger(jobId: string, body: TriggerBody): Promise<DbtRun> {
    const path = `jobs/${jobId}/run/`
    return readRun((await this.client.post<unknown>(path, body)).data, `POST /${path}`)
  }

  /** Reruns the job's failed last run from the point of failure (no body: dbt Cloud takes no cause or overrides). */
  async rerun(jobId: string): Promise<DbtRun> {
    const path = `jobs/${jobId}/rerun/`
    return readRun((await this.client.post<unknown>(path, undefined)).data, `POST /${path}`)
  }

  /** One run; with `steps`, its steps and their logs too (large: only asked for once the run has ended). */
  async run(runId: string, steps = false): Promise<DbtRun> {
    const path = `runs/${runId}/`
    const query = steps ? { include_related: related('run_steps') } : undefined
    return readRun((await this.client.get<unknown>(path, { query })).data, `GET /${path}`)
  }

  /** The job's runs, newest first, with their triggers (whose `cause` carries the token); `active`: queued, starting or running only. */
  async runs(jobId: string, options: { limit: number; active?: boolean }): Promise<DbtRun[]> {
    const path = 'runs/'
    const query = {
      job_definition_id: jobId,
      order_by: '-id',
      limit: options.limit,
      include_related: related('trigger'),
      status__in: options.active ? '[1,2,3]' : undefined
    }
    return readRunList((await this.client.get<unknown>(path, { query })).data, `GET /${path}?job_definition_id=${jobId}`)
  }

  /**
   * How long the job's last few plain successful runs took (ms, newest first), in one request: the job's runs that
   * ended Success, with their triggers to leave out reruns and runs of other steps. Optional: one attempt.
   */
  async pastDurations(jobId: string): Promise<number[]> {
    const path = 'runs/'
    const query = { job_definition_id: jobId, status: 10, order_by: '-id', limit: 2 * HISTORY_RUNS, include_related: related('trigger') }
    const response = await this.client.get<unknown>(path, { query, maxAttempts: 1 })
    return readRunList(response.data, `GET /${path}?job_definition_id=${jobId}&status=10`)
      .filter(isPlainSuccess)
      .map(runDurationMs)
      .filter((ms): ms is number => ms !== undefined)
      .slice(0, HISTORY_RUNS)
  }

  /** Cancels a run (cancelling twice is harmless, so the request may be retried). */
  async cancel(runId: string): Promise<DbtRun> {
    const path = `runs/${runId}/cancel/`
    return readRun((await this.client.post<unknown>(path, undefined, { retry: 'transient' })).data, `POST /${path}`)
  }

  /** One step's run_results.json (raw, not enveloped); undefined when the step has none (404). */
  async runResults(runId: string, step: number): Promise<unknown> {
    try {
      const response = await this.client.get<unknown>(`runs/${runId}/artifacts/run_results.json`, { query: { step } })
      return response.data
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return undefined
      throw error
    }
  }
}
