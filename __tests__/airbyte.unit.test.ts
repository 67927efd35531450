import { afterEach, describe, expect, it } from '@jest/globals'
import nock from 'nock'
import type { InputError } from '../src/core/errors.js'
import { ApiError } from '../src/core/errors.js'
import { orchestrate } from '../src/core/orchestrator.js'
import { readSettings } from '../src/core/settings.js'
import { AirbyteApi, ApplicationTokenAuth, CREATE_JOB_TIMEOUT_MS, parseAirbyteError } from '../src/providers/airbyte/api.js'
import { airbyte } from '../src/providers/airbyte/index.js'
import type { AirbyteSettings } from '../src/providers/airbyte/settings.js'
import { register } from '../src/jobs/run.js'
import {
  connectionUrl,
  createdAt,
  describeJob,
  findAfterLostAnswer,
  formatBytes,
  hasEnded,
  isJobId,
  isKnownStatus,
  isUuid,
  jobFacts,
  missingRole,
  normalStatus,
  readJob,
  readJobList,
  type AirbyteJob
} from '../src/providers/airbyte/model.js'
import { FakeClock } from './fake-clock.js'
import { MemoryIo } from './memory-io.js'

// Bodies shaped as Airbyte's server writes them (JobResponseMapper: null fields left out, Java time formats).
const CONN = 'e735894a-e773-4938-969f-45f53957b75b'
const T0 = Date.parse('2026-08-21T10:00:07Z')
const running = {
  jobId: 12345,
  status: 'running',
  jobType: 'sync',
  startTime: '2026-08-21T10:00:07Z',
  connectionId: CONN,
  duration: 'PT2M35S',
  bytesSynced: 1_048_576,
  rowsSynced: 2500
}
const succeeded = {
  ...running,
  status: 'succeeded',
  lastUpdatedAt: '2026-08-21T10:14:19Z',
  duration: 'PT14M12S',
  bytesSynced: 52_428_800,
  rowsSynced: 125_000
}
const failed = { ...running, status: 'failed', lastUpdatedAt: '2026-08-21T10:31:55Z', duration: 'PT31M48S', bytesSynced: 0, rowsSynced: 0 }
const created = { jobId: 12345, status: 'pending', jobType: 'sync', startTime: '2026-08-21T10:00:07Z', connectionId: CONN }
const cancelledAnswer = { ...created, status: 'cancelled', lastUpdatedAt: '2026-08-21T10:03:10Z', duration: 'PT3M3S' }
const tryAgainLater = {
  status: 409,
  type: 'https://reference.airbyte.com/reference/errors#try-again-later',
  title: 'try-again-later',
  detail: 'Please try again later.',
  documentationUrl: null,
  data: { message: `A sync is already running for: ${CONN}` }
}
const notRunning = {
  status: 409,
  type: 'https://reference.airbyte.com/reference/errors#409-state-conflict',
  title: 'state-conflict',
  detail: 'State conflict',
  documentationUrl: null,
  data: { message: 'Job is not currently running' }
}

const job = (fields: Partial<AirbyteJob>): AirbyteJob => ({ ...running, ...fields }) as AirbyteJob

