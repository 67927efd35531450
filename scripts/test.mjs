// npm test: checks that dist/ and the generated docs are fresh (check-dist) while jest runs, and fails if either
// fails. The two share no files (check-dist builds into a temporary folder), and the end-to-end tests spend most of
// their time waiting on emulated jobs, so the bundle check fits beside them: on a 2-core machine this saves the
// ~15 s the check takes. Arguments go to jest (`npm test -- __tests__/wait.unit.test.ts`).
import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
/** Runs a command with this terminal; resolves with its exit code and what it printed to stderr. */
function run(args, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'pipe'], env: { ...process.env, ...env } })
    let stderr = ''
    child.stderr.on('data', (d) => {
      stderr += d
      process.stderr.write(d)
    })
    child.on('close', (code) => resolve({ code: code ?? 1, stderr }))
  })
}

const [dist, jest] = await Promise.all([
  run([require.resolve('tsx/cli'), 'scripts/generate.ts', '--check']).then((docs) =>
    docs.code === 0 ? run(['scripts/bundle.mjs', '--check']) : docs
  ),
  run([require.resolve('jest/bin/jest'), ...process.argv.slice(2)], {
    NODE_OPTIONS: '--experimental-vm-modules',
    NODE_NO_WARNINGS: '1'
  })
])
// Jest's report is long: repeat why check-dist failed at the end, where it is seen.
if (dist.code !== 0) console.error(`\ncheck-dist failed:\n${dist.stderr.trim()}`)
process.exit(dist.code !== 0 ? dist.code : jest.code)
