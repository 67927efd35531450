import { splitList, type InputReader } from '../core/inputs.js'

export interface IdListSpec {
  /** The input's name, e.g. `connector_id`. */
  input: string
  /** The DataOps-style env name read when the input is empty. */
  envFallback?: string
  /** Whether one id is well formed. */
  valid(id: string): boolean
  /** What a good id looks like, for the message: `a number (the sync's id, e.g. 1234567)`. */
  expected: string
  /** What one id names, for the duplicate message: `sync`, `connection`. */
  noun: string
  /** The form two spellings of one id share (`01001` → `1001`, UUIDs in lower case). Default: as given. */
  canonical?(id: string): string
}

/**
 * Reads a list of target ids (comma- or newline-separated), pushing a problem for each malformed id and for an id
 * named twice — the same target twice would start two jobs on it.
 */
export function readIdList(read: InputReader, spec: IdListSpec, problems: string[]): string[] {
  const ids = splitList(read(spec.input, spec.envFallback))
  for (const id of ids) {
    if (!spec.valid(id)) problems.push(`${spec.input} must be ${spec.expected}, got "${id}"`)
  }
  const canonical = spec.canonical ?? ((id: string) => id)
  if (new Set(ids.map(canonical)).size !== ids.length) problems.push(`${spec.input} lists the same ${spec.noun} twice`)
  return ids
}
