import { STATUS_CODES, request as httpRequest } from 'node:http'
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders, RequestOptions as NodeRequestOptions } from 'node:http'
import { request as httpsRequest } from 'node:https'
import type { Socket } from 'node:net'
import { connect as tlsConnect } from 'node:tls'
import { getProxyUrl } from '@actions/http-client'
import { systemClock, type Clock } from '../core/clock.js'
import { USER_AGENT } from '../core/constants.js'
import { AbortedError, ApiError, errorMessage, type ApiErrorDetails } from '../core/errors.js'
import { BudgetExhaustedError, type RequestLimiter } from './ratelimit.js'
import { parseRetryAfter, retryDelay } from './retry.js'
import { formatDuration } from '../core/duration.js'
import { oneLine } from '../core/text.js'

/** How a provider authenticates its requests. */
export interface Auth {
  /** The Authorization header value, or undefined for none. */
  header(signal?: AbortSignal): Promise<string | undefined>
  /** After a 401: drop cached credentials and get new ones. True when a retry is worth it. */
  renew?(signal?: AbortSignal): Promise<boolean>
}

export interface ApiLog {
  warning(message: string): void
  debug(message: string): void
  /** Masks a credential the client is about to send (Io.setSecret); every Authorization value goes through it. */
  setSecret?(value: string): void
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
  /** No request outlives `deadline` at all (a cleanup's own short budget), instead of the usual second of grace. */
  strictDeadline?: boolean
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

/** A small JSON client on @actions/http-client: auth, timeouts, typed errors, retries within the step's deadline. */
export class ApiClient {
  private readonly clock: Clock
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
        if (error.kind === 'proxy') throw error
        if (error.notSent) {
          // The budget has no room before the deadline: trying again cannot help.
          error.deadlineReached = true
          throw error
        }
        const retryable = options.retry === 'transient' ? error.transient : error.certainlyNotProcessed
        if (!retryable || attempt >= (options.maxAttempts ?? Infinity)) throw error
        const delay = retryDelay(error.retryAfterMs, attempt)
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
    // No request holds the step far past its deadline (a trigger's long timeout included).
    if (this.options.deadline !== undefined) {
      const left = this.options.deadline - this.clock.now()
      if (this.options.strictDeadline) {
        if (left <= 0) {
          throw new ApiError({ kind: 'timeout', request: description, cause: 'its time budget had run out', notSent: true })
        }
        timeoutMs = Math.min(timeoutMs, left)
      } else timeoutMs = Math.max(1000, Math.min(timeoutMs, left + 1000))
    }
    const headers: OutgoingHttpHeaders = { accept: 'application/json', 'user-agent': USER_AGENT, ...lowerKeys(this.options.headers) }
    const authorization = await this.options.auth?.header(signal)
    if (authorization) {
      // Whatever the Auth (a fixed key, a token obtained or renewed a moment ago), its credential is masked before use.
      this.registerSecret(authorization.replace(/^(Bearer|Basic|Token)\s+/i, ''))
      headers.authorization = authorization
    }
    let data: string | undefined
    if (options.body !== undefined) {
      data = JSON.stringify(options.body)
      headers['content-type'] = 'application/json'
      headers['content-length'] = Buffer.byteLength(data)
    }
    this.options.log.debug(`${description}`)
    const response = await exchange({ method, url, headers, data, timeoutMs, signal, description })
    const { status, text } = response
    const body = parseBody(text)
    if (status < 200 || status >= 300) {
      const reason = response.reason || STATUS_CODES[status] || 'Unknown Status'
      const parsedError = this.options.parseError?.(status, body) ?? {}
      const details: ApiErrorDetails = {
        kind: 'http',
        request: description,
        status,
        reason,
        providerCode: parsedError.code === undefined ? undefined : oneLine(parsedError.code, 200),
        providerMessage: parsedError.message === undefined ? undefined : oneLine(parsedError.message, 1000),
        retryAfterMs: parseRetryAfter(response.headers['retry-after'], this.clock.now()),
        body
      }
      throw new ApiError(details)
    }
    if (text.trim() !== '' && body === undefined) {
      throw new ApiError({ kind: 'malformed', request: description, status, cause: `not JSON: ${snippet(text)}` })
    }
    return { status, headers: response.headers, data: body as T }
  }

  private readonly registered = new Set<string>()

  private registerSecret(value: string): void {
    if (value === '' || this.registered.has(value)) return
    this.registered.add(value)
    this.options.log.setSecret?.(value)
  }
}

/** The largest response body the action reads, per request. Real answers are a few kB; this bounds memory per target. */
export const MAX_BODY_BYTES = 2 * 1024 * 1024

interface RawResponse {
  status: number
  reason: string
  headers: IncomingHttpHeaders
  text: string
}

interface Exchange {
  method: string
  url: string
  headers: OutgoingHttpHeaders
  data?: string
  timeoutMs: number
  signal?: AbortSignal
  description: string
}

/**
 * One HTTP exchange on node:http(s), bounded as a whole: one timer covers connecting, the proxy's CONNECT, the
 * headers and the body, and when it fires (or the workflow is cancelled) every request and socket is destroyed, so a
 * server that trickles its headers, never answers or never ends its body cannot keep the process alive.
 * Redirects are never followed: a 3xx is an error naming where it pointed, and nothing is sent there.
 * Proxies: HTTPS_PROXY (CONNECT tunnel) for https:// URLs, HTTP_PROXY (absolute-form request, no CONNECT) for http://
 * ones, NO_PROXY and loopback bypass them (@actions/http-client's rules). A proxy's refusal is "not sent".
 */
