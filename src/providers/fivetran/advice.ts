import { ApiError } from '../../core/errors.js'
import { explainRefusal } from '../../jobs/refusal.js'
import type { TargetContext } from '../types.js'
import type { FivetranSettings } from './settings.js'

/** Turns HTTP errors into messages that say what to do. */
export function explainFivetran(error: unknown, ctx: TargetContext<FivetranSettings>): unknown {
  const { target } = ctx
  return explainRefusal(error, 'Fivetran', (e, { http, said }) => {
    switch (e.status) {
      case 401:
        return `Fivetran refused the API key and secret (${http}).${said} Check api_key and api_secret; generating a new key disables the previous one.`
      case 403:
        return `Fivetran refused access to connector ${target} (${http}).${said} The key's role lacks a permission this action needs.`
      case 404:
        return `Connector ${target} was not found (${http}).${said} Use the connection id (e.g. shrank_paparazzi, from the connector's Setup tab), not its name. This action uses Fivetran's /v1/connections paths; the old /v1/connectors paths answer 404 since 2026-03.`
      default:
        return undefined
    }
  })
}

/** FORCE_RESYNC's own refusals: a connector that cannot re-sync single tables, or a sync that could not finish first. */
export function explainResyncRefusal(error: unknown, ctx: TargetContext<FivetranSettings>): unknown {
  if (!(error instanceof ApiError)) return error
  const scope = `${ctx.settings.schema}.${ctx.settings.tables.join(', ')}`
  return explainRefusal(error, 'Fivetran', (e, { http, said }) => {
    if (e.status === 400) {
      return `Fivetran refused to re-sync ${scope} of connector ${ctx.target} (${http}). The connector may not support re-syncing single tables (see its Features table), or the schema or table name is not the source's exact, case-sensitive name.${said}`
    }
    if (e.status === 409) {
      return `Fivetran could not re-sync ${scope} of connector ${ctx.target} now (${http}): a sync was running and could not be finished first. Run the step again once that sync has ended.${said}`
    }
    return undefined
  })
}
