// The step's common settings as types only: what the core reads once and every provider is handed.

/**
 * How an action is judged (README, "Verdicts"):
 * - `wait`: passes only on `succeeded` (or `warning` where warnings pass); with `wait: false`, once the job started;
 * - `report`: STATUS and CANCEL, fail only on errors;
 * - `test`: passes unless a test failed (status `failed`).
 */
export type ActionKind = 'wait' | 'report' | 'test'

/** The inputs every provider shares, read and checked once. */
export interface CommonSettings {
  /** `fivetran`, `airbyte` or `hightouch`. */
  provider: string
  /** The action in upper case, aliases resolved (`SYNC` → `START` for Fivetran). */
  action: string
  /** How the action is judged. */
  actionKind: ActionKind
  /** Wait for the job to end (`wait` input, default true). */
  wait: boolean
  /** A previous step's `job_id`, for WAIT, STATUS and CANCEL. */
  jobId?: string
  /** The longest wait (`timeout`, default 1h). */
  timeoutMs: number
  /** The longest gap between two status checks (`poll_interval`, default 30s). */
  pollIntervalMs: number
  /** How long one HTTP request may take (`request_timeout`, default 30s). */
  requestTimeoutMs: number
  /** The API root, without a trailing slash. */
  baseUrl: string
  /** Whether the user set `base_url` (a self-managed server, an emulator). */
  baseUrlGiven: boolean
  /** Cancel the remote job when the workflow is cancelled, where the provider allows it (default true). */
  cancelOnAbort: boolean
  /** How many targets run at once (default 10). */
  maxParallel: number
  /** Read past runs to time the status checks, where the provider lists them (`history`, default true). */
  history: boolean
}
