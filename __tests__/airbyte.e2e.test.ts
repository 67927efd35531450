// A few runs of the bundle (dist/index.js) as the runner runs it, real signals included; every case runs in-process in
// airbyte.inprocess.test.ts (cancellation at a fake instant there). The debug-mode leak checks are in
// reliability-airbyte.e2e.test.ts.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { AIRBYTE_CLIENT_ID, AIRBYTE_CLIENT_SECRET, AIRBYTE_WORKSPACE_ID, AirbyteEmulator, airbyteConnection } from '../emulator/airbyte.js'
import { startEmulator, type Emulator } from '../emulator/server.js'
import { errors, runAction, whenPrinted, type ActionRun } from './harness.js'

let emulator: Emulator
let airbyteEmulator: AirbyteEmulator

beforeAll(async () => {
  airbyteEmulator = new AirbyteEmulator()
  emulator = await startEmulator({ providers: [airbyteEmulator] })
})
afterAll(async () => {
  await emulator.close()
})
beforeEach(() => emulator.reset())

let n = 0
/** A fresh connection of a scenario, so that no earlier run's jobs are in the way. */
const connection = (scenario: Parameters<typeof airbyteConnection>[0]): string => airbyteConnection(scenario, ++n)

function airbyte(inputs: Record<string, string>, options: Parameters<typeof runAction>[1] = {}): Promise<ActionRun> {
  return runAction(
    {
      provider: 'airbyte',
      client_id: AIRBYTE_CLIENT_ID,
      client_secret: AIRBYTE_CLIENT_SECRET,
      workspace_id: AIRBYTE_WORKSPACE_ID,
      base_url: emulator.baseUrl('airbyte'),
      poll_interval: '1s',
      timeout: '30s',
      ...inputs
    },
    options
  )
}

const requests = (method: string, path: RegExp) =>
  emulator.requests.filter((r) => r.provider === 'airbyte' && r.method === method && path.test(r.path))
const CREATE = /\/api\/public\/v1\/jobs$/
const JOB = /\/api\/public\/v1\/jobs\/\d+$/
const TOKEN = /\/api\/public\/v1\/applications\/token$/
const uiLink = (connectionId: string) => `${emulator.url}/airbyte/workspaces/${AIRBYTE_WORKSPACE_ID}/connections/${connectionId}`

describe('airbyte, run as the runner runs the bundle', () => {
  it('exchanges the client credentials, creates one sync job, waits and reports success', async () => {
    const id = connection('succeeds')
    const run = await airbyte({ action: 'SYNC', connection_id: id })
    expect(run.code).toBe(0)
    expect(run.outputs).toMatchObject({
      status: 'succeeded',
      provider_status: 'succeeded',
      job_id: '12345',
      rows_synced: '12500',
      job_url: uiLink(id)
    })
    const result = JSON.parse(run.outputs.result) as Record<string, unknown>
    expect(result).toMatchObject({ jobId: 12345, status: 'succeeded', bytesSynced: 5_242_880, connectionId: id })

    const [token] = requests('POST', TOKEN)
    expect(token.body).toEqual({ client_id: AIRBYTE_CLIENT_ID, client_secret: AIRBYTE_CLIENT_SECRET, 'grant-type': 'client_credentials' })
    expect(token.headers['content-type']).toBe('application/json')
    expect(token.headers.authorization).toBeUndefined()
    const creates = requests('POST', CREATE)
    expect(creates).toHaveLength(1)
    expect(creates[0].body).toEqual({ connectionId: id, jobType: 'sync' })
    for (const r of [...creates, ...requests('GET', JOB)]) expect(r.headers.authorization).toMatch(/^Bearer ab-access-/)

    expect(run.summary).toContain('Airbyte SYNC')
    expect(run.summary).toContain('**succeeded**')
    expect(run.summary).toContain(`| Connection | \`${id}\` |`)
    expect(run.summary).toContain(`[\`12345\`](${uiLink(id)})`)
    expect(run.summary).toContain('| Job type | sync |')
    expect(run.summary).toMatch(/\| Started \| \d{4}-\d\d-\d\dT/)
    expect(run.summary).toMatch(/\| Duration \| \d+s \|/)
    expect(run.summary).toContain('| Rows synced | 12,500 |')
    expect(run.summary).toContain('| Bytes synced | 5.2 MB (5,242,880 bytes) |')
    // A 1.3 s job is seen to end within a couple of seconds.
    // Timed by the emulator, from the first request to the last: Node's start-up, long on a loaded machine, is not the
    // action's doing (the in-process copy of this case checks the same bound on the fake clock).
    const times = emulator.requests.map((r) => r.at)
    expect(Math.max(...times) - Math.min(...times)).toBeLessThan(5000)
  })

  it('fails a failed job, saying Airbyte gives no reason and where to look', async () => {
    const id = connection('fails')
    const run = await airbyte({ action: 'SYNC', connection_id: id })
    expect(run.code).toBe(1)
    expect(run.outputs).toMatchObject({ status: 'failed', provider_status: 'failed', job_id: '12345', job_url: uiLink(id) })
    const message = errors(run).join('\n')
    expect(message).toContain("Airbyte's public API gives no failure reason")
    expect(message).toContain(`the connection's Timeline in Airbyte: ${uiLink(id)}`)
    expect(run.summary).toContain('**failed**')
  })

  it('on SIGINT mid-wait cancels the job (once), sets status cancelled and exits well inside 7.5 s', async () => {
    let signalledAt = 0
    const run = await airbyte(
      { action: 'SYNC', connection_id: connection('slow'), timeout: '5m' },
      {
        onStart: (child) =>
          whenPrinted(child, /Waiting for/, () =>
            setTimeout(() => {
              signalledAt = Date.now()
              child.kill('SIGINT')
            }, 1000)
          )
      }
    )
    expect(run.code).toBe(1)
    expect(run.outputs).toMatchObject({ status: 'cancelled', job_id: '12345' })
    expect(errors(run).join('\n')).toMatch(/the Airbyte job was cancelled too/)
    expect(airbyteEmulator.cancelledJobIds).toEqual([12345])
    expect(requests('DELETE', JOB)).toHaveLength(1)
    expect(run.elapsedMs - (signalledAt - (Date.now() - run.elapsedMs))).toBeLessThan(7500)
  })

  it('with cancel_on_abort: false leaves the job running', async () => {
    const run = await airbyte(
      { action: 'SYNC', connection_id: connection('slow'), timeout: '5m', cancel_on_abort: 'false' },
      { onStart: (child) => whenPrinted(child, /Waiting for/, () => setTimeout(() => child.kill('SIGINT'), 500)) }
    )
    expect(run.code).toBe(1)
    expect(run.outputs.status).toBe('cancelled')
    expect(errors(run).join('\n')).toMatch(/the Airbyte job goes on \(job 12345\)/)
    expect(requests('DELETE', JOB)).toHaveLength(0)
  })
})