describe('airbyte model', () => {
  it('keeps waiting on pending, queued, running and incomplete; ends on succeeded, failed, cancelled', () => {
    for (const status of ['pending', 'queued', 'running', 'incomplete']) {
      expect(hasEnded(status)).toBe(false)
      expect(isKnownStatus(status)).toBe(true)
    }
    for (const status of ['succeeded', 'failed', 'cancelled']) expect(hasEnded(status)).toBe(true)
  })

  it('waits on a status it does not know rather than ending', () => {
    expect(hasEnded('paused_for_capacity')).toBe(false)
    expect(isKnownStatus('paused_for_capacity')).toBe(false)
    expect(normalStatus('paused_for_capacity')).toBe('unknown')
  })

  it('maps statuses to the normalised ones', () => {
    expect(['pending', 'queued', 'running', 'incomplete', 'succeeded', 'failed', 'cancelled'].map(normalStatus)).toEqual([
      'queued',
      'queued',
      'running',
      'running',
      'succeeded',
      'failed',
      'cancelled'
    ])
  })

  it('reads a job that lacks optional fields, as POST answers and the spec example do', () => {
    expect(readJob({ jobId: 1234, status: 'running', jobType: 'sync' }, 'POST /jobs')).toEqual({
      jobId: 1234,
      status: 'running',
      jobType: 'sync'
    })
    expect(readJob(created, 'POST /jobs').rowsSynced).toBeUndefined()
    expect(readJob({ jobId: '77', status: 'SUCCEEDED' }, 'GET /jobs/77')).toMatchObject({ jobId: 77, status: 'succeeded' })
    expect(readJob({ jobId: 1, status: 'running', rowsSynced: 'many', startTime: 5 }, 'x')).toEqual({ jobId: 1, status: 'running' })
  })

  it('treats a 200 without jobId or status as a passing fault, never a verdict', () => {
    const error = (() => {
      try {
        readJob({ id: '18dccc91-0ab1-4f72-9ed7-0b8fc27c5826', jobType: 'sync' }, 'GET /jobs/1')
      } catch (e) {
        return e
      }
    })() as ApiError
    expect(error).toBeInstanceOf(ApiError)
    expect(error.kind).toBe('malformed')
    expect(error.transient).toBe(true)
    expect(error.message).toMatch(/lacks jobId, status/)
  })

  it('reads a jobs list, skipping entries it cannot use', () => {
    const list = readJobList(
      { previous: '', next: 'https://api.airbyte.com/v1/jobs?offset=2', data: [running, { id: 'uuid', status: 'running' }] },
      'GET /jobs'
    )
    expect(list.map((j) => j.jobId)).toEqual([12345])
    expect(() => readJobList({ next: '' }, 'GET /jobs')).toThrow(/lacks data/)
  })

  it('reads Java times without seconds (2026-08-21T12:00Z)', () => {
    expect(createdAt(job({ startTime: '2026-08-21T12:00Z' }))).toBe(Date.parse('2026-08-21T12:00:00Z'))
    expect(createdAt(job({ startTime: undefined }))).toBeUndefined()
  })

  it('checks UUIDs and job ids', () => {
    expect(isUuid(CONN)).toBe(true)
    expect(isUuid(CONN.toUpperCase())).toBe(true)
    expect(isUuid('my-connection')).toBe(false)
    expect(isJobId('12345')).toBe(true)
    for (const bad of ['abc', '12x', '-1', '0', '1.5', '']) expect(isJobId(bad)).toBe(false)
  })

  it('builds the connection link on Cloud and on a self-managed host, only with a workspace', () => {
    const ws = '3f1a9c2e-5b7d-4e8f-9a0b-1c2d3e4f5a6b'
    expect(connectionUrl('https://api.airbyte.com/v1', ws, CONN)).toBe(`https://cloud.airbyte.com/workspaces/${ws}/connections/${CONN}`)
    expect(connectionUrl('http://localhost:8000/api/public/v1', ws, CONN)).toBe(
      `http://localhost:8000/workspaces/${ws}/connections/${CONN}`
    )
    expect(connectionUrl('https://corp.example/airbyte/api/public/v1', ws, CONN)).toBe(
      `https://corp.example/airbyte/workspaces/${ws}/connections/${CONN}`
    )
    expect(connectionUrl('https://api.airbyte.com/v1', undefined, CONN)).toBeUndefined()
  })

  it("tells a job created by our lost request from someone else's running sync", () => {
    const since = Date.parse('2026-08-21T10:00:05Z')
    const older = job({ jobId: 10, startTime: '2026-08-21T09:59:00Z', status: 'running' })
    const ours = job({ jobId: 11, startTime: '2026-08-21T10:00:06Z', status: 'succeeded' })
    const ended = job({ jobId: 9, startTime: '2026-08-21T09:00Z', status: 'succeeded' })
    expect(findAfterLostAnswer([ended, older, ours], since, false)).toEqual({ ours })
    expect(findAfterLostAnswer([ended, older], since, false)).toEqual({ running: older })
    expect(findAfterLostAnswer([ended], since, false)).toEqual({ running: undefined })
    // A 409 "already running" created nothing: even a recent job is someone else's.
    expect(findAfterLostAnswer([job({ jobId: 12, startTime: '2026-08-21T10:00:06Z' })], since, true).running?.jobId).toBe(12)
  })

  it('gives summary facts and a log line from a job', () => {
    expect(jobFacts(readJob(succeeded, 'x'))).toEqual([
      ['Job type', 'sync'],
      ['Started', '2026-08-21T10:00:07.000Z'],
      ['Duration', '14m 12s'],
      ['Ended', '2026-08-21T10:14:19.000Z'],
      ['Bytes synced', '52.4 MB (52,428,800 bytes)']
    ])
    expect(describeJob(readJob(running, 'x'))).toBe('job 12345 (sync) is running, after 2m 35s, 2,500 rows, 1.0 MB')
    expect(formatBytes(512)).toBe('512 bytes')
  })

  it('finds the role a 403 names', () => {
    expect(missingRole('Caller does not have the required WORKSPACE_RUNNER permissions to access the resource(s).')).toBe(
      'WORKSPACE_RUNNER'
    )
    expect(missingRole('Forbidden')).toBeUndefined()
  })
})

describe('airbyte error bodies', () => {
  it('reads problem JSON: title as the code, data.message as the message', () => {
    expect(
      parseAirbyteError(403, {
        status: 403,
        title: 'forbidden',
        detail: 'The request is forbidden.',
        documentationUrl: null,
        data: { message: 'Caller does not have the required WORKSPACE_RUNNER permissions to access the resource(s).' }
      })
    ).toEqual({ code: 'forbidden', message: 'Caller does not have the required WORKSPACE_RUNNER permissions to access the resource(s).' })
    expect(parseAirbyteError(409, tryAgainLater)).toEqual({ code: 'try-again-later', message: `A sync is already running for: ${CONN}` })
  })

  it('names the resource of a 404, falls back to detail, and reads the load shedder and Micronaut bodies', () => {
    expect(parseAirbyteError(404, { title: 'resource-not-found', data: { resourceType: 'connection', resourceId: CONN } }).message).toBe(
      `connection ${CONN} not found`
    )
    expect(
      parseAirbyteError(401, { title: 'invalid-api-key', detail: 'The API key in the Authorization header is invalid.', data: null })
        .message
    ).toBe('The API key in the Authorization header is invalid.')
    expect(parseAirbyteError(429, { message: 'You are being rate limited.' })).toEqual({ message: 'You are being rate limited.' })
    expect(
      parseAirbyteError(400, { message: 'Bad Request', _embedded: { errors: [{ message: 'Invalid client id or token' }] } }).message
    ).toBe('Invalid client id or token')
    expect(parseAirbyteError(401, undefined)).toEqual({})
  })
})

