import { register } from '../jobs/run.js'
import { airbyte } from './airbyte/index.js'
import { dbtCloud } from './dbt-cloud/index.js'
import { fivetran } from './fivetran/index.js'
import { hightouch } from './hightouch/index.js'
import type { RegisteredProvider } from './types.js'

/** Every provider the action knows, by the value of the `provider` input: one line each. */
export const providers: Record<string, RegisteredProvider> = Object.fromEntries(
  [register(fivetran), register(airbyte), register(hightouch), register(dbtCloud)].map((provider) => [provider.name, provider])
)
