// Issue 5 (run by reliability-<provider>.e2e.test.ts): what only the bundle, run as the runner runs it, can show for
// every provider: the workflow's cancellation by signals, and that no secret reaches a log in debug mode. The fault
// matrix runs in-process, in reliability.inprocess.test.ts.
import { describe, expect, it } from '@jest/globals'
import { extraProviders } from '../emulator/providers.js'
import { startEmulator, type Emulator } from '../emulator/server.js'
import { providers } from '../src/providers/registry.js'
import { errors, runAction, whenPrinted, type ActionRun } from './harness.js'
import type { ProviderCase } from './provider-cases.js'

let counter = 0

/** Runs `fn` against an emulator of its own, so that the cases of a file run side by side (they mostly wait). */
async function withEmulator(fn: (emulator: Emulator) => Promise<void>): Promise<void> {
  const emulator = await startEmulator({ providers: extraProviders() })
  try {
    await fn(emulator)
  } finally {
    await emulator.close()
  }
}

/**
 * Runs the provider's slow job through the bundle and sends `signals` `afterMs` after it starts waiting; returns the run
 * and how long the process took to exit after the signals.
 */
async function interrupted(
  p: ProviderCase,
  emulator: Emulator,
  afterMs: number,
  signals: NodeJS.Signals[]
): Promise<{ r: ActionRun; exitAfterSignalMs: number }> {
  let signalledAt = 0
  counter++
  const r = await runAction(
    { ...p.slow(emulator, counter), timeout: '5m', poll_interval: '1s' },
    {
      onStart: (child) =>
        whenPrinted(child, /Waiting for/, () =>
          setTimeout(() => {
            signalledAt = Date.now()
            for (const signal of signals) child.kill(signal)
          }, afterMs)
        )
    }
  )
  return { r, exitAfterSignalMs: r.startedAt + r.elapsedMs - signalledAt }
}

/** The e2e part of the reliability suite for one provider; each provider runs it from its own file, so that jest runs them side by side. */
export function reliabilitySuite(p: ProviderCase): void {
  describe(p.name, () => {
    describe('workflow cancellation', () => {
      it.concurrent('on SIGINT sets status cancelled and every known output, writes the summary and exits well inside 7.5 s', () =>
        withEmulator(async (emulator) => {
          const { r, exitAfterSignalMs } = await interrupted(p, emulator, 1000, ['SIGINT'])
          expect(r.code).not.toBe(0)
          expect(r.outputs.status).toBe('cancelled')
          expect(r.outputs.job_id).toBeDefined()
          expect(r.summary).toContain('cancelled')
          expect(exitAfterSignalMs).toBeLessThan(7500)
          p.afterCancel(emulator, r)
        })
      )

      it.concurrent('a second signal exits at once', () =>
        withEmulator(async (emulator) => {
          const { r, exitAfterSignalMs } = await interrupted(p, emulator, 500, ['SIGINT', 'SIGTERM'])
          expect(r.code).toBe(1)
          // Measured from the signals (as the 4 s from the start were, when they came 1.5 s after it).
          expect(exitAfterSignalMs).toBeLessThan(2500)
        })
      )
    })
  })

  describe(`${p.name}: secrets never reach a log, even in debug mode (RUNNER_DEBUG=1)`, () => {
    // runAction rejects any run in which a registered secret, an input secret, the Basic header or an issued token shows
    // up in stdout, stderr, the summary or the outputs; these runs add debug logging and the error paths to that.
    const debug = { env: { RUNNER_DEBUG: '1' } }

    {
      it.concurrent('a run that succeeds logs its requests in debug mode and no secret', () =>
        withEmulator(async (emulator) => {
          counter++
          const r = await runAction({ ...p.succeeding(emulator, counter), poll_interval: '1s' }, debug)
          expect(r.outputs.status).toBe('succeeded')
          expect(r.stdout).toMatch(/::debug::/)
        })
      )

      it.concurrent('a run that fails, and one whose checks fault, print no secret in debug mode', () =>
        withEmulator(async (emulator) => {
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
      )

      it.concurrent('refused credentials print no secret in debug mode, not even the wrong one', () =>
        withEmulator(async (emulator) => {
          counter++
          const inputs = p.succeeding(emulator, counter)
          const wrong = { ...inputs }
          // Every secret input the provider declares and the case gives (Airbyte's api_key is an alternative it does not use).
          for (const { name } of providers[p.name].inputs.filter((i) => i.secret)) if (wrong[name]) wrong[name] = `wrong-${name}-Zq81xVb`
          const r = await runAction(wrong, debug)
          expect(r.code).toBe(1)
          expect(errors(r).join('\n')).toMatch(/401|refused|credentials/i)
          expect(JSON.stringify(r)).not.toContain('Zq81xVb')
        })
      )
    }
  })
}
