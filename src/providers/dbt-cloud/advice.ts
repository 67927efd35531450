import { explainRefusal } from '../../jobs/refusal.js'
import type { TargetContext } from '../types.js'
import { DBT_CLOUD_BASE_URL } from './api.js'
import type { DbtCloudSettings } from './settings.js'

/**
 * Turns dbt Cloud's HTTP errors into messages that say what to do. The most common one: a valid token answered
 * 401 "Invalid token." because `base_url` is not the account's access URL (cell-based and regional accounts).
 */
export function explainDbtCloud(error: unknown, ctx: TargetContext<DbtCloudSettings>): unknown {
  const { baseUrl } = ctx.common
  const { accountId } = ctx.settings
  return explainRefusal(error, 'dbt Cloud', (e, { http, said }) => advise(e.status, e.request, http, said, baseUrl, accountId))
}

function advise(status: number | undefined, request: string, http: string, said: string, baseUrl: string, accountId: string): string {
  const host = new URL(baseUrl).host
  const onDefault = baseUrl.replace(/\/+$/, '') === DBT_CLOUD_BASE_URL
  const runPath = /\/runs\/(\d+)\//.exec(request)
  const jobPath = /\/jobs\/(\d+)\//.exec(request)
  switch (status) {
    case 401:
      return (
        `dbt Cloud refused the token (${http}).${said} ` +
        (onDefault
          ? `base_url is the default ${DBT_CLOUD_BASE_URL}: a cell-based or regional account answers "Invalid token." there even to a good token. Set base_url to the account's access URL (Account settings → Access URLs, e.g. https://ab123.us1.dbt.com or https://emea.dbt.com), then check api_key.`
          : `Check base_url (${host}) is the account's access URL (Account settings → Access URLs), and api_key (or DBT_CLOUD_API_TOKEN): a service token, which is shown once when created.`)
      )
    case 403:
      return `dbt Cloud refused access to account ${accountId} (${http}).${said} The token lacks a permission on this account or project (give the service token Job Runner, or Job Admin), or the account's IP restrictions block this runner.`
    case 404: {
      const what = runPath ? `Run ${runPath[1]}` : jobPath ? `Job ${jobPath[1]}` : `Account ${accountId}`
      const hint = runPath
        ? "Check job_id: a run id of this account, e.g. a previous RUN step's job_id output."
        : jobPath
          ? "Check dbt_cloud_job_id (the number in the job's URL, .../jobs/<id>/) and account_id."
          : 'Check account_id and base_url.'
      return `${what} was not found (${http}).${said} ${hint} dbt Cloud also answers 404 when the token has no permission on the job's project: give the service token Job Runner on it.`
    }
    case 405:
      return `dbt Cloud refused the method (${http}).${said} A path without its trailing slash is redirected and becomes a GET; check that base_url is the account's access URL with no path (e.g. https://cloud.getdbt.com).`
    case 429:
      return `dbt Cloud kept answering 429 (rate limited) until the timeout (${http}).${said} The account allows 5,000 API requests a minute, shared by every tool using it, then blocks for about 5 minutes; a longer timeout or poll_interval helps.`
    default:
      return `dbt Cloud answered ${http}.${said}`
  }
}
