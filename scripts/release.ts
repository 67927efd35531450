// Releases a version: `npm run release -- 1.2.0 [--push]`. Checks the work tree is clean, dist/ is fresh and the
// changelog names the version; sets package.json's version, commits, tags vX.Y.Z and moves the major tag vX to it;
// packs the CLI (`npm pack`: dist/cli.js, no dependencies) as elt-orchestrator-X.Y.Z.tgz for the GitHub release.
import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = join(fileURLToPath(new URL('.', import.meta.url)), '..')

export interface Version {
  major: number
  minor: number
  patch: number
  text: string
}

/** `1.2.0` or `v1.2.0`; no pre-release suffixes, since the major tag must only ever move to a full release. */
export function parseVersion(input: string | undefined): Version | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)$/.exec(input ?? '')
  if (!m) return undefined
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), text: `${m[1]}.${m[2]}.${m[3]}` }
}

/** What stops a release, in words; empty when it may go ahead. */
export function releaseProblems(
  v: Version,
  state: { clean: boolean; distFresh: boolean; changelog: string; tags: string[]; current: string }
): string[] {
  const problems: string[] = []
  if (!state.clean) problems.push('the work tree has uncommitted changes: commit or stash them first')
  if (!state.distFresh) problems.push('dist/ or the generated docs differ from a fresh build: run npm run bundle and commit')
  if (!new RegExp(`^## \\[${v.text.replace(/\./g, '\\.')}\\]`, 'm').test(state.changelog)) {
    problems.push(`CHANGELOG.md has no "## [${v.text}]" section: move the Unreleased notes under it`)
  }
  if (state.tags.includes(`v${v.text}`)) problems.push(`the tag v${v.text} exists already`)
  const current = parseVersion(state.current)
  if (current && compare(v, current) < 0) problems.push(`${v.text} is older than package.json's ${current.text}`)
  return problems
}

function compare(a: Version, b: Version): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch
}

/** The CLI's package for a version, as `npm pack` names it. */
export function tarballName(v: Version): string {
  return `elt-orchestrator-${v.text}.tgz`
}

/** The commands of a release, in order: commit, tags, the CLI's tarball, then the pushes if asked. */
export function releaseCommands(v: Version, options: { bump: boolean; push: boolean }): string[][] {
  const commands: string[][] = []
  if (options.bump) commands.push(['git', 'commit', '-am', `Release v${v.text}`])
  commands.push(['git', 'tag', '-a', `v${v.text}`, '-m', `v${v.text}`])
  commands.push(['git', 'tag', '-fa', `v${v.major}`, '-m', `v${v.major} → v${v.text}`])
  commands.push(['npm', 'pack', '--silent'])
  if (options.push) {
    commands.push(['git', 'push', 'origin', 'HEAD', `v${v.text}`])
    commands.push(['git', 'push', '--force', 'origin', `v${v.major}`])
  }
  return commands
}

function git(...args: string[]): string {
  return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' })
}

function main(argv: string[]): number {
  const push = argv.includes('--push')
  const version = parseVersion(argv.find((a) => !a.startsWith('--')))
  if (!version) {
    console.error('Usage: npm run release -- X.Y.Z [--push]   (e.g. 1.2.0)')
    return 2
  }
  let distFresh = true
  try {
    execFileSync('npm', ['run', '--silent', 'check-dist'], { cwd: ROOT, stdio: 'ignore' })
  } catch {
    distFresh = false
  }
  const pkgPath = join(ROOT, 'package.json')
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { version: string }
  const problems = releaseProblems(version, {
    clean: git('status', '--porcelain').trim() === '',
    distFresh,
    changelog: readFileSync(join(ROOT, 'CHANGELOG.md'), 'utf8'),
    tags: git('tag', '--list').split('\n'),
    current: pkg.version
  })
  if (problems.length > 0) {
    for (const p of problems) console.error(`Cannot release v${version.text}: ${p}`)
    return 1
  }
  const bump = pkg.version !== version.text
  if (bump) {
    pkg.version = version.text
    writeFileSync(pkgPath, `${JSON.stringify(pkg, null, 2)}\n`)
    execFileSync('npm', ['install', '--package-lock-only', '--no-audit', '--no-fund'], { cwd: ROOT, stdio: 'ignore' })
  }
  for (const [cmd, ...args] of releaseCommands(version, { bump, push })) {
    console.log(`$ ${cmd} ${args.join(' ')}`)
    execFileSync(cmd, args, { cwd: ROOT, stdio: 'inherit' })
  }
  console.log(
    `\nPacked the CLI as ${tarballName(version)}: attach it to the GitHub release v${version.text}, so that ` +
      `\`npx --yes https://github.com/OWNER/elt-orchestrator/releases/download/v${version.text}/${tarballName(version)} --help\` works.`
  )
  if (!push)
    console.log(
      `\nTagged v${version.text} and moved v${version.major}. Publish with: git push origin HEAD v${version.text} && git push --force origin v${version.major}`
    )
  return 0
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exitCode = main(process.argv.slice(2))
