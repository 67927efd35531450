// The CLI as a package: `npm pack` makes a tarball of dist/cli.js with no dependencies to install, and
// `npx ./elt-orchestrator-X.tgz --help` runs it on Node 24 from any folder, offline, with no dev tooling around.
import { describe, expect, it } from '@jest/globals'
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { ROOT } from './harness.js'

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  version: string
  bin: Record<string, string>
  files: string[]
  dependencies?: Record<string, string>
}
// Node 24 from the `node` dev dependency, as npm scripts see it.
const PATH = [join(ROOT, 'node_modules', '.bin'), process.env.PATH ?? ''].join(delimiter)

describe('the CLI, packed', () => {
  it('installs from the tarball npm pack makes and runs --help and --version on Node 24, offline', () => {
    const dir = mkdtempSync(join(tmpdir(), 'elt-pack-'))
    const packed = JSON.parse(
      execFileSync('npm', ['pack', '--json', '--pack-destination', dir], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, PATH } })
    ) as {
      filename: string
      files: { path: string }[]
    }[]
    expect(packed[0].filename).toBe(`elt-orchestrator-${pkg.version}.tgz`)
    expect(packed[0].files.map((f) => f.path).sort()).toEqual([
      'LICENSE',
      'README.md',
      'dist/cli.js',
      'dist/licenses.txt',
      'dist/package.json',
      'package.json'
    ])
    expect(pkg.bin).toEqual({ 'elt-orchestrator': 'dist/cli.js' })
    // dist/cli.js bundles everything it needs: installing it fetches nothing.
    expect(pkg.dependencies ?? {}).toEqual({})

    const env = { PATH, HOME: dir, npm_config_cache: join(dir, 'cache'), npm_config_offline: 'true', npm_config_update_notifier: 'false' }
    expect(execFileSync('node', ['--version'], { env, encoding: 'utf8' })).toMatch(/^v24\./)
    const npx = (...args: string[]) =>
      spawnSync('npx', ['--yes', `./${packed[0].filename}`, ...args], { cwd: dir, env, encoding: 'utf8', timeout: 30_000 })
    const help = npx('--help')
    expect({ status: help.status, stderr: help.stderr }).toEqual({ status: 0, stderr: '' })
    expect(help.stdout).toContain('Usage: elt-orchestrator --provider fivetran')
    expect(help.stdout).toContain('--connector-id')
    expect(npx('--version').stdout.trim()).toBe(pkg.version)
    // Bad input: the CLI's own error and exit code, from the installed copy.
    const bad = npx('--provider', 'nope')
    expect(bad.status).toBe(1)
    expect(bad.stderr).toContain('provider must be one of fivetran, airbyte, hightouch')
  })
})
