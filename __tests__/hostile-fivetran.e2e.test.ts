// Issue 10's hostile-provider suite for Fivetran (the suite is in hostile-suite.ts).
import { describe, expect, it } from '@jest/globals'
import { extraProviders } from '../emulator/providers.js'
import { startEmulator } from '../emulator/server.js'
import { hostileSuite, runMeasuringRss } from './hostile-suite.js'
import { fivetranCase, providerInputs } from './provider-cases.js'

hostileSuite(fivetranCase)

// The HTTP layer every provider shares caps each body; measured once, with Fivetran's free-form connector ids.
describe('100 targets answering oversized bodies', () => {
  it('stay under 300 MB RSS, fail with "response larger than 2 MB" and still set every output', async () => {
    const emulator = await startEmulator({ providers: extraProviders() })
    try {
      emulator.addFault({ provider: 'fivetran', kind: 'oversized', sizeMb: 4, path: '.*', times: 100_000 })
      const ids = Array.from({ length: 100 }, (_, i) => `succeeds_${i}`).join(',')
      const { run, maxRssMb } = await runMeasuringRss(
        { ...providerInputs(emulator, 'fivetran'), connector_id: ids, max_parallel: '100', timeout: '3s', request_timeout: '2s' },
        { killAfterMs: 30_000 }
      )
      expect(maxRssMb).toBeLessThan(300)
      expect(run.code).toBe(1)
      const results = JSON.parse(run.outputs.results) as { error?: string }[]
      expect(results).toHaveLength(100)
      // Every target fails and says why (the emulator cannot serve 100 such bodies at once: some time out first).
      expect(results.every((r) => r.error !== undefined)).toBe(true)
      // (How many of the 100 get their oversized body before the timeout depends on how fast the emulator serves them.)
      expect(run.stdout).toMatch(/response larger than 2 MB/)
    } finally {
      await emulator.close()
    }
  })
})
