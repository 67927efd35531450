#!/usr/bin/env node
// The same core as the action, as a command for other CI systems (GitLab, DataOps, a shell):
//   npx elt-orchestrator --provider fivetran --action START --connector-id shrank_paparazzi
// Inputs come from flags, then INPUT_* variables, then the DataOps env names (FIVETRAN_ACTION, CONNECTOR_ID, ...).
import { writeFileSync } from 'node:fs'
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { INPUTS } from '../core/action-metadata.js'
import { listenForCancellation } from '../core/cancellation.js'
import { ACTION_NAME, ACTION_VERSION } from '../core/constants.js'
import { errorMessage } from '../core/errors.js'
import { envInputReader, type InputReader } from '../core/inputs.js'
import type { Io } from '../core/io.js'
import { orchestrate } from '../core/orchestrator.js'
import { limiterFor } from '../http/ratelimit.js'
import { providers } from '../providers/registry.js'
import { neutraliseLog } from '../core/text.js'

export interface CliOptions {
  inputs: Record<string, string>
  json: boolean
  dotenv?: string
  summary?: string
  help: boolean
  version: boolean
  debug: boolean
}

/** The CLI's own flags, beside one `--kebab-name` string flag per input of action.yml. */
const OWN_FLAGS = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
  debug: { type: 'boolean' },
  dotenv: { type: 'string' },
  summary: { type: 'string' }
} as const satisfies ParseArgsConfig['options']

/** Parses `--kebab-name value`, `--kebab-name=value` and the CLI's own flags (node:util parseArgs); throws on anything unknown. */
export function parseCliArgs(argv: string[]): CliOptions {
  const flagOf = (name: string): string => name.replace(/_/g, '-')
  const inputFlags = Object.fromEntries(INPUTS.map((i) => [flagOf(i.name), { type: 'string' as const }]))
  let values: Record<string, string | boolean | undefined>
  try {
    ;({ values } = parseArgs({ args: argv, options: { ...inputFlags, ...OWN_FLAGS }, strict: true, allowPositionals: false }))
  } catch (error) {
    throw new Error(cliArgsProblem(error), { cause: error })
  }
  const options: CliOptions = {
    inputs: {},
    json: values.json === true,
    help: values.help === true,
    version: values.version === true,
    debug: values.debug === true,
    dotenv: values.dotenv as string | undefined,
    summary: values.summary as string | undefined
  }
  for (const input of INPUTS) {
    const value = values[flagOf(input.name)]
    if (typeof value === 'string') options.inputs[input.name] = value
  }
  return options
}

/** parseArgs's complaint in the CLI's words: which argument, and what to do. */
function cliArgsProblem(error: unknown): string {
  // Read as a plain object: the error comes from node:util, which under jest is another realm's Error.
  const { code, message = String(error) } = error as { code?: string; message?: string }
  const option = /'(-[^' ]+)/.exec(message)?.[1] ?? ''
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `Unknown flag ${option}. See --help for the flags.`
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `Unexpected argument "${/'([^']*)'/.exec(message)?.[1] ?? ''}". Flags look like --connector-id abc; see --help.`
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      // A string flag at the end or before another flag, or a switch given a value (--json=yes).
      return /does not take an argument/.test(message)
        ? `${option} takes no value`
        : `${option} needs a value (one that starts with "-" goes as ${option}=-value)`
    default:
      return message
  }
}

/** Flags win over INPUT_* variables, which win over the DataOps env names. */
export function cliInputReader(flags: Record<string, string>, env: NodeJS.ProcessEnv): InputReader {
  const fromEnv = envInputReader(env)
  return (name, envFallback) => (flags[name] ?? '').trim() || fromEnv(name, envFallback)
}

/** `Fivetran, Airbyte, Hightouch and dbt Cloud`: every registered provider, by the name people write. */
function providerTitles(): string {
  const titles = Object.values(providers).map((p) => p.title)
  return titles.length > 1 ? `${titles.slice(0, -1).join(', ')} and ${titles.at(-1)}` : titles.join('')
}

