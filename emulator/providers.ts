import type { Emulator } from './server.js'
import type { ProviderEmulator } from './types.js'

/** The provider emulators mounted beside Fivetran (Airbyte and Hightouch join here). */
export function extraProviders(): ProviderEmulator[] {
  return []
}

/** Lines describing the extra providers' scenarios, for `npm run emulator`. */
export function scenarioHelp(_emulator: Emulator): string[] {
  return []
}
