// Builds dist/ from src/ with ncc. `--check` builds into a temporary folder instead and fails when the
// committed dist/ differs from it: the runner executes dist/index.js, so it must be what src/ builds to.
// `--stats FILE` also writes the modules of the action's bundle and their source sizes, as JSON (npm run bench).
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const root = resolve(import.meta.dirname, '..')
const check = process.argv.includes('--check')
const out = check ? mkdtempSync(join(tmpdir(), 'elt-dist-')) : join(root, 'dist')
const statsAt = process.argv.indexOf('--stats')
const statsFile = statsAt >= 0 ? resolve(process.argv[statsAt + 1]) : undefined
const ncc = createRequire(import.meta.url)('@vercel/ncc')

/**
 * Modules the libraries import but the action never runs, replaced by a stub that fails loudly if it ever were:
 * - undici (~450 KB of a 560 KB bundle, and ~30 ms of start-up): @actions/http-client imports it only for
 *   getAgentDispatcher(), a proxy dispatcher for fetch() users. The action's requests go through
 *   HttpClient.request (node:http, and tunnel behind a proxy), which never touches it.
 * - @actions/exec (with @actions/io): @actions/core imports it only for core.platform (the runner's OS details).
 */
const UNUSED = {
  undici: `export class ProxyAgent {
    constructor() { throw new Error('undici is not bundled: HttpClient.getAgentDispatcher() is unavailable') }
  }`,
  '@actions/exec': `export function getExecOutput() {
    throw new Error('@actions/exec is not bundled: core.platform is unavailable')
  }`
}
const externals = Object.fromEntries(
  Object.entries(UNUSED).map(([name, source]) => [name, `data:text/javascript,${encodeURIComponent(source)}`])
)

if (!check) rmSync(out, { recursive: true, force: true })
/** What `ncc build <entry> -o <dir> --minify --license licenses.txt` writes, with the stubs above. */
async function build(entry, dir, statsOut) {
  const options = { minify: true, license: 'licenses.txt', quiet: true, externals, filterAssetBase: root }
  const { code, assets, stats } = await ncc(join(root, entry), options).catch((error) => {
    // The message says what failed (a type error, say); Node's report of the throw would print ncc's minified source.
    console.error(error instanceof Error ? error.message : String(error))
    process.exit(1)
  })
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'index.js'), code, { mode: code.startsWith('#!') ? 0o755 : 0o644 })
  for (const [name, asset] of Object.entries(assets)) writeFileSync(join(dir, name), asset.source, { mode: asset.permissions })
  if (statsOut) writeFileSync(statsOut, `${JSON.stringify(moduleSizes(stats), null, 1)}\n`)
}
/** Every module in a bundle (those webpack concatenated, one by one) with its size before minifying. */
function moduleSizes(stats) {
  const list = []
  const walk = (modules, top) => {
    for (const m of modules ?? []) {
      // A concatenated module lists its parts; at the top level they show up again as orphans.
      if (top && m.orphan) continue
      if (m.modules) walk(m.modules, false)
      else list.push({ name: m.name, size: m.size })
    }
  }
  walk(stats.toJson({ modules: true, nestedModules: true }).modules, true)
  return list.sort((a, b) => b.size - a.size || a.name.localeCompare(b.name))
}
// The action (dist/index.js) and the CLI (dist/cli.js) are separate bundles: the action loads only what it uses.
await build('src/index.ts', out, statsFile)
const cliDir = mkdtempSync(join(tmpdir(), 'elt-cli-'))
await build('src/cli/index.ts', cliDir)
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