export function helpText(): string {
  const lines = [
    `${ACTION_NAME} ${ACTION_VERSION}: trigger, wait for and test ${providerTitles()} jobs.`,
    `Providers (--provider): ${Object.keys(providers).join(', ')}.`,
    '',
    'Usage: elt-orchestrator --provider fivetran --action START --connector-id shrank_paparazzi [options]',
    '',
    'Every input of the GitHub Action is a flag (snake_case becomes kebab-case). Flags win over INPUT_<NAME>',
    'variables, which win over the DataOps env names (FIVETRAN_ACTION, CONNECTOR_ID, FIVETRAN_API_KEY, ...).',
    '',
    'Inputs:'
  ]
  for (const input of INPUTS) {
    const flag = `--${input.name.replace(/_/g, '-')}`
    const fallback = input.default !== undefined ? ` (default ${input.default})` : ''
    lines.push(`  ${flag.padEnd(22)} ${input.description}${fallback}`)
  }
  lines.push(
    '',
    'Output:',
    `  ${'--json'.padEnd(22)} print the outputs as one JSON object on stdout (logs go to stderr)`,
    `  ${'--dotenv FILE'.padEnd(22)} write the outputs as NAME=value lines (JOB_ID=..., STATUS=...), e.g. for GitLab's artifacts:reports:dotenv`,
    `  ${'--summary FILE'.padEnd(22)} write the job summary (markdown) to FILE`,
    `  ${'--debug'.padEnd(22)} show debug lines`,
    `  ${'--help, --version'.padEnd(22)} this text; the version`,
    '',
    'Exit code: 0 when the step passes, 1 when it fails (as the action).'
  )
  return lines.join('\n')
}

/** Plain lines on stderr: no `::` workflow commands outside GitHub. */
export function cliIo(options: { debug: boolean; summary?: string }, outputs: Record<string, string>): Io {
  const err = (line: string): void => void process.stderr.write(`${line}\n`)
  return {
    info: (m) => err(m),
    warning: (m) => err(`warning: ${m}`),
    error: (m) => err(`error: ${m}`),
    debug: (m) => {
      if (options.debug) err(`debug: ${m}`)
    },
    group: async (name, fn) => {
      err(`▸ ${name}`)
      return fn()
    },
    setSecret: () => undefined,
    setOutput: (name, value) => {
      outputs[name] = value
    },
    writeSummary: async (markdown) => {
      if (options.summary) writeFileSync(options.summary, markdown)
    }
  }
}

/** `NAME=value` lines, names upper-cased; values kept on one line. */
export function dotenv(outputs: Record<string, string>): string {
  return Object.entries(outputs)
    .map(([name, value]) => `${name.toUpperCase()}=${value.replace(/\r?\n/g, '\\n')}`)
    .join('\n')
    .concat('\n')
}

export async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  let options: CliOptions
  try {
    options = parseCliArgs(argv)
  } catch (error) {
    process.stderr.write(`error: ${errorMessage(error)}\n`)
    return 1
  }
  if (options.help) {
    process.stdout.write(`${helpText()}\n`)
    return 0
  }
  if (options.version) {
    process.stdout.write(`${ACTION_VERSION}\n`)
    return 0
  }
  const outputs: Record<string, string> = {}
  const io = cliIo({ debug: options.debug || env.RUNNER_DEBUG === '1', summary: options.summary }, outputs)
  const cancellation = listenForCancellation((m) => io.warning(m))
  try {
    const result = await orchestrate({ io, read: cliInputReader(options.inputs, env), signal: cancellation.signal, limiterFor })
    if (options.dotenv) writeFileSync(options.dotenv, dotenv(outputs))
    // Outputs carry provider text: neutralised like every log line, in case the CLI runs on a GitHub runner.
    if (options.json) process.stdout.write(`${neutraliseLog(JSON.stringify(outputs))}\n`)
    else for (const [name, value] of Object.entries(outputs)) process.stdout.write(`${neutraliseLog(`${name}: ${value}`)}\n`)
    return result.exitCode
  } catch (error) {
    io.error(`Unexpected error: ${errorMessage(error)}`)
    return 1
  } finally {
    cancellation.dispose()
  }
}
