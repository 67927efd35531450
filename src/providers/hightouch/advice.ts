import { explainRefusal } from '../../jobs/refusal.js'
import type { TargetContext } from '../types.js'
import type { HightouchSettings } from './settings.js'

/** Turns HTTP errors into messages that say what to do, as Orchestra reports them. */
export function explainHightouch(error: unknown, ctx: TargetContext<HightouchSettings>): unknown {
  const label = syncLabel(ctx)
  return explainRefusal(error, 'Hightouch', (e, { http }) => {
    switch (e.status) {
      case 401:
        // Hightouch's own words (`message: details`) say what is wrong with the key.
        return `Hightouch refused the API key (${http}): ${e.providerMessage ?? 'no message'}. Check api_key (or HIGHTOUCH_API_KEY): a workspace API key from Settings → API keys; a key stops working when the user who created it is deactivated.`
      case 404: {
        const what = ctx.settings.runId !== undefined ? `Sync ${label} or its run ${ctx.settings.runId}` : `Sync ${label}`
        return `${what} was not found (${http}). Check ${ctx.settings.bySlug ? 'sync_slug' : 'sync_id'}: the sync must be in the workspace of this API key.`
      }
      default:
        return `Hightouch answered ${http} for sync ${label}${e.providerMessage ? `: ${e.providerMessage}` : ''}`
    }
  })
}

/** How a sync is named in messages: `orders-to-salesforce (id 42)` once a slug is resolved, else as given. */
export function syncLabel(ctx: TargetContext<HightouchSettings>): string {
  return ctx.report.targetId ? `${ctx.target} (id ${ctx.report.targetId})` : ctx.target
}
