#!/usr/bin/env node
// The same core as the action, as a command for other CI systems (GitLab, DataOps, a shell):
//   npx elt-orchestrator --provider fivetran --action START --connector-id shrank_paparazzi
// Inputs come from flags, then INPUT_* variables, then the DataOps env names (FIVETRAN_ACTION, CONNECTOR_ID, ...).
import { writeFileSync } from 'node:fs'
import { INPUTS } from './action-metadata.js'
import { listenForCancellation } from './cancellation.js'
import { ACTION_NAME, ACTION_VERSION } from './constants.js'
import { errorMessage } from './errors.js'
import { envInputReader, type InputReader } from './inputs.js'
import type { Io } from './io.js'
import { orchestrate } from './orchestrator.js'
import { limiterFor } from './ratelimit.js'
import { neutraliseLog } from './text.js'

export interface CliOptions {
  inputs: Record<string, string>
  json: boolean
  dotenv?: string
  summary?: string
  help: boolean
  version: boolean
  debug: boolean
}

/** Parses `--kebab-name value`, `--kebab-name=value` and the CLI's own flags; throws on anything unknown. */
export function parseCliArgs(argv: string[]): CliOptions {
  const known = new Set(INPUTS.map((i) => i.name))
  const options: CliOptions = { inputs: {}, json: false, help: false, version: false, debug: false }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '-h') {
      options.help = true
      continue
    }
    const match = /^--([a-z][a-z0-9-]*)(?:=(.*))?$/s.exec(arg)
    if (!match) throw new Error(`Unexpected argument "${arg}". Flags look like --connector-id abc; see --help.`)
    const [, flag, inline] = match
    if (flag === 'json' || flag === 'help' || flag === 'version' || flag === 'debug') {
      options[flag] = true
      continue
    }
    const value = inline ?? argv[++i]
    if (value === undefined) throw new Error(`--${flag} needs a value`)
    if (flag === 'dotenv' || flag === 'summary') {
      options[flag] = value
      continue
    }
    const name = flag.replace(/-/g, '_')
    if (!known.has(name)) throw new Error(`Unknown flag --${flag}. See --help for the flags.`)
    options.inputs[name] = value
  }
  return options
}

/** Flags win over INPUT_* variables, which win over the DataOps env names. */
export function cliInputReader(flags: Record<string, string>, env: NodeJS.ProcessEnv): InputReader {
  const fromEnv = envInputReader(env)
  return (name, envFallback) => (flags[name] ?? '').trim() || fromEnv(name, envFallback)
}

export function helpText(): string {
  const lines = [
    `${ACTION_NAME} ${ACTION_VERSION}: trigger, wait for and test Fivetran, Airbyte and Hightouch jobs.`,
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
