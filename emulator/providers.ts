import { AirbyteEmulator, airbyteHelp } from './airbyte.js'
import { HightouchEmulator, hightouchHelp } from './hightouch.js'
import type { Emulator } from './server.js'
import type { ProviderEmulator } from './types.js'

/** The provider emulators mounted beside Fivetran (Airbyte and Hightouch join here). */
export function extraProviders(): ProviderEmulator[] {
  return [new AirbyteEmulator(), new HightouchEmulator()]
}

/** Lines describing the extra providers' scenarios, for `npm run emulator`. */
export function scenarioHelp(emulator: Emulator): string[] {
  return [...airbyteHelp(emulator.baseUrl('airbyte')), ...hightouchHelp(emulator.baseUrl('hightouch'))]
}
