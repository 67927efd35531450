/**
 * Provider text is data, never instructions. Every string a provider sends (statuses, ids, error messages, setup-test
 * text, whole bodies) reaches the log, the outputs and the summary only through these functions, which the shared
 * layers (orchestrator.ts, summary.ts, http.ts) apply: a provider gets them without doing anything.
 */

/** Zero-width space: breaks a `::` or `##[` without changing what a reader sees. Not whitespace to the runner's TrimStart. */
const ZWSP = '\u200b'

/**
 * Makes a log message safe to print: the runner reads a line as a workflow command when, after leading whitespace, it
 * starts with `::` (or holds `##[` anywhere, the old syntax), and it splits lines on CR as well as LF. Every line is
 * re-broken on LF only, and those markers are broken with a zero-width space, so no provider text can forge an
 * annotation, an output, a mask or `::stop-commands::`.
 */
export function neutraliseLog(text: string): string {
  return text
    .split(/\r\n|\r|\n|\u2028|\u2029/)
    .map((line) => line.replace(/^(\s*):(?=:)/, `$1:${ZWSP}`).replace(/##\[/g, `#${ZWSP}#[`))
    .join('\n')
}

/** One line of provider text: line breaks and other control characters become spaces; cut at `max` characters. */
export function oneLine(text: string, max = 2000): string {
  // eslint-disable-next-line no-control-regex
  const flat = text.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ')
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat
}

/** The largest `result` output, in characters: well under GitHub's 1 MB limit for a job's outputs. */
export const MAX_RESULT_CHARS = 128 * 1024

/**
 * JSON of any value, however deep or large: never throws, never longer than `max` characters. A value that cannot be
 * serialised whole (too deep for the stack, too long) gives a small JSON object saying so, with the start of the text.
 */
export function boundedJson(value: unknown, max = MAX_RESULT_CHARS): string {
  let text: string | undefined
  try {
    text = JSON.stringify(value)
  } catch (error) {
    const why = error instanceof RangeError ? 'nested too deeply to serialise' : 'not serialisable'
    return JSON.stringify({ truncated: true, note: `The provider's answer was ${why}; it is left out.` })
  }
  if (text === undefined) return ''
  if (text.length <= max) return text
  const note = `The provider's answer was ${text.length.toLocaleString('en-US')} characters long, more than the ${max.toLocaleString('en-US')} an output holds here; cut.`
  // The excerpt is a string inside valid JSON, so fromJSON() still reads the output.
  const envelope = JSON.stringify({ truncated: true, note, excerpt: '' })
  return JSON.stringify({ truncated: true, note, excerpt: text.slice(0, Math.max(0, max - envelope.length - 1024)) })
}

/** A bounded excerpt of a body for the log (STATUS prints one, never the whole body). */
export function logExcerpt(value: unknown, max = 4000): string {
  const text = boundedJson(value, Number.MAX_SAFE_INTEGER)
  return text.length > max ? `${text.slice(0, max)}… (${text.length.toLocaleString('en-US')} characters; cut for the log)` : text
}
