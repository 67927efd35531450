import type { InputReader } from '../../core/inputs.js'
import { readIdList } from '../../jobs/ids.js'
import type { CommonSettings } from '../../core/common.js'
import type { ProviderInput } from '../types.js'
import type { TriggerBody } from './api.js'
import { NUMERIC_ID } from './model.js'

/** dbt Cloud inputs (Airflow's `DbtCloudRunJobOperator`, dbt Labs' `dbt-cloud-job-action`). */
export interface DbtCloudSettings {
  /** Service token or personal access token, sent as `Authorization: Token …`. */
  apiKey: string
  accountId: string
  /** Job ids from `dbt_cloud_job_id`: one target each for RUN and RERUN. */
  jobIds: string[]
  /** WAIT, STATUS and CANCEL: the run, from a previous step's `job_id`. */
  runId?: string
  /** RUN: `cause` (without the token) and the overrides given. */
  trigger: Omit<TriggerBody, 'cause'>
  cause: string
}

export const DBT_CLOUD_INPUTS: ProviderInput[] = [
  { name: 'api_key', envFallback: 'DBT_CLOUD_API_TOKEN', secret: true },
  { name: 'account_id', envFallback: 'DBT_CLOUD_ACCOUNT_ID' },
  { name: 'dbt_cloud_job_id', envFallback: 'DBT_CLOUD_JOB_ID' },
  { name: 'cause' },
  { name: 'git_branch' },
  { name: 'git_sha' },
  { name: 'schema_override' },
  { name: 'target_name_override' },
  { name: 'threads_override' },
  { name: 'steps_override' },
  { name: 'github_pull_request_id' },
  { name: 'timeout_seconds_override' }
]

const STARTS = new Set(['RUN', 'RERUN'])
const OVERRIDES = [
  'git_branch',
  'git_sha',
  'schema_override',
  'target_name_override',
  'threads_override',
  'steps_override',
  'github_pull_request_id',
  'timeout_seconds_override'
] as const

/** What the trigger's `cause` says by default: which repository, workflow and run started it. */
export function defaultCause(env: NodeJS.ProcessEnv = process.env): string {
  const repo = env.GITHUB_REPOSITORY
  if (!repo) return 'Triggered by elt-orchestrator'
  const workflow = env.GITHUB_WORKFLOW ? ` workflow "${env.GITHUB_WORKFLOW}"` : ''
  const run = env.GITHUB_RUN_ID ? ` run ${env.GITHUB_RUN_ID}${env.GITHUB_RUN_ATTEMPT ? `/${env.GITHUB_RUN_ATTEMPT}` : ''}` : ''
  return `GitHub Actions: ${repo}${workflow}${run}`
}

function wholeNumber(read: InputReader, name: string, min: number, problems: string[], example: string): number | undefined {
  const text = read(name)
  if (text === '') return undefined
  const n = /^\d{1,12}$/.test(text) ? Number(text) : NaN
  if (!(n >= min)) {
    problems.push(`${name} must be a whole number${min > 0 ? ` from ${min}` : ''} (e.g. ${example}), got "${text}"`)
    return undefined
  }
  return n
}

