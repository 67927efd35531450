import { register } from '../src/jobs/run.js'
import type { Provider, ProviderInput, RegisteredProvider, TargetContext } from '../src/providers/types.js'
import type { ActionKind } from '../src/core/common.js'
import type { InputReader } from '../src/core/inputs.js'

/** What a test's fake provider says: the Provider fields, its actions as kinds, and one `run` for all of them. */
export type FakeSpec<S> = Omit<Provider<S, undefined>, 'actions' | 'inputs' | 'client'> & {
  actions: Record<string, ActionKind>
  inputs?: ProviderInput[]
  run(ctx: TargetContext<S>): Promise<void>
}

/** A registered provider for orchestrator tests, whose every action does `spec.run`. */
export function fakeProvider<S>(spec: FakeSpec<S>): RegisteredProvider {
  const { run, actions, inputs, ...rest } = spec
  return register<S, undefined>({
    ...rest,
    inputs: inputs ?? [],
    client: () => undefined,
    actions: Object.fromEntries(Object.entries(actions).map(([name, kind]) => [name, { kind, run: (ctx: TargetContext<S>) => run(ctx) }]))
  })
}

/** The fields most fakes share: one `SYNC` action, and targets read from the comma-separated `ids` input. */
export const idsFake = {
  name: 'fake',
  title: 'Fake',
  targetNoun: 'Thing',
  defaultBaseUrl: 'https://fake.test',
  defaultAction: 'SYNC',
  actions: { SYNC: 'wait' } as Record<string, ActionKind>,
  readSettings: (read: InputReader) => ({ ids: read('ids').split(',') }),
  secrets: () => [],
  targets: (s: { ids: string[] }) => s.ids
}

/** An input reader over fixed values, as the runner's `INPUT_*` variables would give them. */
export const inputsOf =
  (values: Record<string, string>): InputReader =>
  (name) =>
    values[name] ?? ''
