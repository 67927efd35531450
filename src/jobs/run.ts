import { AbortedError } from '../core/errors.js'
import type { ApiClientOptions } from '../http/client.js'
import type { PreparedStep, Provider, RegisteredProvider, TargetContext } from '../providers/types.js'
import { cleanupWindow } from './cleanup.js'

/**
 * Registers a provider: the rest of the action sees its description and `prepare`, which reads its settings and
 * binds them to its actions, so no caller ever handles another provider's settings type.
 */
export function register<S, A>(provider: Provider<S, A>): RegisteredProvider {
  const { name, title, targetNoun, defaultBaseUrl, defaultAction, actionEnvFallback, aliases, inputs, rateLimit } = provider
  const { readSettings, secrets, targets, warningsPass, actions } = provider
  return {
    ...{ name, title, targetNoun, defaultBaseUrl, defaultAction, actionEnvFallback, aliases, inputs, rateLimit },
    actions: Object.fromEntries(Object.entries(actions).map(([name, spec]) => [name, { kind: spec.kind }])),
    prepare(read, common, problems): PreparedStep {
      const settings = readSettings(read, common, problems)
      return {
        settings,
        secrets: secrets(settings).filter((s) => s !== ''),
        targets: targets(settings),
        warningsPass: warningsPass?.(settings) ?? false,
        run: (ctx) => runTarget(provider, { ...ctx, settings })
      }
    }
  }
}

/**
 * One target: its action, with the provider's API client. A workflow cancellation lets the provider cancel the
 * remote job before it is reported; any other error is worded by the provider's advice.
 */
export async function runTarget<S, A>(provider: Provider<S, A>, ctx: TargetContext<S>): Promise<void> {
  const action = provider.actions[ctx.common.action]
  try {
    await action.run(ctx, provider.client(ctx))
  } catch (error) {
    if (error instanceof AbortedError || ctx.signal.aborted) {
      await provider.cancelAfterAbort?.(ctx)
      throw error
    }
    throw provider.explain ? provider.explain(error, ctx) : error
  }
}

/** The options every API client of a target is built from; `window` for cleanup or other budgets of their own. */
export function clientOptions(
  ctx: TargetContext<unknown>,
  window: { signal?: AbortSignal; deadline: number; requestTimeoutMs: number; strictDeadline?: boolean } = {
    signal: ctx.signal,
    deadline: ctx.deadline,
    requestTimeoutMs: ctx.common.requestTimeoutMs
  }
): Omit<ApiClientOptions, 'auth' | 'headers' | 'parseError'> {
  return { baseUrl: ctx.common.baseUrl, clock: ctx.clock, log: ctx.log, limiter: ctx.limiter, ...window }
}

/**
 * Client options for cleanup (cancelling a job, restoring a schedule) on a short budget of its own. After the
 * workflow's cancellation it must not listen to the aborted signal; after a timeout it still stops on a cancellation.
 */
export function cleanupClientOptions(
  ctx: TargetContext<unknown>,
  afterAbort: boolean
): Omit<ApiClientOptions, 'auth' | 'headers' | 'parseError'> {
  return clientOptions(ctx, {
    signal: afterAbort ? undefined : ctx.signal,
    ...cleanupWindow(ctx.clock, ctx.common.requestTimeoutMs, afterAbort)
  })
}
