// Generates what must follow action.yml: the README's inputs and outputs tables (between markers),
// src/core/action-metadata.ts (the CLI's flags and help), and one action per provider (fivetran/action.yml and its
// README, ...) made of the provider's own inputs (its `inputs` in the registry) and the common ones.
// `npm run bundle` runs it; `--check` fails when stale.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'
import { providers as registry } from '../src/providers/registry.js'

interface ActionInput {
  description: string
  default?: string
  required?: boolean
}

interface ActionYml {
  name?: string
  branding?: { icon: string; color: string }
  inputs: Record<string, ActionInput>
  outputs: Record<string, { description: string }>
}

/** What the generator needs of a provider: its `provider` value, its name in words, its actions and its inputs. */
export interface ProviderInfo {
  name: string
  title: string
  actions: string[]
  inputs: string[]
}

const escape = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ').trim()

export function inputsTable(action: ActionYml): string {
  const rows = Object.entries(action.inputs).map(
    ([name, i]) =>
      `| \`${name}\` | ${i.required ? 'required' : i.default !== undefined ? `\`${i.default}\`` : ''} | ${escape(i.description)} |`
  )
  return ['| Input | Default | Description |', '| --- | --- | --- |', ...rows].join('\n')
}

export function outputsTable(action: ActionYml): string {
  const rows = Object.entries(action.outputs).map(([name, o]) => `| \`${name}\` | ${escape(o.description)} |`)
  return ['| Output | Description |', '| --- | --- |', ...rows].join('\n')
}

export function replaceBetween(text: string, marker: string, content: string): string {
  const start = `<!-- ${marker}:start (generated from action.yml by npm run docs) -->`
  const end = `<!-- ${marker}:end -->`
  const from = text.indexOf(start)
  const to = text.indexOf(end)
  if (from < 0 || to < from) throw new Error(`README.md lacks the markers ${start} ... ${end}`)
  return `${text.slice(0, from + start.length)}\n${content}\n${text.slice(to)}`
}

export function metadataModule(action: ActionYml): string {
  const inputs = Object.entries(action.inputs).map(([name, i]) => ({ name, description: i.description.trim(), default: i.default }))
  const outputs = Object.keys(action.outputs)
  return `// Generated from action.yml by \`npm run docs\`: do not edit.\n\n/** The action's inputs, for the CLI's flags and help. */\nexport const INPUTS: { name: string; description: string; default?: string }[] = ${JSON.stringify(inputs, null, 2)}\n\n/** The action's outputs. */\nexport const OUTPUTS: string[] = ${JSON.stringify(outputs)}\n`
}

