import { afterEach, describe, expect, it } from '@jest/globals'
import nock from 'nock'
import { readFileSync } from 'node:fs'
import { orchestrate } from '../src/core/orchestrator.js'
import { FakeClock } from './fake-clock.js'
import { MemoryIo } from './memory-io.js'
import {
  completionSince,
  normalStatus,
  countSetupTests,
  describeAlerts,
  formatJobId,
  lastCompletion,
  parseJobId,
  readConnection,
  timestampMicros,
  type FivetranConnection
} from '../src/providers/fivetran/model.js'
import { register } from '../src/jobs/run.js'
import { fivetran } from '../src/providers/fivetran/index.js'
import { envInputReader } from '../src/core/inputs.js'
import { readSettings } from '../src/core/settings.js'
import type { InputError } from '../src/core/errors.js'

/** A connection as Fivetran returns it (trimmed from a documented example). */
function connection(fields: Partial<FivetranConnection> & { sync_state?: string; rescheduled_for?: string } = {}): FivetranConnection {
  const { sync_state = 'scheduled', rescheduled_for, ...rest } = fields
  return {
    id: 'cropping_limitation',
    schema: 'demo.subscription_periods',
    paused: false,
    schedule_type: 'manual',
    succeeded_at: '2023-01-05T18:12:49.562Z',
    failed_at: null,
    status: { setup_state: 'connected', sync_state, update_state: 'on_schedule', rescheduled_for, tasks: [], warnings: [] },
    ...rest
  }
}

const BASELINE = '2023-01-05T18:12:49.562Z'

describe('completion detection', () => {
  it('is not done while nothing ended after the baseline', () => {
    expect(completionSince(connection(), BASELINE)).toBeUndefined()
    expect(completionSince(connection({ sync_state: 'syncing' }), BASELINE)).toBeUndefined()
  })

  it('succeeds on a newer succeeded_at', () => {
    expect(completionSince(connection({ succeeded_at: '2023-01-05T18:20:00.000Z' }), BASELINE)).toEqual({
      outcome: 'succeeded',
      at: '2023-01-05T18:20:00.000Z'
    })
  })

  it('fails on a newer failed_at', () => {
    expect(completionSince(connection({ failed_at: '2023-01-05T18:20:00.000Z' }), BASELINE)?.outcome).toBe('failed')
  })

  it('lets the newer of the two decide, so an old failed_at cannot fail a new success', () => {
    const c = connection({ failed_at: '2023-01-05T18:15:00.000Z', succeeded_at: '2023-01-05T18:20:00.000Z' })
    expect(completionSince(c, BASELINE)?.outcome).toBe('succeeded')
    const stale = connection({ succeeded_at: '2023-01-05T18:20:00.000Z', failed_at: '2023-01-04T00:00:00.000Z' })
    expect(completionSince(stale, BASELINE)?.outcome).toBe('succeeded')
  })

  it('waits while still syncing, though a forced restart stamped failed_at', () => {
    expect(completionSince(connection({ failed_at: '2023-01-05T18:15:00Z', sync_state: 'syncing' }), BASELINE)).toBeUndefined()
  })

  it('compares microseconds, not just milliseconds', () => {
    const base = '2024-03-17T12:31:40.870504Z'
    expect(completionSince(connection({ succeeded_at: '2024-03-17T12:31:40.870505Z' }), base)?.outcome).toBe('succeeded')
    expect(completionSince(connection({ succeeded_at: base }), base)).toBeUndefined()
    expect(timestampMicros('2024-03-17T12:31:40.870504Z')! - timestampMicros('2024-03-17T12:31:40.870Z')!).toBe(504)
  })

  it('treats any completion as new when there was no baseline', () => {
    expect(completionSince(connection(), null)?.outcome).toBe('succeeded')
    expect(completionSince(connection({ succeeded_at: null }), null)).toBeUndefined()
  })
})

describe('baselines and job ids', () => {
  it("takes the newer timestamp, keeping Fivetran's own text", () => {
    expect(lastCompletion(connection({ failed_at: '2024-03-17T12:31:40.870504Z' }))).toBe('2024-03-17T12:31:40.870504Z')
    expect(lastCompletion(connection())).toBe(BASELINE)
    expect(lastCompletion(connection({ succeeded_at: null }))).toBeNull()
  })

  it('round-trips CONNECTOR_ID@BASELINE', () => {
    expect(formatJobId('shrank_paparazzi', BASELINE)).toBe(`shrank_paparazzi@${BASELINE}`)
    expect(parseJobId(`shrank_paparazzi@${BASELINE}`)).toEqual({ connectorId: 'shrank_paparazzi', baseline: BASELINE })
    expect(parseJobId('shrank_paparazzi@none')).toEqual({ connectorId: 'shrank_paparazzi', baseline: null })
    for (const bad of ['shrank_paparazzi', '@none', 'a b@none', 'x@yesterday', '12345']) expect(parseJobId(bad)).toBeUndefined()
  })
})

