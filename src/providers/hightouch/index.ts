import { clientOptions } from '../../jobs/run.js'
import type { Provider } from '../types.js'
import { HIGHTOUCH_ACTIONS } from './actions.js'
import { explainHightouch } from './advice.js'
import { HIGHTOUCH_BASE_URL, HightouchApi } from './api.js'
import { HIGHTOUCH_INPUTS, readHightouchSettings, type HightouchSettings } from './settings.js'

/** Hightouch: trigger a sync, wait for its run, read a run. No API cancels a run. */
export const hightouch: Provider<HightouchSettings, HightouchApi> = {
  name: 'hightouch',
  title: 'Hightouch',
  targetNoun: 'Sync',
  defaultBaseUrl: HIGHTOUCH_BASE_URL,
  defaultAction: 'SYNC',
  actions: HIGHTOUCH_ACTIONS,
  inputs: HIGHTOUCH_INPUTS,
  // Per workspace (reference: Hightouch API docs, "Rate limits").
  rateLimit: { requests: 200, windowMs: 10_000 },
  readSettings: readHightouchSettings,
  secrets: (s) => [s.apiKey],
  targets: (s) => s.syncs,
  warningsPass: (s) => !s.failOnWarning,
  client: (ctx) => new HightouchApi(clientOptions(ctx), ctx.settings.apiKey),
  explain: explainHightouch
}
