import { readBoolean, splitList, type InputReader } from '../../core/inputs.js'
import { readIdList } from '../../jobs/ids.js'
import type { CommonSettings } from '../../core/common.js'
import type { ProviderInput } from '../types.js'
import { NUMERIC_ID } from './model.js'

/** Hightouch inputs (Orchestra's Hightouch "Sync" task, plus slugs, full resync and warnings). */
export interface HightouchSettings {
  /** Sync ids (`sync_id`) or slugs (`sync_slug`), in input order: one target each. */
  syncs: string[]
  /** Whether `syncs` are slugs, resolved to ids with `GET /syncs?slug=`. */
  bySlug: boolean
  apiKey: string
  /** Resync all rows (`full_resync`). */
  fullResync: boolean
  /** Orchestra fails on anything but `success`; false lets `warning` pass. */
  failOnWarning: boolean
  /** Makes `job_url` point at the run in the Hightouch app. */
  workspaceSlug?: string
  /** WAIT/STATUS: the sync run, from a previous step's job_id. */
  runId?: string
}

export const HIGHTOUCH_INPUTS: ProviderInput[] = [
  { name: 'sync_id' },
  { name: 'sync_slug' },
  { name: 'api_key', envFallback: 'HIGHTOUCH_API_KEY', secret: true },
  { name: 'full_resync' },
  { name: 'fail_on_warning' },
  { name: 'workspace_slug' }
]

const WORKSPACE_SLUG = /^[A-Za-z0-9][A-Za-z0-9_-]*$/

export function readHightouchSettings(read: InputReader, common: CommonSettings, problems: string[]): HightouchSettings {
  const ids = readIdList(
    read,
    {
      input: 'sync_id',
      valid: (id) => NUMERIC_ID.test(id),
      expected: "a number (the sync's id, e.g. 1234567)",
      noun: 'sync',
      // 1001 and 01001 are the same sync.
      canonical: (id) => id.replace(/^0+(?=\d)/, '')
    },
    problems
  )
  const slugs = splitList(read('sync_slug'))
  const apiKey = read('api_key', 'HIGHTOUCH_API_KEY')
  const fullResync = readBoolean(read, 'full_resync', problems) ?? false
  const failOnWarning = readBoolean(read, 'fail_on_warning', problems) ?? true
  const workspaceSlug = read('workspace_slug') || undefined
  const { action } = common

  if (ids.length > 0 && slugs.length > 0) {
    problems.push('give sync_id or sync_slug, not both: each names the syncs to work on')
  } else if (ids.length === 0 && slugs.length === 0) {
    problems.push("sync_id or sync_slug is required: the sync's numeric id (e.g. 1234567) or its slug (e.g. all-users-to-salesforce)")
  }
  if (new Set(slugs).size !== slugs.length) problems.push('sync_slug lists the same sync twice')
  if (apiKey === '') problems.push('api_key is required (or the HIGHTOUCH_API_KEY env variable): a Hightouch workspace API key')
  if (workspaceSlug !== undefined && !WORKSPACE_SLUG.test(workspaceSlug)) {
    problems.push(
      `workspace_slug must be the workspace's slug as in https://app.hightouch.com/<workspace_slug>/..., got "${workspaceSlug}"`
    )
  }

  let runId: string | undefined
  if (action === 'WAIT' || action === 'STATUS') {
    if (common.jobId === undefined) {
      problems.push(`job_id is required for ${action}: the sync run id, e.g. a previous SYNC step's job_id output (such as 693970492)`)
    } else if (!NUMERIC_ID.test(common.jobId)) {
      problems.push(`job_id must be a Hightouch sync run id (a number, e.g. 693970492), got "${common.jobId}"`)
    } else runId = common.jobId
    const given = ids.length + slugs.length
    if (given > 1)
      problems.push(`${action} takes one sync (job_id is one run of it), got ${given} in ${ids.length > 0 ? 'sync_id' : 'sync_slug'}`)
  } else if (common.jobId !== undefined) {
    problems.push(`job_id is only used by WAIT and STATUS for hightouch, not ${action}`)
  }

  return { syncs: ids.length > 0 ? ids : slugs, bySlug: ids.length === 0, apiKey, fullResync, failOnWarning, workspaceSlug, runId }
}
