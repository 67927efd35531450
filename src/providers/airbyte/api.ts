import type { Clock } from '../../core/clock.js'
import { ApiClient, type ApiClientOptions, type ApiLog, type Auth } from '../../http/client.js'
import { ApiError } from '../../core/errors.js'
import { HISTORY_RUNS } from '../../jobs/plan.js'
import { oneLine } from '../../core/text.js'
import { jobDurationMs, readJob, readJobList, type AirbyteJob, type JobType } from './model.js'

export const AIRBYTE_BASE_URL = 'https://api.airbyte.com/v1'

/** Airbyte holds `POST /jobs` open until the job exists (60 s server-side, 81 s seen): give it 120 s. */
export const CREATE_JOB_TIMEOUT_MS = 120_000

/** The longest a token is kept before its end; short lifetimes renew at half-life instead. */
export const TOKEN_RENEW_MARGIN_MS = 60_000

/**
 * Airbyte's error bodies: problem JSON `{status, type, title, detail, data: {message}}` (404s carry
 * `data: {resourceType, resourceId}`), the load shedder's plain `{message}`, or Micronaut's
 * `{message, _embedded: {errors: [{message}]}}` from the token endpoint of some self-managed versions.
 */
export function parseAirbyteError(_status: number, body: unknown): { code?: string; message?: string } {
  if (!body || typeof body !== 'object') return {}
  const b = body as {
    title?: unknown
    detail?: unknown
    message?: unknown
    data?: { message?: unknown; resourceType?: unknown; resourceId?: unknown } | null
    _embedded?: { errors?: { message?: unknown }[] }
  }
  const code = typeof b.title === 'string' ? b.title : undefined
  const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : undefined)
  const data = b.data && typeof b.data === 'object' ? b.data : undefined
  const notFound =
    text(data?.resourceType) && text(data?.resourceId) ? `${String(data?.resourceType)} ${String(data?.resourceId)} not found` : undefined
  const embedded = Array.isArray(b._embedded?.errors) ? text(b._embedded.errors[0]?.message) : undefined
  return { code, message: text(data?.message) ?? notFound ?? embedded ?? text(b.detail) ?? text(b.message) }
}

/** Airbyte answered about a job other than the one asked for (another id, connection or job type). */
export class WrongJobError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'WrongJobError'
  }
}

/** How the action authenticates to Airbyte: application credentials, a ready token, or none (auth off). */
export type AirbyteCredentials =
  { kind: 'application'; clientId: string; clientSecret: string } | { kind: 'token'; apiKey: string } | { kind: 'none' }

export interface TokenOptions {
  baseUrl: string
  clock: Clock
  log: ApiLog
  /** Epoch ms: token requests are retried (5xx, 429, network) only until then. */
  deadline: number
  requestTimeoutMs: number
}

/**
 * Client credentials exchanged at `{base_url}/applications/token` for a bearer token, kept as long as its
 * `expires_in` allows (15 minutes by default, but older servers said 3: never a fixed lifetime), renewed a minute
 * before it ends, or at half-life for short lifetimes. On a 401, ApiClient calls `renew()` once and retries once.
 */
export class ApplicationTokenAuth implements Auth {
  private token?: { value: string; renewAt?: number }
  private fetching?: Promise<string>

  constructor(
    private readonly clientId: string,
    private readonly clientSecret: string,
    private readonly options: TokenOptions
  ) {}

  async header(signal?: AbortSignal): Promise<string> {
    const { token } = this
    if (token && (token.renewAt === undefined || this.options.clock.now() < token.renewAt)) return `Bearer ${token.value}`
    return `Bearer ${await this.fetch(signal)}`
  }

  async renew(signal?: AbortSignal): Promise<boolean> {
    this.token = undefined
    await this.fetch(signal)
    return true
  }

  /** One token request at a time, shared by every request (and target) that needs it. */
  private fetch(signal?: AbortSignal): Promise<string> {
    this.fetching ??= this.request(signal).finally(() => {
      this.fetching = undefined
    })
    return this.fetching
  }

  private async request(signal?: AbortSignal): Promise<string> {
    const { clock, log } = this.options
    const client = new ApiClient({
      baseUrl: this.options.baseUrl,
      clock,
      log,
      signal,
      deadline: this.options.deadline,
      requestTimeoutMs: this.options.requestTimeoutMs,
      parseError: parseAirbyteError
    })
    const sentAt = clock.now()
    // JSON with `grant-type`, as Airbyte documents it; a token request starts nothing, so retrying it is safe.
    const response = await client.request<unknown>('POST', 'applications/token', {
      body: { client_id: this.clientId, client_secret: this.clientSecret, 'grant-type': 'client_credentials' },
      retry: 'transient'
    })
    const body = response.data as { access_token?: unknown; expires_in?: unknown } | undefined
    if (typeof body?.access_token !== 'string' || body.access_token === '') {
      throw new ApiError({
        kind: 'malformed',
        request: 'POST /applications/token',
        status: response.status,
        cause: 'the answer lacks access_token'
      })
    }
    // A token is sent as a header: only printable ASCII without spaces (a JWT) is one.
    if (!/^[\x21-\x7e]{4,8192}$/.test(body.access_token)) {
      throw new ApiError({
        kind: 'malformed',
        request: 'POST /applications/token',
        status: response.status,
        cause: 'its access_token is not a token (it holds spaces, line breaks or other characters no header may carry)'
      })
    }
    const lifetimeMs = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in * 1000 : undefined
    // Counted from when the request was sent, so the token is renewed before the server's clock says it ended.
    const renewAt = lifetimeMs === undefined ? undefined : sentAt + lifetimeMs - Math.min(TOKEN_RENEW_MARGIN_MS, lifetimeMs / 2)
    // Masked (in the runner's log and the action's own redaction) before its first use.
    log.setSecret?.(body.access_token)
    this.token = { value: body.access_token, renewAt }
    log.debug(
      lifetimeMs === undefined
        ? 'Got an Airbyte access token without expires_in; it is kept until Airbyte refuses it.'
        : `Got an Airbyte access token valid for ${Math.round(lifetimeMs / 1000)}s.`
    )
    return body.access_token
  }
}

