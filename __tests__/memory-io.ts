import type { Io } from '../src/core/io.js'

/** An Io that keeps everything in memory, for tests of the orchestrator. */
export class MemoryIo implements Io {
  lines: string[] = []
  outputs: Record<string, string> = {}
  summary = ''
  secrets: string[] = []
  info(m: string): void {
    this.lines.push(m)
  }
  warning(m: string): void {
    this.lines.push(`warning: ${m}`)
  }
  error(m: string): void {
    this.lines.push(`error: ${m}`)
  }
  debug(m: string): void {
    this.lines.push(`debug: ${m}`)
  }
  async group<T>(name: string, fn: () => Promise<T>): Promise<T> {
    this.lines.push(`group: ${name}`)
    return fn()
  }
  setSecret(v: string): void {
    this.secrets.push(v)
  }
  setOutput(name: string, value: string): void {
    this.outputs[name] = value
  }
  async writeSummary(markdown: string): Promise<void> {
    this.summary += markdown
  }
  get errors(): string[] {
    return this.lines.filter((l) => l.startsWith('error: ')).map((l) => l.slice(7))
  }
}
