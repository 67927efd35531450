import { systemClock, type Clock } from '../src/core/clock.js'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { FivetranEmulator } from './fivetran.js'
import type { EmulatorRequest, EmulatorResponse, Fault, ProviderEmulator, RecordedRequest } from './types.js'

export interface Emulator {
  /** `http://127.0.0.1:PORT` */
  url: string
  port: number
  /** The base_url to give the action for a provider: `${url}/fivetran/v1` and so on. */
  baseUrl(provider: string): string
  requests: RecordedRequest[]
  providers: Record<string, ProviderEmulator>
  addFault(fault: Fault): void
  /**
   * Enforces a provider's rate limit as the provider counts it: by arrival, every request (refused ones too) counted
   * for `windowMs`; past `requests` in any window, a 429. Until the next reset.
   */
  limitRate(provider: string, limit: { requests: number; windowMs: number }): void
  reset(): void
  close(): Promise<void>
}

export interface EmulatorOptions {
  port?: number
  host?: string
  /** Extra provider emulators (Airbyte, Hightouch) mounted beside Fivetran. */
  providers?: ProviderEmulator[]
  /**
   * The emulator's time (default: the system clock). Emulated jobs progress on it, so a test that shares a fake clock
   * between the emulator and the action runs a "2 s job with 1 s polls" in milliseconds (see __tests__/in-process.ts).
   */
  clock?: Pick<Clock, 'now'>
}

/** The API root each provider's action base_url points at, below the provider prefix. */
export const BASE_PATHS: Record<string, string> = {
  fivetran: '/v1',
  airbyte: '/api/public/v1',
  hightouch: '/api/v1'
}

