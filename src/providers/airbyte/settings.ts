import type { InputReader } from '../../core/inputs.js'
import { readIdList } from '../../jobs/ids.js'
import type { CommonSettings } from '../../core/common.js'
import type { ProviderInput } from '../types.js'
import type { AirbyteCredentials } from './api.js'
import { isJobId, isUuid, type JobType } from './model.js'

/** Airbyte inputs (Airflow `AirbyteTriggerSyncOperator` / `AirbyteJobSensor`). */
export interface AirbyteSettings {
  /** Connection UUIDs from `connection_id` (several for one SYNC/RESET/CLEAR step). */
  connectionIds: string[]
  credentials: AirbyteCredentials
  /** A sync already runs on the connection: fail (as Airflow) or wait for that job. */
  ifRunning: 'fail' | 'attach'
  /** Makes `job_url` point at the connection in the Airbyte UI. */
  workspaceId?: string
  /** WAIT, STATUS and CANCEL: the job, from a previous step's `job_id`. */
  jobId?: string
  /** What SYNC, RESET and CLEAR send as `jobType`. */
  jobType: JobType
}

export const AIRBYTE_INPUTS: ProviderInput[] = [
  { name: 'connection_id' },
  { name: 'client_id', envFallback: 'AIRBYTE_CLIENT_ID' },
  { name: 'client_secret', envFallback: 'AIRBYTE_CLIENT_SECRET', secret: true },
  { name: 'api_key', envFallback: 'AIRBYTE_API_KEY', secret: true },
  { name: 'if_running' },
  { name: 'workspace_id' }
]

/** The job types each starting action sends; RESET and CLEAR run the same server code. */
export const JOB_TYPES: Record<string, JobType> = { SYNC: 'sync', RESET: 'reset', CLEAR: 'clear' }
const JOB_ACTIONS = new Set(['WAIT', 'STATUS', 'CANCEL'])

export function readAirbyteSettings(read: InputReader, common: CommonSettings, problems: string[]): AirbyteSettings {
  const connectionIds = readIdList(
    read,
    {
      input: 'connection_id',
      valid: isUuid,
      expected: "a connection UUID such as e735894a-e773-4938-969f-45f53957b75b (from the connection's URL in Airbyte)",
      noun: 'connection',
      // UUIDs are case-insensitive: the same connection in two cases would start two jobs on it.
      canonical: (id) => id.toLowerCase()
    },
    problems
  )
  const clientId = read('client_id', 'AIRBYTE_CLIENT_ID')
  const clientSecret = read('client_secret', 'AIRBYTE_CLIENT_SECRET')
  const apiKey = read('api_key', 'AIRBYTE_API_KEY')
  const ifRunningText = read('if_running')
  const workspaceId = read('workspace_id') || undefined
  const { action, jobId } = common
  const starts = action in JOB_TYPES

  if (starts) {
    if (connectionIds.length === 0) {
      problems.push(`connection_id is required for ${action}: the connection's UUID, e.g. e735894a-e773-4938-969f-45f53957b75b`)
    }
    if (jobId !== undefined) problems.push(`job_id is only used by WAIT, STATUS and CANCEL for airbyte, not ${action}`)
  } else if (JOB_ACTIONS.has(action)) {
    if (jobId === undefined) {
      problems.push(
        `job_id is required for ${action}: the Airbyte job id, a number such as a previous SYNC step's job_id output (e.g. 12345)`
      )
    } else if (!isJobId(jobId)) {
      problems.push(`job_id must be an Airbyte job id (a number, e.g. 12345), got "${jobId}"`)
    }
    if (connectionIds.length > 1) {
      problems.push(`${action} acts on one job: connection_id may name its connection only, got ${connectionIds.length} connections`)
    }
  }

  if (clientId !== '' && clientSecret === '') {
    problems.push(
      'client_secret is required with client_id (or the AIRBYTE_CLIENT_SECRET env variable): the secret of the same Airbyte application'
    )
  }
  if (clientSecret !== '' && clientId === '') {
    problems.push(
      'client_id is required with client_secret (or the AIRBYTE_CLIENT_ID env variable): the id of the same Airbyte application'
    )
  }
  if ((clientId !== '' || clientSecret !== '') && apiKey !== '') {
    problems.push('give either client_id and client_secret, or api_key (a ready token), not both')
  }
  let credentials: AirbyteCredentials = { kind: 'none' }
  if (clientId !== '' && clientSecret !== '') credentials = { kind: 'application', clientId, clientSecret }
  else if (apiKey !== '') credentials = { kind: 'token', apiKey }
  else if (clientId === '' && clientSecret === '' && isCloud(common, read('base_url'))) {
    problems.push(
      'client_id and client_secret are required for Airbyte Cloud (or the AIRBYTE_CLIENT_ID and AIRBYTE_CLIENT_SECRET env variables; or a ready token in api_key): an application from User settings → Applications. Only a self-managed server with auth turned off needs none (base_url http(s)://HOST/api/public/v1).'
    )
  }

  let ifRunning: AirbyteSettings['ifRunning'] = 'fail'
  if (ifRunningText !== '') {
    const value = ifRunningText.toLowerCase()
    if (value === 'fail' || value === 'attach') ifRunning = value
    else problems.push(`if_running must be fail or attach, got "${ifRunningText}"`)
  }
  if (workspaceId !== undefined && !isUuid(workspaceId)) {
    problems.push(`workspace_id must be a workspace UUID (from the Airbyte URL .../workspaces/<workspace_id>/...), got "${workspaceId}"`)
  }
  if (common.baseUrlGiven && /\/api\/v1$/.test(new URL(common.baseUrl).pathname)) {
    problems.push(
      `base_url must be Airbyte's public API (http(s)://HOST/api/public/v1), not the deprecated configuration API, got "${common.baseUrl}"`
    )
  }
  return {
    connectionIds,
    credentials,
    ifRunning,
    workspaceId,
    jobId: JOB_ACTIONS.has(action) ? jobId : undefined,
    jobType: JOB_TYPES[action] ?? 'sync'
  }
}

/** The `base_url` is Airbyte Cloud's API (given or by default), where credentials are always needed. */
function isCloud(common: CommonSettings, given: string): boolean {
  // A base_url that was refused has left the default in place: that problem is reported on its own.
  if (given !== '' && given.replace(/\/+$/, '') !== common.baseUrl) return false
  return new URL(common.baseUrl).hostname === 'api.airbyte.com'
}
