import { describe, expect, it } from '@jest/globals'
import { HIGHTOUCH_KEY, HightouchEmulator } from '../emulator/hightouch.js'
import { errors, warnings } from './harness.js'
import { inProcessRig } from './in-process.js'

const hightouchEmulator = new HightouchEmulator()
const rig = inProcessRig(() => [hightouchEmulator])

function hightouch(inputs: Record<string, string>) {
  return rig.run({
    provider: 'hightouch',
    api_key: HIGHTOUCH_KEY,
    base_url: rig.emulator.baseUrl('hightouch'),
    poll_interval: '1s',
    timeout: '30s',
    ...inputs
  })
}

const requests = (method: string, pattern: RegExp = /./) =>
  rig.emulator.requests.filter((r) => r.provider === 'hightouch' && r.method === method && pattern.test(r.path))
const triggers = () => requests('POST', /\/trigger$/)
/** Status checks of a run (`?runId=`), not the history read (`?after=`) nor a lost trigger's search. */
const runChecks = () => requests('GET', /\/runs$/).filter((r) => r.query.runId !== undefined)

describe('hightouch SYNC', () => {
  it('by slug: resolves the slug to the sync id first, and links the run when workspace_slug is given', async () => {
    const run = await hightouch({ action: 'SYNC', sync_slug: 'succeeds', workspace_slug: 'acme-corp' })
    expect(run.code).toBe(0)
    expect(run.outputs.status).toBe('succeeded')
    const lookups = requests('GET', /^\/api\/v1\/syncs$/)
    expect(lookups).toHaveLength(1)
    expect(lookups[0].query).toEqual({ slug: 'succeeds' })
    expect(rig.emulator.requests[0]).toBe(lookups[0])
    expect(triggers()[0].path).toBe('/api/v1/syncs/1001/trigger')
    expect(run.outputs.job_url).toBe(`https://app.hightouch.com/acme-corp/syncs/1001/runs/${run.outputs.job_id}`)
    expect(run.summary).toContain('| Sync | succeeds (`1001`) |')
    expect(run.summary).toContain(`[\`${run.outputs.job_id}\`](${run.outputs.job_url})`)
  })

  it('fails on an unknown slug, naming it, without triggering', async () => {
    const run = await hightouch({ action: 'SYNC', sync_slug: 'no-such-sync' })
    expect(run.code).toBe(1)
    expect(errors(run).join('\n')).toMatch(/No sync with slug "no-such-sync"/)
    expect(triggers()).toHaveLength(0)
  })

  it('fails a run that ends warning by default (as Orchestra), saying how to let it pass', async () => {
    const run = await hightouch({ action: 'SYNC', sync_id: '1002' })
    expect(run.code).toBe(1)
    expect(run.outputs.status).toBe('warning')
    expect(run.outputs.provider_status).toBe('warning')
    expect(run.outputs.rows_synced).toBe('992')
    expect(errors(run).join('\n')).toMatch(/ended warning: 8 rows rejected.*fail_on_warning: false/)
    expect(run.summary).toContain('| warning | 200 / 800 / 0 | 195 / 797 / 0 | 5 / 3 / 0 |')
  })

  it('lets a warning pass with fail_on_warning: false', async () => {
    const run = await hightouch({ action: 'SYNC', sync_slug: 'completes-with-errors', fail_on_warning: 'FALSE' })
    expect(run.code).toBe(0)
    expect(run.outputs.status).toBe('warning')
    expect(errors(run)).toEqual([])
  })

  it('fails when any job in data did not succeed, though the run itself did, and shows every job', async () => {
    const run = await hightouch({ action: 'SYNC', sync_id: '1006' })
    expect(run.code).toBe(1)
    expect(run.outputs.status).toBe('failed')
    expect(run.outputs.provider_status).toBe('failed')
    const result = JSON.parse(run.outputs.result) as { data: { id: number; status: string }[] }
    expect(result.data.map((j) => j.status)).toEqual(['success', 'failed'])
    expect(String(result.data[0].id)).toBe(run.outputs.job_id)
    expect(run.outputs.rows_synced).toBe('1000')
    const other = String(result.data[1].id)
    expect(errors(run).join('\n')).toContain(`run ${other} failed (Cannot generate sync plan due to unmet dependencies.)`)
    expect(run.summary).toContain(`| ${run.outputs.job_id} | success |`)
    expect(run.summary).toContain(
      `| ${other} | failed | 0 / 0 / 0 | 0 / 0 / 0 | 0 / 0 / 0 | Cannot generate sync plan due to unmet dependencies. |`
    )
  })

  it('fails an interrupted run: status failed, provider_status interrupted', async () => {
    const run = await hightouch({ action: 'SYNC', sync_slug: 'interrupted' })
    expect(run.code).toBe(1)
    expect(run.outputs.status).toBe('failed')
    expect(run.outputs.provider_status).toBe('interrupted')
    expect(run.outputs.rows_synced).toBe('600')
    expect(errors(run).join('\n')).toMatch(/resumes an interrupted run in a new run/)
  })

  it('fails a cancelled run with status cancelled', async () => {
    const run = await hightouch({ action: 'SYNC', sync_slug: 'cancelled' })
    expect(run.code).toBe(1)
    expect(run.outputs.status).toBe('cancelled')
    expect(run.outputs.provider_status).toBe('cancelled')
  })

  it('keeps waiting for a run that Hightouch does not list at first', async () => {
    const run = await hightouch({ action: 'SYNC', sync_slug: 'invisible-at-first' })
    expect(run.code).toBe(0)
    expect(run.outputs.status).toBe('succeeded')
    expect(runChecks().length).toBeGreaterThanOrEqual(3)
    expect(run.stdout).toMatch(/Hightouch does not show run \d+ yet/)
    expect(triggers()).toHaveLength(1)
  })

  it('compares run ids as strings (older API versions send string ids)', async () => {
    const run = await hightouch({ action: 'SYNC', sync_slug: 'legacy-ids' })
    expect(run.code).toBe(0)
    expect(run.outputs.status).toBe('succeeded')
    expect(JSON.parse(run.outputs.result).data[0].id).toBe(run.outputs.job_id)
  })

  it('sends full_resync as a JSON boolean', async () => {
    const run = await hightouch({ action: 'SYNC', sync_id: '1001', full_resync: 'TRUE' })
    expect(run.code).toBe(0)
    expect(triggers()[0].body).toEqual({ fullResync: true })
    expect(triggers()[0].body).not.toEqual({ fullResync: 'true' })
    expect(run.summary).toContain('| Full resync | yes |')
  })

  it('works on several syncs at once, one result each', async () => {
    const run = await hightouch({ action: 'SYNC', sync_id: '1001, 1003' })
    expect(run.code).toBe(1)
    expect(run.outputs.status).toBe('failed')
    const results = JSON.parse(run.outputs.results) as { target: string; status: string; job_id: string }[]
    expect(results.map((r) => [r.target, r.status])).toEqual([
      ['1001', 'succeeded'],
      ['1003', 'failed']
    ])
    expect(
      triggers()
        .map((t) => t.path)
        .sort()
    ).toEqual(['/api/v1/syncs/1001/trigger', '/api/v1/syncs/1003/trigger'])
  })

  it('reads the key from HIGHTOUCH_API_KEY', async () => {
    const run = await rig.run(
      { provider: 'hightouch', sync_id: '1001', base_url: rig.emulator.baseUrl('hightouch'), poll_interval: '1s' },
      { env: { HIGHTOUCH_API_KEY: HIGHTOUCH_KEY } }
    )
    expect(run.code).toBe(0)
    expect(run.outputs.status).toBe('succeeded')
  })
})