const BASE = 'https://api.airbyte.com/v1'
const log = {
  warnings: [] as string[],
  debugs: [] as string[],
  warning(m: string) {
    this.warnings.push(m)
  },
  debug(m: string) {
    this.debugs.push(m)
  }
}

afterEach(() => {
  // A delayed reply whose request the action gave up on would otherwise hold the test run open.
  nock.abortPendingRequests()
  nock.cleanAll()
  log.warnings = []
  log.debugs = []
})

function tokenAuth(clock: FakeClock): ApplicationTokenAuth {
  return new ApplicationTokenAuth('client-1', 'secret-1', {
    baseUrl: BASE,
    clock,
    log,
    deadline: clock.now() + 3_600_000,
    requestTimeoutMs: 5000
  })
}

function tokenReply(token: string, expiresIn?: number) {
  return { access_token: token, token_type: 'Bearer', ...(expiresIn === undefined ? {} : { expires_in: expiresIn }) }
}

describe('airbyte token exchange', () => {
  it('posts the client credentials as JSON with grant-type, without any Authorization', async () => {
    const scope = nock(BASE, { badheaders: ['authorization'], reqheaders: { 'content-type': 'application/json' } })
      .post('/applications/token', { client_id: 'client-1', client_secret: 'secret-1', 'grant-type': 'client_credentials' })
      .reply(200, tokenReply('tok-1', 900))
    expect(await tokenAuth(new FakeClock(T0)).header()).toBe('Bearer tok-1')
    scope.done()
  })

  it('keeps a token until a minute before its expires_in, then gets a new one', async () => {
    nock(BASE)
      .post('/applications/token')
      .reply(200, tokenReply('tok-1', 900))
      .post('/applications/token')
      .reply(200, tokenReply('tok-2', 900))
    const clock = new FakeClock(T0)
    const auth = tokenAuth(clock)
    expect(await auth.header()).toBe('Bearer tok-1')
    clock.time += 839_000
    expect(await auth.header()).toBe('Bearer tok-1')
    clock.time += 2000
    expect(await auth.header()).toBe('Bearer tok-2')
    expect(nock.pendingMocks()).toEqual([])
  })

  it('renews a short-lived token at half its life', async () => {
    nock(BASE)
      .post('/applications/token')
      .reply(200, tokenReply('tok-1', 10))
      .post('/applications/token')
      .reply(200, tokenReply('tok-2', 10))
    const clock = new FakeClock(T0)
    const auth = tokenAuth(clock)
    await auth.header()
    clock.time += 4900
    expect(await auth.header()).toBe('Bearer tok-1')
    clock.time += 200
    expect(await auth.header()).toBe('Bearer tok-2')
  })

  it('keeps a token without expires_in until renew() (after a 401)', async () => {
    nock(BASE).post('/applications/token').reply(200, tokenReply('tok-1')).post('/applications/token').reply(200, tokenReply('tok-2'))
    const clock = new FakeClock(T0)
    const auth = tokenAuth(clock)
    await auth.header()
    clock.time += 86_400_000
    expect(await auth.header()).toBe('Bearer tok-1')
    expect(await auth.renew()).toBe(true)
    expect(await auth.header()).toBe('Bearer tok-2')
  })

  it('sends one token request for requests that need a token at the same time', async () => {
    nock(BASE).post('/applications/token').once().reply(200, tokenReply('tok-1', 900))
    const auth = tokenAuth(new FakeClock(T0))
    expect(await Promise.all([auth.header(), auth.header(), auth.header()])).toEqual(['Bearer tok-1', 'Bearer tok-1', 'Bearer tok-1'])
    expect(nock.pendingMocks()).toEqual([])
  })

  it("retries a token request through a 503, and fails on refused credentials with Airbyte's message", async () => {
    nock(BASE).post('/applications/token').reply(503).post('/applications/token').reply(200, tokenReply('tok-1', 900))
    expect(await tokenAuth(new FakeClock(T0)).header()).toBe('Bearer tok-1')
    nock(BASE)
      .post('/applications/token')
      .reply(400, { message: 'Bad Request', _embedded: { errors: [{ message: 'Invalid client id or token' }] } })
    const error = (await tokenAuth(new FakeClock(T0))
      .header()
      .catch((e: unknown) => e)) as ApiError
    expect(error).toMatchObject({ status: 400, providerMessage: 'Invalid client id or token' })
    expect(error.message).not.toContain('secret-1')
  })

  it('on a 401 renews once and retries once; a second 401 is an error, not a loop', async () => {
    nock(BASE)
      .post('/applications/token')
      .reply(200, tokenReply('tok-1', 900))
      .get('/jobs/12345')
      .matchHeader('authorization', 'Bearer tok-1')
      .reply(401)
      .post('/applications/token')
      .reply(200, tokenReply('tok-2', 900))
      .get('/jobs/12345')
      .matchHeader('authorization', 'Bearer tok-2')
      .reply(200, running)
    const clock = new FakeClock(T0)
    const auth = tokenAuth(clock)
    const api = new AirbyteApi({ baseUrl: BASE, auth, clock, log, deadline: clock.now() + 60_000 })
    expect((await api.job(12345)).status).toBe('running')
    expect(nock.pendingMocks()).toEqual([])

    nock(BASE).get('/jobs/12345').reply(401).post('/applications/token').reply(200, tokenReply('tok-3', 900)).get('/jobs/12345').reply(401)
    const error = (await api.job(12345).catch((e: unknown) => e)) as ApiError
    expect(error.status).toBe(401)
    expect(nock.pendingMocks()).toEqual([])
  })
})

