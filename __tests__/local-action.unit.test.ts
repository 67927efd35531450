// `npm run local-action` runs src/main.ts through @github/local-action, which imports the module and calls its run():
// the module must export run() and do nothing on import (no output, no exit code, no signal handlers).
import { describe, expect, it, jest } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { emulatorPort, envFile, parseEnv } from '../scripts/local-action.js'
import { ROOT } from './harness.js'

describe('the entry point @github/local-action runs', () => {
  it('src/main.ts exports run() and has no side effects on import', async () => {
    const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true)
    const listeners = process.listenerCount('SIGINT') + process.listenerCount('SIGTERM')
    const exitCode = process.exitCode
    try {
      const main = (await import('../src/main.js')) as Record<string, unknown>
      expect(typeof main.run).toBe('function')
      expect(write).not.toHaveBeenCalled()
      expect(process.exitCode).toBe(exitCode)
      expect(process.listenerCount('SIGINT') + process.listenerCount('SIGTERM')).toBe(listeners)
    } finally {
      write.mockRestore()
    }
  })

  it('is what npm run local-action names, with the checked-in .env.example pointing at the emulator', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
    expect(pkg.scripts['local-action']).toBe('tsx scripts/local-action.ts')
    expect(readFileSync(join(ROOT, 'scripts', 'local-action.ts'), 'utf8')).toContain("['run', '.', 'src/main.ts', file]")
    const env = parseEnv(readFileSync(join(ROOT, '.env.example'), 'utf8'))
    expect(env).toMatchObject({
      INPUT_PROVIDER: 'fivetran',
      INPUT_BASE_URL: 'http://127.0.0.1:8787/fivetran/v1',
      LOCAL_ACTION_WORKSPACE: ''
    })
    expect(emulatorPort(env)).toBe(8787)
    expect(emulatorPort({ INPUT_BASE_URL: 'https://api.fivetran.com/v1' })).toBeUndefined()
    expect(envFile('mine.env')).toBe('mine.env')
    expect(readFileSync(join(ROOT, '.gitignore'), 'utf8').split('\n')).toContain('.env')
  })
})