describe('hightouch errors', () => {
  it("on a 401 fails with Hightouch's own message", async () => {
    const run = await hightouch({ action: 'SYNC', sync_id: '1001', api_key: 'not-the-key-at-all' })
    expect(run.code).toBe(1)
    const message = errors(run).join('\n')
    expect(message).toMatch(
      /Hightouch refused the API key \(HTTP 401 Unauthorized on POST \/hightouch\/api\/v1\/syncs\/1001\/trigger\): Authentication error: Token is invalid/
    )
    expect(message).toMatch(/Check api_key/)
    expect(triggers()).toHaveLength(1)
  })

  it('on a 404 fails with the HTTP reason, saying which sync was not found', async () => {
    const run = await hightouch({ action: 'SYNC', sync_id: '424242' })
    expect(run.code).toBe(1)
    expect(errors(run).join('\n')).toMatch(
      /Sync 424242 was not found \(HTTP 404 Not Found on POST \/hightouch\/api\/v1\/syncs\/424242\/trigger\)\. Check sync_id/
    )
    expect(triggers()).toHaveLength(1)
  })

  it('on a 422 fails with the HTTP reason, the message and the details', async () => {
    const run = await hightouch({ action: 'SYNC', sync_slug: 'refused' })
    expect(run.code).toBe(1)
    expect(errors(run).join('\n')).toMatch(
      /HTTP 422 Unprocessable Entity on POST .*\/syncs\/1011\/trigger for sync refused \(id 1011\): Validation failed: syncId: sync cannot be triggered while its model is being edited \(value "1011"\)/
    )
    expect(triggers()).toHaveLength(1)
  })

  it('rides out a burst of 500s while waiting', async () => {
    const run = await hightouch({ action: 'SYNC', sync_slug: 'flaky' })
    expect(run.code).toBe(0)
    expect(run.outputs.status).toBe('succeeded')
    expect(warnings(run).join('\n')).toMatch(/HTTP 500 Internal Server Error/)
    expect(triggers()).toHaveLength(1)
  })

  it('rides out 429s while waiting', async () => {
    const run = await hightouch({ action: 'SYNC', sync_slug: 'rate-limited' })
    expect(run.code).toBe(0)
    expect(run.outputs.status).toBe('succeeded')
    expect(warnings(run).join('\n')).toMatch(/HTTP 429 Too Many Requests: Rate limit exceeded/)
  })

  it('waits on through a status nobody documented, warning about it', async () => {
    rig.emulator.addFault({ provider: 'hightouch', method: 'GET', path: '/runs$', kind: 'unknown-status', times: 1 })
    // Without the history read, which the fault would hit first.
    const run = await hightouch({ action: 'SYNC', sync_id: '1001', history: 'false' })
    expect(run.code).toBe(0)
    expect(run.outputs.status).toBe('succeeded')
    expect(warnings(run).join('\n')).toMatch(/status this version does not know \("mystery_status"\); waiting on/)
  })

  it('checks again after a 200 that lacks the run status', async () => {
    rig.emulator.addFault({ provider: 'hightouch', method: 'GET', path: '/runs$', kind: 'missing-fields', times: 2 })
    const run = await hightouch({ action: 'SYNC', sync_id: '1001' })
    expect(run.code).toBe(0)
    expect(run.outputs.status).toBe('succeeded')
    expect(warnings(run).join('\n')).toMatch(/lacks data\[0\]\.status/)
  })

  it('ends with timed_out at the timeout and says the run goes on', async () => {
    const run = await hightouch({ action: 'SYNC', sync_slug: 'slow', timeout: '3s', workspace_slug: 'acme' })
    expect(run.code).toBe(1)
    expect(run.outputs.status).toBe('timed_out')
    expect(run.outputs.job_id).toMatch(/^\d+$/)
    expect(run.outputs.provider_status).toBe('processing')
    const message = errors(run).join('\n')
    expect(message).toMatch(/Timed out after 3s waiting for sync run \d+ of sync slow \(id 1010\)/)
    expect(message).toMatch(/no API to cancel a run, so it goes on: https:\/\/app\.hightouch\.com\/acme\/syncs\/1010\/runs\/\d+/)
    expect(message).toMatch(/Last seen: processing, \d+(\.\d)?% complete/)
    expect(run.elapsedMs).toBeLessThan(8000)
  })
})

