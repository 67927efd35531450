import { describe, expect, it } from '@jest/globals'
import { parseVersion, releaseCommands, releaseProblems, tarballName } from '../scripts/release.js'

const v = parseVersion('1.2.0')!
const ok = { clean: true, distFresh: true, changelog: '# Changelog\n\n## [1.2.0] - 2026-12-03\n', tags: ['v1.1.0', 'v1'], current: '1.1.0' }

describe('release', () => {
  it('reads X.Y.Z with or without v, and nothing else', () => {
    expect(parseVersion('v1.2.3')).toEqual({ major: 1, minor: 2, patch: 3, text: '1.2.3' })
    expect(parseVersion('1.2')).toBeUndefined()
    expect(parseVersion('1.2.3-rc.1')).toBeUndefined()
    expect(parseVersion(undefined)).toBeUndefined()
  })

  it('goes ahead only from a clean tree, a fresh dist/, a changelog entry, a new tag and a newer version', () => {
    expect(releaseProblems(v, ok)).toEqual([])
    expect(releaseProblems(v, { ...ok, clean: false })).toEqual([expect.stringMatching(/uncommitted changes/)])
    expect(releaseProblems(v, { ...ok, distFresh: false })).toEqual([expect.stringMatching(/dist\/ .* npm run bundle/)])
    expect(releaseProblems(v, { ...ok, changelog: '## [1.1.0]' })).toEqual([expect.stringMatching(/no "## \[1\.2\.0\]" section/)])
    expect(releaseProblems(v, { ...ok, tags: ['v1.2.0'] })).toEqual(['the tag v1.2.0 exists already'])
    expect(releaseProblems(v, { ...ok, current: '1.3.0' })).toEqual(["1.2.0 is older than package.json's 1.3.0"])
  })

  it('tags the version, moves the major tag, and pushes both only when asked', () => {
    expect(releaseCommands(v, { bump: true, push: false })).toEqual([
      ['git', 'commit', '-am', 'Release v1.2.0'],
      ['git', 'tag', '-a', 'v1.2.0', '-m', 'v1.2.0'],
      ['git', 'tag', '-fa', 'v1', '-m', 'v1 → v1.2.0'],
      ['npm', 'pack', '--silent']
    ])
    expect(tarballName(v)).toBe('elt-orchestrator-1.2.0.tgz')
    expect(releaseCommands(v, { bump: false, push: true }).slice(-2)).toEqual([
      ['git', 'push', 'origin', 'HEAD', 'v1.2.0'],
      ['git', 'push', '--force', 'origin', 'v1']
    ])
  })
})