export interface Generated {
  path: string
  content: string
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/**
 * An input's description as one provider's action shows it. A description that speaks of several providers in turn
 * ("fivetran: the API key ... airbyte: a ready bearer token ...") keeps its lead-in and this provider's part only;
 * any other is kept whole.
 */
export function describeFor(description: string, provider: string, all: string[]): string {
  const text = description.replace(/\s+/g, ' ').trim()
  const names = [...all].sort((a, b) => b.length - a.length).map(escapeRegExp)
  const starts = [...text.matchAll(new RegExp(`(?:^|(?<=[.)] ))(${names.join('|')})(?=:| [A-Z_]+:)`, 'g'))]
  if (new Set(starts.map((m) => m[1])).size < 2) return text
  const head = text.slice(0, starts[0].index).trim()
  const parts = starts
    .map((m, i) => ({ name: m[1], text: text.slice((m.index ?? 0) + m[1].length, starts[i + 1]?.index ?? text.length).trim() }))
    .filter((p) => p.name === provider)
    .map((p) => p.text.replace(/^:\s*/, ''))
  if (parts.length === 0) return head
  const body = parts.join(' ')
  if (head === '') return body.charAt(0).toUpperCase() + body.slice(1)
  return `${head.replace(/[.:]$/, '')}: ${body}`
}

/** Quotes a YAML scalar the way action.yml does: single quotes, a quote doubled. */
const quote = (text: string): string => `'${text.replace(/'/g, "''")}'`

/** The inputs of one provider's action: `provider` fixed, the common ones, then its own, in action.yml's order. */
export function providerInputs(action: ActionYml, provider: ProviderInfo, all: ProviderInfo[]): Record<string, ActionInput> {
  const claimed = new Set(all.flatMap((p) => p.inputs))
  const unknown = provider.inputs.filter((name) => action.inputs[name] === undefined)
  if (unknown.length > 0) throw new Error(`${provider.name} declares inputs action.yml lacks: ${unknown.join(', ')}`)
  const names = all.map((p) => p.name)
  const inputs: Record<string, ActionInput> = {
    provider: { description: `Always ${provider.name} for this action (the root action takes any provider).`, default: provider.name }
  }
  for (const [name, input] of Object.entries(action.inputs)) {
    if (name === 'provider' || (claimed.has(name) && !provider.inputs.includes(name))) continue
    inputs[name] = { ...input, description: describeFor(input.description, provider.name, names) }
  }
  return inputs
}

/** Outputs, less those only another provider sets (a description that starts with its name). */
export function providerOutputs(action: ActionYml, provider: ProviderInfo, all: ProviderInfo[]): ActionYml['outputs'] {
  const others = all.filter((p) => p.name !== provider.name).map((p) => p.name)
  return Object.fromEntries(
    Object.entries(action.outputs).filter(([, o]) => !others.some((name) => new RegExp(`^${escapeRegExp(name)}[: ]`).test(o.description)))
  )
}

/** `fivetran/action.yml`: the provider's own action, running the same bundle as the root action. */
export function providerActionYml(action: ActionYml, provider: ProviderInfo, all: ProviderInfo[]): string {
  const lines = [
    `# Generated from ../action.yml and the ${provider.name} provider's inputs by \`npm run docs\`: do not edit.`,
    `name: ${quote(`${action.name ?? 'ELT Orchestrator'}: ${provider.title}`)}`,
    `description: ${quote(`Run and wait for ${provider.title} jobs (${provider.actions.join(', ')}), and pass their job_id and status to later steps.`)}`,
    "author: 'elt-orchestrator'"
  ]
  if (action.branding) lines.push('branding:', `  icon: ${quote(action.branding.icon)}`, `  color: ${quote(action.branding.color)}`)
  lines.push('', 'inputs:')
  for (const [name, input] of Object.entries(providerInputs(action, provider, all))) {
    lines.push(`  ${name}:`, `    description: ${quote(input.description)}`, `    required: ${input.required ? 'true' : 'false'}`)
    if (input.default !== undefined) lines.push(`    default: ${quote(String(input.default))}`)
  }
  lines.push('', 'outputs:')
  for (const [name, output] of Object.entries(providerOutputs(action, provider, all))) {
    lines.push(`  ${name}:`, `    description: ${quote(output.description.replace(/\s+/g, ' ').trim())}`)
  }
  lines.push('', 'runs:', "  using: 'node24'", "  main: '../dist/index.js'", '')
  return lines.join('\n')
}

/** `fivetran/README.md`: how to use the provider's action, and its inputs. */
export function providerReadme(action: ActionYml, provider: ProviderInfo, all: ProviderInfo[]): string {
  const sub: ActionYml = { inputs: providerInputs(action, provider, all), outputs: providerOutputs(action, provider, all) }
  return `<!-- Generated from ../action.yml and the ${provider.name} provider's inputs by \`npm run docs\`: do not edit. -->
# ${action.name ?? 'ELT Orchestrator'}: ${provider.title}

\`uses: OWNER/elt-orchestrator/${provider.name}@v1\` is the [root action](../README.md) with \`provider: ${provider.name}\` fixed: the
same code (\`../dist/index.js\`), outputs and job summary, but it declares only the inputs ${provider.title} reads, so an editor
offers those and flags any other. Actions: ${provider.actions.map((a) => `\`${a}\``).join(', ')}.

## Inputs

${inputsTable(sub)}

## Outputs

${outputsTable(sub)}
`
}

/** The providers of the registry, as the generator needs them. */
export function registeredProviders(): ProviderInfo[] {
  return Object.values(registry).map((p) => ({
    name: p.name,
    title: p.title,
    actions: Object.keys(p.actions),
    inputs: p.inputs.map((i) => i.name)
  }))
}

export function generate(root: string, providers: ProviderInfo[] = registeredProviders()): Generated[] {
  const action = parse(readFileSync(join(root, 'action.yml'), 'utf8')) as ActionYml
  let readme = readFileSync(join(root, 'README.md'), 'utf8')
  readme = replaceBetween(readme, 'inputs', inputsTable(action))
  readme = replaceBetween(readme, 'outputs', outputsTable(action))
  return [
    { path: join(root, 'README.md'), content: readme },
    { path: join(root, 'src', 'core', 'action-metadata.ts'), content: metadataModule(action) },
    ...providers.flatMap((p) => [
      { path: join(root, p.name, 'action.yml'), content: providerActionYml(action, p, providers) },
      { path: join(root, p.name, 'README.md'), content: providerReadme(action, p, providers) }
    ])
  ]
}

/** The files whose content differs from what action.yml says they should be. */
export function stale(root: string): string[] {
  return generate(root)
    .filter((g) => {
      try {
        return readFileSync(g.path, 'utf8') !== g.content
      } catch {
        return true
      }
    })
    .map((g) => g.path)
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const root = fileURLToPath(new URL('..', import.meta.url))
  if (process.argv.includes('--check')) {
    const files = stale(root)
    if (files.length > 0) {
      console.error(`Stale (run npm run docs): ${files.join(', ')}`)
      process.exit(1)
    }
  } else {
    for (const g of generate(root)) {
      mkdirSync(dirname(g.path), { recursive: true })
      writeFileSync(g.path, g.content)
    }
  }
}
