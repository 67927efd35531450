import { ApiClient, type ApiClientOptions } from '../../http/client.js'
import { readConnection, type FivetranConnection } from './model.js'

export const FIVETRAN_BASE_URL = 'https://api.fivetran.com/v1'

/** Fivetran's error envelope: `{"code": "NotFound_Connection", "message": "..."}`. */
export function parseFivetranError(_status: number, body: unknown): { code?: string; message?: string } {
  const b = body as { code?: unknown; message?: unknown } | undefined
  return {
    code: typeof b?.code === 'string' ? b.code : undefined,
    message: typeof b?.message === 'string' ? b.message : undefined
  }
}

export function basicAuthHeader(apiKey: string, apiSecret: string): string {
  return `Basic ${Buffer.from(`${apiKey}:${apiSecret}`).toString('base64')}`
}

/** The Fivetran REST endpoints the action uses: `/v1/connections/...` only (the `/v1/connectors` paths answer 404). */
export class FivetranApi {
  readonly client: ApiClient

  constructor(options: Omit<ApiClientOptions, 'headers' | 'parseError'>, apiKey: string, apiSecret: string) {
    const header = basicAuthHeader(apiKey, apiSecret)
    this.client = new ApiClient({
      ...options,
      auth: { header: async () => header },
      headers: { Accept: 'application/json;version=2' },
      parseError: parseFivetranError
    })
  }

  private path(id: string, rest = ''): string {
    return `connections/${encodeURIComponent(id)}${rest}`
  }

  async connection(id: string): Promise<FivetranConnection> {
    const path = this.path(id)
    const response = await this.client.get<unknown>(path)
    return readConnection(response.data, `GET /connections/${id}`)
  }

  /**
   * Sets the schedule without running setup tests (they count against their own, lower rate limit).
   * Tried twice at most: a failure here is a warning, not worth holding the step up for.
   */
  async setScheduleType(id: string, scheduleType: string): Promise<void> {
    await this.client.patch(this.path(id), { schedule_type: scheduleType, run_setup_tests: false }, { maxAttempts: 2 })
  }

  async sync(id: string, force: boolean): Promise<void> {
    await this.client.post(this.path(id, '/sync'), { force })
  }

  /** Runs the setup tests; the body must be at least `{}` (Fivetran answers 400 to no body). */
  async runSetupTests(id: string): Promise<FivetranConnection> {
    const response = await this.client.post<unknown>(this.path(id, '/test'), {}, { timeoutMs: 180_000 })
    return readConnection(response.data, `POST /connections/${id}/test`)
  }

  /** Re-syncs some tables: 400 when the connector cannot re-sync single tables, 409 when a running sync could not finish. */
  async resync(id: string, scope: Record<string, string[]>): Promise<void> {
    await this.client.post(this.path(id, '/resync'), { scope })
  }
}