describe('airbyte endpoints', () => {
  const api = (clock = new FakeClock(T0)) =>
    new AirbyteApi({ baseUrl: `${BASE}/`, auth: { header: async () => 'Bearer ready' }, clock, log, deadline: clock.now() + 60_000 })

  it('creates a job with connectionId and jobType, sent once even after a 500', async () => {
    const scope = nock(BASE, { reqheaders: { authorization: 'Bearer ready' } })
      .post('/jobs', { connectionId: CONN, jobType: 'clear' })
      .reply(200, { ...created, jobType: 'clear' })
    expect((await api().createJob(CONN, 'clear', 5000)).jobType).toBe('clear')
    scope.done()
    nock(BASE)
      .post('/jobs')
      .once()
      .reply(500, { status: 500, title: 'unexpected-problem', data: { message: 'boom' } })
    const second = nock(BASE).post('/jobs').reply(200, created)
    const error = (await api()
      .createJob(CONN, 'sync', 5000)
      .catch((e: unknown) => e)) as ApiError
    expect(error.ambiguous).toBe(true)
    expect(second.isDone()).toBe(false)
    expect(CREATE_JOB_TIMEOUT_MS).toBe(120_000)
  })

  it("lists a connection's jobs newest first", async () => {
    const scope = nock(BASE)
      .get('/jobs')
      .query({ connectionId: CONN, orderBy: 'createdAt|DESC', limit: '10' })
      .reply(200, { previous: '', next: '', data: [running] })
    expect((await api().jobs(CONN)).map((j) => j.jobId)).toEqual([12345])
    scope.done()
  })

  it('sends a cancellation once, even when its answer is a 503', async () => {
    nock(BASE).delete('/jobs/12345').once().reply(503)
    const second = nock(BASE).delete('/jobs/12345').reply(200, cancelledAnswer)
    const error = (await api()
      .cancel(12345)
      .catch((e: unknown) => e)) as ApiError
    expect(error.status).toBe(503)
    expect(second.isDone()).toBe(false)
  })
})

// The provider through the orchestrator: inputs in, outputs, summary and verdict out, on a fake clock.
const CLIENT = { client_id: 'client-1', client_secret: 'secret-1' }
const providers = { airbyte: register(airbyte) }

async function step(
  values: Record<string, string>,
  options: { clock?: FakeClock; signal?: AbortSignal; env?: Record<string, string> } = {}
) {
  const io = new MemoryIo()
  const env = options.env ?? {}
  // These steps pin the requests of the age-based schedule; the history read has tests of its own.
  const withDefaults: Record<string, string> = { history: 'false', ...values }
  const read = (name: string, fallback?: string): string => withDefaults[name] ?? (fallback ? (env[fallback] ?? '') : '')
  const result = await orchestrate({
    io,
    read,
    clock: options.clock ?? new FakeClock(T0),
    signal: options.signal,
    providers
  })
  return { io, result, outputs: io.outputs, errors: io.errors.join('\n') }
}

const sync = (extra: Record<string, string> = {}) => ({
  provider: 'airbyte',
  connection_id: CONN,
  poll_interval: '10s',
  ...CLIENT,
  ...extra
})
const withToken = () => nock(BASE).post('/applications/token').reply(200, tokenReply('tok-1', 900))

describe('airbyte: the past runs time the checks (history)', () => {
  const past = (jobId: number, startTime: string, lastUpdatedAt: string) => ({
    jobId,
    status: 'succeeded',
    jobType: 'sync',
    startTime,
    lastUpdatedAt,
    connectionId: CONN,
    duration: 'PT1M'
  })

  it("reads the connection's last succeeded jobs of the same type once, and the summary says what it used", async () => {
    withToken()
    nock(BASE)
      .post('/jobs', { connectionId: CONN, jobType: 'sync' })
      .reply(200, created)
      .get('/jobs/12345')
      .times(100)
      .reply(200, succeeded)
    const history = nock(BASE)
      .get('/jobs')
      .query({ connectionId: CONN, jobType: 'sync', status: 'succeeded', orderBy: 'createdAt|DESC', limit: '5' })
      .once()
      .reply(200, {
        data: [
          past(12, '2026-08-20T10:00:00Z', '2026-08-20T10:14:00Z'),
          past(11, '2026-08-19T10:00:00Z', '2026-08-19T10:15:00Z'),
          // No end time: its ISO duration counts.
          { ...past(10, '2026-08-18T10:00:00Z', ''), lastUpdatedAt: undefined, duration: 'PT16M' }
        ]
      })
    const { result, outputs, io } = await step(sync({ history: 'true' }))
    expect(result.exitCode).toBe(0)
    history.done()
    expect(io.summary).toContain('| History | typical 15m over the last 3 runs |')
    // The outputs are the job's, as without history.
    expect(JSON.parse(outputs.result)).toEqual(succeeded)
    expect(JSON.parse(outputs.results)).toEqual([expect.not.objectContaining({ history: expect.anything() })])
  })

  it('a failed history read is tried once, said nowhere but the debug log, and the wait goes on as without it', async () => {
    withToken()
    nock(BASE).post('/jobs').reply(200, created).get('/jobs/12345').reply(200, running).get('/jobs/12345').reply(200, succeeded)
    const history = nock(BASE).get('/jobs').query(true).times(5).reply(500)
    const { result, io } = await step(sync({ history: 'true' }))
    expect(result.exitCode).toBe(0)
    expect(history.pendingMocks()).toHaveLength(1)
    expect(io.summary).not.toContain('History')
    expect(io.lines.filter((l) => l.startsWith('warning:'))).toEqual([])
  })
})

