import { STATUS_CODES } from 'node:http'
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http'
import { HttpClient } from '@actions/http-client'
import { raceAbort, systemClock, type Clock } from './clock.js'
import { USER_AGENT } from './constants.js'
import { AbortedError, ApiError, type ApiErrorDetails } from './errors.js'
import { backoffDelay, parseRetryAfter } from './retry.js'
import { formatDuration } from './duration.js'

/** How a provider authenticates its requests. */
export interface Auth {
  /** The Authorization header value, or undefined for none. */
  header(signal?: AbortSignal): Promise<string | undefined>
  /** After a 401: drop cached credentials and get new ones. True when a retry is worth it. */
  renew?(signal?: AbortSignal): Promise<boolean>
}

/** A request's place in the budget: `done` when its answer (or failure) has arrived. */
export interface RequestSlot {
  done(): void
}

/** Shares a request budget between the clients of one provider (see ratelimit.ts). */
export interface RequestLimiter {
  /**
   * Resolves when a request may be sent. Rejects with BudgetExhaustedError when the next free slot comes after
   * `notAfter` (the step's deadline), so that waiting for the budget never holds a step past its timeout.
   */
  acquire(signal?: AbortSignal, notAfter?: number): Promise<RequestSlot | void>
  /** The provider answered 429: hold every request of the step (not only this target's) until `untilMs`. */
  throttled?(untilMs: number): void
}

/** The shared request budget has no room before the deadline. */
export class BudgetExhaustedError extends Error {
  constructor(readonly nextSlotAt: number) {
    super(`no room in the request budget before the timeout (next slot at ${new Date(nextSlotAt).toISOString()})`)
    this.name = 'BudgetExhaustedError'
  }
}

export interface ApiLog {
  warning(message: string): void
  debug(message: string): void
}

export interface ApiClientOptions {
  baseUrl: string
  auth?: Auth
  /** Headers sent on every request (e.g. Fivetran's `Accept: application/json;version=2`). */
  headers?: Record<string, string>
  /** Per-request timeout (default 30 s). */
  requestTimeoutMs?: number
  /** Pulls the provider's own error code and message out of an error body. */
  parseError?: (status: number, body: unknown) => { code?: string; message?: string }
  clock?: Clock
  log: ApiLog
  limiter?: RequestLimiter
  signal?: AbortSignal
  /** Epoch ms: retries never wait past it (the step's `timeout`). */
  deadline?: number
}

export interface RequestOptions {
  query?: Record<string, string | number | undefined>
  body?: unknown
  /** Overrides the client's per-request timeout (Airbyte's job creation needs 120 s). */
  timeoutMs?: number
  /**
   * `transient` (reads, idempotent writes): retry 5xx, 429, network errors and timeouts with backoff.
   * `never-blind` (requests that start work): send again only when the request certainly was not processed.
   */
  retry?: 'transient' | 'never-blind'
  /** At most this many attempts (default: as many as fit before the deadline). */
  maxAttempts?: number
}

export interface ApiResponse<T> {
  status: number
  headers: IncomingMessage['headers']
  data: T
}

const MAX_BODY_BYTES = 10 * 1024 * 1024

/** A small JSON client on @actions/http-client: auth, timeouts, typed errors, retries within the step's deadline. */
export class ApiClient {
  private readonly clock: Clock
  private readonly clients = new Map<number, HttpClient>()
  readonly baseUrl: string

