import { describe, expect, it } from '@jest/globals'
import { systemClock } from '../src/core/clock.js'
import { formatDuration, parseDuration, parseIsoDuration, parseTimestamp } from '../src/core/duration.js'
import { AbortedError, ApiError, errorMessage, InputError } from '../src/core/errors.js'
import { envInputReader, readBoolean, splitList } from '../src/core/inputs.js'
import { backoffDelay, parseRetryAfter, retryDelay } from '../src/http/retry.js'
import { passes, worstStatus } from '../src/core/verdict.js'
import { newReport } from '../src/core/report.js'

describe('parseDuration', () => {
  it.each([
    ['90s', 90_000],
    ['45m', 2_700_000],
    ['2h', 7_200_000],
    ['1h30m', 5_400_000],
    ['1h 30m', 5_400_000],
    ['3600', 3_600_000],
    ['0.5', 500],
    ['500ms', 500],
    [' 2M ', 120_000],
    ['1d', 86_400_000]
  ])('%s is %i ms', (text, ms) => expect(parseDuration(text)).toBe(ms))

  it.each(['', 'soon', '-5', '0', '0s', '1x', 'h1', '5 minutes', '1h-30m'])('rejects %j', (text) =>
    expect(parseDuration(text)).toBeUndefined()
  )
})

describe('formatDuration', () => {
  it.each([
    [400, '0.4s'],
    [6000, '6s'],
    [65_000, '1m 5s'],
    [3_600_000, '1h'],
    [3_723_000, '1h 2m 3s']
  ])('%i ms is %s', (ms, text) => expect(formatDuration(ms)).toBe(text))
})

describe('parseIsoDuration and parseTimestamp', () => {
  it('reads Airbyte durations', () => {
    expect(parseIsoDuration('PT14M12S')).toBe(852_000)
    expect(parseIsoDuration('PT5M')).toBe(300_000)
    expect(parseIsoDuration('P1DT2H')).toBe(93_600_000)
    expect(parseIsoDuration('PT')).toBeUndefined()
    expect(parseIsoDuration('14 minutes')).toBeUndefined()
    expect(parseIsoDuration(undefined)).toBeUndefined()
  })

  it('reads timestamps without seconds and with microseconds', () => {
    expect(parseTimestamp('2026-08-21T12:00Z')).toBe(Date.UTC(2026, 7, 21, 12, 0, 0))
    expect(parseTimestamp('2024-03-17T12:31:40.870504Z')).toBe(Date.UTC(2024, 2, 17, 12, 31, 40, 870))
    expect(parseTimestamp('nope')).toBeUndefined()
    expect(parseTimestamp(null)).toBeUndefined()
  })
})

describe('retry arithmetic', () => {
  it('backs off exponentially with jitter, capped', () => {
    expect(backoffDelay(1, { random: () => 0 })).toBe(500)
    expect(backoffDelay(1, { random: () => 1 })).toBe(1000)
    expect(backoffDelay(3, { random: () => 1 })).toBe(4000)
    expect(backoffDelay(20, { random: () => 1 })).toBe(30_000)
  })

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.UTC(2026, 10, 23, 12, 0, 0)
    expect(parseRetryAfter('3', now)).toBe(3000)
    expect(parseRetryAfter('Mon, 23 Nov 2026 12:00:05 GMT', now)).toBe(5000)
    expect(parseRetryAfter(undefined, now)).toBeUndefined()
    expect(parseRetryAfter('soon', now)).toBeUndefined()
  })

  it('reads a Retry-After of 0, negative, unparsable or in the past as no advice: the backoff applies, at least 1 s', () => {
    const now = Date.UTC(2026, 10, 23, 12, 0, 0)
    for (const value of ['0', '0.0', '-5', '-1', 'Mon, 23 Nov 2026 11:00:00 GMT', 'soon', '1e3', ''])
      expect(parseRetryAfter(value, now)).toBeUndefined()
    for (let attempt = 1; attempt < 6; attempt++) {
      expect(retryDelay(undefined, attempt)).toBeGreaterThanOrEqual(1000)
      expect(retryDelay(0, attempt)).toBeGreaterThanOrEqual(1000)
    }
    expect(retryDelay(4000, 1)).toBe(4000)
  })
})

describe('inputs', () => {
  it('prefers the input to the env fallback, and trims', () => {
    const read = envInputReader({ INPUT_CONNECTOR_ID: ' abc ', CONNECTOR_ID: 'env', SCHEMA: 'public' })
    expect(read('connector_id', 'CONNECTOR_ID')).toBe('abc')
    expect(read('schema', 'SCHEMA')).toBe('public')
    expect(read('table', 'TABLE')).toBe('')
  })

  it('accepts booleans in any case and names a bad one', () => {
    const problems: string[] = []
    const read = envInputReader({ INPUT_A: 'TRUE', INPUT_B: 'False', INPUT_C: 'yes' })
    expect(readBoolean(read, 'a', problems)).toBe(true)
    expect(readBoolean(read, 'b', problems)).toBe(false)
    expect(readBoolean(read, 'c', problems)).toBeUndefined()
    expect(readBoolean(read, 'd', problems)).toBeUndefined()
    expect(problems).toEqual(['c must be true or false, got "yes"'])
  })

  it('splits lists on commas and newlines', () => {
    expect(splitList('a, b\nc,,\n ')).toEqual(['a', 'b', 'c'])
  })
})

