import { randomBytes } from 'node:crypto'
import { secret } from './secrets.js'
import type { EmulatorRequest, EmulatorResponse, ProviderEmulator } from './types.js'

/** The application the emulated Airbyte knows (client credentials), and a ready token that never expires. */
export const AIRBYTE_CLIENT_ID = 'ab-client-7d1e5c'
export const AIRBYTE_CLIENT_SECRET = secret('ab-secret-Kq83vTzW')
export const AIRBYTE_API_KEY = secret('ab-ready-token-Xf29LmPq')
export const AIRBYTE_WORKSPACE_ID = '3f1a9c2e-5b7d-4e8f-9a0b-1c2d3e4f5a6b'

/** How long an issued token lives (`expires_in`): short, so that a wait outlives a token. */
export const AIRBYTE_TOKEN_LIFETIME_S = 3

type Outcome = 'succeeded' | 'failed' | 'cancelled'
type Phase = [status: 'pending' | 'queued' | 'running' | 'incomplete', ms: number]

interface Scenario {
  /** The first group of the connection UUID that selects this scenario. */
  code: string
  description: string
  /** The statuses a new job goes through before its outcome, with how long each lasts. */
  phases?: Phase[]
  outcome?: Outcome
  /** When first seen, the connection already runs a sync started by someone else a minute ago, for this long (ms). */
  busyFor?: number
  /** POST /jobs creates the job at once but answers only after this long (ms). */
  createDelayMs?: number
  /** POST /jobs is refused with this status. */
  refuse?: 403 | 422
  /** While a job runs, its first `count` status checks answer 429 without Retry-After (Airbyte's load shedder). */
  rateLimited?: number
}

const PHASES: Phase[] = [
  ['pending', 300],
  ['running', 1000]
]
const ROWS = 12_500
const BYTES = 5_242_880

/**
 * Scenarios by connection UUID: the UUID's first group picks the scenario, the rest is free, so that tests can use
 * a fresh connection each time (`airbyteConnection('succeeds', 7)`). Any other UUID answers 404.
 */
export const AIRBYTE_SCENARIOS: Record<string, Scenario> = {
  succeeds: { code: 'a1000001', description: 'a job goes pending → running → succeeded in about 1.3 s (12,500 rows, 5.2 MB)' },
  fails: { code: 'a1000002', outcome: 'failed', description: 'a job goes pending → running → failed in about 1.3 s' },
  cancelled: { code: 'a1000003', outcome: 'cancelled', description: 'a job is cancelled by someone else after about 1.3 s' },
  queued: {
    code: 'a1000004',
    phases: [
      ['pending', 200],
      ['queued', 1000],
      ['running', 500]
    ],
    description: 'a job waits queued (Cloud capacity) for 1 s, then runs and succeeds'
  },
  incomplete: {
    code: 'a1000005',
    phases: [
      ['pending', 200],
      ['running', 400],
      ['incomplete', 700],
      ['running', 400]
    ],
    description: 'an attempt fails (incomplete for 0.7 s), Airbyte retries, then the job succeeds'
  },
  busy: {
    code: 'a1000006',
    busyFor: 2000,
    description: 'a sync started by someone else runs for 2 s more when first seen: POST /jobs answers 409 try-again-later'
  },
  slow_creation: {
    code: 'a1000007',
    createDelayMs: 10_000,
    description: 'POST /jobs creates the job at once but answers only after 10 s; the job succeeds in about 1.3 s'
  },
  slow: {
    code: 'a1000008',
    phases: [
      ['pending', 200],
      ['running', 600_000]
    ],
    description: 'a job runs for 10 minutes'
  },
  forbidden: { code: 'a1000009', refuse: 403, description: 'POST /jobs answers 403: the caller lacks WORKSPACE_RUNNER' },
  unprocessable: { code: 'a100000a', refuse: 422, description: 'POST /jobs answers 422 unprocessable-entity, with a message' },
  rate_limited: {
    code: 'a100000b',
    rateLimited: 2,
    description: 'while a job runs, its first 2 status checks answer 429 without Retry-After; it succeeds'
  }
}