  constructor(private readonly options: ApiClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '')
    this.clock = options.clock ?? systemClock
  }

  get<T>(path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    return this.request<T>('GET', path, { retry: 'transient', ...options })
  }

  post<T>(path: string, body: unknown, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    return this.request<T>('POST', path, { retry: 'never-blind', ...options, body })
  }

  patch<T>(path: string, body: unknown, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    return this.request<T>('PATCH', path, { retry: 'transient', ...options, body })
  }

  delete<T>(path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    return this.request<T>('DELETE', path, { retry: 'transient', ...options })
  }

  /** The absolute URL of a path under the base URL. */
  url(path: string, query?: RequestOptions['query']): string {
    const url = new URL(`${this.baseUrl}/${path.replace(/^\/+/, '')}`)
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value))
    }
    return url.toString()
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    const { signal, deadline } = this.options
    const url = this.url(path, options.query)
    const parsed = new URL(url)
    const description = `${method} ${parsed.pathname}${parsed.search}`
    let renewed = false
    for (let attempt = 1; ; attempt++) {
      if (signal?.aborted) throw new AbortedError()
      try {
        return await this.attemptInBudget<T>(method, url, description, options, signal)
      } catch (error) {
        if (!(error instanceof ApiError)) throw error
        if (error.status === 401 && !renewed && this.options.auth?.renew) {
          renewed = true
          if (await this.options.auth.renew(signal)) {
            this.options.log.debug(`${description} answered 401; renewed the credentials, trying once more`)
            attempt--
            continue
          }
        }
        if (error.notSent) {
          // The budget has no room before the deadline: trying again cannot help.
          error.deadlineReached = true
          throw error
        }
        const retryable = options.retry === 'transient' ? error.transient : error.certainlyNotProcessed
        if (!retryable || attempt >= (options.maxAttempts ?? Infinity)) throw error
        const delay = error.retryAfterMs ?? backoffDelay(attempt)
        const now = this.clock.now()
        if (deadline !== undefined && now + delay >= deadline) {
          error.deadlineReached = true
          throw error
        }
        // A 429 says the whole key is over its limit: the step's other targets hold back too, not only this one.
        if (error.status === 429) this.options.limiter?.throttled?.(now + delay)
        this.options.log.warning(`${error.message}; trying again in ${formatDuration(delay)} (attempt ${attempt + 1})`)
        await this.clock.sleep(delay, signal)
      }
    }
  }

  private httpClient(timeoutMs: number): HttpClient {
    let client = this.clients.get(timeoutMs)
    if (!client) {
      client = new HttpClient(USER_AGENT, [], { socketTimeout: timeoutMs, allowRetries: false, keepAlive: false })
      this.clients.set(timeoutMs, client)
    }
    return client
  }

  /** One attempt within the shared budget: it holds a slot from before it is sent until its answer (or failure) arrives. */
  private async attemptInBudget<T>(
    method: string,
    url: string,
    description: string,
    options: RequestOptions,
    signal?: AbortSignal
  ): Promise<ApiResponse<T>> {
    const slot = await this.options.limiter?.acquire(signal, this.options.deadline).catch((error: unknown) => {
      if (!(error instanceof BudgetExhaustedError)) throw error
      throw new ApiError(
        { kind: 'timeout', request: description, cause: error.message, notSent: true },
        `${description} was not sent: this step's requests are at the provider's rate limit, and the next free slot (${new Date(error.nextSlotAt).toISOString()}) comes after the timeout`
      )
    })
    try {
      return await this.attempt<T>(method, url, description, options, signal)
    } finally {
      slot?.done()
    }
  }

  private async attempt<T>(
    method: string,
    url: string,
    description: string,
    options: RequestOptions,
    signal?: AbortSignal
  ): Promise<ApiResponse<T>> {
    let timeoutMs = options.timeoutMs ?? this.options.requestTimeoutMs ?? 30_000
    // A status check never holds the step far past its deadline.
    if (this.options.deadline !== undefined && options.retry === 'transient') {
      timeoutMs = Math.max(1000, Math.min(timeoutMs, this.options.deadline - this.clock.now() + 1000))
    }
    const headers: OutgoingHttpHeaders = { accept: 'application/json', ...lowerKeys(this.options.headers) }
    const authorization = await this.options.auth?.header(signal)
    if (authorization) headers.authorization = authorization
    let data: string | null = null
    if (options.body !== undefined) {
      data = JSON.stringify(options.body)
      headers['content-type'] = 'application/json'
    }
    this.options.log.debug(`${description}`)
    let timer: NodeJS.Timeout | undefined
    let message: IncomingMessage | undefined
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new ApiError({ kind: 'timeout', request: description, cause: `no answer within ${formatDuration(timeoutMs)}` })),
        timeoutMs
      )
    })
    try {
      const response = await raceAbort(
        Promise.race([this.httpClient(timeoutMs).request(method, url, data, headers), timedOut]),
        signal
      ).catch((error: unknown) => {
        throw toApiError(error, description)
      })
      message = response.message
      const text = await raceAbort(Promise.race([readText(message), timedOut]), signal).catch((error: unknown) => {
        throw toApiError(error, description)
      })
      const status = message.statusCode ?? 0
      const body = parseBody(text)
      if (status < 200 || status >= 300) {
        const reason = message.statusMessage || STATUS_CODES[status] || 'Unknown Status'
        const parsedError = this.options.parseError?.(status, body) ?? {}
        const details: ApiErrorDetails = {
          kind: 'http',
          request: description,
          status,
          reason,
          providerCode: parsedError.code,
          providerMessage: parsedError.message,
          retryAfterMs: parseRetryAfter(message.headers['retry-after'], this.clock.now()),
          body
        }
        throw new ApiError(details)
      }
      if (text.trim() !== '' && body === undefined) {
        throw new ApiError({ kind: 'malformed', request: description, status, cause: `not JSON: ${snippet(text)}` })
      }
      return { status, headers: message.headers, data: body as T }
    } catch (error) {
      message?.destroy()
      throw error
    } finally {
      clearTimeout(timer)
    }
  }
}

function lowerKeys(headers: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]))
}

/** Reads a whole body, failing (instead of hanging) when the connection drops mid-response. */
function readText(message: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    message.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_BODY_BYTES) {
        message.destroy()
        reject(new Error('response body too large'))
      } else chunks.push(chunk)
    })
    message.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    message.on('error', (error) => reject(error))
    message.on('aborted', () => reject(new Error('connection closed mid-response')))
    message.on('close', () => {
      if (!message.complete) reject(new Error('connection closed mid-response'))
    })
  })
}

function parseBody(text: string): unknown {
  if (text.trim() === '') return undefined
  try {
    return JSON.parse(text) as unknown
  } catch {
    return undefined
  }
}

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  return flat.length > 80 ? `${flat.slice(0, 77)}...` : flat
}

function toApiError(error: unknown, description: string): Error {
  if (error instanceof ApiError || error instanceof AbortedError) return error
  const err = error as NodeJS.ErrnoException
  const text = err?.message ?? String(error)
  if (/^Request timeout/.test(text)) return new ApiError({ kind: 'timeout', request: description, cause: 'socket timeout' })
  const code = err?.code
  return new ApiError({ kind: 'network', request: description, cause: code ?? text })
}
