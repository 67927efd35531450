// The registry is the one place that says which providers, actions and inputs exist: action.yml, the CLI and the
// docs must agree with it.
import { describe, expect, it } from '@jest/globals'
import { providers } from '../src/providers/registry.js'
import { COMMON_INPUTS } from '../src/core/settings.js'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { extraProviders } from '../emulator/providers.js'
import { startEmulator } from '../emulator/server.js'
import { DEMO_RUNS } from '../scripts/demo-runs.js'
import { ROOT, actionYml } from './harness.js'
import { PROVIDER_CASES } from './provider-cases.js'

const registered = Object.values(providers)
const declared = actionYml().inputs

describe('the provider registry', () => {
  it('registers each provider under its own name', () => {
    for (const [name, provider] of Object.entries(providers)) expect(provider.name).toBe(name)
  })

  it("matches action.yml's list of providers", () => {
    const listed = /:\s*([^(]*)\(/.exec(declared.provider.description)?.[1] ?? ''
    expect(
      listed
        .split(/,\s*|\s+or\s+/)
        .map((s) => s.trim())
        .filter(Boolean)
        .sort()
    ).toEqual(registered.map((p) => p.name).sort())
  })

  it("matches action.yml's actions, per provider", () => {
    const text = declared.action.description
    for (const provider of registered) {
      const others = registered.filter((p) => p !== provider).map((p) => p.name)
      const start = text.indexOf(`${provider.name}: `)
      expect(start).toBeGreaterThanOrEqual(0)
      const rest = text.slice(start + provider.name.length + 2)
      const end = Math.min(...others.map((o) => rest.indexOf(`${o}: `)).filter((i) => i >= 0), rest.length)
      const words = new Set(rest.slice(0, end).match(/\b[A-Z][A-Z_]+\b/g))
      if (provider.actionEnvFallback) words.delete(provider.actionEnvFallback)
      expect([...words].sort()).toEqual([...Object.keys(provider.actions), ...Object.keys(provider.aliases ?? {})].sort())
    }
  })

  it('declares in action.yml every input a provider reads, and no input that no provider or the core reads', () => {
    const owned = new Set<string>([...COMMON_INPUTS, ...registered.flatMap((p) => p.inputs.map((i) => i.name))])
    expect(Object.keys(declared).filter((name) => !owned.has(name))).toEqual([])
    expect([...owned].filter((name) => !(name in declared))).toEqual([])
  })

  it('gives no action.yml default to an input with an env fallback (the runner would always pass it)', () => {
    for (const input of registered.flatMap((p) => p.inputs).filter((i) => i.envFallback)) {
      expect([input.name, declared[input.name].default]).toEqual([input.name, undefined])
    }
  })

  it('gives every registered provider its emulator, demo runs, test cases and own action', async () => {
    const names = registered.map((p) => p.name).sort()
    const emulator = await startEmulator({ providers: extraProviders() })
    try {
      expect(Object.keys(emulator.providers).sort()).toEqual(names)
    } finally {
      await emulator.close()
    }
    expect(PROVIDER_CASES.map((c) => c.name).sort()).toEqual(names)
    for (const name of names) {
      const demo = DEMO_RUNS.filter((run) => run.inputs(emulator, {}).provider === name)
      // A run that passes and one that fails, at least.
      expect([name, demo.some((r) => r.passes), demo.some((r) => !r.passes)]).toEqual([name, true, true])
      for (const file of [
        `__tests__/reliability-${name}.e2e.test.ts`,
        `__tests__/hostile-${name}.e2e.test.ts`,
        `__tests__/${name}.unit.test.ts`,
        `__tests__/${name}.e2e.test.ts`,
        `${name}/action.yml`
      ])
        expect([file, existsSync(join(ROOT, file))]).toEqual([file, true])
    }
  })
})