describe('STATUS mapping', () => {
  it.each([
    [{ sync_state: 'syncing' }, 'running'],
    [{ paused: true }, 'paused'],
    [{ sync_state: 'paused' }, 'paused'],
    [{ sync_state: 'rescheduled' }, 'rescheduled'],
    [{}, 'succeeded'],
    [{ failed_at: '2023-02-01T00:00:00Z' }, 'failed'],
    [{ succeeded_at: null }, 'unknown']
  ] as const)('%j is %s', (fields, status) => {
    expect(normalStatus(connection(fields as Partial<FivetranConnection>))).toBe(status)
  })
})

describe('setup tests and alerts', () => {
  it('counts FAILED and JOB_FAILED as failures and WARNING apart', () => {
    expect(
      countSetupTests([
        { title: 'a', status: 'PASSED' },
        { title: 'b', status: 'FAILED' },
        { title: 'c', status: 'JOB_FAILED' },
        { title: 'd', status: 'WARNING' },
        { title: 'e', status: 'SKIPPED' }
      ])
    ).toEqual({ passed: 1, failed: 2, warning: 1, skipped: 1 })
  })

  it('describes alerts on one line each', () => {
    expect(
      describeAlerts([
        { code: 'reconnect', message: 'Reconnect' },
        { code: 'resync_table_warning', message: 'Resync Table Warning', details: 'orders' }
      ])
    ).toEqual(['reconnect: Reconnect', 'resync_table_warning: Resync Table Warning (orders)'])
  })
})

describe('reading a connection', () => {
  it('takes data out of the envelope', () => {
    expect(readConnection({ code: 'Success', data: connection() }, 'GET /x').id).toBe('cropping_limitation')
  })

  it('calls a 200 without the fields it decides on a malformed answer', () => {
    expect(() => readConnection({ code: 'Success', data: { id: 'x' } }, 'GET /x')).toThrow(
      /GET \/x answered with a body the action cannot read \(the answer lacks status.sync_state, succeeded_at, failed_at\)/
    )
    expect(() => readConnection(undefined, 'GET /x')).toThrow(/lacks data/)
  })
})

describe('fivetran settings', () => {
  const providers = { fivetran: register(fivetran) }
  const read = (env: Record<string, string>) => readSettings(envInputReader(env), providers)
  const problems = (env: Record<string, string>): string[] => {
    try {
      read(env)
      return []
    } catch (error) {
      return (error as InputError).problems
    }
  }
  const base = { INPUT_PROVIDER: 'Fivetran', INPUT_API_KEY: 'k', INPUT_API_SECRET: 's' }

  it('applies the defaults the action.yml cannot declare', () => {
    const s = read({ ...base, INPUT_CONNECTOR_ID: 'a' })
    expect(s.common).toMatchObject({
      action: 'START',
      wait: true,
      timeoutMs: 3_600_000,
      pollIntervalMs: 30_000,
      baseUrl: 'https://api.fivetran.com/v1'
    })
  })

  it('maps SYNC to START and reads DataOps env names', () => {
    const s = read({
      INPUT_PROVIDER: 'fivetran',
      FIVETRAN_ACTION: 'sync',
      CONNECTOR_ID: 'a,b',
      FIVETRAN_API_KEY: 'k',
      FIVETRAN_API_SECRET: 's',
      FIVETRAN_DONT_DISABLE_SYNC: 'anything'
    })
    expect(s.common.action).toBe('START')
    expect(s.step.settings).toMatchObject({ connectorIds: ['a', 'b'], dontDisableSync: true })
  })

  it('reads FIVETRAN_DONT_DISABLE_SYNC=false as not set', () => {
    expect(read({ ...base, INPUT_CONNECTOR_ID: 'a', FIVETRAN_DONT_DISABLE_SYNC: 'false' }).step.settings).toMatchObject({
      dontDisableSync: false
    })
  })

  it('takes the connector from a WAIT job_id, and checks that both agree', () => {
    expect(read({ ...base, INPUT_ACTION: 'WAIT', INPUT_JOB_ID: 'a@none' }).step.settings).toMatchObject({
      connectorIds: ['a'],
      job: { connectorId: 'a', baseline: null }
    })
    expect(problems({ ...base, INPUT_ACTION: 'WAIT', INPUT_JOB_ID: 'a@none', INPUT_CONNECTOR_ID: 'b' })).toEqual([
      'connector_id "b" does not match the connector of job_id ("a")'
    ])
  })

  it('reports every problem at once', () => {
    expect(problems({ INPUT_PROVIDER: 'fivetran', INPUT_ACTION: 'FORCE_RESYNC', INPUT_TIMEOUT: 'x', INPUT_WAIT: 'maybe' })).toEqual([
      'wait must be true or false, got "maybe"',
      'timeout must be a duration such as 90s, 45m, 2h, 1h30m or a number of seconds, got "x"',
      'connector_id is required (or the CONNECTOR_ID env variable): the Fivetran connection id, e.g. shrank_paparazzi',
      'api_key is required (or the FIVETRAN_API_KEY env variable): a Fivetran API key',
      "api_secret is required (or the FIVETRAN_API_SECRET env variable): the API key's secret",
      'schema is required for FORCE_RESYNC (or the SCHEMA env variable): the source schema of the tables',
      'table is required for FORCE_RESYNC (or the TABLE env variable): one or more table names, comma-separated'
    ])
  })

  it('names a bad provider, action and base_url', () => {
    expect(problems({ INPUT_PROVIDER: 'stitch' })).toEqual(['provider must be one of fivetran, got "stitch"'])
    expect(problems({ ...base, INPUT_CONNECTOR_ID: 'a', INPUT_ACTION: 'go' })[0]).toMatch(
      /^action must be one of STATUS, START, TEST, FORCE_RESYNC, WAIT, SYNC for fivetran, got "GO"/
    )
    expect(problems({ ...base, INPUT_CONNECTOR_ID: 'a', INPUT_BASE_URL: 'ftp://x' })).toEqual([
      'base_url must start with https:// or http://, got "ftp://x"'
    ])
    expect(problems({ ...base, INPUT_CONNECTOR_ID: 'a', INPUT_BASE_URL: 'not a url' })[0]).toMatch(/^base_url must be an http\(s\) URL/)
  })
})

