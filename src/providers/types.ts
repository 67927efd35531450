import type { Clock } from '../clock.js'
import type { RequestLimiter } from '../http.js'
import type { InputReader } from '../inputs.js'
import type { Log } from '../io.js'
import type { Report } from '../report.js'
import type { CommonSettings } from '../settings.js'

/**
 * How an action is judged (INTERFACE.md, "Verdicts"):
 * - `wait`: passes only on `succeeded` (or `warning` where warnings pass); with `wait: false`, once the job started;
 * - `report`: STATUS and CANCEL, fail only on errors;
 * - `test`: passes unless a test failed (status `failed`).
 */
export type ActionKind = 'wait' | 'report' | 'test'

export interface ActionSpec {
  kind: ActionKind
}

/** Everything a provider needs to work on one target. */
export interface TargetContext<S> {
  settings: S
  common: CommonSettings
  target: string
  report: Report
  log: Log
  clock: Clock
  signal: AbortSignal
  /** Epoch ms: the end of the `timeout`. */
  deadline: number
  /** Shared by every target of this step, so together they stay under the provider's rate limit. */
  limiter?: RequestLimiter
  /**
   * Whether the budget has room for a request made only to name the target in the summary and log (an Airbyte
   * connection's `name`): false when the step has many targets for the provider's rate limit. A provider that reads
   * the target anyway takes the name from that read instead.
   */
  spareRequests?: boolean
}

/**
 * One ELT provider. Adding a provider means one folder implementing this, and one line in the registry.
 */
export interface Provider<S = unknown> {
  /** The `provider` input value. */
  name: string
  /** The provider's name as people write it. */
  title: string
  /** What one target is called in this provider's words (`Connector`, `Connection`, `Sync`). */
  targetNoun: string
  defaultBaseUrl: string
  /**
   * The inputs of action.yml this provider reads beyond the common ones (and besides `provider`). Its own action
   * (`fivetran/action.yml`, ...) is generated from this list (`npm run docs`), and a non-empty input that only other
   * providers read gets a warning naming them.
   */
  inputs: string[]
  defaultAction: string
  /** The DataOps-style env name read when the `action` input is empty (Fivetran: `FIVETRAN_ACTION`). */
  actionEnvFallback?: string
  actions: Record<string, ActionSpec>
  /** Other names accepted for an action (Fivetran `SYNC` = `START`, Airbyte `CLEAR` is a kind of `RESET`). */
  aliases?: Record<string, string>
  /** Reads and checks the provider's own inputs, pushing every problem (naming the input) into `problems`. */
  readSettings(read: InputReader, common: CommonSettings, problems: string[]): S
  /** Values that must never be printed (keys, secrets, ready tokens). */
  secrets(settings: S): string[]
  /** The targets this step works on, in input order. */
  targets(settings: S): string[]
  /** Whether `warning` passes for these settings (Hightouch `fail_on_warning: false`). */
  warningsPass?(settings: S): boolean
  /** Does the work for one target, filling in `ctx.report` as it learns things. */
  run(ctx: TargetContext<S>): Promise<void>
}
