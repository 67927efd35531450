import { airbyte } from './airbyte/index.js'
import { dbtCloud } from './dbt-cloud/index.js'
import { fivetran } from './fivetran/index.js'
import { hightouch } from './hightouch/index.js'
import type { Provider } from './types.js'

/** Every provider the action knows, by the value of the `provider` input. */
export const providers: Record<string, Provider<never>> = {
  fivetran: fivetran as Provider<never>,
  airbyte: airbyte as Provider<never>,
  hightouch: hightouch as Provider<never>,
  'dbt-cloud': dbtCloud as Provider<never>
}