describe('airbyte SYNC, step by step', () => {
  it('creates the job, waits through its statuses and sets every output', async () => {
    withToken()
    nock(BASE)
      .post('/jobs', { connectionId: CONN, jobType: 'sync' })
      .reply(200, created)
      .get('/jobs/12345')
      .reply(200, { ...running, status: 'queued', rowsSynced: 0 })
      .get('/jobs/12345')
      .reply(200, { ...running, status: 'incomplete' })
      .get('/jobs/12345')
      .reply(200, running)
      .get('/jobs/12345')
      .reply(200, succeeded)
    const { result, outputs, io } = await step(sync({ workspace_id: '3f1a9c2e-5b7d-4e8f-9a0b-1c2d3e4f5a6b' }))
    expect(result.exitCode).toBe(0)
    expect(outputs).toMatchObject({
      job_id: '12345',
      status: 'succeeded',
      provider_status: 'succeeded',
      rows_synced: '125000',
      job_url: `https://cloud.airbyte.com/workspaces/3f1a9c2e-5b7d-4e8f-9a0b-1c2d3e4f5a6b/connections/${CONN}`
    })
    expect(JSON.parse(outputs.result)).toEqual(succeeded)
    expect(io.lines.join('\n')).toMatch(/Airbyte queued the job/)
    expect(io.lines.join('\n')).toMatch(/An attempt failed; Airbyte retries the job by itself/)
    expect(io.summary).toContain('| Bytes synced | 52.4 MB (52,428,800 bytes) |')
    expect(io.secrets).toEqual(['secret-1', 'c2VjcmV0LTE=', 'tok-1', 'dG9rLTE='])
    expect(nock.pendingMocks()).toEqual([])
  })

  it('with wait: false returns after the creation with the job_id', async () => {
    withToken()
    nock(BASE).post('/jobs').reply(200, created)
    const { result, outputs } = await step(sync({ wait: 'false' }))
    expect(result.exitCode).toBe(0)
    expect(outputs).toMatchObject({ job_id: '12345', status: 'queued', provider_status: 'pending' })
  })

  it('renews the token on a 401 to the creation request and sends it again: a 401 was not processed', async () => {
    nock(BASE)
      .post('/applications/token')
      .reply(200, tokenReply('tok-1', 900))
      .post('/jobs')
      .reply(401)
      .post('/applications/token')
      .reply(200, tokenReply('tok-2', 900))
      .post('/jobs')
      .matchHeader('authorization', 'Bearer tok-2')
      .reply(200, created)
      .get('/jobs/12345')
      .reply(200, succeeded)
    const { result } = await step(sync())
    expect(result.exitCode).toBe(0)
    expect(nock.pendingMocks()).toEqual([])
  })

  it('after a lost answer, follows the job its request created, whatever its status, without a second POST', async () => {
    const clock = new FakeClock(T0 + 500)
    withToken()
    nock(BASE)
      // A 200 cut short: the job exists, but its answer is lost.
      .post('/jobs')
      .reply(200, '{"jobId":12345,"sta')
      .get('/jobs')
      .query({ connectionId: CONN, orderBy: 'createdAt|DESC', limit: '10' })
      .reply(200, {
        data: [
          { ...succeeded, startTime: '2026-08-21T10:00:07Z' },
          { ...failed, jobId: 12000, startTime: '2026-08-20T10:00Z' }
        ]
      })
    const second = nock(BASE).post('/jobs').reply(200, created)
    const { result, outputs, io } = await step(sync(), { clock })
    expect(result.exitCode).toBe(0)
    expect(outputs).toMatchObject({ job_id: '12345', status: 'succeeded' })
    expect(io.lines.join('\n')).toMatch(/Found job 12345 \(sync of connection \S+\), \w+: the trigger did go through/)
    expect(second.isDone()).toBe(false)
  })

  it('gives the creation request no longer than what is left of the timeout, then looks the job up', async () => {
    withToken()
    nock(BASE)
      .post('/jobs')
      .delay(3000)
      .reply(200, created)
      .get('/jobs')
      .query(true)
      .reply(200, { data: [{ ...created, status: 'running' }] })
      .get('/jobs/12345')
      .reply(200, succeeded)
    const clock = new FakeClock(T0)
    const started = Date.now()
    const { outputs, io } = await step(sync({ timeout: '1s' }), { clock })
    expect(Date.now() - started).toBeLessThan(2500)
    expect(io.lines.join('\n')).toMatch(/got no answer in time \(no answer within 1s\)/)
    expect(outputs.job_id).toBe('12345')
  })

  it('after a lost answer with no job to find, fails, naming the error, and never posts again', async () => {
    withToken()
    nock(BASE).post('/jobs').reply(502).get('/jobs').query(true).times(100).reply(200, { previous: '', next: '', data: [] })
    const second = nock(BASE).post('/jobs').reply(200, created)
    const { result, errors, outputs } = await step(sync())
    expect(result.exitCode).toBe(1)
    expect(errors).toMatch(
      /HTTP 502 Bad Gateway.*no sign of a sync job of connection \S+ showed up in the .* after it, so the trigger most likely never reached Airbyte/
    )
    // As for every provider: a trigger that most likely never arrived is a failed target.
    expect(outputs.status).toBe('failed')
    expect(second.isDone()).toBe(false)
  })

  it('a 409 "already running" with if_running: fail fails with Airbyte\'s message', async () => {
    withToken()
    nock(BASE)
      .post('/jobs')
      .reply(409, tryAgainLater)
      .get('/jobs')
      .query(true)
      .reply(200, { data: [running] })
    const { result, errors, outputs } = await step(sync())
    expect(result.exitCode).toBe(1)
    expect(errors).toContain(`"A sync is already running for: ${CONN}"`)
    expect(errors).toMatch(/job 12345: sync, running, created 2026-08-21T10:00:07Z.*set if_running: attach/)
    expect(outputs.job_id).toBeUndefined()
  })

  it('a 409 "already running" with if_running: attach follows that job, even one created just now', async () => {
    withToken()
    const justNow = { ...running, startTime: '2026-08-21T10:00:08Z' }
    nock(BASE)
      .post('/jobs')
      .reply(409, tryAgainLater)
      .get('/jobs')
      .query(true)
      .reply(200, { data: [justNow] })
      .get('/jobs/12345')
      .reply(200, succeeded)
    const { result, outputs } = await step(sync({ if_running: 'Attach' }))
    expect(result.exitCode).toBe(0)
    expect(outputs).toMatchObject({ job_id: '12345', status: 'succeeded' })
  })

  it('a 409 "already running" with nothing running any more says so, without posting again', async () => {
    withToken()
    nock(BASE)
      .post('/jobs')
      .reply(409, tryAgainLater)
      .get('/jobs')
      .query(true)
      .reply(200, { data: [succeeded] })
    const { errors } = await step(sync())
    expect(errors).toMatch(/yet shows no unfinished job on it: the running one has probably just ended/)
  })
})

