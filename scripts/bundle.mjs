// Builds dist/ from src/ with ncc. `--check` builds into a temporary folder instead and fails when the
// committed dist/ differs from it: the runner executes dist/index.js, so it must be what src/ builds to.
import { execFileSync } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const root = resolve(import.meta.dirname, '..')
const check = process.argv.includes('--check')
const out = check ? mkdtempSync(join(tmpdir(), 'elt-dist-')) : join(root, 'dist')
const ncc = join(root, 'node_modules', '@vercel', 'ncc', 'dist', 'ncc', 'cli.js')

if (!check) rmSync(out, { recursive: true, force: true })
const build = (entry, dir) =>
  execFileSync(process.execPath, [ncc, 'build', entry, '-o', dir, '--minify', '--license', 'licenses.txt', '--quiet'], {
    cwd: root,
    stdio: 'inherit'
  })
// The action (dist/index.js) and the CLI (dist/cli.js) are separate bundles: the action loads only what it uses.
build('src/index.ts', out)
const cliDir = mkdtempSync(join(tmpdir(), 'elt-cli-'))
build('src/cli-entry.ts', cliDir)
renameSync(join(cliDir, 'index.js'), join(out, 'cli.js'))
chmodSync(join(out, 'cli.js'), 0o755)
rmSync(cliDir, { recursive: true, force: true })

if (check) {
  const dist = join(root, 'dist')
  const built = readdirSync(out).sort()
  const committed = existsSync(dist) ? readdirSync(dist).sort() : []
  const stale = []
  for (const name of new Set([...built, ...committed])) {
    const a = existsSync(join(out, name)) ? readFileSync(join(out, name)) : null
    const b = existsSync(join(dist, name)) ? readFileSync(join(dist, name)) : null
    if (!a || !b || !a.equals(b)) stale.push(name)
  }
  rmSync(out, { recursive: true, force: true })
  if (stale.length > 0) {
    console.error(`dist/ is stale (${stale.join(', ')} differ from a fresh build of src/). Run \`npm run bundle\` and commit dist/.`)
    process.exit(1)
  }
  console.log('dist/ matches a fresh build of src/.')
}