/**
 * A local HTTP server that speaks the providers' APIs as documented, for the end-to-end tests, the demo and
 * anyone trying the action without credentials. Each provider lives under its own prefix (`/fivetran/v1/...`).
 * Control endpoints: `GET /__emulator/requests`, `POST /__emulator/reset`, `POST /__emulator/faults`.
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const clock = options.clock ?? systemClock
  const providers: Record<string, ProviderEmulator> = {}
  for (const p of [new FivetranEmulator(), ...(options.providers ?? [])]) providers[p.name] = p
  const requests: RecordedRequest[] = []
  let faults: (Fault & { seen: number; used: number })[] = []
  let limits: Record<string, { requests: number; windowMs: number; arrivals: number[] }> = {}

  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const rawBody = await readBody(req)
    const url = new URL(req.url ?? '/', 'http://emulator')
    if (url.pathname.startsWith('/__emulator/')) return control(url.pathname, req.method ?? 'GET', rawBody, res)

    const [, prefix, ...rest] = url.pathname.split('/')
    const provider = providers[prefix]
    if (!provider) return send(res, { status: 404, body: { message: `No emulated provider "${prefix}"` } })
    const path = `/${rest.join('/')}`
    let body: unknown
    try {
      body = rawBody === '' ? undefined : JSON.parse(rawBody)
    } catch {
      body = rawBody
    }
    const request: EmulatorRequest = {
      method: req.method ?? 'GET',
      path,
      query: url.searchParams,
      headers: req.headers,
      body,
      rawBody,
      now: clock.now()
    }
    const recorded = {
      provider: prefix,
      method: request.method,
      path,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body,
      at: request.now
    }
    requests.push(recorded)
    const limit = limits[prefix] as (typeof limits)[string] | undefined
    if (limit) {
      const arrivals = limit.arrivals.filter((t) => t > request.now - limit.windowMs)
      arrivals.push(request.now)
      limit.arrivals = arrivals
      if (arrivals.length > limit.requests) {
        Object.assign(recorded, { limited: true })
        return send(res, { status: 429, body: { error: 'Rate limit exceeded', message: 'Too many requests' } })
      }
    }

    const fault = takeFault(prefix, request)
    if (fault) {
      switch (fault.kind) {
        case 'status':
          return send(res, {
            status: fault.status ?? 503,
            headers: fault.retryAfter !== undefined ? { 'Retry-After': fault.retryAfter } : undefined,
            body: fault.message === undefined ? { message: `Emulated fault: HTTP ${fault.status ?? 503}` } : errorBody(fault.message)
          })
        case 'trickle': {
          // Headers that never finish: a byte at a time.
          const head = 'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nx-padding: ' + 'a'.repeat(10_000)
          let i = 0
          const socket = res.socket
          const timer = setInterval(() => {
            if (!socket || socket.destroyed || i >= head.length) return stop()
            socket.write(head[i++])
          }, fault.delayMs ?? 300)
          const stop = (): void => {
            clearInterval(timer)
            pending.delete(timer)
          }
          pending.add(timer)
          socket?.on('close', stop)
          return
        }
        case 'half-open':
          return
        case 'endless': {
          res.writeHead(200, { 'content-type': 'application/json' })
          res.write('{"data":[')
          const timer = setInterval(() => {
            if (res.destroyed) return stop()
            res.write('"more",')
          }, 50)
          const stop = (): void => {
            clearInterval(timer)
            pending.delete(timer)
          }
          pending.add(timer)
          res.on('close', stop)
          return
        }
        case 'oversized': {
          // Written in pieces around one cached buffer: the emulator can serve many of these at once.
          const answer = await provider.handle(request)
          const size = Math.round((fault.sizeMb ?? 3) * 1024 * 1024)
          if (padding.length !== size) padding = Buffer.alloc(size, 'x')
          const text = JSON.stringify(addFields(answer.body, { padding: '' }))
          const at = text.indexOf('"padding":""') + '"padding":"'.length
          res.writeHead(answer.status, { 'content-type': 'application/json' })
          res.write(text.slice(0, at))
          res.write(padding)
          return void res.end(text.slice(at))
        }
        case 'redirect': {
          res.writeHead(fault.status ?? 307, { location: `${fault.location ?? 'http://127.0.0.1:9'}${req.url ?? '/'}` })
          return void res.end()
        }
        case 'inject': {
          const answer = await provider.handle(request)
          return send(res, {
            ...answer,
            body: inject(answer.body, fault.text ?? '\n::error title=forged::PWNED', new Set(fault.keep ?? []))
          })
        }
        case 'echo-auth':
          return send(res, {
            status: fault.status ?? 403,
            body: errorBody(`Forbidden. You sent Authorization: ${String(req.headers.authorization)}`)
          })
        case 'deep': {
          const answer = await provider.handle(request)
          let deep: unknown = []
          for (let i = 0; i < (fault.depth ?? 5000); i++) deep = [deep]
          return sendRaw(res, answer.status, addFields(answer.body, { deep, huge: 'y'.repeat((fault.sizeKb ?? 200) * 1024) }))
        }
        case 'html':
          res.writeHead(fault.status ?? 502, { 'content-type': 'text/html' })
          return void res.end(
            '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>'
          )
        case 'reset': {
          // Let the request take effect, then drop the connection mid-answer.
          const answer = await provider.handle(request)
          const text = JSON.stringify(answer.body ?? {})
          res.writeHead(answer.status, { 'content-type': 'application/json', 'content-length': String(text.length + 50) })
          res.write(text.slice(0, Math.floor(text.length / 2)))
          setTimeout(() => res.socket?.destroy(), 20)
          return
        }
        case 'truncated': {
          const answer = await provider.handle(request)
          const text = JSON.stringify(answer.body ?? {})
          res.writeHead(answer.status, { 'content-type': 'application/json' })
          return void res.end(text.slice(0, Math.floor(text.length / 2)))
        }
        case 'slow': {
          const answer = await provider.handle(request)
          return send(res, { ...answer, delayMs: fault.delayMs ?? 60_000 })
        }
        case 'missing-fields': {
          const answer = await provider.handle(request)
          return send(res, { ...answer, body: provider.stripFields ? provider.stripFields(answer.body) : {} })
        }
        case 'unknown-status': {
          const answer = await provider.handle(request)
          return send(res, { ...answer, body: provider.oddStatus ? provider.oddStatus(answer.body) : answer.body })
        }
      }
    }
    send(res, await provider.handle(request))
  }

  function takeFault(provider: string, request: EmulatorRequest): Fault | undefined {
    for (const fault of faults) {
      if (fault.provider && fault.provider !== provider) continue
      if (fault.method && fault.method.toUpperCase() !== request.method) continue
      if (fault.path && !new RegExp(fault.path).test(request.path)) continue
      fault.seen++
      if (fault.seen <= (fault.skip ?? 0)) continue
      if (fault.used >= (fault.times ?? 1)) continue
      fault.used++
      return fault
    }
    return undefined
  }

  function control(path: string, method: string, rawBody: string, res: ServerResponse): void {
    if (path === '/__emulator/requests' && method === 'GET') return send(res, { status: 200, body: requests })
    if (path === '/__emulator/reset' && method === 'POST') {
      api.reset()
      return send(res, { status: 200, body: { reset: true } })
    }
    if (path === '/__emulator/faults' && method === 'POST') {
      try {
        api.addFault(JSON.parse(rawBody) as Fault)
        return send(res, { status: 200, body: { added: true } })
      } catch (error) {
        return send(res, { status: 400, body: { message: String(error) } })
      }
    }
    send(res, { status: 404, body: { message: `No control endpoint ${method} ${path}` } })
  }

  const server: Server = createServer((req, res) => {
    handler(req, res).catch((error: unknown) => send(res, { status: 500, body: { message: String(error) } }))
  })
  const pending = new Set<NodeJS.Timeout>()
  let padding = Buffer.alloc(0)
  /** Sends a body JSON.stringify cannot take (too deep for the stack): serialised by hand, one level of nesting deep. */
  function sendRaw(res: ServerResponse, status: number, body: Record<string, unknown>): void {
    const json = (value: unknown): string =>
      value && typeof value === 'object' && !Array.isArray(value)
        ? `{${Object.entries(value)
            .map(([k, v]) => `${JSON.stringify(k)}:${deepJson(v)}`)
            .join(',')}}`
        : deepJson(value)
    const parts = Object.entries(body).map(([key, value]) => `${JSON.stringify(key)}:${json(value)}`)
    res.writeHead(status, { 'content-type': 'application/json' })
    res.end(`{${parts.join(',')}}`)
  }
  function send(res: ServerResponse, answer: EmulatorResponse): void {
    const write = (): void => {
      if (res.destroyed) return
      const text = answer.body === undefined ? '' : JSON.stringify(answer.body)
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers })
      res.end(text)
    }
    if (!answer.delayMs) return write()
    const timer = setTimeout(() => {
      pending.delete(timer)
      write()
    }, answer.delayMs)
    pending.add(timer)
  }

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  const url = `http://127.0.0.1:${port}`
  const api: Emulator = {
    url,
    port,
    baseUrl: (provider) => `${url}/${provider}${BASE_PATHS[provider] ?? ''}`,
    requests,
    providers,
    addFault: (fault) => faults.push({ ...fault, seen: 0, used: 0 }),
    limitRate: (provider, limit) => {
      limits[provider] = { ...limit, arrivals: [] }
    },
    reset: () => {
      requests.length = 0
      faults = []
      limits = {}
      for (const p of Object.values(providers)) p.reset()
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of pending) clearTimeout(timer)
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
  return api
}