export function readDbtCloudSettings(read: InputReader, common: CommonSettings, problems: string[]): DbtCloudSettings {
  const { action, jobId } = common
  const apiKey = read('api_key', 'DBT_CLOUD_API_TOKEN')
  const accountId = read('account_id', 'DBT_CLOUD_ACCOUNT_ID')
  const jobIds = readIdList(
    read,
    {
      input: 'dbt_cloud_job_id',
      envFallback: 'DBT_CLOUD_JOB_ID',
      valid: (id) => NUMERIC_ID.test(id),
      expected: 'a numeric dbt Cloud job id (e.g. 567)',
      noun: 'job',
      canonical: (id) => id.replace(/^0+(?=\d)/, '')
    },
    problems
  )

  if (apiKey === '') {
    problems.push('api_key is required (or the DBT_CLOUD_API_TOKEN env variable): a dbt Cloud service token with the Job Runner permission')
  }
  if (accountId === '') {
    problems.push(
      'account_id is required (or the DBT_CLOUD_ACCOUNT_ID env variable): the numeric account id, from .../deploy/<account_id>/... in dbt Cloud'
    )
  } else if (!NUMERIC_ID.test(accountId)) {
    problems.push(`account_id must be the numeric dbt Cloud account id (e.g. 43), got "${accountId}"`)
  }

  let runId: string | undefined
  if (STARTS.has(action)) {
    if (jobIds.length === 0) {
      problems.push(
        `dbt_cloud_job_id is required for ${action} (or the DBT_CLOUD_JOB_ID env variable): the job's id, from .../jobs/<id>/ in dbt Cloud`
      )
    }
    if (jobId !== undefined) problems.push(`job_id is only used by WAIT, STATUS and CANCEL for dbt-cloud, not ${action}`)
  } else {
    if (jobId === undefined && action !== 'STATUS') {
      problems.push(
        `job_id is required for ${action}: the dbt Cloud run id, e.g. a previous RUN step's job_id output (such as 70471831584850)`
      )
    } else if (jobId === undefined && jobIds.length !== 1) {
      problems.push('STATUS needs job_id (a run id) or exactly one dbt_cloud_job_id (whose latest run it reports)')
    } else if (jobId !== undefined && !NUMERIC_ID.test(jobId)) {
      problems.push(`job_id must be a dbt Cloud run id (a number, e.g. 70471831584850), got "${jobId}"`)
    } else runId = jobId
    if (jobIds.length > 1) problems.push(`${action} acts on one run: dbt_cloud_job_id may name its job only, got ${jobIds.length} jobs`)
  }

  const trigger: DbtCloudSettings['trigger'] = {}
  for (const name of ['git_branch', 'git_sha', 'schema_override', 'target_name_override'] as const) {
    const value = read(name)
    if (value !== '') trigger[name] = value
  }
  if (trigger.git_sha !== undefined && !/^[0-9a-f]{7,40}$/i.test(trigger.git_sha)) {
    problems.push(`git_sha must be a commit SHA (7 to 40 hex digits), got "${trigger.git_sha}"`)
  }
  trigger.threads_override = wholeNumber(read, 'threads_override', 1, problems, '8')
  trigger.github_pull_request_id = wholeNumber(read, 'github_pull_request_id', 1, problems, '123')
  trigger.timeout_seconds_override = wholeNumber(read, 'timeout_seconds_override', 0, problems, '3600')
  const steps = read('steps_override')
    .split(/\r?\n/)
    // dbt-cloud-job-action took a YAML list: its `- dbt build` lines are read as they were meant.
    .map((s) => s.trim().replace(/^-\s+/, ''))
    .filter((s) => s !== '')
  if (steps.length > 0) trigger.steps_override = steps
  for (const step of steps) {
    if (!/^dbt\s+\S/.test(step)) problems.push(`steps_override takes one dbt command a line (e.g. dbt build -s my_model+), got "${step}"`)
  }
  for (const key of Object.keys(trigger) as (keyof typeof trigger)[]) if (trigger[key] === undefined) delete trigger[key]

  const causeText = read('cause')
  if (!STARTS.has(action) || action === 'RERUN') {
    const given = [...OVERRIDES.filter((name) => read(name) !== ''), ...(causeText !== '' ? ['cause'] : [])]
    if (given.length > 0) {
      const why = action === 'RERUN' ? 'dbt Cloud reruns a failed run as it was, with no cause or overrides' : `${action} starts no run`
      problems.push(`${given.join(', ')} ${given.length > 1 ? 'are' : 'is'} only used by RUN: ${why}`)
    }
  }
  if (causeText.length > 200)
    problems.push(`cause must be at most 200 characters (dbt Cloud takes 255, with the action's token), got ${causeText.length}`)

  return { apiKey, accountId, jobIds, runId, trigger, cause: causeText || defaultCause() }
}
