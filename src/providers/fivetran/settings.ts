import { readBoolean, splitList, type InputReader } from '../../core/inputs.js'
import { readIdList } from '../../jobs/ids.js'
import type { CommonSettings } from '../../core/common.js'
import type { ProviderInput } from '../types.js'
import { CONNECTOR_ID, parseJobId } from './model.js'

/** Fivetran inputs (DataOps "Fivetran Orchestrator" parameters). */
export interface FivetranSettings {
  /** Connection ids, from `connector_id` / `CONNECTOR_ID` (several for one step). */
  connectorIds: string[]
  apiKey: string
  apiSecret: string
  /** FORCE_RESYNC scope. */
  schema?: string
  tables: string[]
  /** Leave `schedule_type` alone (`dont_disable_sync` / `FIVETRAN_DONT_DISABLE_SYNC`). */
  dontDisableSync: boolean
  /** START on a syncing connector: restart the sync (true) or wait for it (false). */
  force: boolean
  /** Put `schedule_type` back after the job ends. */
  restoreSchedule: boolean
  /** WAIT/STATUS with a previous step's job_id: the connector and the baseline the sync must end after. */
  job?: { connectorId: string; baseline: string | null }
}

export const FIVETRAN_INPUTS: ProviderInput[] = [
  { name: 'connector_id', envFallback: 'CONNECTOR_ID' },
  { name: 'api_key', envFallback: 'FIVETRAN_API_KEY', secret: true },
  { name: 'api_secret', envFallback: 'FIVETRAN_API_SECRET', secret: true },
  { name: 'schema', envFallback: 'SCHEMA' },
  { name: 'table', envFallback: 'TABLE' },
  { name: 'dont_disable_sync', envFallback: 'FIVETRAN_DONT_DISABLE_SYNC' },
  { name: 'force' },
  { name: 'restore_schedule' }
]

export function readFivetranSettings(read: InputReader, common: CommonSettings, problems: string[]): FivetranSettings {
  const connectorIds = readIdList(
    read,
    {
      input: 'connector_id',
      envFallback: 'CONNECTOR_ID',
      valid: (id) => CONNECTOR_ID.test(id),
      expected: 'a Fivetran connection id such as shrank_paparazzi (letters, digits, _ . -)',
      noun: 'connector'
    },
    problems
  )
  const apiKey = read('api_key', 'FIVETRAN_API_KEY')
  const apiSecret = read('api_secret', 'FIVETRAN_API_SECRET')
  const schema = read('schema', 'SCHEMA') || undefined
  const tables = splitList(read('table', 'TABLE'))
  const dontDisable = read('dont_disable_sync', 'FIVETRAN_DONT_DISABLE_SYNC')
  const dontDisableSync = dontDisable !== '' && !/^false$/i.test(dontDisable)
  const force = readBoolean(read, 'force', problems) ?? false
  const restoreSchedule = readBoolean(read, 'restore_schedule', problems) ?? false
  const { action } = common

  let job: FivetranSettings['job']
  if (common.jobId !== undefined) {
    if (action !== 'WAIT' && action !== 'STATUS') {
      problems.push(`job_id is only used by WAIT and STATUS for fivetran, not ${action}`)
    } else {
      job = parseJobId(common.jobId)
      if (!job) {
        problems.push(
          `job_id must be CONNECTOR_ID@BASELINE as a previous START step's job_id output gives it (e.g. shrank_paparazzi@2026-01-05T18:12:49.562Z), got "${common.jobId}"`
        )
      } else if (connectorIds.length > 0 && (connectorIds.length > 1 || connectorIds[0] !== job.connectorId)) {
        problems.push(`connector_id "${connectorIds.join(',')}" does not match the connector of job_id ("${job.connectorId}")`)
      }
    }
  }
  if (connectorIds.length === 0 && !job) {
    problems.push('connector_id is required (or the CONNECTOR_ID env variable): the Fivetran connection id, e.g. shrank_paparazzi')
  }
  if (apiKey === '') problems.push('api_key is required (or the FIVETRAN_API_KEY env variable): a Fivetran API key')
  if (apiSecret === '') problems.push("api_secret is required (or the FIVETRAN_API_SECRET env variable): the API key's secret")
  if (action === 'FORCE_RESYNC') {
    if (!schema) problems.push('schema is required for FORCE_RESYNC (or the SCHEMA env variable): the source schema of the tables')
    if (tables.length === 0)
      problems.push('table is required for FORCE_RESYNC (or the TABLE env variable): one or more table names, comma-separated')
  }
  if (restoreSchedule && dontDisableSync) {
    problems.push('restore_schedule: true has nothing to restore when dont_disable_sync is set (the schedule is never changed)')
  }
  return {
    connectorIds: connectorIds.length > 0 ? connectorIds : job ? [job.connectorId] : [],
    apiKey,
    apiSecret,
    schema,
    tables,
    dontDisableSync,
    force,
    restoreSchedule,
    job
  }
}
