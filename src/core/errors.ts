/** Everything wrong with the inputs, reported at once before any request is sent. */
export class InputError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.length === 1 ? `Invalid input: ${problems[0]}` : `Invalid inputs:\n${problems.map((p) => `  - ${p}`).join('\n')}`)
    this.name = 'InputError'
  }
}

/** Connection failures that happen before a request reaches the server. */
const NOT_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN'])

/** `proxy`: the proxy refused the request (403/407 to CONNECT, 407 to a plain request), so it never reached the provider. */
export type ApiErrorKind = 'http' | 'network' | 'timeout' | 'malformed' | 'proxy'

export interface ApiErrorDetails {
  kind: ApiErrorKind
  /** What was being done, in words: `GET /connections/abc`. */
  request: string
  /** HTTP status, when the server answered. */
  status?: number
  /** The HTTP reason phrase (never empty when status is set). */
  reason?: string
  /** The provider's own error code (Fivetran `code`, Airbyte `title`). */
  providerCode?: string
  /** The provider's own message. */
  providerMessage?: string
  /** How long the server asked us to wait (Retry-After), in milliseconds. */
  retryAfterMs?: number
  /** The low-level cause: `ECONNRESET`, `socket hang up`... */
  cause?: string
  /** The parsed body, when there was one. */
  body?: unknown
  /** The request never left the action (e.g. the step's request budget had no room before the timeout). */
  notSent?: boolean
}

/** A failed request to a provider: one typed error whatever went wrong. */
export class ApiError extends Error {
  readonly kind: ApiErrorKind
  readonly request: string
  readonly status?: number
  readonly reason?: string
  readonly providerCode?: string
  readonly providerMessage?: string
  readonly retryAfterMs?: number
  readonly body?: unknown
  /** The low-level cause of a network error (`ECONNRESET`, `ECONNREFUSED`...). */
  readonly lowLevel?: string
  /** The request never left the action, so it cannot have started anything. */
  readonly notSent: boolean
  /** Set when retrying stopped because the overall timeout was reached. */
  deadlineReached = false

  constructor(details: ApiErrorDetails, message?: string) {
    super(message ?? describeApiError(details))
    this.name = 'ApiError'
    this.kind = details.kind
    this.request = details.request
    this.status = details.status
    this.reason = details.reason
    this.providerCode = details.providerCode
    this.providerMessage = details.providerMessage
    this.retryAfterMs = details.retryAfterMs
    this.body = details.body
    this.lowLevel = details.cause
    this.notSent = details.notSent === true
  }

  /** A passing fault worth retrying on a read: 5xx, 429, 408, network trouble, a timeout, a malformed body. */
  get transient(): boolean {
    if (this.kind === 'proxy') return false
    if (this.kind !== 'http') return true
    const status = this.status ?? 0
    return status >= 500 || status === 429 || status === 408
  }

  /** True when the request certainly did not reach the provider's logic, so sending it again is not a duplicate. */
  get certainlyNotProcessed(): boolean {
    if (this.notSent) return true
    if (this.kind === 'http') return this.status === 429
    return this.kind === 'network' && NOT_CONNECTED.has(this.lowLevel ?? '')
  }

  /** A request that starts work failed in a way that leaves open whether the work started. */
  get ambiguous(): boolean {
    if (this.kind === 'proxy') return false
    return !this.certainlyNotProcessed && (this.kind !== 'http' || (this.status ?? 0) >= 500)
  }
}

function describeApiError(d: ApiErrorDetails): string {
  if (d.kind === 'http') {
    const what = d.providerMessage ? `: ${d.providerMessage}` : ''
    const code = d.providerCode && d.providerCode !== d.reason ? ` [${d.providerCode}]` : ''
    return `${d.request} failed with HTTP ${d.status} ${d.reason}${code}${what}`
  }
  if (d.kind === 'proxy') return `${d.request} was not sent: the proxy refused it (HTTP ${d.status} ${d.reason})`
  if (d.kind === 'timeout') return `${d.request} got no answer in time (${d.cause ?? 'request timeout'})`
  if (d.kind === 'malformed') return `${d.request} answered with a body the action cannot read (${d.cause ?? 'not JSON'})`
  return `${d.request} failed: network error (${d.cause ?? 'unknown'})`
}

/** The workflow was cancelled (SIGINT/SIGTERM) while the action was waiting. */
export class AbortedError extends Error {
  constructor() {
    super('cancelled by the workflow')
    this.name = 'AbortedError'
  }
}

/** A message for any thrown value: never `[object Object]`, never a stack trace. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message || error.name
  if (typeof error === 'string') return error
  try {
    return JSON.stringify(error) ?? String(error)
  } catch {
    return String(error)
  }
}
