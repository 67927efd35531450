import { explainRefusal } from '../../jobs/refusal.js'
import type { TargetContext } from '../types.js'
import { missingRole } from './model.js'
import type { AirbyteSettings } from './settings.js'

const API_ROOT =
  'base_url must be an Airbyte public API root: https://api.airbyte.com/v1 for Cloud, http(s)://HOST/api/public/v1 for a self-managed server.'

/** Turns HTTP errors into messages that say what was refused and what to do. */
export function explainAirbyte(error: unknown, ctx: TargetContext<AirbyteSettings>): unknown {
  const { credentials } = ctx.settings
  return explainRefusal(error, 'Airbyte', (e, { http, said }) => {
    const status = e.status ?? 0
    if (e.request.includes('/applications/token')) {
      if (status === 404) return `Airbyte's token endpoint was not found (${http}).${said} ${API_ROOT}`
      if (status < 500 && status !== 429) {
        return `Airbyte refused client_id and client_secret (${http}).${said} Check them: the credentials of an application from User settings → Applications (on self-managed Airbyte, \`abctl local credentials\` shows them).`
      }
    }
    const jobPath = /\/jobs\/(\d+)/.exec(e.request)
    const what = jobPath ? `job ${jobPath[1]}` : `connection ${ctx.target}`
    switch (status) {
      case 401:
        if (credentials.kind === 'token') {
          return `Airbyte refused the token in api_key (${http}).${said} Access tokens expire (15 minutes by default): give client_id and client_secret instead, so the action gets fresh ones itself.`
        }
        if (credentials.kind === 'none') {
          return `Airbyte requires credentials (${http}): this server has auth turned on. Give client_id and client_secret (or a token in api_key).`
        }
        return `Airbyte refused the access token it issued for client_id, even a fresh one (${http}).${said} Check that base_url is the server that issued it.`
      case 403: {
        const role = missingRole(e.providerMessage)
        const lacking = role
          ? `the application's user lacks the ${role} role`
          : "the application's user lacks a permission this action needs"
        return `Airbyte refused access to ${what} (${http}): ${lacking}.${said} Grant the role on the workspace (SYNC needs workspace runner, RESET and CLEAR workspace editor), or check the id: Airbyte also answers 403 for an id outside the workspaces you can reach.`
      }
      case 404: {
        const hint = jobPath
          ? "Check job_id: a job id of this Airbyte instance, e.g. a previous SYNC step's job_id output."
          : "Check connection_id: the UUID in the connection's URL in Airbyte (.../connections/<connection_id>/...)."
        const notAirbyte = e.providerCode !== undefined ? '' : ` The answer is not Airbyte's: ${API_ROOT}`
        return `${what[0].toUpperCase()}${what.slice(1)} was not found (${http}).${said} ${hint}${notAirbyte}`
      }
      case 422:
        return `Airbyte could not process the request for ${what} (${http}).${said}`
      case 429:
        return `Airbyte kept answering 429 (rate limited) until the timeout (${http}).${said}`
      default:
        return undefined
    }
  })
}
