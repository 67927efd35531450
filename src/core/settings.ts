import { MAX_TIMER_MS } from './clock.js'
import { parseDuration } from './duration.js'
import { InputError } from './errors.js'
import { readBoolean, type InputReader } from './inputs.js'
import type { PreparedStep, RegisteredProvider } from '../providers/types.js'
import type { ActionKind, CommonSettings } from './common.js'

export interface Settings {
  common: CommonSettings
  provider: RegisteredProvider
  /** The provider's own settings, bound to its actions. */
  step: PreparedStep
}

/** The inputs every provider reads; any other input belongs to one or more providers (their `inputs`). */
export const COMMON_INPUTS = [
  'provider',
  'action',
  'wait',
  'job_id',
  'timeout',
  'poll_interval',
  'request_timeout',
  'base_url',
  'cancel_on_abort',
  'max_parallel',
  'history'
] as const

export const DEFAULT_TIMEOUT = '1h'
export const DEFAULT_POLL_INTERVAL = '30s'
export const DEFAULT_REQUEST_TIMEOUT = '30s'
export const DEFAULT_MAX_PARALLEL = 10
export const MAX_PARALLEL_LIMIT = 1000

/**
 * Reads every input into a typed settings object. All problems are collected and thrown together as one
 * InputError, so a user fixes a step in one go, and nothing is sent to a provider before the inputs are right.
 */
export function readSettings(read: InputReader, providers: Record<string, RegisteredProvider>): Settings {
  const problems: string[] = []
  const providerName = read('provider').toLowerCase()
  const provider = Object.hasOwn(providers, providerName) ? providers[providerName] : undefined
  const names = Object.keys(providers).join(', ')
  if (providerName === '') problems.push(`provider is required: one of ${names}`)
  else if (!provider) problems.push(`provider must be one of ${names}, got "${read('provider')}"`)

  let action = ''
  let actionKind: ActionKind = 'report'
  if (provider) {
    const given = read('action', provider.actionEnvFallback).toUpperCase()
    action = given === '' ? provider.defaultAction : (provider.aliases?.[given] ?? given)
    const spec = provider.actions[action]
    if (spec) actionKind = spec.kind
    else {
      const from = provider.actionEnvFallback && read('action') === '' ? ` (from ${provider.actionEnvFallback})` : ''
      const accepted = [...Object.keys(provider.actions), ...Object.keys(provider.aliases ?? {})].join(', ')
      problems.push(`action must be one of ${accepted} for ${provider.name}, got "${given}"${from}`)
    }
  }

  const wait = readBoolean(read, 'wait', problems) ?? true
  const cancelOnAbort = readBoolean(read, 'cancel_on_abort', problems) ?? true
  const history = readBoolean(read, 'history', problems) ?? true
  const timeoutMs = readDurationInput(read, 'timeout', DEFAULT_TIMEOUT, problems)
  const pollIntervalMs = readDurationInput(read, 'poll_interval', DEFAULT_POLL_INTERVAL, problems)
  const requestTimeoutMs = readDurationInput(read, 'request_timeout', DEFAULT_REQUEST_TIMEOUT, problems)

  const maxParallelText = read('max_parallel')
  let maxParallel = DEFAULT_MAX_PARALLEL
  if (maxParallelText !== '') {
    maxParallel = /^\d+$/.test(maxParallelText) ? Number(maxParallelText) : NaN
    if (!(maxParallel >= 1 && maxParallel <= MAX_PARALLEL_LIMIT)) {
      problems.push(`max_parallel must be a whole number from 1 to ${MAX_PARALLEL_LIMIT}, got "${maxParallelText}"`)
    }
  }

  const baseUrlText = read('base_url')
  let baseUrl = provider?.defaultBaseUrl ?? ''
  if (baseUrlText !== '') {
    const problem = checkBaseUrl(baseUrlText)
    if (problem) problems.push(problem)
    else baseUrl = baseUrlText.replace(/\/+$/, '')
  }

  const jobId = read('job_id') || undefined
  const common: CommonSettings = {
    provider: providerName,
    action,
    actionKind,
    // WAIT always waits: `wait: false` only makes sense for actions that start a job.
    wait: action === 'WAIT' ? true : wait,
    jobId,
    timeoutMs,
    pollIntervalMs,
    requestTimeoutMs,
    baseUrl,
    baseUrlGiven: baseUrlText !== '',
    cancelOnAbort,
    maxParallel,
    history
  }
  const step = provider?.prepare(read, common, problems)
  if (problems.length > 0 || !provider || !step) throw new InputError(problems)
  return { common, provider, step }
}

/** The longest duration input: what a timer can hold (2^31 - 1 ms, about 24.8 days). */
export const MAX_DURATION_MS = MAX_TIMER_MS
/** MAX_DURATION_MS in the inputs' own syntax. */
export const MAX_DURATION_TEXT = '24d20h31m23s'

function readDurationInput(read: InputReader, name: string, fallback: string, problems: string[]): number {
  const text = read(name)
  const ms = parseDuration(text === '' ? fallback : text)
  if (ms === undefined) {
    problems.push(`${name} must be a duration such as 90s, 45m, 2h, 1h30m or a number of seconds, got "${text}"`)
    return 0
  }
  if (ms > MAX_DURATION_MS) {
    problems.push(
      `${name} must be at most ${MAX_DURATION_TEXT} (${MAX_DURATION_MS} ms, about 24.8 days: the longest a timer can hold), got "${text}"`
    )
    return 0
  }
  return ms
}

function checkBaseUrl(text: string): string | undefined {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return `base_url must be an http(s) URL such as https://api.example.com/v1, got "${text}"`
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return `base_url must start with https:// or http://, got "${text}"`
  }
  if (url.username || url.password) return 'base_url must not carry credentials; use the credential inputs'
  if (url.search || url.hash) return `base_url must not have a query or fragment, got "${text}"`
  return undefined
}

/** True for hosts on this machine, where plain http is fine (a local emulator, a port-forward). */
export function isLoopback(baseUrl: string): boolean {
  const host = new URL(baseUrl).hostname.replace(/^\[|\]$/g, '')
  return host === 'localhost' || host === '::1' || /^127\./.test(host)
}
