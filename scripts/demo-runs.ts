import { FIVETRAN_KEY, FIVETRAN_SECRET } from '../emulator/fivetran.js'
import type { Emulator } from '../emulator/server.js'

/** One run of the bundled action in `npm run demo`. */
export interface DemoRun {
  title: string
  inputs: (emulator: Emulator, previous: Record<string, string>) => Record<string, string>
  /** Whether the step should pass; the demo says so when it does not. */
  passes: boolean
}

const fivetran = (emulator: Emulator) => ({
  provider: 'fivetran',
  api_key: FIVETRAN_KEY,
  api_secret: FIVETRAN_SECRET,
  base_url: emulator.baseUrl('fivetran'),
  poll_interval: '2s'
})

export const DEMO_RUNS: DemoRun[] = [
  // Fivetran
  {
    title: 'Fivetran START: a sync that succeeds',
    inputs: (e) => ({ ...fivetran(e), action: 'START', connector_id: 'succeeds' }),
    passes: true
  },
  {
    title: 'Fivetran START: a sync that fails',
    inputs: (e) => ({ ...fivetran(e), action: 'START', connector_id: 'fails' }),
    passes: false
  },
  {
    title: 'Fivetran TEST: mixed setup-test results',
    inputs: (e) => ({ ...fivetran(e), action: 'TEST', connector_id: 'mixed_tests' }),
    passes: false
  },
  {
    title: 'Fivetran FORCE_RESYNC: two tables of one schema',
    inputs: (e) => ({ ...fivetran(e), action: 'FORCE_RESYNC', connector_id: 'succeeds_resync', schema: 'public', table: 'orders,customers' }),
    passes: true
  },
  {
    title: 'Fivetran START on a rescheduled connector (manual schedule): triggered again when allowed',
    inputs: (e) => ({ ...fivetran(e), action: 'START', connector_id: 'rescheduled' }),
    passes: true
  }
  // Airbyte
  // Hightouch
]