function exchange(x: Exchange): Promise<RawResponse> {
  return new Promise<RawResponse>((resolve, reject) => {
    const target = new URL(x.url)
    const proxyHref = getProxyUrl(x.url)
    const proxy = proxyHref ? new URL(proxyHref) : undefined
    const cleanups: (() => void)[] = []
    let settled = false
    const finish = (error: Error | undefined, value?: RawResponse): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      x.signal?.removeEventListener('abort', onAbort)
      for (const cleanup of cleanups) cleanup()
      if (error) reject(error)
      else resolve(value as RawResponse)
    }
    const timer = setTimeout(
      () => finish(new ApiError({ kind: 'timeout', request: x.description, cause: `no answer within ${formatDuration(x.timeoutMs)}` })),
      x.timeoutMs
    )
    const onAbort = (): void => finish(new AbortedError())
    if (x.signal?.aborted) return finish(new AbortedError())
    x.signal?.addEventListener('abort', onAbort, { once: true })
    const networkError = (error: unknown): void => finish(toApiError(error, x.description))

    const onResponse = (res: IncomingMessage): void => {
      cleanups.push(() => res.destroy())
      const status = res.statusCode ?? 0
      if (proxy && target.protocol === 'http:' && status === 407)
        return finish(proxyRefused(x.description, proxy, status, res.statusMessage))
      if (status >= 300 && status < 400) return finish(redirected(x.description, target, status, res))
      const chunks: Buffer[] = []
      let size = 0
      res.on('data', (chunk: Buffer) => {
        size += chunk.length
        if (size > MAX_BODY_BYTES) {
          chunks.length = 0
          finish(
            new ApiError({
              kind: 'malformed',
              request: x.description,
              status,
              cause: `response larger than ${MAX_BODY_BYTES / 1024 / 1024} MB`
            })
          )
        } else chunks.push(chunk)
      })
      res.on('end', () =>
        finish(undefined, { status, reason: res.statusMessage ?? '', headers: res.headers, text: Buffer.concat(chunks).toString('utf8') })
      )
      res.on('error', networkError)
      res.on('aborted', () => networkError(new Error('connection closed mid-response')))
      res.on('close', () => {
        if (!res.complete) networkError(new Error('connection closed mid-response'))
      })
    }

    const send = (options: NodeRequestOptions, secure: boolean): void => {
      try {
        const req = (secure ? httpsRequest : httpRequest)(options, onResponse)
        cleanups.push(() => req.destroy())
        req.on('error', networkError)
        req.end(x.data)
      } catch (error) {
        // node:http refuses a header with a line break before anything is sent.
        finish(new ApiError({ kind: 'network', request: x.description, cause: errorMessage(error), notSent: true }))
      }
    }

    const port = Number(target.port) || (target.protocol === 'https:' ? 443 : 80)
    if (!proxy) {
      return send(
        { method: x.method, host: target.hostname, port, path: `${target.pathname}${target.search}`, headers: x.headers, agent: false },
        target.protocol === 'https:'
      )
    }
    const proxyPort = Number(proxy.port) || (proxy.protocol === 'https:' ? 443 : 80)
    const proxyAuth: OutgoingHttpHeaders = proxy.username
      ? {
          'proxy-authorization': `Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString('base64')}`
        }
      : {}
    if (target.protocol === 'http:') {
      // A plain http:// URL through HTTP_PROXY: the absolute URL as the request target, as proxies expect (no CONNECT).
      return send(
        {
          method: x.method,
          host: proxy.hostname,
          port: proxyPort,
          path: target.href,
          headers: { ...x.headers, host: target.host, ...proxyAuth },
          agent: false
        },
        proxy.protocol === 'https:'
      )
    }
    const connect = (proxy.protocol === 'https:' ? httpsRequest : httpRequest)({
      method: 'CONNECT',
      host: proxy.hostname,
      port: proxyPort,
      path: `${target.hostname}:${port}`,
      headers: { host: `${target.hostname}:${port}`, ...proxyAuth },
      agent: false
    })
    cleanups.push(() => connect.destroy())
    connect.on('error', networkError)
    connect.on('connect', (res: IncomingMessage, socket: Socket) => {
      cleanups.push(() => socket.destroy())
      if (res.statusCode !== 200) return finish(proxyRefused(x.description, proxy, res.statusCode ?? 0, res.statusMessage))
      send(
        {
          method: x.method,
          host: target.hostname,
          port,
          path: `${target.pathname}${target.search}`,
          headers: x.headers,
          createConnection: () => tlsConnect({ socket, servername: target.hostname })
        },
        true
      )
    })
    connect.end()
  })
}

function proxyRefused(description: string, proxy: URL, status: number, reason: string | undefined): ApiError {
  const words = reason || STATUS_CODES[status] || 'Unknown Status'
  return new ApiError(
    { kind: 'proxy', request: description, status, reason: words, notSent: true },
    `${description} was not sent: the proxy refused it (HTTP ${status} ${words} from the proxy ${proxy.host}). Check HTTPS_PROXY / HTTP_PROXY and NO_PROXY, and the proxy's rules for this host.`
  )
}

function redirected(description: string, target: URL, status: number, res: IncomingMessage): ApiError {
  const location = typeof res.headers.location === 'string' ? res.headers.location : ''
  let where = 'no Location'
  try {
    if (location !== '') where = new URL(location, target).host
  } catch {
    where = 'an unreadable Location'
  }
  const reason = res.statusMessage || STATUS_CODES[status] || 'Unknown Status'
  const said = `redirects to ${oneLine(where, 200)}; the action follows no redirect (check base_url)`
  return new ApiError(
    { kind: 'http', request: description, status, reason, providerMessage: said },
    `${description} answered HTTP ${status} ${reason}, a redirect to ${oneLine(where, 200)}: the action follows no redirect, so nothing was sent there. Check base_url.`
  )
}

function lowerKeys(headers: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]))
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
