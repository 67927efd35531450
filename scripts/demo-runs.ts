import { AIRBYTE_CLIENT_ID, AIRBYTE_CLIENT_SECRET, AIRBYTE_WORKSPACE_ID, airbyteConnection } from '../emulator/airbyte.js'
import { DBT_CLOUD_ACCOUNT, DBT_CLOUD_TOKEN } from '../emulator/dbt-cloud.js'
import { FIVETRAN_KEY, FIVETRAN_SECRET } from '../emulator/fivetran.js'
import { HIGHTOUCH_KEY } from '../emulator/hightouch.js'
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

const airbyte = (emulator: Emulator) => ({
  provider: 'airbyte',
  client_id: AIRBYTE_CLIENT_ID,
  client_secret: AIRBYTE_CLIENT_SECRET,
  workspace_id: AIRBYTE_WORKSPACE_ID,
  base_url: emulator.baseUrl('airbyte'),
  poll_interval: '2s'
})

const hightouch = (emulator: Emulator) => ({
  provider: 'hightouch',
  api_key: HIGHTOUCH_KEY,
  base_url: emulator.baseUrl('hightouch'),
  poll_interval: '2s'
})

const dbtCloud = (emulator: Emulator) => ({
  provider: 'dbt-cloud',
  api_key: DBT_CLOUD_TOKEN,
  account_id: DBT_CLOUD_ACCOUNT,
  base_url: emulator.baseUrl('dbt-cloud'),
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
    inputs: (e) => ({
      ...fivetran(e),
      action: 'FORCE_RESYNC',
      connector_id: 'succeeds_resync',
      schema: 'public',
      table: 'orders,customers'
    }),
    passes: true
  },
  {
    title: 'Fivetran START on five connectors, two at a time: mixed outcomes, and a timeline of when each ran',
    inputs: (e) => ({
      ...fivetran(e),
      action: 'START',
      connector_id: 'succeeds_orders, fails_billing, rescheduled_events, succeeds_users, paused_crm',
      max_parallel: '2'
    }),
    passes: false
  },
  {
    title: 'Fivetran START on a rescheduled connector (manual schedule): triggered again when allowed',
    inputs: (e) => ({ ...fivetran(e), action: 'START', connector_id: 'rescheduled' }),
    passes: true
  },
  // Airbyte
  {
    title: 'Airbyte SYNC: a job that waits queued (Cloud capacity), then succeeds',
    inputs: (e) => ({ ...airbyte(e), action: 'SYNC', connection_id: airbyteConnection('queued', 1) }),
    passes: true
  },
  {
    title: 'Airbyte SYNC with wait: false (Airflow asynchronous=True): start the job and return its job_id',
    inputs: (e) => ({ ...airbyte(e), action: 'SYNC', connection_id: airbyteConnection('succeeds', 1), wait: 'false' }),
    passes: true
  },
  {
    title: "Airbyte WAIT (the sensor) with the previous step's job_id",
    inputs: (e, previous) => ({ ...airbyte(e), action: 'WAIT', job_id: previous.job_id ?? '' }),
    passes: true
  },
  {
    title: 'Airbyte SYNC on a connection already syncing, with if_running: attach',
    inputs: (e) => ({ ...airbyte(e), action: 'SYNC', connection_id: airbyteConnection('busy', 1), if_running: 'attach' }),
    passes: true
  },
  {
    title: 'Airbyte SYNC: a job that fails (the public API gives no reason: the summary links to the connection)',
    inputs: (e) => ({ ...airbyte(e), action: 'SYNC', connection_id: airbyteConnection('fails', 1) }),
    passes: false
  },
  // Hightouch
  {
    title: 'Hightouch SYNC by slug: a run that succeeds',
    inputs: (e) => ({ ...hightouch(e), action: 'SYNC', sync_slug: 'succeeds', workspace_slug: 'acme' }),
    passes: true
  },
  {
    title: 'Hightouch SYNC: a run that completes with errors (warning) fails by default, as Orchestra',
    inputs: (e) => ({ ...hightouch(e), action: 'SYNC', sync_id: '1002' }),
    passes: false
  },
  // dbt Cloud
  {
    title: 'dbt Cloud RUN: seed and build, every test passes (counts in tests_passed and the summary)',
    inputs: (e) => ({ ...dbtCloud(e), action: 'RUN', dbt_cloud_job_id: '101' }),
    passes: true
  },
  {
    title: 'dbt Cloud RUN: failing tests and an erroring model, each listed in the summary with its message',
    inputs: (e) => ({ ...dbtCloud(e), action: 'RUN', dbt_cloud_job_id: '102' }),
    passes: false
  },
  {
    title: 'dbt Cloud RUN with wait: false on a job that is already running: queued behind that run',
    inputs: (e) => ({ ...dbtCloud(e), action: 'RUN', dbt_cloud_job_id: '105', wait: 'false' }),
    passes: true
  },
  {
    title: "dbt Cloud WAIT with the previous step's job_id (the run id)",
    inputs: (e, previous) => ({ ...dbtCloud(e), action: 'WAIT', job_id: previous.job_id ?? '' }),
    passes: true
  },
  {
    title: 'dbt Cloud RUN: dbt deps fails before any results; the summary shows the step and its log tail',
    inputs: (e) => ({ ...dbtCloud(e), action: 'RUN', dbt_cloud_job_id: '107' }),
    passes: false
  },
  {
    title: 'dbt Cloud RERUN: the failed last run, rerun from the point of failure',
    inputs: (e) => ({ ...dbtCloud(e), action: 'RERUN', dbt_cloud_job_id: '109' }),
    passes: true
  }
]
