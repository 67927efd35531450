// Issue 5 (run by reliability-<provider>.e2e.test.ts): what only the bundle, run as the runner runs it, can show for
// every provider: the workflow's cancellation by signals, and that no secret reaches a log in debug mode. The fault
// matrix runs in-process, in reliability.inprocess.test.ts.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { extraProviders } from '../emulator/providers.js'
import { startEmulator, type Emulator } from '../emulator/server.js'
import { errors, runAction, whenPrinted } from './harness.js'
import type { ProviderCase } from './provider-cases.js'

let emulator: Emulator
let counter = 0

/** The e2e part of the reliability suite for one provider; each provider runs it from its own file, so that jest runs them side by side. */
export function reliabilitySuite(p: ProviderCase): void {
  beforeAll(async () => {
    emulator = await startEmulator({ providers: extraProviders() })
  })
  afterAll(() => emulator.close())
  beforeEach(() => emulator.reset())

  describe(p.name, () => {
    describe('workflow cancellation', () => {
      it('on SIGINT sets status cancelled and every known output, writes the summary and exits well inside 7.5 s', async () => {
        let signalledAt = 0
        counter++
        const r = await runAction(
          { ...p.slow(emulator, counter), timeout: '5m', poll_interval: '1s' },
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
        expect(r.code).not.toBe(0)
        expect(r.outputs.status).toBe('cancelled')
        expect(r.outputs.job_id).toBeDefined()
        expect(r.summary).toContain('cancelled')
        expect(r.elapsedMs - (signalledAt - (Date.now() - r.elapsedMs))).toBeLessThan(7500)
        p.afterCancel(emulator, r)
      })

      it('a second signal exits at once', async () => {
        let signalledAt = 0
        counter++
        const r = await runAction(
          { ...p.slow(emulator, counter), timeout: '5m', poll_interval: '1s' },
          {
            onStart: (child) =>
              whenPrinted(child, /Waiting for/, () =>
                setTimeout(() => {
                  signalledAt = Date.now()
                  child.kill('SIGINT')
                  child.kill('SIGTERM')
                }, 500)
              )
          }
        )
        expect(r.code).toBe(1)
        // Measured from the signals (as the 4 s from the start were, when they came 1.5 s after it).
        expect(r.startedAt + r.elapsedMs - signalledAt).toBeLessThan(2500)
      })
    })
  })

  describe(`${p.name}: secrets never reach a log, even in debug mode (RUNNER_DEBUG=1)`, () => {
    // runAction rejects any run in which a registered secret, an input secret, the Basic header or an issued token shows
    // up in stdout, stderr, the summary or the outputs; these runs add debug logging and the error paths to that.
    const debug = { env: { RUNNER_DEBUG: '1' } }

    {
      it('a run that succeeds logs its requests in debug mode and no secret', async () => {
        counter++
        const r = await runAction({ ...p.succeeding(emulator, counter), poll_interval: '1s' }, debug)
        expect(r.outputs.status).toBe('succeeded')
        expect(r.stdout).toMatch(/::debug::/)
      })

      it('a run that fails, and one whose checks fault, print no secret in debug mode', async () => {
        counter++
        const failed = await runAction({ ...p.failing(emulator, counter), poll_interval: '1s' }, debug)
        expect(failed.outputs.status).toBe('failed')
        emulator.addFault({
          provider: p.name,
          method: 'GET',
          path: p.statusPath,
          skip: p.readsBeforeTrigger,
          kind: 'html',
          status: 502,
          times: 2
        })
        emulator.addFault({ provider: p.name, method: 'POST', path: p.triggerPath, kind: 'reset' })
        counter++
        const faulted = await runAction({ ...p.succeeding(emulator, counter), poll_interval: '1s', request_timeout: '1s' }, debug)
        expect(faulted.outputs.status).toBe('succeeded')
        expect(faulted.stdout).toMatch(/::debug::/)
      })

      it('refused credentials print no secret in debug mode, not even the wrong one', async () => {
        counter++
        const inputs = p.succeeding(emulator, counter)
        const wrong = { ...inputs }
        for (const name of ['api_secret', 'client_secret', 'api_key'])
          if (wrong[name] && name !== 'api_key') wrong[name] = `wrong-${name}-Zq81xVb`
        if (p.name === 'hightouch' || p.name === 'dbt-cloud') wrong.api_key = 'wrong-api_key-Zq81xVb'
        const r = await runAction(wrong, debug)
        expect(r.code).toBe(1)
        expect(errors(r).join('\n')).toMatch(/401|refused|credentials/i)
        expect(JSON.stringify(r)).not.toContain('Zq81xVb')
      })
    }
  })
}