describe('fivetran through the orchestrator (nock)', () => {
  const BASE = 'https://api.fivetran.com/v1'
  const run = async (values: Record<string, string>) => {
    const io = new MemoryIo()
    const result = await orchestrate({
      io,
      read: (name) => ({ provider: 'fivetran', api_key: 'key-1234', api_secret: 'secret-1234', ...values })[name] ?? '',
      clock: new FakeClock(),
      providers: { fivetran: register(fivetran) }
    })
    return { io, result }
  }
  afterEach(() => nock.cleanAll())

  it('STATUS of a connector whose last sync failed says so in words, never "is failed"', async () => {
    const failedLast = connection({ succeeded_at: '2023-01-01T00:00:00Z', failed_at: BASELINE })
    nock(BASE).get('/connections/cropping_limitation').reply(200, { code: 'Success', data: failedLast })
    const { io } = await run({ action: 'STATUS', connector_id: 'cropping_limitation' })
    expect(io.lines.join('\n')).toContain('Connector cropping_limitation is idle; its last sync failed (sync_state scheduled).')
    expect(io.lines.join('\n')).not.toMatch(/is failed/)
  })

  it('START with wait: false shows the schedule as it is after the switch to manual', async () => {
    const auto = connection({ schedule_type: 'auto' })
    nock(BASE)
      .get('/connections/cropping_limitation')
      .reply(200, { code: 'Success', data: auto })
      .patch('/connections/cropping_limitation')
      .reply(200, { code: 'Success', data: { ...auto, schedule_type: 'manual' } })
      .post('/connections/cropping_limitation/sync')
      .reply(200, { code: 'Success', message: 'Sync has been successfully triggered' })
    const { io, result } = await run({ action: 'START', connector_id: 'cropping_limitation', wait: 'false' })
    expect(result.exitCode).toBe(0)
    expect(io.summary).toContain('| Schedule type | manual |')
    expect(nock.isDone()).toBe(true)
  })

  it("TEST's provider_status is the setup_state, as action.yml says", async () => {
    const tested = {
      ...connection(),
      status: { ...connection().status, setup_state: 'broken' },
      setup_tests: [{ title: 'Host', status: 'FAILED', message: 'no route' }]
    }
    nock(BASE).post('/connections/cropping_limitation/test').reply(200, { code: 'Success', data: tested })
    const { io } = await run({ action: 'TEST', connector_id: 'cropping_limitation' })
    expect(io.outputs.provider_status).toBe('broken')
    expect(readFileSync(new URL('../action.yml', import.meta.url), 'utf8')).toMatch(
      /provider_status:\n\s+description: .*setup_state for TEST/
    )
  })
})
