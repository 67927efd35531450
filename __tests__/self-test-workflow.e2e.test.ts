// Runs .github/workflows/self-test.yml here, step by step, as the runner would: each `uses: ./` step runs the bundled
// action against the local emulator, `if:` conditions and `${{ }}` expressions are evaluated, and shell steps run in
// bash. A workflow whose assertions would fail on GitHub fails here first.
import { afterAll, describe, expect, it } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { extraProviders } from '../emulator/providers.js'
import { startEmulator, type Emulator } from '../emulator/server.js'
import { ROOT, runAction } from './harness.js'
import { condition, evaluate, substitute, type Context } from './workflow-expressions.js'

interface Step {
  id?: string
  name?: string
  uses?: string
  run?: string
  if?: string
  with?: Record<string, unknown>
  env?: Record<string, unknown>
  'continue-on-error'?: boolean
}
interface Job {
  env?: Record<string, unknown>
  steps: Step[]
}
interface Workflow {
  env?: Record<string, unknown>
  jobs: Record<string, Job>
}

const workflow = parse(readFileSync(join(ROOT, '.github', 'workflows', 'self-test.yml'), 'utf8')) as Workflow

// Each job gets an emulator of its own, as on GitHub, where each job starts one: so the jobs run side by side here too.
const emulators: Emulator[] = []
afterAll(() => Promise.all(emulators.map((e) => e.close())))

/** The folder of a local action (`./` → '', `./fivetran` → 'fivetran'), or undefined for any other `uses:`. */
function localAction(step: Step): string | undefined {
  const m = /^\.\/([a-z0-9-]*)$/.exec(step.uses ?? '')
  return m ? m[1] : undefined
}

/** Steps that set the machine up on GitHub (checkout, Node, npm ci, starting the emulator, printing its log). */
function isSetUp(step: Step): boolean {
  if (step.uses && localAction(step) === undefined) return true
  const run = step.run ?? ''
  return run.trim() === 'npm ci' || run.includes('npm run emulator') || run.trim() === 'cat emulator.log'
}

function strings(values: Record<string, unknown> | undefined, ctx: Context): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(values ?? {})) out[k] = substitute(String(v), ctx)
  return out
}

describe('self-test.yml, run here against the emulator', () => {
  it('has the jobs the README promises: each provider, and several targets', () => {
    expect(Object.keys(workflow.jobs).sort()).toEqual(['airbyte', 'dbt-cloud', 'fivetran', 'hightouch', 'several-targets'])
  })

  it('evaluates the expressions the workflow uses as GitHub does', () => {
    const ctx = { steps: { a: { outputs: { status: 'succeeded', job_id: 'x@1' }, outcome: 'failure' } } }
    expect(evaluate("steps.a.outputs.status != 'succeeded' || !startsWith(steps.a.outputs.job_id, 'x@')", ctx)).toBe(false)
    expect(evaluate("steps.a.outcome != 'failure' || steps.a.outputs.status != 'failed'", ctx)).toBe(true)
    expect(evaluate("steps.missing.outputs.status == ''", ctx)).toBe(true)
    expect(condition('always()', { __jobFailed: true })).toBe(true)
    expect(condition("steps.a.outcome == 'failure'", { ...ctx, __jobFailed: true })).toBe(false)
    // The checks' conditions hold when the step they check went wrong, and only then.
    const ok = (rows: string) => ({ steps: { ok: { outputs: { status: 'succeeded', rows_synced: rows } } } })
    expect(condition("steps.ok.outputs.status != 'succeeded' || steps.ok.outputs.rows_synced != '12500'", ok('12500'))).toBe(false)
    expect(condition("steps.ok.outputs.status != 'succeeded' || steps.ok.outputs.rows_synced != '12500'", ok('12499'))).toBe(true)
    const ids = (a: string, b: string) => ({ steps: { wait: { outputs: { job_id: a } }, trigger: { outputs: { job_id: b } } } })
    expect(condition('steps.wait.outputs.job_id != steps.trigger.outputs.job_id', ids('1', '1'))).toBe(false)
    expect(condition('steps.wait.outputs.job_id != steps.trigger.outputs.job_id', ids('1', '2'))).toBe(true)
    expect(condition('${{ always() }}', { __jobFailed: true })).toBe(true)
    expect(condition('failure()', { __jobFailed: true })).toBe(true)
    expect(condition('success()', { __jobFailed: true })).toBe(false)
    // As GitHub: strings compare case-insensitively, '' escapes a quote, a missing output reads as ''.
    expect(evaluate("'SUCCEEDED' == 'succeeded'", {})).toBe(true)
    expect(evaluate("'it''s'", {})).toBe("it's")
    expect(substitute('url=${{ env.EMULATOR }}/x status=${{ steps.none.outputs.status }}.', { env: { EMULATOR: 'http://e' } })).toBe(
      'url=http://e/x status=.'
    )
  })

  it.concurrent.each(Object.keys(workflow.jobs))(
    'job %s passes, and each step using the root or a provider action ends as its checks expect',
    async (name) => {
      const emulator = await startEmulator({ providers: extraProviders() })
      emulators.push(emulator)
      const job = workflow.jobs[name]
      const ctx: Context = { env: {}, steps: {} }
      const env: Record<string, string> = { ...strings(workflow.env, ctx) }
      ctx.env = env
      Object.assign(env, strings(job.env, ctx))
      env.EMULATOR = emulator.url
      const log: string[] = []
      let actionSteps = 0
      for (const step of job.steps) {
        if (isSetUp(step)) continue
        const label = step.name ?? step.id ?? step.run ?? step.uses
        if (!condition(step.if, ctx)) {
          log.push(`skipped: ${label}`)
          continue
        }
        const stepEnv = { ...env, ...strings(step.env, ctx) }
        let outcome: 'success' | 'failure'
        let outputs: Record<string, string> = {}
        const action = localAction(step)
        if (action !== undefined) {
          actionSteps++
          const run = await runAction(strings(step.with, { ...ctx, env: stepEnv }), { env: stepEnv, action })
          outcome = run.code === 0 ? 'success' : 'failure'
          outputs = run.outputs
          log.push(`${outcome}: ${label} → status ${outputs.status ?? '(none)'}`)
        } else {
          const script = substitute(step.run ?? '', { ...ctx, env: stepEnv })
          const result = spawnSync('bash', ['-eo', 'pipefail', '-c', script], {
            env: { PATH: process.env.PATH ?? '', ...stepEnv },
            encoding: 'utf8'
          })
          outcome = result.status === 0 ? 'success' : 'failure'
          log.push(`${outcome}: ${label}${outcome === 'failure' ? `\n${result.stdout}${result.stderr}` : ''}`)
        }
        if (step.id)
          (ctx.steps as Record<string, unknown>)[step.id] = {
            outputs,
            outcome,
            conclusion: step['continue-on-error'] ? 'success' : outcome
          }
        if (outcome === 'failure' && !step['continue-on-error']) ctx.__jobFailed = true
      }
      expect(actionSteps).toBeGreaterThanOrEqual(name === 'several-targets' ? 1 : 4)
      // Each provider's job uses that provider's own action, and only it.
      if (name !== 'several-targets') {
        expect([...new Set(job.steps.filter((s) => localAction(s) !== undefined).map((s) => s.uses))]).toEqual([`./${name}`])
      }
      expect({ job: name, failed: ctx.__jobFailed === true, log }).toEqual({ job: name, failed: false, log: expect.any(Array) })
    }
  )
})
