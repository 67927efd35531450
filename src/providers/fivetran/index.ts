import { clientOptions } from '../../jobs/run.js'
import type { Provider } from '../types.js'
import { FIVETRAN_ACTIONS } from './actions.js'
import { explainFivetran } from './advice.js'
import { FIVETRAN_BASE_URL, FivetranApi } from './api.js'
import { FIVETRAN_INPUTS, readFivetranSettings, type FivetranSettings } from './settings.js'

/** Fivetran: start, re-sync, test, wait for and read connectors. Fivetran has no sync ids and no cancel. */
export const fivetran: Provider<FivetranSettings, FivetranApi> = {
  name: 'fivetran',
  title: 'Fivetran',
  targetNoun: 'Connector',
  defaultBaseUrl: FIVETRAN_BASE_URL,
  defaultAction: 'START',
  actionEnvFallback: 'FIVETRAN_ACTION',
  actions: FIVETRAN_ACTIONS,
  aliases: { SYNC: 'START' },
  inputs: FIVETRAN_INPUTS,
  // Per account (reference: Fivetran REST API, "Rate limiting").
  rateLimit: { requests: 20_000, windowMs: 3_600_000 },
  readSettings: readFivetranSettings,
  secrets: (s) => [s.apiKey, s.apiSecret, Buffer.from(`${s.apiKey}:${s.apiSecret}`).toString('base64')],
  targets: (s) => s.connectorIds,
  client: (ctx) => new FivetranApi(clientOptions(ctx), ctx.settings.apiKey, ctx.settings.apiSecret),
  explain: explainFivetran
}
