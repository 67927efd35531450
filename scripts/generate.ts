// Generates what must follow action.yml: the README's inputs and outputs tables (between markers) and
// src/action-metadata.ts (the CLI's flags and help). `npm run bundle` runs it; `--check` fails when stale.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'

interface ActionYml {
  inputs: Record<string, { description: string; default?: string; required?: boolean }>
  outputs: Record<string, { description: string }>
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

export function generate(root: string): Generated[] {
  const action = parse(readFileSync(join(root, 'action.yml'), 'utf8')) as ActionYml
  let readme = readFileSync(join(root, 'README.md'), 'utf8')
  readme = replaceBetween(readme, 'inputs', inputsTable(action))
  readme = replaceBetween(readme, 'outputs', outputsTable(action))
  return [
    { path: join(root, 'README.md'), content: readme },
    { path: join(root, 'src', 'action-metadata.ts'), content: metadataModule(action) }
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
    for (const g of generate(root)) writeFileSync(g.path, g.content)
  }
}
