/** What the action does to the outside world: logs, outputs, the job summary. @actions/core stays behind it. */
export interface Io {
  info(message: string): void
  warning(message: string): void
  error(message: string): void
  debug(message: string): void
  /** Runs `fn` inside a collapsible log group. */
  group<T>(name: string, fn: () => Promise<T>): Promise<T>
  /** Asks the log to hide a value (only meaningful on a GitHub runner). */
  setSecret(value: string): void
  setOutput(name: string, value: string): void
  /** Appends markdown to the job summary. */
  writeSummary(markdown: string): Promise<void>
}

/** The slice of Io a provider needs while it works on one target. */
export type Log = Pick<Io, 'info' | 'warning' | 'debug' | 'group'> & {
  /** Masks a value obtained while working (an access token): in the runner's log and in the action's own redaction. */
  setSecret?(value: string): void
}

/**
 * Prefixes every line with the target's name, for steps that watch several targets at once. A function prefix is
 * asked at each line, so a name learned on the way (from the provider) shows from then on.
 */
export function prefixedLog(io: Log, prefix: string | (() => string) | undefined): Log {
  if (!prefix) return io
  const tag = (message: string): string => {
    const text = typeof prefix === 'function' ? prefix() : prefix
    return message
      .split('\n')
      .map((line) => `[${text}] ${line}`)
      .join('\n')
  }
  return {
    info: (m) => io.info(tag(m)),
    warning: (m) => io.warning(tag(m)),
    debug: (m) => io.debug(tag(m)),
    setSecret: io.setSecret ? (v) => io.setSecret?.(v) : undefined,
    // Groups cannot interleave in the log: with several targets, phases are plain prefixed lines.
    group: async (name, fn) => {
      io.info(tag(name))
      return fn()
    }
  }
}