describe('airbyte timeout and cancellation, step by step', () => {
  it('on timeout reads the job, cancels it once while unfinished, and ends timed_out', async () => {
    withToken()
    nock(BASE).post('/jobs').reply(200, created).get('/jobs/12345').times(100).reply(200, running)
    const cancel = nock(BASE).delete('/jobs/12345').once().reply(200, cancelledAnswer)
    const { result, outputs, errors } = await step(sync({ timeout: '60s' }))
    expect(result.exitCode).toBe(1)
    expect(cancel.isDone()).toBe(true)
    expect(outputs.status).toBe('timed_out')
    expect(errors).toMatch(/Timed out after 1m waiting for job 12345 .*The action cancelled the job/)
    expect(result.reports[0].remoteCancelled).toBe(true)
  })

  it('does not cancel a job that ended just as the timeout was reached, and reports its outcome', async () => {
    const clock = new FakeClock(T0)
    withToken()
    // The wait's last check (at the deadline) sees it running; the read before any cancellation sees it ended.
    let readsAtDeadline = 0
    nock(BASE)
      .post('/jobs')
      .reply(200, created)
      .get('/jobs/12345')
      .times(100)
      .reply(() => {
        if (clock.now() >= T0 + 60_000) readsAtDeadline++
        return [200, readsAtDeadline >= 2 ? succeeded : running]
      })
    const cancel = nock(BASE).delete('/jobs/12345').reply(200, cancelledAnswer)
    const { outputs, result } = await step(sync({ timeout: '60s' }), { clock })
    expect(readsAtDeadline).toBe(2)
    expect(cancel.isDone()).toBe(false)
    expect(outputs.status).toBe('succeeded')
    expect(result.reports[0].remoteCancelled).toBeUndefined()
  })

  it('takes a 409 on cancel to mean the job already ended, and reports how it ended', async () => {
    withToken()
    let deleted = false
    nock(BASE)
      .post('/jobs')
      .reply(200, created)
      .get('/jobs/12345')
      .times(100)
      .reply(() => [200, deleted ? failed : running])
      .delete('/jobs/12345')
      .once()
      .reply(() => {
        deleted = true
        return [409, notRunning]
      })
    const { outputs, io } = await step(sync({ timeout: '60s' }))
    expect(io.lines.join('\n')).toMatch(/answered 409 to the cancellation \(Job is not currently running\): job 12345 has already ended/)
    expect(outputs.status).toBe('failed')
  })

  it('when the workflow is cancelled mid-wait, cancels the job on a budget of its own and rethrows', async () => {
    const controller = new AbortController()
    withToken()
    nock(BASE)
      .post('/jobs')
      .reply(200, created)
      .get('/jobs/12345')
      .reply(() => {
        controller.abort()
        return [200, running]
      })
      .get('/jobs/12345')
      .reply(200, running)
    const cancel = nock(BASE).delete('/jobs/12345').reply(200, cancelledAnswer)
    const { outputs, errors, result } = await step(sync(), { signal: controller.signal })
    expect(cancel.isDone()).toBe(true)
    expect(outputs.status).toBe('cancelled')
    expect(errors).toMatch(/the Airbyte job was cancelled too/)
    expect(result.exitCode).toBe(1)
  })

  it('with cancel_on_abort: false leaves the job alone', async () => {
    const controller = new AbortController()
    withToken()
    nock(BASE)
      .post('/jobs')
      .reply(200, created)
      .get('/jobs/12345')
      .reply(() => {
        controller.abort()
        return [200, running]
      })
    const cancel = nock(BASE).delete('/jobs/12345').reply(200, cancelledAnswer)
    const { outputs, errors } = await step(sync({ cancel_on_abort: 'false' }), { signal: controller.signal })
    expect(cancel.isDone()).toBe(false)
    expect(outputs.status).toBe('cancelled')
    expect(errors).toMatch(/the Airbyte job goes on \(job 12345\)/)
  })

  it('when cancelled during the creation request, finds the job it created and cancels it', async () => {
    const controller = new AbortController()
    withToken()
    nock(BASE)
      .post('/jobs')
      .reply(() => {
        controller.abort()
        return [200, created]
      })
      .get('/jobs')
      .query(true)
      .reply(200, { data: [{ ...created, status: 'running' }] })
      .get('/jobs/12345')
      .reply(200, running)
    const cancel = nock(BASE).delete('/jobs/12345').reply(200, cancelledAnswer)
    const { outputs } = await step(sync(), { signal: controller.signal })
    expect(cancel.isDone()).toBe(true)
    expect(outputs).toMatchObject({ status: 'cancelled', job_id: '12345' })
  })
})

