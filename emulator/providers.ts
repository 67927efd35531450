import { AirbyteEmulator, airbyteHelp } from './airbyte.js'
import { DbtCloudEmulator, dbtCloudHelp } from './dbt-cloud.js'
import { HightouchEmulator, hightouchHelp } from './hightouch.js'
import type { Emulator } from './server.js'
import type { ProviderEmulator } from './types.js'

/** The provider emulators mounted beside Fivetran (Airbyte, Hightouch and dbt Cloud join here). */
export function extraProviders(): ProviderEmulator[] {
  return [new AirbyteEmulator(), new HightouchEmulator(), new DbtCloudEmulator()]
}

/** Lines describing the extra providers' scenarios, for `npm run emulator`. */
export function scenarioHelp(emulator: Emulator): string[] {
  return [
    ...airbyteHelp(emulator.baseUrl('airbyte')),
    ...hightouchHelp(emulator.baseUrl('hightouch')),
    ...dbtCloudHelp(emulator.baseUrl('dbt-cloud'))
  ]
}
