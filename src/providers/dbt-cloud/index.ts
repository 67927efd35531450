import type { Provider } from '../types.js'
import { DBT_CLOUD_ACTIONS, cancelAfterAbort, dbtCloudClient } from './actions.js'
import { explainDbtCloud } from './advice.js'
import { DBT_CLOUD_BASE_URL, type DbtCloudApi } from './api.js'
import { DBT_CLOUD_INPUTS, readDbtCloudSettings, type DbtCloudSettings } from './settings.js'

/** dbt Cloud: run a job and wait for it, with its tests in the summary (Airflow's `DbtCloudRunJobOperator` + sensor). */
export const dbtCloud: Provider<DbtCloudSettings, DbtCloudApi> = {
  name: 'dbt-cloud',
  title: 'dbt Cloud',
  targetNoun: 'dbt job',
  defaultBaseUrl: DBT_CLOUD_BASE_URL,
  defaultAction: 'RUN',
  actions: DBT_CLOUD_ACTIONS,
  inputs: DBT_CLOUD_INPUTS,
  // Per account, then a cooldown (reference: dbt Cloud API docs, "Rate limits").
  rateLimit: { requests: 5000, windowMs: 60_000 },
  readSettings: readDbtCloudSettings,
  secrets: (s) => [s.apiKey],
  // WAIT, STATUS and CANCEL without dbt_cloud_job_id: the run is the target.
  targets: (s) => (s.jobIds.length > 0 ? s.jobIds : s.runId !== undefined ? [s.runId] : []),
  client: (ctx) => dbtCloudClient(ctx),
  explain: explainDbtCloud,
  cancelAfterAbort
}
