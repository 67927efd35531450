// Builds dist/ from src/ with ncc. `--check` builds into a temporary folder instead and fails when the
// committed dist/ differs from it: the runner executes dist/index.js, so it must be what src/ builds to.
// TypeScript turns src/ into JavaScript file by file first (types are checked by `npm run build`, which `npm run
// bundle` runs before this): ncc then bundles plain ES modules, about a third of the CPU of bundling the .ts files,
// which checks the types of the whole program once per bundle. The JavaScript goes to one fixed folder, because
// the module ids in the bundle come from its paths: run one bundle at a time.
// `--stats FILE` also writes the modules of the action's bundle and their source sizes, as JSON (npm run bench).
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'

const root = resolve(import.meta.dirname, '..')
const check = process.argv.includes('--check')
const out = check ? mkdtempSync(join(tmpdir(), 'elt-dist-')) : join(root, 'dist')
const statsAt = process.argv.indexOf('--stats')
const statsFile = statsAt >= 0 ? resolve(process.argv[statsAt + 1]) : undefined
const require = createRequire(import.meta.url)
const ncc = require('@vercel/ncc')
const ts = require('typescript')

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

/** src/ as ES modules, with tsconfig.json's options, in a folder inside the project (so node_modules resolve). */
function transpile() {
  const js = join(root, 'node_modules', '.cache', 'elt-orchestrator-bundle')
  rmSync(js, { recursive: true, force: true })
  const config = ts.getParsedCommandLineOfConfigFile(
    join(root, 'tsconfig.json'),
    {},
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} }
  )
  // File by file there is no package.json to say these are ES modules: say it in the options.
  const options = { ...config.options, module: ts.ModuleKind.ES2022, moduleResolution: ts.ModuleResolutionKind.Bundler }
  const files = (dir) =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]))
  for (const file of files(join(root, 'src')).filter((f) => f.endsWith('.ts'))) {
    const { outputText, diagnostics } = ts.transpileModule(readFileSync(file, 'utf8'), {
      fileName: file,
      compilerOptions: options,
      reportDiagnostics: true
    })
    if (diagnostics?.length) {
      console.error(
        ts.formatDiagnostics(diagnostics, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => root, getNewLine: () => '\n' })
      )
      process.exit(1)
    }
    const target = join(js, relative(root, file)).replace(/\.ts$/, '.js')
    mkdirSync(dirname(target), { recursive: true })
    writeFileSync(target, outputText)
  }
  writeFileSync(join(js, 'package.json'), '{ "type": "module" }\n')
  return js
}
/** What `ncc build <entry> -o <dir> --minify --license licenses.txt` writes, with the stubs above. */
async function build(entry, dir, statsOut) {
  const options = { minify: true, license: 'licenses.txt', quiet: true, externals, filterAssetBase: root }
  const { code, assets, stats } = await ncc(entry, options).catch((error) => {
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
      // Named as in src/ (./src/cli/cli.ts), not by the transpiled copy's path.
      else
        list.push({ name: m.name.replace(/^\.\/node_modules\/\.cache\/elt-orchestrator-bundle\/(src\/.*)\.js$/, './$1.ts'), size: m.size })
    }
  }
  walk(stats.toJson({ modules: true, nestedModules: true }).modules, true)
  return list.sort((a, b) => b.size - a.size || a.name.localeCompare(b.name))
}
// The action (dist/index.js) and the CLI (dist/cli.js) are separate bundles: the action loads only what it uses.
const js = transpile()
await build(join(js, 'src', 'index.js'), out, statsFile)
const cliDir = mkdtempSync(join(tmpdir(), 'elt-cli-'))
await build(join(js, 'src', 'cli', 'index.js'), cliDir)
rmSync(js, { recursive: true, force: true })
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