describe('airbyte SYNC: the created job must be the one asked for', () => {
  it.each([
    [
      'another connection',
      { ...created, connectionId: 'a1000001-0000-4000-8000-000000000009' },
      /of connection a1000001-0000-4000-8000-000000000009\), not the sync of connection/
    ],
    ['another job type', { ...created, jobType: 'reset' }, /\(a reset\), not the sync of connection/]
  ])('a POST /jobs answer about %s is not followed', async (_label, answer, message) => {
    withToken()
    nock(BASE).post('/jobs').reply(200, answer)
    const { result, outputs, errors } = await step(sync())
    expect(result.exitCode).toBe(1)
    expect(outputs.job_id).toBeUndefined()
    expect(errors).toMatch(message)
    expect(nock.pendingMocks()).toEqual([])
  })

  it('a 200 without jobId is not called "never reached Airbyte": Airbyte accepted it', async () => {
    withToken()
    nock(BASE).post('/jobs').reply(200, { status: 'pending' }).get('/jobs').query(true).times(20).reply(200, { data: [] })
    const { result, errors } = await step(sync({ timeout: '40s' }))
    expect(result.exitCode).toBe(1)
    expect(errors).toMatch(/Airbyte accepted the request \(HTTP 200\) but named no job/)
    expect(errors).not.toMatch(/never reached Airbyte/)
  })
})

describe('airbyte WAIT, STATUS, CANCEL, step by step', () => {
  const byJob = (action: string, extra: Record<string, string> = {}) => ({
    provider: 'airbyte',
    action,
    job_id: '12345',
    ...CLIENT,
    ...extra
  })

  it('STATUS reports a failed job without failing', async () => {
    withToken()
    nock(BASE).get('/jobs/12345').reply(200, failed)
    const { result, outputs } = await step(byJob('STATUS'))
    expect(result.exitCode).toBe(0)
    expect(outputs).toMatchObject({ status: 'failed', job_id: '12345', rows_synced: '0' })
    // Without connection_id the target is the job's connection once the job names it: never the job id as a connection.
    expect(JSON.parse(outputs.results)[0].target).toBe('e735894a-e773-4938-969f-45f53957b75b')
  })

  it('STATUS without connection_id of a job that names no connection calls it a Job, and results give no target', async () => {
    withToken()
    const { connectionId: _c, ...anonymous } = failed as Record<string, unknown>
    nock(BASE).get('/jobs/12345').reply(200, anonymous)
    const { outputs, io } = await step(byJob('STATUS'))
    expect(io.summary).toContain('| Job | `12345` |')
    expect(io.summary).not.toContain('| Connection |')
    expect(JSON.parse(outputs.results)[0]).not.toHaveProperty('target')
  })

  it.each(['STATUS', 'WAIT', 'CANCEL'])('%s refuses an answer about another job: never reports it, never cancels it', async (action) => {
    withToken()
    nock(BASE)
      .get('/jobs/12345')
      .times(3)
      .reply(200, { ...running, jobId: 999 })
    const { result, outputs, errors } = await step(byJob(action, { timeout: '30s' }))
    expect(result.exitCode).toBe(1)
    expect(outputs.job_id).toBeUndefined()
    expect(errors).toMatch(/Airbyte answered GET \/jobs\/12345 with job 999: the action trusts no answer about another job/)
    expect(nock.pendingMocks().filter((m) => m.startsWith('DELETE'))).toEqual([])
  })

  it('WAIT fails on a failed job, saying there is no reason to give', async () => {
    withToken()
    nock(BASE).get('/jobs/12345').reply(200, running).get('/jobs/12345').reply(200, failed)
    const { result, errors } = await step(byJob('WAIT'))
    expect(result.exitCode).toBe(1)
    expect(errors).toMatch(
      /Airbyte's public API gives no failure reason: see the job's logs on the Timeline of connection .* \(give workspace_id to get a link here\)/
    )
  })

  it('CANCEL of a job that already ended sends no DELETE and passes', async () => {
    withToken()
    nock(BASE).get('/jobs/12345').reply(200, succeeded)
    const cancel = nock(BASE).delete('/jobs/12345').reply(200, cancelledAnswer)
    const { result, outputs } = await step(byJob('CANCEL'))
    expect(result.exitCode).toBe(0)
    expect(cancel.isDone()).toBe(false)
    expect(outputs.status).toBe('succeeded')
  })

  it('CANCEL of a running job cancels it', async () => {
    withToken()
    nock(BASE).get('/jobs/12345').reply(200, running).delete('/jobs/12345').reply(200, cancelledAnswer)
    const { result, outputs } = await step(byJob('CANCEL'))
    expect(result.exitCode).toBe(0)
    expect(outputs).toMatchObject({ status: 'cancelled', provider_status: 'cancelled' })
  })

  it('names the job on a 404 and the missing role on a 403', async () => {
    withToken()
    nock(BASE)
      .get('/jobs/12345')
      .reply(404, { status: 404, title: 'resource-not-found', data: { resourceType: 'job', resourceId: '12345' } })
    const missing = await step(byJob('STATUS'))
    expect(missing.errors).toMatch(
      /^Job 12345 was not found \(HTTP 404 Not Found on GET \/v1\/jobs\/12345\)\. Airbyte said: "job 12345 not found"\. Check job_id/
    )
    withToken()
    nock(BASE)
      .post('/jobs')
      .reply(403, {
        status: 403,
        title: 'forbidden',
        data: { message: 'Caller does not have the required WORKSPACE_EDITOR permissions to access the resource(s).' }
      })
    const forbidden = await step(sync({ action: 'CLEAR' }))
    expect(forbidden.errors).toMatch(/Airbyte refused access to connection .* lacks the WORKSPACE_EDITOR role/)
  })

  it("shows Airbyte's message on a 422", async () => {
    withToken()
    nock(BASE)
      .post('/jobs')
      .reply(422, { status: 422, title: 'unprocessable-entity', data: { message: 'Refreshes are not supported in the public API' } })
    const { errors } = await step(sync())
    expect(errors).toMatch(
      /HTTP 422 Unprocessable Entity on POST \/v1\/jobs\)\. Airbyte said: "Refreshes are not supported in the public API"/
    )
  })
})

