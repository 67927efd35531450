/**
 * Every credential the emulator accepts or issues. The end-to-end harness checks that none of them (nor the
 * Basic header made of them) appears in any run's stdout, stderr, summary or outputs.
 */
export const emulatorSecrets = new Set<string>()

/** Registers a credential and returns it. */
export function secret(value: string): string {
  emulatorSecrets.add(value)
  return value
}
