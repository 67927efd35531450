// Issue 10 (run by hostile-<provider>.e2e.test.ts): a hostile or broken provider, played by the emulator, against the
// bundled action. Nothing it sends may hang the step, run a workflow command, leak a credential or wipe the outputs.
// Each case runs its own emulator (and second listener), so the cases run side by side; timeouts are 2-3 s.
import { describe, expect, it } from '@jest/globals'
import { writeFileSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { extraProviders } from '../emulator/providers.js'
import { startEmulator, startRecorder, type Emulator } from '../emulator/server.js'
import type { Fault } from '../emulator/types.js'
import { ROOT, errors, runAction, type ActionRun, type RunOptions } from './harness.js'
import type { ProviderCase } from './provider-cases.js'

/** Text a hostile provider puts in every string it sends: commands, HTML, markdown, a forged heading. */
export const HOSTILE_TEXT =
  '\n::error title=forged::PWNED\r::add-mask::Triggered\n  ::stop-commands::tok1\n##[set-output name=status;]succeeded' +
  ' <img src=x onerror=alert(1)> [click](https://evil.example/a) ![i](https://evil.example/i.png) | x\n### Forged heading'

const OWN_COMMAND = /^::(add-mask|error|warning|debug|group|endgroup)::/

/** No line the runner would read as a workflow command, but the action's own (and those carry no provider text). */
export function expectNoForgedCommand(r: ActionRun): void {
  for (const line of r.stdout.split('\n')) {
    if (!/^\s*::/.test(line) && !line.includes('##[')) continue
    expect(line).toMatch(OWN_COMMAND)
    if (line.startsWith('::add-mask::')) expect(line).not.toMatch(/PWNED|Triggered|forged|stop-commands/)
  }
}

/** Outputs one line each, job_id only in its documented form, `result` and `results` JSON. */
export function expectSaneOutputs(p: ProviderCase, r: ActionRun): void {
  for (const [name, value] of Object.entries(r.outputs)) {
    expect([name, /[\r\n]/.test(value)]).toEqual([name, false])
  }
  if (r.outputs.job_id !== undefined) expect(r.outputs.job_id).toMatch(p.jobIdPattern)
  if (r.outputs.result !== undefined) expect(() => JSON.parse(r.outputs.result) as unknown).not.toThrow()
  expect(() => JSON.parse(r.outputs.results) as unknown).not.toThrow()
}

/** Provider text is text in the summary: no HTML, no link or image but the action's own, no forged heading. */
export function expectEscapedSummary(r: ActionRun): void {
  expect(r.summary).not.toBe('')
  expect(r.summary).not.toMatch(/<img|<script/)
  expect(r.summary).not.toMatch(/\]\(https?:\/\/evil/)
  expect(r.summary.split('\n').filter((l) => l.startsWith('#'))).toHaveLength(1)
}

interface Setup {
  emulator: Emulator
  recorder: Awaited<ReturnType<typeof startRecorder>>
}

/** Runs `fn` with a fresh emulator and second listener, closed afterwards. */
async function withServers<T>(fn: (s: Setup) => Promise<T>): Promise<T> {
  const emulator = await startEmulator({ providers: extraProviders() })
  const recorder = await startRecorder()
  try {
    return await fn({ emulator, recorder })
  } finally {
    await Promise.all([emulator.close(), recorder.close()])
  }
}

const TIMEOUT_S = 3
/** The guarantee: the process has ended within timeout + 5 s of the action's start (its first line: Node's own start-up on a loaded test machine is not the action's). */
const BOUND_MS = (TIMEOUT_S + 5) * 1000

function run(p: ProviderCase, e: Emulator, extra: Record<string, string> = {}, options: RunOptions = {}): Promise<ActionRun> {
  return runAction(
    // No history read: it shares the status checks' path (Hightouch), so a fault meant for a check would hit it instead.
    { ...p.succeeding(e, 1), timeout: `${TIMEOUT_S}s`, request_timeout: '2s', poll_interval: '1s', history: 'false', ...extra },
    { killAfterMs: 30_000, ...options }
  )
}

type F = Omit<Fault, 'provider'>

/** The whole hostile suite for one provider. A new provider joins with one entry in PROVIDER_CASES and one file. */
export function hostileSuite(p: ProviderCase): void {
  const status = (fault: Omit<F, 'method' | 'path'>): F => ({ method: 'GET', path: p.statusPath, ...fault })

  describe(`${p.name}: a hostile provider`, () => {
    it.concurrent.each([
      ['trickles its headers a byte at a time', 'trickle'],
      ['reads the request and never answers (half-open)', 'half-open'],
      ['sends a body that never ends', 'endless']
    ] as const)('the step exits within timeout + 5 s when the server %s', async (_label, kind) =>
      withServers(async ({ emulator }) => {
        emulator.addFault({ provider: p.name, ...status({ kind, times: 1000 }) })
        const r = await run(p, emulator)
        expect(r.exitedAfterStartMs).toBeLessThan(BOUND_MS)
        expect(r.code).toBe(1)
        expect(r.outputs.results).toBeDefined()
        expect(r.summary).not.toBe('')
        expect(errors(r).join('\n')).toMatch(/no answer within|timed out|timeout/i)
      })
    )

    it.concurrent('one trickled status check does not hold a successful step: it exits seconds after the verdict', () =>
      withServers(async ({ emulator }) => {
        emulator.addFault({ provider: p.name, ...status({ kind: 'trickle', skip: p.readsBeforeTrigger, times: 1 }) })
        const r = await run(p, emulator, { timeout: '30s', request_timeout: '1s' })
        expect(r.outputs.status).toBe('succeeded')
        expect(r.code).toBe(0)
        // The emulated job takes a few seconds; a socket left open would hold the process for the whole trickle (50 min).
        expect(r.elapsedMs).toBeLessThan(15_000)
      })
    )

    it.concurrent.each([
      ['the very first request (a credential exchange, or a read)', { path: '.*', status: 307 }],
      ['the request that starts the job', { method: 'POST', path: p.triggerPath, status: 302 }]
    ] as const)('a redirect on %s is not followed: nothing reaches the other origin', async (_label, where) =>
      withServers(async ({ emulator, recorder }) => {
        emulator.addFault({ provider: p.name, kind: 'redirect', location: recorder.url, ...where })
        const r = await run(p, emulator)
        expect(recorder.requests).toEqual([])
        expect(r.code).toBe(1)
        const host = new URL(recorder.url).host
        expect(errors(r).join('\n')).toMatch(new RegExp(`HTTP ${where.status} .*${host.replace(/\./g, '\\.')}`))
        expect(errors(r).join('\n')).toMatch(/follows no redirect/)
        expect(p.jobsStarted(emulator)).toBe(0)
      })
    )

    it.concurrent.each([
      ['in every answer', { path: '.*' }],
      ['in every status check', { method: 'GET', path: p.statusPath, skip: p.readsBeforeTrigger }]
    ] as const)('workflow commands, HTML and markdown %s stay text: no forged command, sane outputs, escaped summary', async (_l, where) =>
      withServers(async ({ emulator }) => {
        emulator.addFault({ provider: p.name, kind: 'inject', text: HOSTILE_TEXT, keep: p.injectKeep, times: 1000, ...where })
        const r = await run(p, emulator)
        expect(r.exitedAfterStartMs).toBeLessThan(BOUND_MS)
        // Shown as text where it was logged (a provider may lower-case it), or refused where an id was expected.
        if (p.injectShown !== null) expect(r.stdout).toMatch(p.injectShown ?? /pwned|not a number/i)
        expectNoForgedCommand(r)
        expectSaneOutputs(p, r)
        expectEscapedSummary(r)
      })
    )

    it.concurrent('an error body carrying commands and markup stays text', () =>
      withServers(async ({ emulator }) => {
        emulator.addFault({
          provider: p.name,
          method: 'POST',
          path: p.triggerPath,
          kind: 'status',
          status: 400,
          message: `bad${HOSTILE_TEXT}`
        })
        const r = await run(p, emulator)
        expect(r.code).toBe(1)
        expect(r.stdout).toMatch(/PWNED/)
        expectNoForgedCommand(r)
        expectSaneOutputs(p, r)
        expectEscapedSummary(r)
      })
    )

    it.concurrent('an error body echoing the Authorization header puts no credential anywhere', () =>
      withServers(async ({ emulator }) => {
        emulator.addFault({ provider: p.name, ...status({ kind: 'echo-auth', status: 403, skip: p.readsBeforeTrigger }) })
        // runAction itself fails the run if a key, a secret, the Basic header or an issued token shows up anywhere.
        const r = await run(p, emulator, {}, { env: { GITHUB_ACTIONS: 'true' } })
        expect(r.code).toBe(1)
        expect(errors(r).join('\n')).toMatch(/Authorization: (Bearer |Basic |Token )?\*\*\*/)
        expect(r.stdout).toMatch(/^::add-mask::/m)
      })
    )

    it.concurrent('a Retry-After of 0 or negative waits the normal backoff (≥ 1 s), never at once', () =>
      withServers(async ({ emulator }) => {
        // One after the other, on four status checks in a row.
        // Two of the four forms here (the parser's unit tests take all four): each costs the step a real backoff.
        for (const retryAfter of ['0', '-5']) {
          emulator.addFault({ provider: p.name, ...status({ kind: 'status', status: 429, retryAfter, skip: p.readsBeforeTrigger }) })
        }
        const r = await run(p, emulator, { timeout: '30s' })
        expect(r.outputs.status).toBe('succeeded')
        const checks = emulator.requests
          .filter((q) => q.provider === p.name && q.method === 'GET' && new RegExp(p.statusPath).test(q.path))
          .filter((q) => p.isStatusCheck?.(q.query) ?? true)
          .map((q) => q.at)
        expect(checks.length).toBeGreaterThan(2)
        const gaps = checks.slice(1).map((at, i) => at - checks[i])
        expect(Math.min(...gaps)).toBeGreaterThanOrEqual(900)
      })
    )

    it.concurrent('an array nested 5,000 deep and a 200 kB string in every answer: every output and the summary are written', () =>
      withServers(async ({ emulator }) => {
        emulator.addFault({ provider: p.name, kind: 'deep', path: '.*', keep: [], times: 1000 })
        const r = await run(p, emulator, { timeout: '30s' })
        expect(r.outputs.status).toBe('succeeded')
        expect(r.outputs.job_id).toMatch(p.jobIdPattern)
        expect(r.outputs.result.length).toBeLessThan(1024 * 1024)
        expect(JSON.parse(r.outputs.result)).toMatchObject({ truncated: true })
        expect(r.summary).toMatch(/succeeded/)
        expect(r.stdout).not.toMatch(/Maximum call stack/)
      })
    )

    it.concurrent('a body over the size limit is "response larger than 2 MB", not a network error, and is ridden out', () =>
      withServers(async ({ emulator }) => {
        emulator.addFault({ provider: p.name, ...status({ kind: 'oversized', sizeMb: 3, skip: p.readsBeforeTrigger, times: 2 }) })
        const r = await run(p, emulator, { timeout: '30s' })
        expect(r.outputs.status).toBe('succeeded')
        expect(r.stdout).toMatch(/response larger than 2 MB/)
        expect(r.stdout).not.toMatch(/connection closed mid-response/)
      })
    )
  })
}

/** Runs the bundle through a wrapper that reports the process's peak RSS on exit (in kB). */
export async function runMeasuringRss(
  inputs: Record<string, string>,
  options: RunOptions = {}
): Promise<{ run: ActionRun; maxRssMb: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'elt-rss-'))
  const entry = join(dir, 'entry.mjs')
  writeFileSync(
    entry,
    `process.on('exit', () => process.stderr.write('maxrss_kb=' + process.resourceUsage().maxRSS + '\\n'))\n` +
      `await import(${JSON.stringify(pathToFileURL(join(ROOT, 'dist', 'index.js')).href)})\n`
  )
  const r = await runAction(inputs, { ...options, entry })
  const kb = Number(/maxrss_kb=(\d+)/.exec(r.stderr)?.[1])
  return { run: r, maxRssMb: kb / 1024 }
}