/** A connection UUID of a scenario; `n` makes a fresh connection of the same kind. */
export function airbyteConnection(scenario: keyof typeof AIRBYTE_SCENARIOS, n = 0): string {
  return `${AIRBYTE_SCENARIOS[scenario].code}-0000-4000-8000-${n.toString(16).padStart(12, '0')}`
}

interface Job {
  id: number
  connectionId: string
  jobType: string
  scenario: Scenario
  createdAt: number
  phases: Phase[]
  outcome: Outcome
  cancelledAt?: number
  rateLimitedLeft: number
}

interface Token {
  issuedAt: number
  expiresAt: number
}

/** Java's `OffsetDateTime.toString()` of a whole second: `2026-08-21T10:00:07Z`, and `2026-08-21T12:00Z` when seconds are 0. */
export function javaTime(ms: number): string {
  const text = new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.000Z$/, 'Z')
  return text.replace(/T(\d{2}:\d{2}):00Z$/, 'T$1Z')
}

/** Java's `Duration.toString()` of whole seconds: `PT14M12S`, `PT5M`, `PT0S`. */
export function javaDuration(ms: number): string {
  let seconds = Math.max(0, Math.floor(ms / 1000))
  const hours = Math.floor(seconds / 3600)
  seconds -= hours * 3600
  const minutes = Math.floor(seconds / 60)
  seconds -= minutes * 60
  const text = `${hours ? `${hours}H` : ''}${minutes ? `${minutes}M` : ''}${seconds ? `${seconds}S` : ''}`
  return `PT${text || '0S'}`
}

function problem(status: number, title: string, detail: string, data: unknown = null): EmulatorResponse {
  const anchor = title === 'state-conflict' ? '409-state-conflict' : title
  return {
    status,
    body: { status, type: `https://reference.airbyte.com/reference/errors#${anchor}`, title, detail, documentationUrl: null, data }
  }
}

/**
 * The Airbyte public API (`/api/public/v1`) as documented and as the server code behaves: the token exchange,
 * jobs that move through their statuses over set durations, the list with `orderBy`, cancellation of the
 * connection's current job, problem-JSON errors. Times and durations are rendered as Java renders them.
 */
export class AirbyteEmulator implements ProviderEmulator {
  readonly name = 'airbyte'
  private jobs: Job[] = []
  private tokens = new Map<string, Token>()
  private seen = new Set<string>()
  private nextJobId = 12345
  /** `expires_in` of new tokens, in seconds. */
  tokenLifetimeS: number
  /** Tokens stop working this long after issue, whatever `expires_in` said (a server that revokes them early). */
  revokeTokensAfterMs?: number
  /** false: a self-managed server with auth turned off. */
  authEnabled = true
  /** Jobs created by POST /jobs since the last reset (a refused request creates none). */
  jobsStarted = 0
  /** Jobs stopped by DELETE /jobs/{id}. */
  jobsCancelled = 0
  /** Token requests answered with a token. */
  tokensIssued = 0
  /** Requests refused with 401 because their token had expired or been revoked. */
  expiredTokenRefusals = 0
  /** Connections defined by tests and the bench (`defineConnection`). */
  private defined = new Map<string, { runMs: number; pastRunsMs: number[] }>()

  constructor(private readonly defaults: { tokenLifetimeS?: number } = {}) {
    this.tokenLifetimeS = defaults.tokenLifetimeS ?? AIRBYTE_TOKEN_LIFETIME_S
  }

  reset(): void {
    this.jobs = []
    this.tokens.clear()
    this.seen.clear()
    this.nextJobId = 12345
    this.tokenLifetimeS = this.defaults.tokenLifetimeS ?? AIRBYTE_TOKEN_LIFETIME_S
    this.revokeTokensAfterMs = undefined
    this.authEnabled = true
    this.jobsStarted = 0
    this.jobsCancelled = 0
    this.tokensIssued = 0
    this.expiredTokenRefusals = 0
    this.defined.clear()
  }

