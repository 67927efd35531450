import { describe, expect, it } from '@jest/globals'
import {
  AIRBYTE_API_KEY,
  AIRBYTE_CLIENT_ID,
  AIRBYTE_CLIENT_SECRET,
  AIRBYTE_WORKSPACE_ID,
  AirbyteEmulator,
  airbyteConnection
} from '../emulator/airbyte.js'
import { errors, warnings, type ActionRun } from './harness.js'
import { inProcessRig, type InProcessOptions } from './in-process.js'

const airbyteEmulator = new AirbyteEmulator()
const rig = inProcessRig(() => [airbyteEmulator])

let n = 0
/** A fresh connection of a scenario, so that no earlier run's jobs are in the way. */
const connection = (scenario: Parameters<typeof airbyteConnection>[0]): string => airbyteConnection(scenario, ++n)

function airbyte(inputs: Record<string, string>, options: InProcessOptions = {}): Promise<ActionRun> {
  return rig.run(
    {
      provider: 'airbyte',
      client_id: AIRBYTE_CLIENT_ID,
      client_secret: AIRBYTE_CLIENT_SECRET,
      workspace_id: AIRBYTE_WORKSPACE_ID,
      base_url: rig.emulator.baseUrl('airbyte'),
      poll_interval: '1s',
      timeout: '30s',
      ...inputs
    },
    options
  )
}

const requests = (method: string, path: RegExp) =>
  rig.emulator.requests.filter((r) => r.provider === 'airbyte' && r.method === method && path.test(r.path))
const CREATE = /\/api\/public\/v1\/jobs$/
const JOB = /\/api\/public\/v1\/jobs\/\d+$/
const TOKEN = /\/api\/public\/v1\/applications\/token$/
const uiLink = (connectionId: string) => `${rig.emulator.url}/airbyte/workspaces/${AIRBYTE_WORKSPACE_ID}/connections/${connectionId}`

describe('airbyte SYNC', () => {
  it('fails a job that someone else cancelled, without cancelling anything itself', async () => {
    const run = await airbyte({ action: 'SYNC', connection_id: connection('cancelled') })
    expect(run.code).toBe(1)
    expect(run.outputs.status).toBe('cancelled')
    expect(errors(run).join('\n')).toMatch(/was cancelled \(not by this action\)/)
    expect(requests('DELETE', JOB)).toHaveLength(0)
  })

  it('waits through queued (Cloud capacity) and succeeds', async () => {
    const run = await airbyte({ action: 'SYNC', connection_id: connection('queued') })
    expect(run.code).toBe(0)
    expect(run.outputs.status).toBe('succeeded')
    expect(run.stdout).toMatch(/job 12345 \(sync\) is queued/)
    expect(run.stdout).toMatch(/Airbyte queued the job/)
    expect(warnings(run)).toEqual([])
  })

  it('waits through incomplete (Airbyte retries the attempt) and succeeds', async () => {
    const run = await airbyte({ action: 'SYNC', connection_id: connection('incomplete') })
    expect(run.code).toBe(0)
    expect(run.outputs.status).toBe('succeeded')
    expect(run.stdout).toMatch(/job 12345 \(sync\) is incomplete/)
  })

  it('RESET sends jobType reset and CLEAR sends clear', async () => {
    const reset = await airbyte({ action: 'reset', connection_id: connection('succeeds') })
    expect(reset.code).toBe(0)
    const clear = await airbyte({ action: 'CLEAR', connection_id: connection('succeeds') })
    expect(clear.code).toBe(0)
    expect(requests('POST', CREATE).map((r) => (r.body as { jobType: string }).jobType)).toEqual(['reset', 'clear'])
    expect(clear.summary).toContain('Airbyte CLEAR')
    expect(clear.summary).toContain('| Job type | clear |')
  })

  it('syncs several connections in one step, sharing one token', async () => {
    const ids = [connection('succeeds'), connection('queued')]
    const run = await airbyte({ action: 'SYNC', connection_id: `${ids[0]},\n${ids[1]}` })
    expect(run.code).toBe(0)
    const results = JSON.parse(run.outputs.results) as { target: string; status: string; job_id: string }[]
    expect(results.map((r) => [r.target, r.status])).toEqual([
      [ids[0], 'succeeded'],
      [ids[1], 'succeeded']
    ])
    expect(new Set(results.map((r) => r.job_id)).size).toBe(2)
    expect(requests('POST', CREATE)).toHaveLength(2)
    expect(requests('POST', TOKEN).length).toBeLessThan(requests('GET', JOB).length + 2)
  })

  it('backs off through 429 without Retry-After while waiting', async () => {
    const run = await airbyte({ action: 'SYNC', connection_id: connection('rate_limited') })
    expect(run.code).toBe(0)
    expect(run.outputs.status).toBe('succeeded')
    expect(warnings(run).join('\n')).toMatch(/HTTP 429 Too Many Requests.*You are being rate limited/)
    expect(requests('POST', CREATE)).toHaveLength(1)
  })

  it('waits on a status it does not know, with a warning, instead of failing', async () => {
    rig.emulator.addFault({ provider: 'airbyte', method: 'GET', path: '/jobs/\\d+$', kind: 'unknown-status', times: 2 })
    const run = await airbyte({ action: 'SYNC', connection_id: connection('succeeds') })
    expect(run.code).toBe(0)
    expect(run.outputs.status).toBe('succeeded')
    expect(warnings(run).join('\n')).toMatch(/job status this version does not know \("mystery_status"\); waiting on/)
  })

  it('checks again after a 200 that lacks the job status', async () => {
    rig.emulator.addFault({ provider: 'airbyte', method: 'GET', path: '/jobs/\\d+$', kind: 'missing-fields', times: 2 })
    const run = await airbyte({ action: 'SYNC', connection_id: connection('succeeds') })
    expect(run.code).toBe(0)
    expect(run.outputs.status).toBe('succeeded')
    expect(warnings(run).join('\n')).toMatch(/the answer lacks jobId, status\)\); checking again/)
  })
})

