/** Reads one named input: the `INPUT_*` variable, else the DataOps-style env name, else ''. Trimmed. */
export type InputReader = (name: string, envFallback?: string) => string

/** Inputs as the runner passes them (`INPUT_<NAME>`), with env fallbacks; inputs win over env fallbacks. */
export function envInputReader(env: NodeJS.ProcessEnv): InputReader {
  return (name, envFallback) => {
    const key = `INPUT_${name.replace(/ /g, '_').toUpperCase()}`
    const value = (env[key] ?? '').trim()
    if (value !== '' || !envFallback) return value
    return (env[envFallback] ?? '').trim()
  }
}

/** `true`/`false` in any case; undefined when empty; pushes a problem for anything else. */
export function readBoolean(read: InputReader, name: string, problems: string[], envFallback?: string): boolean | undefined {
  const value = read(name, envFallback)
  if (value === '') return undefined
  if (/^true$/i.test(value)) return true
  if (/^false$/i.test(value)) return false
  problems.push(`${name} must be true or false, got "${value}"`)
  return undefined
}

/** Splits a list input on commas and newlines, dropping blanks. */
export function splitList(value: string): string[] {
  return value
    .split(/[,\n]/)
    .map((item) => item.trim())
    .filter((item) => item !== '')
}