/** Adds fields to a body: inside its `data` object when it has one (what Fivetran's answers hold), else at the top. */
function addFields(body: unknown, fields: Record<string, unknown>): Record<string, unknown> {
  const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>
  const data = b.data
  if (data && typeof data === 'object' && !Array.isArray(data)) return { ...b, data: { ...data, ...fields } }
  return { ...b, ...fields }
}

/** Every message field the providers' error parsers read (Fivetran, Airbyte, Hightouch and most others). */
function errorBody(message: string): Record<string, unknown> {
  return { code: 'Forbidden', message, detail: message, title: 'forbidden', error: message, details: message, data: { message } }
}

/** `value` with `text` appended to every string in it, at any depth, except under the keys in `keep`. */
export function inject(value: unknown, text: string, keep: Set<string>): unknown {
  if (typeof value === 'string') return `${value}${text}`
  if (Array.isArray(value)) return value.map((v) => inject(v, text, keep))
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, keep.has(k) ? v : inject(v, text, keep)]))
  }
  return value
}

/** JSON of a value whose arrays may nest deeper than JSON.stringify can recurse. */
function deepJson(value: unknown): string {
  let depth = 0
  let inner: unknown = value
  while (Array.isArray(inner) && inner.length === 1 && Array.isArray(inner[0])) {
    depth++
    inner = inner[0]
  }
  return `${'['.repeat(depth)}${JSON.stringify(inner)}${']'.repeat(depth)}`
}

/** A second server that records what reaches it: where a redirect points, to show that nothing is ever sent there. */
export async function startRecorder(): Promise<{ url: string; requests: RecordedRequest[]; close(): Promise<void> }> {
  const requests: RecordedRequest[] = []
  const server = createServer((req, res) => {
    void readBody(req).then((body) => {
      requests.push({
        provider: 'recorder',
        method: req.method ?? '',
        path: req.url ?? '',
        query: {},
        headers: req.headers,
        body,
        at: Date.now()
      })
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end('{"data":{"id":"elsewhere","status":{"sync_state":"scheduled"}},"jobId":1,"status":"succeeded"}')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

/** The most of `times` (epoch ms of recorded requests) that fall in any window of `windowMs`: a rate limit's measure. */
export function mostInWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b)
  let most = 0
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i] - sorted[j] >= windowMs) j++
    most = Math.max(most, i - j + 1)
  }
  return most
}