describe('airbyte authentication', () => {
  it('renews the token before its expires_in ends, mid-wait, so Airbyte never refuses one', async () => {
    airbyteEmulator.tokenLifetimeS = 1
    const run = await airbyte({ action: 'SYNC', connection_id: connection('queued') })
    expect(run.code).toBe(0)
    expect(airbyteEmulator.tokensIssued).toBeGreaterThanOrEqual(2)
    expect(airbyteEmulator.expiredTokenRefusals).toBe(0)
  })

  it('on a 401 (a token revoked before its expires_in) renews once and goes on', async () => {
    airbyteEmulator.tokenLifetimeS = 900
    airbyteEmulator.revokeTokensAfterMs = 700
    const run = await airbyte({ action: 'SYNC', connection_id: connection('queued') })
    expect(run.code).toBe(0)
    expect(run.outputs.status).toBe('succeeded')
    expect(airbyteEmulator.expiredTokenRefusals).toBeGreaterThanOrEqual(1)
    // Each refusal is followed by exactly one new token: the first token plus one per 401.
    expect(airbyteEmulator.tokensIssued).toBe(airbyteEmulator.expiredTokenRefusals + 1)
  })

  it('fails at once on a 401 that a renewal cannot fix (a bad api_key), without looping', async () => {
    const run = await airbyte({
      action: 'SYNC',
      connection_id: connection('succeeds'),
      client_id: '',
      client_secret: '',
      api_key: 'not-a-valid-token'
    })
    expect(run.code).toBe(1)
    expect(errors(run).join('\n')).toMatch(/Airbyte refused the token in api_key \(HTTP 401 Unauthorized on POST .*\/jobs\)/)
    expect(requests('POST', CREATE)).toHaveLength(1)
    expect(requests('POST', TOKEN)).toHaveLength(0)
    expect(airbyteEmulator.jobsStarted).toBe(0)
  })

  it('reports refused client credentials before anything starts, never printing the secret', async () => {
    // On a runner (GITHUB_ACTIONS=true) the secret is masked first.
    const run = await airbyte(
      { action: 'SYNC', connection_id: connection('succeeds'), client_secret: 'wrong-secret-5Tg7' },
      { env: { GITHUB_ACTIONS: 'true' } }
    )
    expect(run.code).toBe(1)
    expect(errors(run).join('\n')).toMatch(
      /Airbyte refused client_id and client_secret \(HTTP 400 Bad Request on POST .*\/applications\/token\)\. Airbyte said: "Invalid client id or token"/
    )
    expect(requests('POST', CREATE)).toHaveLength(0)
    const lines = run.stdout.split('\n')
    expect(lines[0]).toBe('::add-mask::wrong-secret-5Tg7')
    expect(lines.slice(1).join('\n')).not.toContain('wrong-secret-5Tg7')
  })

  it('sends a ready token from the AIRBYTE_API_KEY env variable as is', async () => {
    const id = connection('succeeds')
    const run = await rig.run(
      { provider: 'airbyte', connection_id: id, base_url: rig.emulator.baseUrl('airbyte'), poll_interval: '1s' },
      { env: { AIRBYTE_API_KEY } }
    )
    expect(run.code).toBe(0)
    expect(requests('POST', TOKEN)).toHaveLength(0)
    for (const r of rig.emulator.requests) expect(r.headers.authorization).toBe(`Bearer ${AIRBYTE_API_KEY}`)
  })

  it('reads client credentials from AIRBYTE_CLIENT_ID and AIRBYTE_CLIENT_SECRET', async () => {
    const run = await rig.run(
      { provider: 'airbyte', connection_id: connection('succeeds'), base_url: rig.emulator.baseUrl('airbyte'), poll_interval: '1s' },
      { env: { AIRBYTE_CLIENT_ID, AIRBYTE_CLIENT_SECRET } }
    )
    expect(run.code).toBe(0)
    expect(requests('POST', TOKEN).length).toBeGreaterThanOrEqual(1)
  })

  it('needs and sends no credentials for a self-managed server with auth turned off', async () => {
    airbyteEmulator.authEnabled = false
    const run = await rig.run({
      provider: 'airbyte',
      connection_id: connection('succeeds'),
      base_url: `${rig.emulator.baseUrl('airbyte')}/`,
      poll_interval: '1s'
    })
    expect(run.code).toBe(0)
    expect(run.outputs.status).toBe('succeeded')
    // No workspace_id: no link can be built.
    expect(run.outputs.job_url).toBeUndefined()
    for (const r of rig.emulator.requests) expect(r.headers.authorization).toBeUndefined()
  })

  it('says credentials are needed when a server with auth on answers 401 to none', async () => {
    const run = await rig.run({ provider: 'airbyte', connection_id: connection('succeeds'), base_url: rig.emulator.baseUrl('airbyte') })
    expect(run.code).toBe(1)
    expect(errors(run).join('\n')).toMatch(/Airbyte requires credentials \(HTTP 401.*give client_id and client_secret/i)
  })
})

describe('airbyte: a sync is already running (409)', () => {
  it("if_running: fail (the default) fails with Airbyte's message and starts nothing", async () => {
    const id = connection('busy')
    const run = await airbyte({ action: 'SYNC', connection_id: id })
    expect(run.code).toBe(1)
    const message = errors(run).join('\n')
    expect(message).toContain(`"A sync is already running for: ${id}"`)
    expect(message).toMatch(/job 12345: sync, running, created .*if_running is fail; set if_running: attach/)
    expect(requests('POST', CREATE)).toHaveLength(1)
    expect(requests('GET', CREATE)[0].query).toMatchObject({ connectionId: id, orderBy: 'createdAt|DESC' })
    expect(airbyteEmulator.jobsStarted).toBe(0)
    expect(requests('DELETE', JOB)).toHaveLength(0)
    expect(run.outputs.job_id).toBeUndefined()
  })

  it('if_running: attach waits for the running job and reports it', async () => {
    const startedAt = rig.clock.now()
    const run = await airbyte({ action: 'SYNC', connection_id: connection('busy'), if_running: 'attach' })
    expect(run.code).toBe(0)
    expect(run.outputs).toMatchObject({ status: 'succeeded', job_id: '12345' })
    const started = Date.parse((JSON.parse(run.outputs.result) as { startTime: string }).startTime)
    expect(started).toBeLessThan(startedAt - 30_000)
    expect(requests('POST', CREATE)).toHaveLength(1)
    expect(airbyteEmulator.jobsStarted).toBe(0)
    expect(run.summary).toContain('| Started by | someone else (if_running: attach) |')
  })
})

describe('airbyte: a creation request whose answer is lost', () => {
  it('times out although the job was created: finds that job and follows it, sending POST /jobs once', async () => {
    const id = connection('slow_creation')
    const run = await airbyte({ action: 'SYNC', connection_id: id, timeout: '3s' })
    expect(run.code).toBe(0)
    expect(run.outputs).toMatchObject({ status: 'succeeded', job_id: '12345' })
    expect(warnings(run).join('\n')).toMatch(
      /POST .*\/jobs got no answer in time.*may have gone through: the action looks for a sync job of connection \S+ started since/
    )
    expect(run.stdout).toMatch(/Found job 12345 .*: the trigger did go through/)
    expect(requests('POST', CREATE)).toHaveLength(1)
    expect(airbyteEmulator.jobsStarted).toBe(1)
    expect(requests('GET', CREATE)[0].query).toMatchObject({ connectionId: id, orderBy: 'createdAt|DESC' })
  })

  it('finds the job after a connection reset mid-answer instead of creating another', async () => {
    rig.emulator.addFault({ provider: 'airbyte', method: 'POST', path: '/jobs$', kind: 'reset' })
    const run = await airbyte({ action: 'SYNC', connection_id: connection('succeeds') })
    expect(run.code).toBe(0)
    expect(run.outputs.status).toBe('succeeded')
    expect(requests('POST', CREATE)).toHaveLength(1)
    expect(airbyteEmulator.jobsStarted).toBe(1)
  })

  it('never sends POST /jobs twice nor reports success when a 500 lost it and no job exists', async () => {
    rig.emulator.addFault({ provider: 'airbyte', method: 'POST', path: '/jobs$', kind: 'status', status: 500 })
    const run = await airbyte({ action: 'SYNC', connection_id: connection('succeeds'), timeout: '8s' })
    expect(run.code).toBe(1)
    // As for every provider: a trigger that most likely never arrived is a failed target.
    expect(run.outputs.status).toBe('failed')
    expect(errors(run).join('\n')).toMatch(
      /HTTP 500 .*no sign of a sync job of connection \S+ showed up in the .* after it, so the trigger most likely never reached Airbyte/
    )
    expect(requests('POST', CREATE)).toHaveLength(1)
    expect(airbyteEmulator.jobsStarted).toBe(0)
    expect(run.elapsedMs).toBeLessThan(8000)
  })

  it("a lost answer while someone else's sync runs is that sync: if_running decides", async () => {
    rig.emulator.addFault({ provider: 'airbyte', method: 'POST', path: '/jobs$', kind: 'reset' })
    const run = await airbyte({ action: 'SYNC', connection_id: connection('busy') })
    expect(run.code).toBe(1)
    expect(errors(run).join('\n')).toMatch(/if_running is fail/)
    expect(airbyteEmulator.jobsStarted).toBe(0)
  })
})

describe('airbyte timeout', () => {
  it('reads the job, cancels it once, and ends timed_out', async () => {
    const run = await airbyte({ action: 'SYNC', connection_id: connection('slow'), timeout: '3s' })
    expect(run.code).toBe(1)
    expect(run.outputs).toMatchObject({ status: 'timed_out', provider_status: 'cancelled', job_id: '12345' })
    expect(errors(run).join('\n')).toMatch(
      /Timed out after 3s waiting for job 12345 .*The action cancelled the job; Airbyte now reports it cancelled/
    )
    const deletes = requests('DELETE', JOB)
    expect(deletes).toHaveLength(1)
    expect(deletes[0].path).toMatch(/\/jobs\/12345$/)
    expect(airbyteEmulator.cancelledJobIds).toEqual([12345])
    // The job was read right before it was cancelled.
    const index = rig.emulator.requests.indexOf(deletes[0])
    expect(rig.emulator.requests[index - 1]).toMatchObject({ method: 'GET' })
    expect(rig.emulator.requests[index - 1].path).toMatch(/\/jobs\/12345$/)
    expect(run.elapsedMs).toBeLessThan(8000)
  })
})

describe('airbyte wait: false, then WAIT, STATUS and CANCEL', () => {
  it('SYNC with wait: false returns the job_id at once; WAIT with it waits for that job', async () => {
    const id = connection('succeeds')
    const started = await airbyte({ action: 'SYNC', connection_id: id, wait: 'false' })
    expect(started.code).toBe(0)
    expect(started.outputs).toMatchObject({ job_id: '12345', status: 'queued', provider_status: 'pending', job_url: uiLink(id) })
    expect(started.stdout).toMatch(/A later step can WAIT with job_id 12345/)
    expect(requests('GET', JOB)).toHaveLength(0)
    const waited = await airbyte({ action: 'WAIT', job_id: started.outputs.job_id })
    expect(waited.code).toBe(0)
    expect(waited.outputs).toMatchObject({ job_id: '12345', status: 'succeeded', rows_synced: '12500', job_url: uiLink(id) })
    expect(requests('POST', CREATE)).toHaveLength(1)
  })

  it('WAIT fails on a job that fails', async () => {
    const started = await airbyte({ action: 'SYNC', connection_id: connection('fails'), wait: 'false' })
    const waited = await airbyte({ action: 'WAIT', job_id: started.outputs.job_id })
    expect(waited.code).toBe(1)
    expect(waited.outputs.status).toBe('failed')
  })

  it('WAIT names a job that does not exist', async () => {
    const run = await airbyte({ action: 'WAIT', job_id: '999999' })
    expect(run.code).toBe(1)
    expect(errors(run).join('\n')).toMatch(
      /Job 999999 was not found \(HTTP 404 Not Found on GET .*\/jobs\/999999\).*job 999999 not found.*Check job_id/
    )
  })

  it('WAIT refuses a job of another connection than connection_id', async () => {
    const started = await airbyte({ action: 'SYNC', connection_id: connection('succeeds'), wait: 'false' })
    const other = connection('succeeds')
    const run = await airbyte({ action: 'WAIT', job_id: started.outputs.job_id, connection_id: other })
    expect(run.code).toBe(1)
    expect(errors(run).join('\n')).toMatch(new RegExp(`belongs to connection .*, not to connection_id ${other}`))
  })

  it('STATUS reports a failed job once without failing the step', async () => {
    const synced = await airbyte({ action: 'SYNC', connection_id: connection('fails') })
    expect(synced.code).toBe(1)
    const run = await airbyte({ action: 'STATUS', job_id: synced.outputs.job_id })
    expect(run.code).toBe(0)
    expect(run.outputs).toMatchObject({ status: 'failed', provider_status: 'failed', job_id: synced.outputs.job_id })
    expect(run.stdout).toContain('"jobId":12345')
    expect(requests('GET', JOB).length).toBeGreaterThan(0)
  })

  it('CANCEL cancels a running job; a second CANCEL finds it ended and sends nothing', async () => {
    const started = await airbyte({ action: 'SYNC', connection_id: connection('slow'), wait: 'false' })
    const cancelled = await airbyte({ action: 'CANCEL', job_id: started.outputs.job_id })
    expect(cancelled.code).toBe(0)
    expect(cancelled.outputs).toMatchObject({ status: 'cancelled', provider_status: 'cancelled', job_id: '12345' })
    expect(airbyteEmulator.cancelledJobIds).toEqual([12345])
    const again = await airbyte({ action: 'CANCEL', job_id: started.outputs.job_id })
    expect(again.code).toBe(0)
    expect(again.stdout).toMatch(/had already ended \(cancelled\); nothing to cancel/)
    expect(requests('DELETE', JOB)).toHaveLength(1)
  })
})

// The cancellation as orchestrate() sees it, at a fake instant; reliability-airbyte.e2e.test.ts and airbyte.e2e.test.ts
// send the bundle a real SIGINT.
describe('airbyte workflow cancellation', () => {
  it('on cancellation mid-wait cancels the job (once) and sets status cancelled', async () => {
    const run = await airbyte({ action: 'SYNC', connection_id: connection('slow'), timeout: '5m' }, { cancelAfterMs: 2000 })
    expect(run.code).toBe(1)
    expect(run.outputs).toMatchObject({ status: 'cancelled', job_id: '12345' })
    expect(errors(run).join('\n')).toMatch(/the Airbyte job was cancelled too/)
    expect(airbyteEmulator.cancelledJobIds).toEqual([12345])
    expect(requests('DELETE', JOB)).toHaveLength(1)
  })
})

describe('airbyte errors', () => {
  it('403 names the role Airbyte says is missing', async () => {
    const run = await airbyte({ action: 'SYNC', connection_id: connection('forbidden') })
    expect(run.code).toBe(1)
    expect(errors(run).join('\n')).toMatch(
      /Airbyte refused access to connection \S+ \(HTTP 403 Forbidden on POST .*\/jobs\): the application's user lacks the WORKSPACE_RUNNER role/
    )
  })

  it('404 names the connection and says which id to use', async () => {
    const id = 'ffffffff-0000-4000-8000-000000000000'
    const run = await airbyte({ action: 'SYNC', connection_id: id })
    expect(run.code).toBe(1)
    expect(errors(run).join('\n')).toMatch(
      new RegExp(`Connection ${id} was not found \\(HTTP 404 Not Found on POST .*/jobs\\).*Check connection_id`)
    )
  })

  it("422 shows Airbyte's message", async () => {
    const run = await airbyte({ action: 'SYNC', connection_id: connection('unprocessable') })
    expect(run.code).toBe(1)
    expect(errors(run).join('\n')).toMatch(
      /Airbyte could not process the request .*HTTP 422 Unprocessable Entity.*Airbyte said: "Emulated refusal/
    )
  })

  it('a base_url that is not an Airbyte API root: 404 with a hint, for the token endpoint or the jobs', async () => {
    const hint = /base_url must be an Airbyte public API root: https:\/\/api.airbyte.com\/v1 for Cloud, http\(s\):\/\/HOST\/api\/public\/v1/
    const base_url = `${rig.emulator.url}/airbyte/v1`
    const token = await airbyte({ action: 'SYNC', connection_id: connection('succeeds'), base_url })
    expect(token.code).toBe(1)
    expect(errors(token).join('\n')).toMatch(
      /token endpoint was not found \(HTTP 404 Not Found on POST \/airbyte\/v1\/applications\/token\)/
    )
    expect(errors(token).join('\n')).toMatch(hint)
    const jobs = await airbyte({
      action: 'SYNC',
      connection_id: connection('succeeds'),
      base_url,
      client_id: '',
      client_secret: '',
      api_key: AIRBYTE_API_KEY
    })
    expect(jobs.code).toBe(1)
    expect(errors(jobs).join('\n')).toMatch(/Connection \S+ was not found \(HTTP 404 Not Found on POST \/airbyte\/v1\/jobs\)/)
    expect(errors(jobs).join('\n')).toMatch(hint)
  })
})

describe('airbyte bad input', () => {
  it('reports every problem at once', async () => {
    const run = await airbyte({ connection_id: 'nope', if_running: 'sometimes', client_secret: '' })
    expect(run.code).toBe(1)
    const message = errors(run).join('\n')
    expect(message).toMatch(/connection_id must be/)
    expect(message).toMatch(/if_running must be/)
    expect(message).toMatch(/client_secret is required/)
    expect(rig.emulator.requests).toHaveLength(0)
  })
})
