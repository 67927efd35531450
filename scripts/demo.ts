// `npm run demo`: starts the emulator, runs the bundled action (dist/index.js) as the runner would for a handful
// of scenarios, prints each run's outputs and job summary as text, and stops the emulator. No credentials needed.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { extraProviders } from '../emulator/providers.js'
import { ROOT, runAction } from '../emulator/run-action.js'
import { startEmulator } from '../emulator/server.js'
import { DEMO_RUNS } from './demo-runs.js'
import { markdownToText } from './text.js'

if (!existsSync(join(ROOT, 'dist', 'index.js'))) {
  console.error('dist/index.js is missing: run `npm run bundle` first.')
  process.exit(1)
}
const filter = process.argv[2]?.toLowerCase()
const emulator = await startEmulator({ providers: extraProviders() })
const bold = (s: string): string => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s)
let surprises = 0
let previous: Record<string, string> = {}
try {
  for (const demo of DEMO_RUNS) {
    if (filter && !demo.title.toLowerCase().includes(filter)) continue
    const inputs = demo.inputs(emulator, previous)
    console.log(`\n${bold(`━━ ${demo.title}`)}`)
    const shown = Object.entries(inputs)
      .filter(([k]) => !/key|secret|token/.test(k))
      .map(([k, v]) => `${k}: ${v}`)
    console.log(`with: ${shown.join(', ')}`)
    const run = await runAction(inputs)
    previous = run.outputs
    const verdict = run.code === 0 ? 'passed' : 'failed'
    console.log(
      `\nstep ${verdict} (exit code ${run.code}) in ${(run.elapsedMs / 1000).toFixed(1)}s${demo.passes === (run.code === 0) ? '' : '  <-- not what this scenario expects'}`
    )
    if (demo.passes !== (run.code === 0)) surprises++
    console.log('outputs:')
    for (const [name, value] of Object.entries(run.outputs)) {
      console.log(`  ${name} = ${value.length > 120 ? `${value.slice(0, 117)}...` : value}`)
    }
    console.log('job summary:')
    console.log(markdownToText(run.summary).replace(/^/gm, '  │ '))
  }
} finally {
  await emulator.close()
}
process.exit(surprises === 0 ? 0 : 1)
