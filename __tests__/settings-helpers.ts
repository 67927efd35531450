import { InputError } from '../src/core/errors.js'
import { envInputReader } from '../src/core/inputs.js'
import { readSettings, type Settings } from '../src/core/settings.js'
import { providers } from '../src/providers/registry.js'

/** A step's settings for `provider`, from inputs as the runner passes them (`INPUT_*`) and env variables. */
export function settingsOf(provider: string, values: Record<string, string>, env: Record<string, string> = {}): Settings {
  const envVars: NodeJS.ProcessEnv = { ...env }
  for (const [k, v] of Object.entries({ provider, ...values })) envVars[`INPUT_${k.toUpperCase()}`] = v
  return readSettings(envInputReader(envVars), providers)
}

/** The problems bad inputs for `provider` are reported with (none when the inputs are good). */
export function problemsOf(provider: string, values: Record<string, string>): string[] {
  try {
    settingsOf(provider, values)
  } catch (error) {
    if (error instanceof InputError) return error.problems
    throw error
  }
  return []
}