describe('errors', () => {
  it('lists every input problem', () => {
    expect(new InputError(['a is bad']).message).toBe('Invalid input: a is bad')
    expect(new InputError(['a is bad', 'b is bad']).message).toBe('Invalid inputs:\n  - a is bad\n  - b is bad')
  })

  it('never says [object Object]', () => {
    expect(errorMessage({ code: 1 })).toBe('{"code":1}')
    expect(errorMessage('plain')).toBe('plain')
    expect(errorMessage(new Error('boom'))).toBe('boom')
  })

  it('classifies failures for retrying and for lost answers', () => {
    const http = (status: number) => new ApiError({ kind: 'http', request: 'GET /x', status, reason: 'R' })
    expect(http(503).transient).toBe(true)
    expect(http(429).transient).toBe(true)
    expect(http(404).transient).toBe(false)
    expect(http(429).certainlyNotProcessed).toBe(true)
    expect(http(500).ambiguous).toBe(true)
    expect(http(400).ambiguous).toBe(false)
    const refused = new ApiError({ kind: 'network', request: 'POST /x', cause: 'ECONNREFUSED' })
    expect(refused.certainlyNotProcessed).toBe(true)
    expect(refused.ambiguous).toBe(false)
    const reset = new ApiError({ kind: 'network', request: 'POST /x', cause: 'ECONNRESET' })
    expect(reset.ambiguous).toBe(true)
    expect(new ApiError({ kind: 'timeout', request: 'POST /x' }).ambiguous).toBe(true)
  })

  it('describes an HTTP error with status, reason and the provider message', () => {
    const e = new ApiError({
      kind: 'http',
      request: 'GET /v1/x',
      status: 404,
      reason: 'Not Found',
      providerCode: 'NotFound',
      providerMessage: 'gone'
    })
    expect(e.message).toBe('GET /v1/x failed with HTTP 404 Not Found [NotFound]: gone')
  })
})

describe('verdicts', () => {
  const report = (fields: object) => Object.assign(newReport('p', 'A', 't'), fields)
  const wait = { wait: true, warningsPass: false }

  it('passes a waiting action only on succeeded, or warning where warnings pass', () => {
    expect(passes(report({ status: 'succeeded' }), 'wait', wait)).toBe(true)
    for (const status of ['failed', 'cancelled', 'timed_out', 'warning', 'running', 'unknown', 'paused', 'rescheduled']) {
      expect(passes(report({ status }), 'wait', wait)).toBe(false)
    }
    expect(passes(report({ status: 'warning' }), 'wait', { wait: true, warningsPass: true })).toBe(true)
  })

  it('passes wait: false once the job started', () => {
    expect(passes(report({ status: 'running', jobId: '1' }), 'wait', { wait: false, warningsPass: false })).toBe(true)
    expect(passes(report({ status: 'running' }), 'wait', { wait: false, warningsPass: false })).toBe(false)
  })

  it('fails STATUS and CANCEL only on errors, TEST only on failed tests', () => {
    expect(passes(report({ status: 'failed' }), 'report', wait)).toBe(true)
    expect(passes(report({ status: 'succeeded', error: 'HTTP 500' }), 'report', wait)).toBe(false)
    expect(passes(report({ status: 'warning' }), 'test', wait)).toBe(true)
    expect(passes(report({ status: 'failed' }), 'test', wait)).toBe(false)
  })

  it('takes the worst status of several', () => {
    expect(worstStatus(['succeeded', 'running', undefined])).toBe('running')
    expect(worstStatus(['succeeded', 'failed', 'timed_out'])).toBe('failed')
    expect(worstStatus(['succeeded', 'warning'])).toBe('warning')
    expect(worstStatus([undefined])).toBeUndefined()
  })
})

describe('systemClock.sleep (timers/promises)', () => {
  it('resolves after the time asked for', async () => {
    const start = Date.now()
    await systemClock.sleep(30)
    expect(Date.now() - start).toBeGreaterThanOrEqual(25)
  })

  it('rejects with AbortedError as soon as the signal aborts, and at once when it already has', async () => {
    const controller = new AbortController()
    const start = Date.now()
    setTimeout(() => controller.abort(), 20)
    await expect(systemClock.sleep(60_000, controller.signal)).rejects.toBeInstanceOf(AbortedError)
    expect(Date.now() - start).toBeLessThan(5_000)
    await expect(systemClock.sleep(60_000, controller.signal)).rejects.toBeInstanceOf(AbortedError)
  })
})