describe('airbyte inputs', () => {
  const settings = (values: Record<string, string>, env: Record<string, string> = {}) => {
    const read = (name: string, fallback?: string): string => values[name] ?? (fallback ? (env[fallback] ?? '') : '')
    return readSettings(read, providers)
  }
  const problems = (values: Record<string, string>): string[] => {
    try {
      settings(values)
    } catch (error) {
      return (error as InputError).problems
    }
    return []
  }

  it('reads SYNC by default, several connections, the job type of each action', () => {
    const s = settings({ provider: 'airbyte', connection_id: `${CONN},\n${CONN.replace('e7', 'f7')}`, ...CLIENT })
    expect(s.common.action).toBe('SYNC')
    const specific = s.step.settings as AirbyteSettings
    expect(airbyte.targets(specific)).toHaveLength(2)
    expect(specific).toMatchObject({ jobType: 'sync', ifRunning: 'fail', credentials: { kind: 'application', clientId: 'client-1' } })
    expect(
      (settings({ provider: 'airbyte', action: 'reset', connection_id: CONN, ...CLIENT }).step.settings as AirbyteSettings).jobType
    ).toBe('reset')
    expect(
      (settings({ provider: 'airbyte', action: 'Clear', connection_id: CONN, ...CLIENT }).step.settings as AirbyteSettings).jobType
    ).toBe('clear')
    expect(settings({ provider: 'airbyte', action: 'CLEAR', connection_id: CONN, ...CLIENT }).common.actionKind).toBe('wait')
    expect(settings({ provider: 'airbyte', action: 'CANCEL', job_id: '1', ...CLIENT }).common.actionKind).toBe('report')
  })

  it('takes credentials from the env, a ready token, or none on a self-managed server', () => {
    const fromEnv = settings(
      { provider: 'airbyte', connection_id: CONN },
      { AIRBYTE_CLIENT_ID: 'id-env', AIRBYTE_CLIENT_SECRET: 'secret-env' }
    )
    expect((fromEnv.step.settings as AirbyteSettings).credentials).toEqual({
      kind: 'application',
      clientId: 'id-env',
      clientSecret: 'secret-env'
    })
    expect(airbyte.secrets(fromEnv.step.settings as AirbyteSettings)).toEqual(['secret-env'])
    const token = settings({ provider: 'airbyte', connection_id: CONN }, { AIRBYTE_API_KEY: 'ready' })
    expect(airbyte.secrets(token.step.settings as AirbyteSettings)).toEqual(['ready'])
    const open = settings({ provider: 'airbyte', connection_id: CONN, base_url: 'http://localhost:8000/api/public/v1/' })
    expect((open.step.settings as AirbyteSettings).credentials).toEqual({ kind: 'none' })
    expect(open.common.baseUrl).toBe('http://localhost:8000/api/public/v1')
  })

  it('names each bad input and the value expected, all at once', () => {
    expect(problems({ provider: 'airbyte', connection_id: 'abc', client_id: 'x', if_running: 'skip', workspace_id: 'w' })).toEqual([
      'connection_id must be a connection UUID such as e735894a-e773-4938-969f-45f53957b75b (from the connection\'s URL in Airbyte), got "abc"',
      'client_secret is required with client_id (or the AIRBYTE_CLIENT_SECRET env variable): the secret of the same Airbyte application',
      'if_running must be fail or attach, got "skip"',
      'workspace_id must be a workspace UUID (from the Airbyte URL .../workspaces/<workspace_id>/...), got "w"'
    ])
    expect(problems({ provider: 'airbyte', action: 'WAIT', job_id: 'latest', ...CLIENT })).toEqual([
      'job_id must be an Airbyte job id (a number, e.g. 12345), got "latest"'
    ])
    expect(problems({ provider: 'airbyte', connection_id: CONN })[0]).toMatch(/^client_id and client_secret are required for Airbyte Cloud/)
    expect(problems({ provider: 'airbyte', connection_id: CONN, base_url: 'not a url' })).toEqual([
      'base_url must be an http(s) URL such as https://api.example.com/v1, got "not a url"'
    ])
    expect(
      problems({ provider: 'airbyte', action: 'STATUS', job_id: '5', connection_id: `${CONN},${CONN.replace('e7', 'f7')}`, ...CLIENT })[0]
    ).toMatch(/STATUS acts on one job/)
  })
})
