import { afterEach, describe, expect, it } from '@jest/globals'
import nock from 'nock'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { systemClock } from '../src/core/clock.js'
import { AbortedError, ApiError } from '../src/core/errors.js'
import { ApiClient } from '../src/http/client.js'
import { FakeClock } from './fake-clock.js'

const BASE = 'https://api.example.test/v1'
const log = {
  warnings: [] as string[],
  warning(m: string) {
    this.warnings.push(m)
  },
  debug() {}
}

afterEach(() => {
  // A delayed reply whose request the client gave up on would otherwise hold the worker open.
  nock.abortPendingRequests()
  nock.cleanAll()
  log.warnings = []
})

function client(extra: Partial<ConstructorParameters<typeof ApiClient>[0]> = {}) {
  return new ApiClient({ baseUrl: `${BASE}/`, log, clock: new FakeClock(), deadline: new FakeClock().now() + 600_000, ...extra })
}

describe('ApiClient', () => {
  it('joins the base URL, sends JSON with auth, Accept and a User-Agent naming the action', async () => {
    const scope = nock(BASE, {
      reqheaders: {
        authorization: 'Basic abc',
        accept: 'application/json;version=2',
        'content-type': 'application/json',
        'user-agent': /^elt-orchestrator\/\d/
      }
    })
      .post('/connections/x%20y/sync', { force: true })
      .reply(200, { code: 'Success' })
    const c = client({ auth: { header: async () => 'Basic abc' }, headers: { Accept: 'application/json;version=2' } })
    const response = await c.post<{ code: string }>('/connections/x%20y/sync', { force: true })
    expect(response.data.code).toBe('Success')
    scope.done()
  })

  it('sends no body and no Content-Type on GET, and encodes the query', async () => {
    const scope = nock(BASE, { badheaders: ['content-type'] })
      .get('/jobs')
      .query({ connectionId: 'c', orderBy: 'createdAt|DESC' })
      .reply(200, { data: [] })
    await client().get('/jobs', { query: { connectionId: 'c', orderBy: 'createdAt|DESC', skip: undefined } })
    scope.done()
  })

  it('turns an error answer into one typed error with status, reason and the provider message', async () => {
    nock(BASE).get('/x').reply(404, { code: 'NotFound_Connection', message: 'Connection with id x does not exist.' })
    const c = client({ parseError: (_s, b) => b as { code: string; message: string } })
    const error = (await c.get('/x').catch((e: unknown) => e)) as ApiError
    expect(error).toBeInstanceOf(ApiError)
    expect(error).toMatchObject({ kind: 'http', status: 404, reason: 'Not Found', providerCode: 'NotFound_Connection' })
    expect(error.message).toBe('GET /v1/x failed with HTTP 404 Not Found [NotFound_Connection]: Connection with id x does not exist.')
  })

  it('retries a status check through 5xx and 429, honouring Retry-After', async () => {
    nock(BASE).get('/x').reply(503).get('/x').reply(429, {}, { 'Retry-After': '7' }).get('/x').reply(200, { ok: true })
    const clock = new FakeClock()
    const c = client({ clock, deadline: clock.now() + 600_000 })
    const response = await c.get<{ ok: boolean }>('/x')
    expect(response.data.ok).toBe(true)
    expect(clock.sleeps[1]).toBe(7000)
    expect(log.warnings).toHaveLength(2)
    expect(log.warnings[0]).toMatch(/HTTP 503 Service Unavailable; trying again in/)
  })

  it('never retries past the deadline', async () => {
    nock(BASE).get('/x').times(10).reply(503)
    const clock = new FakeClock()
    const c = client({ clock, deadline: clock.now() + 5000 })
    const error = (await c.get('/x').catch((e: unknown) => e)) as ApiError
    expect(error.deadlineReached).toBe(true)
    expect(clock.now()).toBeLessThan(clock.now() + 5000)
  })

  it('does not retry a 4xx', async () => {
    const scope = nock(BASE).get('/x').once().reply(400, { message: 'bad' })
    await expect(client().get('/x')).rejects.toThrow(/HTTP 400/)
    scope.done()
  })

  it('sends a request that starts work once, even on a 5xx', async () => {
    const scope = nock(BASE).post('/jobs').once().reply(502)
    const error = (await client()
      .post('/jobs', {})
      .catch((e: unknown) => e)) as ApiError
    expect(error.status).toBe(502)
    expect(error.ambiguous).toBe(true)
    scope.done()
  })

  it('sends a request that starts work again after a 429 (it was refused, not run)', async () => {
    const scope = nock(BASE).post('/jobs').reply(429, {}, { 'Retry-After': '1' }).post('/jobs').reply(200, { jobId: 1 })
    const response = await client().post<{ jobId: number }>('/jobs', {})
    expect(response.data.jobId).toBe(1)
    scope.done()
  })

  it('renews credentials once on a 401 and retries once', async () => {
    let token = 'old'
    let renewals = 0
    nock(BASE, { reqheaders: { authorization: 'Bearer old' } })
      .get('/x')
      .reply(401)
    nock(BASE, { reqheaders: { authorization: 'Bearer new' } })
      .get('/x')
      .reply(200, { ok: 1 })
    const c = client({
      auth: {
        header: async () => `Bearer ${token}`,
        renew: async () => {
          renewals++
          token = 'new'
          return true
        }
      }
    })
    await expect(c.get('/x')).resolves.toMatchObject({ data: { ok: 1 } })
    nock(BASE).get('/y').times(2).reply(401)
    await expect(c.get('/y')).rejects.toThrow(/401/)
    expect(renewals).toBe(2)
  })

  it('falls back to the standard reason phrase when the server sends none', async () => {
    nock(BASE).get('/x').reply(418, '')
    const error = (await client()
      .get('/x')
      .catch((e: unknown) => e)) as ApiError
    expect(error.reason).toBe("I'm a Teapot")
  })

  it('treats a 200 that is not JSON as a passing fault and reads it again', async () => {
    nock(BASE).get('/x').reply(200, '<html>proxy</html>').get('/x').reply(200, { ok: true })
    await expect(client().get('/x')).resolves.toMatchObject({ data: { ok: true } })
    expect(log.warnings[0]).toMatch(/body the action cannot read \(not JSON: <html>proxy<\/html>\)/)
  })

  it('gives up on a slow answer after the request timeout', async () => {
    nock(BASE).post('/slow').delay(2000).reply(200, {})
    const c = new ApiClient({ baseUrl: BASE, log, clock: systemClock, requestTimeoutMs: 200 })
    const error = (await c.post('/slow', {}).catch((e: unknown) => e)) as ApiError
    expect(error.kind).toBe('timeout')
    expect(error.ambiguous).toBe(true)
  })

  it('reports a connection reset mid-response as a network error, not a hang', async () => {
    nock.enableNetConnect('127.0.0.1')
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' })
      res.write('{"data": {"id"')
      setTimeout(() => res.socket?.destroy(), 10)
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    try {
      const port = (server.address() as AddressInfo).port
      const c = new ApiClient({ baseUrl: `http://127.0.0.1:${port}`, log, clock: systemClock })
      const error = (await c.post('/x', {}).catch((e: unknown) => e)) as ApiError
      expect(error).toBeInstanceOf(ApiError)
      expect(error.kind).toBe('network')
      expect(error.message).toMatch(/^POST \/x failed: network error/)
      expect(error.ambiguous).toBe(true)
    } finally {
      server.close()
      nock.disableNetConnect()
    }
  })

  it('stops at once when aborted', async () => {
    nock(BASE).get('/x').delay(5000).reply(200, {})
    const controller = new AbortController()
    const c = new ApiClient({ baseUrl: BASE, log, clock: systemClock, signal: controller.signal })
    const promise = c.get('/x')
    setTimeout(() => controller.abort(), 50)
    await expect(promise).rejects.toBeInstanceOf(AbortedError)
  })
})