describe('hightouch trigger answers lost or refused', () => {
  it('after a reset connection, finds the run the trigger started instead of triggering again', async () => {
    rig.emulator.addFault({ provider: 'hightouch', method: 'POST', path: '/trigger$', kind: 'reset' })
    const run = await hightouch({ action: 'SYNC', sync_id: '1001' })
    expect(run.code).toBe(0)
    expect(run.outputs.status).toBe('succeeded')
    expect(triggers()).toHaveLength(1)
    expect(hightouchEmulator.runsStarted).toBe(1)
    expect(warnings(run).join('\n')).toMatch(/may have gone through: the action looks for a run of sync 1001 started since/)
    const search = requests('GET', /\/runs$/).find((r) => r.query.after !== undefined)
    expect(search?.query).toMatchObject({ orderBy: 'createdAt' })
    expect(Date.parse(search?.query.after ?? '')).toBeLessThanOrEqual(triggers()[0].at)
    expect(JSON.parse(run.outputs.result).data[0].id).toBe(Number(run.outputs.job_id))
  })

  it('after a 500 that started nothing, never triggers twice and fails, naming the lost answer', async () => {
    rig.emulator.addFault({ provider: 'hightouch', method: 'POST', path: '/trigger$', kind: 'status', status: 500 })
    const run = await hightouch({ action: 'SYNC', sync_id: '1001', timeout: '6s' })
    expect(run.code).toBe(1)
    expect(run.outputs.status).toBe('failed')
    expect(triggers()).toHaveLength(1)
    expect(hightouchEmulator.runsStarted).toBe(0)
    expect(errors(run).join('\n')).toMatch(
      /trigger's answer was lost \(.*HTTP 500 Internal Server Error.*\) and no sign of a run of sync 1001 showed up/
    )
    expect(run.elapsedMs).toBeLessThan(8000)
  })

  it('sends the trigger again after a 429 (it was refused, not run)', async () => {
    rig.emulator.addFault({ provider: 'hightouch', method: 'POST', path: '/trigger$', kind: 'status', status: 429, retryAfter: '1' })
    const run = await hightouch({ action: 'SYNC', sync_id: '1001' })
    expect(run.code).toBe(0)
    expect(run.outputs.status).toBe('succeeded')
    expect(triggers()).toHaveLength(2)
    expect(hightouchEmulator.runsStarted).toBe(1)
  })
})

