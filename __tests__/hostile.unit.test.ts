// Issue 10, in process: the shared layers that keep a hostile or broken provider harmless (text, outputs, summary,
// secrets, durations, the HTTP exchange and proxies). The same behaviours run through the bundle in hostile-suite.ts.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import nock from 'nock'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import type { ApiError } from '../src/core/errors.js'
import { ApiClient, MAX_BODY_BYTES } from '../src/http/client.js'
import { orchestrate, outputsFor } from '../src/core/orchestrator.js'
import type { RegisteredProvider } from '../src/providers/types.js'
import { fakeProvider, idsFake, inputsOf, type FakeSpec } from './fake-provider.js'
import { readTriggeredRunId } from '../src/providers/hightouch/model.js'
import { providers as registry } from '../src/providers/registry.js'
import { newReport, setFact } from '../src/core/report.js'
import { MAX_DURATION_TEXT, readSettings } from '../src/core/settings.js'
import { escapeMarkdown, renderSummary } from '../src/core/summary.js'
import { MAX_RESULT_CHARS, boundedJson, logExcerpt, neutraliseLog, oneLine } from '../src/core/text.js'
import { FakeClock } from './fake-clock.js'
import { MemoryIo } from './memory-io.js'

const HOSTILE = '\n::error title=forged::PWNED\r::add-mask::Triggered\n  ::stop-commands::tok1\n##[set-output name=status;]ok'

function deep(depth: number): unknown {
  let value: unknown = []
  for (let i = 0; i < depth; i++) value = [value]
  return value
}

/** A provider that says whatever its `say` setting holds, everywhere a provider can. */
function hostileProvider(say: string, extra: Partial<FakeSpec<{ ids: string[]; key: string }>> = {}): Record<string, RegisteredProvider> {
  const provider: FakeSpec<{ ids: string[]; key: string }> = {
    ...idsFake,
    actions: { SYNC: 'wait', STATUS: 'report' },
    inputs: [{ name: 'ids' }, { name: 'api_key', secret: true }],
    readSettings: (read) => ({ ids: read('ids').split(','), key: read('api_key') }),
    secrets: (s) => [s.key],
    async run(ctx) {
      ctx.log.info(`status is ${say}`)
      ctx.log.warning(`odd ${say}`)
      await ctx.log.group(`Reading ${say}`, async () => undefined)
      ctx.report.jobId = '42'
      ctx.report.status = ctx.target.startsWith('bad') ? 'failed' : 'succeeded'
      ctx.report.providerStatus = `done${say}`
      ctx.report.targetName = say
      ctx.report.result = { deep: deep(5000), text: say }
      setFact(ctx.report, 'Message', say)
      ctx.report.tables.push({ title: say, header: ['A'], rows: [[say]] })
      ctx.report.message = `ended ${say}`
    },
    ...extra
  }
  return { fake: fakeProvider(provider) }
}

