import type { IncomingMessage, ServerResponse } from 'node:http'

/** One request the emulator received, for tests to count and inspect. */
export interface RecordedRequest {
  provider: string
  method: string
  /** The path below the provider's prefix, e.g. `/v1/connections/succeeds`. */
  path: string
  query: Record<string, string>
  headers: Record<string, string | string[] | undefined>
  body: unknown
  at: number
  /** Refused with 429 by the emulator's own rate limit (`limitRate`). */
  limited?: boolean
}

/** A request as a provider emulator sees it. */
export interface EmulatorRequest {
  method: string
  path: string
  query: URLSearchParams
  headers: IncomingMessage['headers']
  body: unknown
  rawBody: string
  now: number
}

/** A provider emulator's answer. `delayMs` holds it back (a slow server). */
export interface EmulatorResponse {
  status: number
  body?: unknown
  headers?: Record<string, string>
  delayMs?: number
}

/** One provider's API behind the emulator, mounted under `/<name>`. */
export interface ProviderEmulator {
  name: string
  handle(request: EmulatorRequest): EmulatorResponse | Promise<EmulatorResponse>
  /** For the `missing-fields` fault: strips from a body the fields the action relies on. */
  stripFields?(body: unknown): unknown
  /** For the `unknown-status` fault: puts a status nobody documented into a body. */
  oddStatus?(body: unknown): unknown
  reset(): void
}

export type FaultKind =
  /** Answer with `status` (and `retryAfter` as the Retry-After header, if given). */
  | 'status'
  /** Close the connection halfway through the response. */
  | 'reset'
  /** Answer after `delayMs` (longer than the action's request timeout). */
  | 'slow'
  /** A proxy's HTML error page with `status` (default 502). */
  | 'html'
  /** A JSON body cut short. */
  | 'truncated'
  /** A 200 whose JSON lacks the fields the action needs. */
  | 'missing-fields'
  /** A status value nobody documented. */
  | 'unknown-status'
  /** Hostile: the status line and headers trickled a byte every `delayMs` (default 300), never finished. */
  | 'trickle'
  /** Hostile: the request is read and never answered (a half-open server). */
  | 'half-open'
  /** Hostile: a 200 whose JSON body never ends (a chunk every 50 ms). */
  | 'endless'
  /** Hostile: the provider's answer with a string field of `sizeMb` MB added (default 3). */
  | 'oversized'
  /** Hostile: `status` (default 307) with `Location: <location><the request's path>`. */
  | 'redirect'
  /** Hostile: the provider's answer with `text` appended to every string in it (except under the keys in `keep`). */
  | 'inject'
  /** Hostile: `status` (default 403) whose body echoes the request's Authorization header in every message field. */
  | 'echo-auth'
  /** Hostile: the provider's answer with an array nested `depth` deep (default 5000) and a `sizeKb` string (default 200). */
  | 'deep'

/** A fault to inject into matching requests, `times` times (after letting `skip` matches through). */
export interface Fault {
  provider?: string
  method?: string
  /** A regular expression matched against the path below the provider prefix. */
  path?: string
  kind: FaultKind
  status?: number
  retryAfter?: string
  delayMs?: number
  times?: number
  skip?: number
  /** `status`: the message of the error body (in every field a provider's parser reads). */
  message?: string
  /** `redirect`: where to (a URL without path). */
  location?: string
  /** `inject`: the text appended to every string. */
  text?: string
  /** `inject`: keys whose values stay as they are (ids the action must match). */
  keep?: string[]
  /** `oversized`. */
  sizeMb?: number
  /** `deep`. */
  depth?: number
  sizeKb?: number
}

export type Handler = (req: IncomingMessage, res: ServerResponse) => void