/** The Auth for some credentials: a token exchange, a ready bearer token, or nothing (self-managed, auth off). */
export function authFor(credentials: AirbyteCredentials, options: TokenOptions): Auth | undefined {
  switch (credentials.kind) {
    case 'application':
      return new ApplicationTokenAuth(credentials.clientId, credentials.clientSecret, options)
    case 'token': {
      const header = `Bearer ${credentials.apiKey}`
      return { header: async () => header }
    }
    case 'none':
      return undefined
  }
}

/** The Airbyte public API endpoints the action uses: `/jobs` and `/jobs/{jobId}` (never the deprecated `/api/v1`). */
export class AirbyteApi {
  readonly client: ApiClient

  constructor(options: Omit<ApiClientOptions, 'parseError'>) {
    this.client = new ApiClient({ ...options, parseError: parseAirbyteError })
  }

  /**
   * Starts a job. Sent once: ApiClient resends it only when it certainly was not processed (429, connection
   * refused); any other failure may have created the job, and the caller looks it up instead.
   */
  async createJob(connectionId: string, jobType: JobType, timeoutMs: number): Promise<AirbyteJob> {
    const response = await this.client.post<unknown>('jobs', { connectionId, jobType }, { timeoutMs })
    const job = readJob(response.data, 'POST /jobs')
    // The job must be the one asked for: a job of another connection or type is not followed (nor reported as ours).
    const otherConnection = job.connectionId !== undefined && job.connectionId.toLowerCase() !== connectionId.toLowerCase()
    const otherType = job.jobType !== undefined && job.jobType.toLowerCase() !== jobType
    if (otherConnection || otherType) {
      throw new WrongJobError(
        `Airbyte answered POST /jobs with job ${job.jobId} (${otherType ? `a ${oneLine(job.jobType ?? '', 40)}` : 'a job'}${otherConnection ? ` of connection ${oneLine(job.connectionId ?? '', 60)}` : ''}), not the ${jobType} of connection ${connectionId} the action asked for. The action does not follow it: check connection ${connectionId} in Airbyte.`
      )
    }
    return job
  }

  async job(jobId: string | number): Promise<AirbyteJob> {
    const response = await this.client.get<unknown>(`jobs/${encodeURIComponent(String(jobId))}`)
    const job = readJob(response.data, `GET /jobs/${jobId}`)
    if (String(job.jobId) !== String(jobId)) {
      throw new WrongJobError(
        `Airbyte answered GET /jobs/${jobId} with job ${job.jobId}: the action trusts no answer about another job (nor cancels it). Check base_url and job_id.`
      )
    }
    return job
  }

  /** A connection's jobs, newest first. */
  async jobs(connectionId: string, limit = 10): Promise<AirbyteJob[]> {
    const response = await this.client.get<unknown>('jobs', { query: { connectionId, orderBy: 'createdAt|DESC', limit } })
    // A job of another connection is never taken for one of this connection's.
    return readJobList(response.data, `GET /jobs?connectionId=${connectionId}`).filter(
      (job) => job.connectionId === undefined || job.connectionId.toLowerCase() === connectionId.toLowerCase()
    )
  }

  /** A connection's `name`, for naming it in the summary; one attempt only (it is not worth a retry). */
  async connectionName(connectionId: string): Promise<string | undefined> {
    const response = await this.client.get<unknown>(`connections/${encodeURIComponent(connectionId)}`, { maxAttempts: 1 })
    const name = (response.data as { name?: unknown } | undefined)?.name
    return typeof name === 'string' && name.trim() !== '' ? name : undefined
  }

  /**
   * Cancels a job. Airbyte cancels the connection's *current* job, so this is sent once, after reading the job:
   * a blind resend could stop a newer job.
   */
  async cancel(jobId: string | number): Promise<AirbyteJob> {
    const response = await this.client.delete<unknown>(`jobs/${encodeURIComponent(String(jobId))}`, { maxAttempts: 1 })
    const job = readJob(response.data, `DELETE /jobs/${jobId}`)
    if (String(job.jobId) !== String(jobId)) {
      throw new WrongJobError(
        `Airbyte answered DELETE /jobs/${jobId} with job ${job.jobId}; the action trusts no answer about another job.`
      )
    }
    return job
  }

  /**
   * How long the connection's last few succeeded jobs of this type took (ms, created to last update: the age the
   * wait loop counts), newest first, in one request.
   */
  async pastDurations(connectionId: string, jobType: string): Promise<number[]> {
    const response = await this.client.get<unknown>('jobs', {
      query: { connectionId, jobType, status: 'succeeded', orderBy: 'createdAt|DESC', limit: HISTORY_RUNS },
      // Optional: one attempt, and any failure leaves the schedule as it is.
      maxAttempts: 1
    })
    return readJobList(response.data, `GET /jobs?connectionId=${connectionId}&status=succeeded`)
      .filter((job) => job.status === 'succeeded')
      .map((job) => jobDurationMs(job))
      .filter((ms): ms is number => ms !== undefined)
  }
}
