import type { Clock } from '../core/clock.js'
import type { RequestLimiter } from '../http/ratelimit.js'
import type { InputReader } from '../core/inputs.js'
import type { Log } from '../core/io.js'
import type { RateLimit } from '../http/ratelimit.js'
import type { Report } from '../core/report.js'
import type { ActionKind, CommonSettings } from '../core/common.js'

/** Everything a provider needs to work on one target. */
export interface TargetContext<S> {
  settings: S
  /** The provider's name as people write it (`Fivetran`), for messages. */
  providerTitle: string
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

/** One action of a provider: how it is judged, and what it does to one target with the provider's API client. */
export interface ActionSpec<S, A> {
  kind: ActionKind
  run(ctx: TargetContext<S>, api: A): Promise<void>
}

/** An input only this provider reads (the shared ones — provider, action, timeout, … — belong to every provider). */
export interface ProviderInput {
  name: string
  /** The env variable read when the input is empty (DataOps-style names such as `CONNECTOR_ID`). */
  envFallback?: string
  /** Never printed: masked in the log, redacted from outputs and the summary. */
  secret?: boolean
}

/**
 * One ELT provider: its inputs, actions and API. Adding a provider means one folder implementing this, and one
 * line in the registry. `S` is its settings, `A` its API client.
 */
export interface Provider<S, A> {
  /** The `provider` input value. */
  name: string
  /** The provider's name as people write it. */
  title: string
  /** What one target is called in this provider's words (`Connector`, `Connection`, `Sync`). */
  targetNoun: string
  defaultBaseUrl: string
  defaultAction: string
  /** The DataOps-style env name read when the `action` input is empty (Fivetran: `FIVETRAN_ACTION`). */
  actionEnvFallback?: string
  actions: Record<string, ActionSpec<S, A>>
  /** Other names accepted for an action (Fivetran `SYNC` = `START`). */
  aliases?: Record<string, string>
  /**
   * The inputs of action.yml this provider reads beyond the common ones. Its own action (`fivetran/action.yml`, ...)
   * is generated from this list (`npm run docs`), and a non-empty input that only other providers read gets a
   * warning naming them.
   */
  inputs: ProviderInput[]
  /** The documented request limit of one key, shared by every target of a step. */
  rateLimit?: RateLimit
  /** Reads and checks the provider's own inputs, pushing every problem (naming the input) into `problems`. */
  readSettings(read: InputReader, common: CommonSettings, problems: string[]): S
  /** Values that must never be printed (keys, secrets, ready tokens), besides the inputs marked secret. */
  secrets(settings: S): string[]
  /** The targets this step works on, in input order. */
  targets(settings: S): string[]
  /** Whether `warning` passes for these settings (Hightouch `fail_on_warning: false`). */
  warningsPass?(settings: S): boolean
  /** The API client one target works with. */
  client(ctx: TargetContext<S>): A
  /** Turns a refusal into a message that says what to do (see jobs/refusal.ts). */
  explain?(error: unknown, ctx: TargetContext<S>): unknown
  /** The workflow was cancelled while this target worked: cancel the remote job, where the provider can. */
  cancelAfterAbort?(ctx: TargetContext<S>): Promise<void>
}

/** A step's work for one provider once its inputs are read: the provider's types stay inside. */
export interface PreparedStep {
  /** The provider's own settings, as read (for tests and debugging; the step's actions already hold them). */
  settings: unknown
  secrets: string[]
  targets: string[]
  warningsPass: boolean
  run(ctx: Omit<TargetContext<unknown>, 'settings'>): Promise<void>
}

/** What the rest of the action sees of a provider: its description, and a way to prepare a step. */
export interface RegisteredProvider extends Omit<
  Provider<unknown, unknown>,
  'actions' | 'readSettings' | 'secrets' | 'targets' | 'warningsPass' | 'client' | 'explain' | 'cancelAfterAbort'
> {
  actions: Record<string, { kind: ActionKind }>
  prepare(read: InputReader, common: CommonSettings, problems: string[]): PreparedStep
}
