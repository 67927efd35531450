import type { Provider } from '../types.js'
import { AIRBYTE_ACTIONS, airbyteClient, cancelAfterAbort } from './actions.js'
import { explainAirbyte } from './advice.js'
import { AIRBYTE_BASE_URL, type AirbyteApi } from './api.js'
import { AIRBYTE_INPUTS, readAirbyteSettings, type AirbyteSettings } from './settings.js'

/** Airbyte: start sync, reset and clear jobs, wait for, read and cancel jobs (Airflow's operator and sensor). */
export const airbyte: Provider<AirbyteSettings, AirbyteApi> = {
  name: 'airbyte',
  title: 'Airbyte',
  targetNoun: 'Connection',
  defaultBaseUrl: AIRBYTE_BASE_URL,
  defaultAction: 'SYNC',
  actions: AIRBYTE_ACTIONS,
  aliases: {},
  inputs: AIRBYTE_INPUTS,
  readSettings: readAirbyteSettings,
  secrets: (s) =>
    s.credentials.kind === 'application' ? [s.credentials.clientSecret] : s.credentials.kind === 'token' ? [s.credentials.apiKey] : [],
  targets: (s) => (s.connectionIds.length > 0 || s.jobId === undefined ? s.connectionIds : [s.jobId]),
  client: (ctx) => airbyteClient(ctx),
  explain: explainAirbyte,
  cancelAfterAbort
}