describe('provider text is never a workflow command', () => {
  it('neutralises `::` at the start of any line (after spaces too), CR as a line break, and `##[` anywhere', () => {
    const lines = neutraliseLog(`ok${HOSTILE}`).split('\n')
    expect(lines).toHaveLength(5)
    for (const line of lines) {
      expect(line).not.toMatch(/^\s*::/)
      expect(line).not.toContain('##[')
    }
    expect(lines[1]).toBe(':\u200b:error title=forged::PWNED')
    expect(neutraliseLog('a :: b')).toBe('a :: b')
  })

  it('every log line of a run, whatever the provider said, is neutralised on the way out', async () => {
    const io = new MemoryIo()
    await orchestrate({ io, read: inputsOf({ provider: 'fake', api_key: 'the-key', ids: 'one' }), providers: hostileProvider(HOSTILE) })
    for (const line of io.lines.flatMap((l) => l.split('\n'))) {
      expect(line.replace(/^(warning|error|debug|group): /, '')).not.toMatch(/^\s*::|##\[/)
    }
    expect(io.lines.join('\n')).toContain('PWNED')
  })

  it('a Hightouch run id must be a whole number before it can become job_id', () => {
    expect(readTriggeredRunId({ id: 693970492 })).toBe('693970492')
    expect(readTriggeredRunId({ id: '693970492' })).toBe('693970492')
    for (const id of ['42\n::set-output name=status::succeeded', '42; rm -rf /', '$(id)', ' 42', '4.2', -1, 1e300, null]) {
      expect(readTriggeredRunId({ id })).toBeUndefined()
    }
  })

  it('outputs are one line each, whatever the provider sent', () => {
    const r = newReport('fake', 'SYNC', 't')
    r.jobId = '1'
    r.providerStatus = `ok${HOSTILE}`
    r.error = `bad${HOSTILE}`
    const outputs = outputsFor([r], false)
    for (const value of Object.values(outputs)) expect(value).not.toMatch(/[\r\n]/)
    expect(outputs.provider_status).toBe(oneLine(`ok${HOSTILE}`))
  })
})

describe('outputs survive any JSON', () => {
  it('a result nested 5,000 deep (JSON.stringify overflows the stack) becomes a small JSON note; every output is set', async () => {
    expect(() => JSON.stringify(deep(5000))).toThrow(RangeError)
    const io = new MemoryIo()
    const result = await orchestrate({
      io,
      read: inputsOf({ provider: 'fake', api_key: 'the-key', ids: 'one' }),
      providers: hostileProvider('x')
    })
    expect(result.exitCode).toBe(0)
    expect(io.outputs).toMatchObject({ job_id: '42', status: 'succeeded' })
    expect(JSON.parse(io.outputs.result)).toEqual({ truncated: true, note: expect.stringMatching(/nested too deeply/) })
    expect(io.summary).toContain('succeeded')
  })

  it('a huge result is cut well under 1 MB, as valid JSON saying it was cut', () => {
    const text = boundedJson({ big: 'y'.repeat(3_000_000) })
    expect(text.length).toBeLessThanOrEqual(MAX_RESULT_CHARS)
    expect(MAX_RESULT_CHARS).toBeLessThan((1024 * 1024) / 4)
    expect(JSON.parse(text)).toMatchObject({
      truncated: true,
      note: expect.stringMatching(/cut/),
      excerpt: expect.stringMatching(/^\{"big":"yyy/)
    })
    expect(boundedJson({ small: 1 })).toBe('{"small":1}')
  })

  it('STATUS logs a bounded excerpt, never a whole body', () => {
    const excerpt = logExcerpt({ data: 'z'.repeat(10_000_000) })
    expect(excerpt.length).toBeLessThan(5000)
    expect(excerpt).toMatch(/cut for the log/)
  })
})

describe('the summary shows provider text as text', () => {
  it('escapes HTML, links, images, pipes, emphasis, autolinks and line breaks', () => {
    const text = escapeMarkdown(
      '<img src=x> [a](https://evil.example) ![i](https://evil.example/i.png) a|b *c* www.evil.example x@evil.example\n### H'
    )
    expect(text).not.toMatch(/<img|(^|[^\\])\]\(|(^|[^\\])\||(^|[^\\])\*|https:\/\/|[^\\]@/)
    expect(text).toContain('&lt;img src=x&gt;')
    expect(text).toContain('<br>\\#\\#\\# H')
  })

  it('in every place a provider string reaches: target name, status, facts, tables, messages; only the job link is a link', async () => {
    const io = new MemoryIo()
    const say = ' <img src=x> [c](https://evil.example/a) | x\n### Forged'
    await orchestrate({ io, read: inputsOf({ provider: 'fake', api_key: 'the-key', ids: 'one' }), providers: hostileProvider(say) })
    expect(io.summary).not.toMatch(/<img|\]\(https:\/\/evil/)
    expect(io.summary.split('\n').filter((l) => l.startsWith('#'))).toHaveLength(1)
    // Every table row keeps its two cells: no provider pipe split one.
    for (const row of io.summary.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| A'))) {
      expect(row.replace(/\\\|/g, '').match(/\|/g)?.length ?? 0).toBeLessThanOrEqual(3)
    }
  })

  it('icons follow the verdict: a STATUS that passes is never headed or listed with ❌', () => {
    const failedJob = (target: string) => ({ report: { ...newReport('fake', 'STATUS', target), status: 'failed' as const }, passed: true })
    const one = renderSummary('Fake', 'Thing', [failedJob('a')])
    expect(one.split('\n')[0]).not.toContain('❌')
    const two = renderSummary('Fake', 'Thing', [failedJob('a'), failedJob('b')])
    expect(two).toContain('✅ Fake STATUS: 2 targets, 2 passed, 0 failed')
    expect(two).not.toContain('❌')
    const failing = renderSummary('Fake', 'Thing', [{ report: { ...newReport('fake', 'SYNC', 'a'), status: 'succeeded' }, passed: false }])
    expect(failing.split('\n')[0]).toContain('❌')
  })
})

describe('every credential is masked', () => {
  it('refuses a secret too short to redact safely, naming the input, before any request', async () => {
    const io = new MemoryIo()
    let ran = false
    const result = await orchestrate({
      io,
      read: inputsOf({ provider: 'fake', api_key: 'e', ids: 'one' }),
      providers: hostileProvider('x', { run: async () => void (ran = true) })
    })
    expect(result.exitCode).toBe(1)
    expect(ran).toBe(false)
    expect(io.errors[0]).toMatch(/^Invalid input: api_key is shorter than 4 characters/)
  })

  it('redacts a secret and a token obtained later in every form (as is, URL-encoded, base64, JSON-escaped), and masks each', async () => {
    const token = 'tok/+"en=1234'
    const io = new MemoryIo()
    const forms = [token, encodeURIComponent(token), Buffer.from(token).toString('base64'), JSON.stringify(token).slice(1, -1)]
    await orchestrate({
      io,
      read: inputsOf({ provider: 'fake', api_key: 'key-abcdef', ids: 'one,two' }),
      providers: hostileProvider('x', {
        async run(ctx) {
          ctx.log.setSecret?.(token)
          ctx.log.info(`sent ${forms.join(' ')} and ${Buffer.from('key-abcdef').toString('base64')}`)
          ctx.report.status = 'failed'
          ctx.report.error = `echoed Bearer ${token}`
        }
      })
    })
    const everything = `${io.lines.join('\n')}\n${io.summary}\n${JSON.stringify(io.outputs)}`
    for (const form of [...forms, 'key-abcdef']) expect(everything).not.toContain(form)
    for (const form of forms) expect(io.secrets).toContain(form)
    expect(JSON.parse(io.outputs.results)).toHaveLength(2)
  })

  it('a target that failed on its job status carries the reason as error in results (several targets)', async () => {
    const io = new MemoryIo()
    await orchestrate({ io, read: inputsOf({ provider: 'fake', api_key: 'the-key', ids: 'ok,bad' }), providers: hostileProvider('x') })
    const results = JSON.parse(io.outputs.results) as { error?: string }[]
    expect(results[0].error).toBeUndefined()
    expect(results[1].error).toBe('ended x')
  })

  it('the hard stop: a provider still busy well after the timeout is left behind, and the outputs still come', async () => {
    const io = new MemoryIo()
    const clock = new FakeClock()
    const result = await orchestrate({
      io,
      clock,
      read: inputsOf({ provider: 'fake', api_key: 'the-key', ids: 'one', timeout: '1m' }),
      providers: hostileProvider('x', {
        run(ctx) {
          ctx.report.jobId = '7'
          ctx.report.status = 'running'
          clock.time += 120_000
          return new Promise(() => undefined)
        }
      })
    })
    expect(result.exitCode).toBe(1)
    expect(io.outputs).toMatchObject({ job_id: '7', status: 'timed_out' })
    expect(io.errors[0]).toMatch(/still busy 4s after the timeout/)
  })
})

describe('durations a timer can hold', () => {
  it(`refuses timeout, poll_interval and request_timeout of 2^31 ms or more, naming the input and ${MAX_DURATION_TEXT}`, () => {
    const values = {
      provider: 'hightouch',
      api_key: 'k-1234',
      sync_id: '1',
      timeout: '30d',
      poll_interval: '1000000000',
      request_timeout: '25d'
    }
    expect(() => readSettings(inputsOf(values), registry)).toThrow(
      /timeout must be at most 24d20h31m23s .*got "30d"[\s\S]*poll_interval must be at most 24d20h31m23s .*got "1000000000"[\s\S]*request_timeout must be at most/
    )
    expect(
      readSettings(inputsOf({ ...values, timeout: MAX_DURATION_TEXT, poll_interval: '30s', request_timeout: '30s' }), registry).common
        .timeoutMs
    ).toBe(2147483000)
  })
})

describe('the HTTP exchange', () => {
  const BASE = 'https://api.example.test/v1'
  const log = {
    warnings: [] as string[],
    secrets: [] as string[],
    warning(m: string) {
      this.warnings.push(m)
    },
    debug() {},
    setSecret(v: string) {
      this.secrets.push(v)
    }
  }
  afterEach(() => {
    nock.cleanAll()
    log.warnings = []
    log.secrets = []
  })
  const client = (extra: Partial<ConstructorParameters<typeof ApiClient>[0]> = {}) =>
    new ApiClient({ baseUrl: BASE, log, clock: new FakeClock(), deadline: new FakeClock().now() + 600_000, ...extra })

  it('follows no redirect: a 3xx fails naming the status and the Location host, and nothing else is sent', async () => {
    nock(BASE).post('/token').reply(302, '', { Location: 'https://elsewhere.example:8443/v1/token' })
    const error = (await client()
      .post('token', { client_secret: 's' })
      .catch((e: unknown) => e)) as ApiError
    expect(error.message).toMatch(/HTTP 302 Found, a redirect to elsewhere\.example:8443: the action follows no redirect/)
    expect(error.transient).toBe(false)
    expect(error.ambiguous).toBe(false)
    expect(nock.isDone()).toBe(true)
  })

  it('a Retry-After of 0 waits the backoff, at least a second', async () => {
    nock(BASE).get('/x').reply(503, {}, { 'Retry-After': '0' }).get('/x').reply(200, { ok: true })
    const clock = new FakeClock()
    await client({ clock, deadline: clock.now() + 60_000 }).get('x')
    expect(clock.sleeps).toHaveLength(1)
    expect(clock.sleeps[0]).toBeGreaterThanOrEqual(1000)
  })

  it(`a body over ${MAX_BODY_BYTES / 1024 / 1024} MB is "response larger than 2 MB", not a network error`, async () => {
    nock(BASE)
      .get('/x')
      .reply(200, 'x'.repeat(MAX_BODY_BYTES + 10))
    const error = (await client()
      .get('x', { maxAttempts: 1 })
      .catch((e: unknown) => e)) as ApiError
    expect(error.kind).toBe('malformed')
    expect(error.message).toMatch(/response larger than 2 MB/)
  })

  it('masks the credential of every Authorization header before it is sent', async () => {
    nock(BASE).get('/x').reply(200, {})
    await client({ auth: { header: async () => 'Bearer fresh-token-1' } }).get('x')
    expect(log.secrets).toEqual(['fresh-token-1'])
  })
})

describe('real sockets: timeouts and proxies', () => {
  let server: Server
  let port: number
  const seen: { method: string; url: string }[] = []
  const sockets = new Set<Socket>()
  const closed: number[] = []
  let connectStatus = 407

  beforeAll(async () => {
    // Real sockets, with no interceptor in the way (nock reads the Host header of a proxied request as its target).
    nock.restore()
    server = createServer((req: IncomingMessage, res) => {
      seen.push({ method: req.method ?? '', url: req.url ?? '' })
      if (req.url?.includes('/trickle')) {
        // Headers a byte at a time, never finished.
        const head = 'HTTP/1.1 200 OK\r\nx-pad: ' + 'a'.repeat(1000)
        let i = 0
        const timer = setInterval(() => (req.socket.destroyed ? clearInterval(timer) : req.socket.write(head[i++])), 50)
        req.socket.on('close', () => {
          clearInterval(timer)
          closed.push(Date.now())
        })
        return
      }
      // As a forward proxy for plain http: answer itself.
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ via: 'proxy', url: req.url }))
    })
    server.on('connection', (s: Socket) => sockets.add(s))
    server.on('connect', (req: IncomingMessage, socket: Socket) => {
      seen.push({ method: 'CONNECT', url: req.url ?? '' })
      socket.end(`HTTP/1.1 ${connectStatus} ${connectStatus === 407 ? 'Proxy Authentication Required' : 'Forbidden'}\r\n\r\n`)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    port = (server.address() as AddressInfo).port
  })
  afterAll(async () => {
    nock.activate()
    for (const s of sockets) s.destroy()
    await new Promise((resolve) => server.close(resolve))
    delete process.env.HTTP_PROXY
    delete process.env.HTTPS_PROXY
    delete process.env.NO_PROXY
  })
  afterEach(() => {
    seen.length = 0
    delete process.env.HTTP_PROXY
    delete process.env.HTTPS_PROXY
    delete process.env.NO_PROXY
  })
  const log = { warning() {}, debug() {} }

  it('trickled headers: the request ends at request_timeout and its socket is destroyed', async () => {
    const started = Date.now()
    const api = new ApiClient({ baseUrl: `http://127.0.0.1:${port}`, log, requestTimeoutMs: 300 })
    const error = (await api.get('trickle', { maxAttempts: 1 }).catch((e: unknown) => e)) as ApiError
    expect(error.kind).toBe('timeout')
    expect(Date.now() - started).toBeLessThan(2000)
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(closed.length).toBeGreaterThan(0)
    expect(closed[closed.length - 1] - started).toBeLessThan(2000)
  })

  it('a plain http:// base URL goes through HTTP_PROXY as an absolute-form request, without CONNECT', async () => {
    process.env.HTTP_PROXY = `http://127.0.0.1:${port}`
    const api = new ApiClient({ baseUrl: 'http://airbyte.internal.test:8000/api/public/v1', log, requestTimeoutMs: 2000 })
    const response = await api.get<{ via: string; url: string }>('jobs/1', { maxAttempts: 1 })
    expect(response.data).toEqual({ via: 'proxy', url: 'http://airbyte.internal.test:8000/api/public/v1/jobs/1' })
    expect(seen.map((s) => s.method)).toEqual(['GET'])
  })

  it.each([407, 403])(
    'a proxy refusing CONNECT with %i says "the proxy refused" and counts as not sent (a trigger is sent once)',
    async (code) => {
      connectStatus = code
      process.env.HTTPS_PROXY = `http://127.0.0.1:${port}`
      const api = new ApiClient({ baseUrl: 'https://api.provider.test/v1', log, requestTimeoutMs: 2000, clock: new FakeClock() })
      const error = (await api.post('syncs/1/trigger', {}).catch((e: unknown) => e)) as ApiError
      expect(error.message).toMatch(
        new RegExp(`was not sent: the proxy refused it \\(HTTP ${code} .*from the proxy 127\\.0\\.0\\.1:${port}\\)`)
      )
      expect(error.kind).toBe('proxy')
      expect(error.notSent).toBe(true)
      expect(error.ambiguous).toBe(false)
      expect(seen).toEqual([{ method: 'CONNECT', url: 'api.provider.test:443' }])
    }
  )

  it('NO_PROXY is respected: a listed host is never sent to the proxy', async () => {
    process.env.HTTP_PROXY = `http://127.0.0.1:${port}`
    process.env.NO_PROXY = '.internal.test'
    const api = new ApiClient({ baseUrl: 'http://airbyte.internal.test:8000/v1', log, requestTimeoutMs: 1000 })
    await api.get('jobs/1', { maxAttempts: 1 }).catch(() => undefined)
    expect(seen).toEqual([])
  })
})