  /**
   * Makes a `succeeds` connection's jobs take `runMs` (until the next reset), with past succeeded sync jobs that took
   * `pastRunsMs` (newest first, an hour apart), as `GET /jobs` lists them.
   */
  defineConnection(connectionId: string, options: { runMs: number; pastRunsMs?: number[] }): void {
    this.defined.set(connectionId, { runMs: options.runMs, pastRunsMs: options.pastRunsMs ?? [] })
  }

  private phasesFor(connectionId: string, scenario: Scenario): Phase[] {
    const defined = this.defined.get(connectionId)
    if (!defined) return scenario.phases ?? PHASES
    const pending = Math.min(300, Math.floor(defined.runMs / 10))
    return [
      ['pending', pending],
      ['running', defined.runMs - pending]
    ]
  }

  /** The ids of a connection's jobs, oldest first, for tests. */
  jobIdsOf(connectionId: string): number[] {
    return this.jobs.filter((j) => j.connectionId === connectionId).map((j) => j.id)
  }

  /** The ids of the jobs cancelled so far, for tests. */
  get cancelledJobIds(): number[] {
    return this.jobs.filter((j) => j.cancelledAt !== undefined).map((j) => j.id)
  }

  private scenarioOf(connectionId: string): Scenario | undefined {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(connectionId)) return undefined
    const code = connectionId.slice(0, 8).toLowerCase()
    return Object.values(AIRBYTE_SCENARIOS).find((s) => s.code === code)
  }

  /** A connection's scenario; the first time it is seen, a `busy` connection gets someone else's running sync. */
  private connection(connectionId: string, now: number): Scenario | undefined {
    const scenario = this.scenarioOf(connectionId)
    if (!scenario || this.seen.has(connectionId)) return scenario
    this.seen.add(connectionId)
    this.defined.get(connectionId)?.pastRunsMs.forEach((ms, k) => {
      this.jobs.push({
        id: this.nextJobId++,
        connectionId,
        jobType: 'sync',
        scenario,
        createdAt: now - (k + 1) * 3_600_000,
        phases: [['running', ms]],
        outcome: 'succeeded',
        rateLimitedLeft: 0
      })
    })
    if (scenario.busyFor !== undefined) {
      const createdAt = now - 60_000
      this.jobs.push({
        id: this.nextJobId++,
        connectionId,
        jobType: 'sync',
        scenario,
        createdAt,
        phases: [['running', now + scenario.busyFor - createdAt]],
        outcome: 'succeeded',
        rateLimitedLeft: 0
      })
    }
    return scenario
  }

  /** A job's status at `now`, and since when it has had it. */
  private state(job: Job, now: number): { status: string; since: number; ended: boolean } {
    if (job.cancelledAt !== undefined && now >= job.cancelledAt) return { status: 'cancelled', since: job.cancelledAt, ended: true }
    let t = job.createdAt
    for (const [status, ms] of job.phases) {
      if (now < t + ms) return { status, since: t, ended: false }
      t += ms
    }
    return { status: job.outcome, since: t, ended: true }
  }

  /** Committed rows so far: a share of the total while running, all of it on success, none on failure or cancel. */
  private stats(job: Job, now: number): { rowsSynced: number; bytesSynced: number } {
    const { status, ended } = this.state(job, now)
    if (ended) return status === 'succeeded' ? { rowsSynced: ROWS, bytesSynced: BYTES } : { rowsSynced: 0, bytesSynced: 0 }
    let running = 0
    let total = 0
    let t = job.createdAt
    for (const [phase, ms] of job.phases) {
      if (phase === 'running') {
        total += ms
        running += Math.max(0, Math.min(now, t + ms) - t)
      }
      t += ms
    }
    const share = total > 0 ? running / total : 0
    return { rowsSynced: Math.floor(ROWS * share), bytesSynced: Math.floor(BYTES * share) }
  }

  /** A `JobResponse`: null fields left out, `lastUpdatedAt` only once ended, no `duration` while pending. */
  private body(job: Job, now: number, withStats: boolean): Record<string, unknown> {
    const { status, since, ended } = this.state(job, now)
    const updatedAt = ended ? since : now
    const body: Record<string, unknown> = {
      jobId: job.id,
      status,
      jobType: job.jobType,
      startTime: javaTime(job.createdAt),
      connectionId: job.connectionId
    }
    if (ended) body.lastUpdatedAt = javaTime(updatedAt)
    if (status !== 'pending') body.duration = javaDuration(updatedAt - job.createdAt)
    if (withStats) Object.assign(body, this.stats(job, now))
    return body
  }

  private running(connectionId: string, now: number): Job | undefined {
    return this.jobs
      .filter((j) => j.connectionId === connectionId && !this.state(j, now).ended)
      .sort((a, b) => b.createdAt - a.createdAt)[0]
  }

  private authorize(req: EmulatorRequest): EmulatorResponse | undefined {
    if (!this.authEnabled) return undefined
    const header = req.headers.authorization
    const match = typeof header === 'string' ? /^Bearer (.+)$/.exec(header) : null
    // Micronaut security refuses a missing or expired token before any controller: a bare 401.
    if (!match) return { status: 401 }
    if (match[1] === AIRBYTE_API_KEY) return undefined
    const token = this.tokens.get(match[1])
    if (!token) return problem(401, 'invalid-api-key', 'The API key in the Authorization header is invalid.')
    const revoked = this.revokeTokensAfterMs !== undefined && req.now >= token.issuedAt + this.revokeTokensAfterMs
    if (req.now >= token.expiresAt || revoked) {
      this.expiredTokenRefusals++
      return { status: 401 }
    }
    return undefined
  }

  private issueToken(req: EmulatorRequest): EmulatorResponse {
    const contentType = String(req.headers['content-type'] ?? '')
    const fields: Record<string, unknown> = contentType.includes('application/x-www-form-urlencoded')
      ? Object.fromEntries(new URLSearchParams(req.rawBody))
      : ((req.body ?? {}) as Record<string, unknown>)
    if (fields.client_id !== AIRBYTE_CLIENT_ID || fields.client_secret !== AIRBYTE_CLIENT_SECRET) {
      // As observed from a self-managed server (Micronaut's own error format, not a problem body).
      return {
        status: 400,
        body: {
          message: 'Bad Request',
          _links: { self: { href: '/api/public/v1/applications/token', templated: false } },
          _embedded: { errors: [{ message: 'Invalid client id or token', _links: {}, _embedded: {} }] }
        }
      }
    }
    const accessToken = secret(`ab-access-${randomBytes(12).toString('hex')}`)
    this.tokens.set(accessToken, { issuedAt: req.now, expiresAt: req.now + this.tokenLifetimeS * 1000 })
    this.tokensIssued++
    return { status: 200, body: { access_token: accessToken, token_type: 'Bearer', expires_in: this.tokenLifetimeS } }
  }

  handle(req: EmulatorRequest): EmulatorResponse {
    const match = /^\/api\/public\/v1(\/.*)$/.exec(req.path)
    if (!match) return { status: 404, body: { message: 'Page Not Found' } }
    const path = match[1]
    if (req.method === 'POST' && path === '/applications/token') return this.issueToken(req)
    const refused = this.authorize(req)
    if (refused) return refused
    if (path === '/jobs' && req.method === 'POST') return this.createJob(req)
    if (path === '/jobs' && req.method === 'GET') return this.listJobs(req)
    const connectionPath = /^\/connections\/([^/]+)$/.exec(path)
    if (connectionPath && req.method === 'GET') return this.getConnection(decodeURIComponent(connectionPath[1]))
    const jobPath = /^\/jobs\/([^/]+)$/.exec(path)
    if (jobPath && (req.method === 'GET' || req.method === 'DELETE')) {
      const id = jobPath[1]
      const job = /^\d+$/.test(id) ? this.jobs.find((j) => j.id === Number(id)) : undefined
      if (!job) {
        return problem(404, 'resource-not-found', 'The requested resource could not be found.', { resourceType: 'job', resourceId: id })
      }
      return req.method === 'GET' ? this.getJob(job, req.now) : this.cancelJob(job, req.now)
    }
    return { status: 404, body: { message: 'Page Not Found' } }
  }

  /** `GET /connections/{id}` (ConnectionResponse): named after its scenario, e.g. "Postgres → Snowflake (succeeds #1)". */
  private getConnection(connectionId: string): EmulatorResponse {
    const scenario = this.scenarioOf(connectionId)
    const name = Object.entries(AIRBYTE_SCENARIOS).find(([, s]) => s === scenario)?.[0]
    if (!scenario || !name) {
      return problem(404, 'resource-not-found', 'The requested resource could not be found.', {
        resourceType: 'connection',
        resourceId: connectionId
      })
    }
    return {
      status: 200,
      body: {
        connectionId,
        name: `Postgres → Snowflake (${name} #${parseInt(connectionId.slice(-12), 16)})`,
        sourceId: '5c9d8e7f-0000-4000-8000-000000000001',
        destinationId: '6d0e9f8a-0000-4000-8000-000000000002',
        workspaceId: AIRBYTE_WORKSPACE_ID,
        status: 'active',
        schedule: { scheduleType: 'manual' },
        configurations: { streams: [] },
        createdAt: 1767600000,
        tags: []
      }
    }
  }

  private createJob(req: EmulatorRequest): EmulatorResponse {
    const body = (req.body ?? {}) as { connectionId?: unknown; jobType?: unknown }
    if (typeof body.connectionId !== 'string' || typeof body.jobType !== 'string') {
      return problem(400, 'bad-request', 'The request could not be understood by the server due to malformed syntax.', {
        message: 'connectionId and jobType are required'
      })
    }
    if (body.jobType === 'refresh') {
      return problem(422, 'unprocessable-entity', 'The body of the request was not understood', {
        message: 'Refreshes are not supported in the public API'
      })
    }
    if (!['sync', 'reset', 'clear'].includes(body.jobType)) {
      return problem(400, 'bad-request', 'The request could not be understood by the server due to malformed syntax.', {
        message: `Unknown jobType: ${body.jobType}`
      })
    }
    const scenario = this.connection(body.connectionId, req.now)
    if (!scenario) {
      return problem(404, 'resource-not-found', 'The requested resource could not be found.', {
        resourceType: 'connection',
        resourceId: body.connectionId
      })
    }
    if (scenario.refuse === 403) {
      return problem(403, 'forbidden', 'The request is forbidden.', {
        message: 'Caller does not have the required WORKSPACE_RUNNER permissions to access the resource(s).'
      })
    }
    if (scenario.refuse === 422) {
      return problem(422, 'unprocessable-entity', 'The body of the request was not understood', {
        message: 'Emulated refusal: this connection cannot run a job of this type'
      })
    }
    if (this.running(body.connectionId, req.now)) {
      return problem(409, 'try-again-later', 'Please try again later.', { message: `A sync is already running for: ${body.connectionId}` })
    }
    const job: Job = {
      id: this.nextJobId++,
      connectionId: body.connectionId,
      jobType: body.jobType,
      scenario,
      createdAt: req.now,
      phases: this.phasesFor(body.connectionId, scenario),
      outcome: scenario.outcome ?? 'succeeded',
      rateLimitedLeft: scenario.rateLimited ?? 0
    }
    this.jobs.push(job)
    this.jobsStarted++
    // The answer carries no stats, and comes once the job exists.
    return { status: 200, body: this.body(job, req.now, false), delayMs: scenario.createDelayMs }
  }

  private getJob(job: Job, now: number): EmulatorResponse {
    if (job.rateLimitedLeft > 0 && !this.state(job, now).ended) {
      job.rateLimitedLeft--
      return { status: 429, body: { message: 'You are being rate limited.' } }
    }
    return { status: 200, body: this.body(job, now, true) }
  }

  /** Airbyte cancels the connection's *current* job, whichever job id was named, and answers with the named job. */
  private cancelJob(job: Job, now: number): EmulatorResponse {
    const current = this.running(job.connectionId, now)
    if (!current) return problem(409, 'state-conflict', 'State conflict', { message: 'Job is not currently running' })
    current.cancelledAt = now
    this.jobsCancelled++
    return { status: 200, body: this.body(job, now, false) }
  }

  private listJobs(req: EmulatorRequest): EmulatorResponse {
    const q = req.query
    const limit = q.has('limit') ? Number(q.get('limit')) : 20
    const offset = q.has('offset') ? Number(q.get('offset')) : 0
    if (!Number.isInteger(limit) || limit < 1 || limit > 100 || !Number.isInteger(offset) || offset < 0) {
      return problem(400, 'bad-request', 'The request could not be understood by the server due to malformed syntax.', {
        message: 'limit must be 1 to 100 and offset at least 0'
      })
    }
    let field = 'createdAt'
    let descending = false
    const orderBy = q.get('orderBy')
    if (orderBy !== null) {
      const m = /^(createdAt|updatedAt)\|(ASC|DESC)$/.exec(orderBy)
      if (!m) {
        return problem(400, 'bad-request', 'The request could not be understood by the server due to malformed syntax.', {
          message: `Invalid orderBy: ${orderBy}`
        })
      }
      field = m[1]
      descending = m[2] === 'DESC'
    }
    const connectionId = q.get('connectionId')
    if (connectionId !== null) this.connection(connectionId, req.now)
    const key = (j: Job): number => (field === 'createdAt' ? j.createdAt : this.state(j, req.now).since)
    const matching = this.jobs
      .filter((j) => connectionId === null || j.connectionId === connectionId)
      .filter((j) => !q.get('status') || this.state(j, req.now).status === q.get('status'))
      .filter((j) => !q.get('jobType') || j.jobType === q.get('jobType'))
      .sort((a, b) => (descending ? key(b) - key(a) || b.id - a.id : key(a) - key(b) || a.id - b.id))
    const page = matching.slice(offset, offset + limit)
    const link = (at: number): string => {
      const params = new URLSearchParams(q)
      params.set('limit', String(limit))
      params.set('offset', String(at))
      return `http://${String(req.headers.host ?? '127.0.0.1')}/airbyte/api/public/v1/jobs?${params.toString()}`
    }
    return {
      status: 200,
      body: {
        previous: offset === 0 ? '' : link(Math.max(0, offset - limit)),
        next: page.length === 0 ? '' : link(offset + limit),
        data: page.map((j) => this.body(j, req.now, true))
      }
    }
  }

  stripFields(body: unknown): unknown {
    if (!body || typeof body !== 'object') return {}
    const copy = { ...(body as Record<string, unknown>) }
    if (Array.isArray(copy.data)) delete copy.data
    delete copy.status
    delete copy.jobId
    return copy
  }

  oddStatus(body: unknown): unknown {
    const b = body as { status?: unknown; data?: unknown } | undefined
    if (b && Array.isArray(b.data)) for (const entry of b.data as Record<string, unknown>[]) entry.status = 'mystery_status'
    else if (b && typeof b.status === 'string') b.status = 'mystery_status'
    return body
  }
}

/** The Airbyte lines of `npm run emulator`: base_url, credentials and each scenario's connection UUID. */
export function airbyteHelp(baseUrl: string): string[] {
  const lines = [
    `\nAirbyte    base_url: ${baseUrl}   client_id: ${AIRBYTE_CLIENT_ID}   client_secret: ${AIRBYTE_CLIENT_SECRET}`,
    `           or api_key: ${AIRBYTE_API_KEY}   workspace_id: ${AIRBYTE_WORKSPACE_ID}   tokens expire after ${AIRBYTE_TOKEN_LIFETIME_S}s`,
    '           connection_id: the first group picks the scenario, the rest is free (a fresh connection); any other UUID answers 404'
  ]
  for (const [name, s] of Object.entries(AIRBYTE_SCENARIOS)) {
    lines.push(`  connection_id ${airbyteConnection(name)}  ${name.padEnd(14)} ${s.description}`)
  }
  return lines
}