describe('hightouch wait: false, WAIT and STATUS', () => {
  it('wait: false returns the run id at once; a later WAIT waits for that run', async () => {
    const started = await hightouch({ action: 'SYNC', sync_id: '1001', wait: 'false' })
    expect(started.code).toBe(0)
    expect(started.outputs.status).toBe('queued')
    expect(started.outputs.job_id).toMatch(/^\d+$/)
    expect(runChecks()).toHaveLength(0)
    expect(started.elapsedMs).toBeLessThan(3000)
    const waited = await hightouch({ action: 'WAIT', sync_id: '1001', job_id: started.outputs.job_id })
    expect(waited.code).toBe(0)
    expect(waited.outputs.status).toBe('succeeded')
    expect(waited.outputs.job_id).toBe(started.outputs.job_id)
    expect(triggers()).toHaveLength(1)
    expect(runChecks().every((r) => r.query.runId === started.outputs.job_id)).toBe(true)
  })

  it('WAIT by slug fails when the run it waited for failed', async () => {
    const started = await hightouch({ action: 'SYNC', sync_slug: 'fails', wait: 'false' })
    const waited = await hightouch({ action: 'wait', sync_slug: 'fails', job_id: started.outputs.job_id })
    expect(waited.code).toBe(1)
    expect(waited.outputs.status).toBe('failed')
    expect(triggers()).toHaveLength(1)
  })

  it('STATUS reports a run once without failing on its state', async () => {
    const started = await hightouch({ action: 'SYNC', sync_slug: 'fails' })
    expect(started.code).toBe(1)
    rig.emulator.requests.length = 0
    const status = await hightouch({ action: 'STATUS', sync_slug: 'fails', job_id: started.outputs.job_id })
    expect(status.code).toBe(0)
    expect(status.outputs.status).toBe('failed')
    expect(status.outputs.provider_status).toBe('failed')
    expect(runChecks()).toHaveLength(1)
    expect(triggers()).toHaveLength(0)
  })

  it('STATUS of a run Hightouch does not know is an error', async () => {
    const status = await hightouch({ action: 'STATUS', sync_id: '1001', job_id: '5' })
    expect(status.code).toBe(1)
    expect(errors(status).join('\n')).toMatch(/Hightouch shows no run 5 of sync 1001/)
  })
})

describe('hightouch bad input', () => {
  it('reports every problem at once', async () => {
    const run = await hightouch({ action: 'SYNC', sync_id: 'abc, 12x', api_key: '' })
    expect(run.code).toBe(1)
    const message = errors(run).join('\n')
    expect(message).toMatch(/got "abc"/)
    expect(message).toMatch(/got "12x"/)
    expect(message).toMatch(/api_key is required/)
    expect(rig.emulator.requests).toHaveLength(0)
  })
})
