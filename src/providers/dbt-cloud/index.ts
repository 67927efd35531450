import { AbortedError } from '../../errors.js'
import type { Provider } from '../types.js'
import { cancelAfterAbort, cancelRun, jobOf, rerunJob, runJob, statusRun, waitRun, apiFor, type Progress } from './actions.js'
import { explain } from './advice.js'
import { DBT_CLOUD_BASE_URL } from './api.js'
import { readDbtCloudSettings, type DbtCloudSettings } from './settings.js'

/** dbt Cloud: run a job and wait for it, with its tests in the summary (Airflow's `DbtCloudRunJobOperator` + sensor). */
export const dbtCloud: Provider<DbtCloudSettings> = {
  name: 'dbt-cloud',
  title: 'dbt Cloud',
  targetNoun: 'dbt job',
  defaultBaseUrl: DBT_CLOUD_BASE_URL,
  defaultAction: 'RUN',
  actions: {
    RUN: { kind: 'wait' },
    RERUN: { kind: 'wait' },
    WAIT: { kind: 'wait' },
    STATUS: { kind: 'report' },
    CANCEL: { kind: 'report' }
  },
  readSettings: readDbtCloudSettings,
  secrets: (s) => [s.apiKey],
  // WAIT, STATUS and CANCEL without dbt_cloud_job_id: the run is the target.
  targets: (s) => (s.jobIds.length > 0 ? s.jobIds : s.runId !== undefined ? [s.runId] : []),

  async run(ctx) {
    const progress: Progress = {}
    try {
      const api = apiFor(ctx, { signal: ctx.signal, deadline: ctx.deadline })
      switch (ctx.common.action) {
        case 'STATUS':
          return await statusRun(ctx, api)
        case 'CANCEL':
          return await cancelRun(ctx, api)
        case 'WAIT':
          return await waitRun(ctx, api, progress)
        case 'RERUN':
          return await rerunJob(ctx, api, progress)
        default:
          return await runJob(ctx, api, progress)
      }
    } catch (error) {
      if (error instanceof AbortedError || ctx.signal.aborted) {
        await cancelAfterAbort(ctx, progress)
        throw error
      }
      throw explain(error, {
        baseUrl: ctx.common.baseUrl,
        accountId: ctx.settings.accountId,
        jobId: jobOf(ctx),
        runId: ctx.settings.runId
      })
    }
  }
}
