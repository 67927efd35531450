// The end-to-end harness rejects every run that leaks a secret; this pins that check, so it cannot pass vacuously.
import { describe, expect, it } from '@jest/globals'
import { leaks } from '../emulator/run-action.js'
import { emulatorSecrets } from '../emulator/secrets.js'
import '../emulator/airbyte.js'

describe('leak check', () => {
  it('the leak check catches a secret, a Basic header and a token wherever they appear', () => {
    const clean = { stdout: '::debug::GET /v1/connections/x -> 200', stderr: '', summary: '', outputs: {} }
    expect(leaks(clean, { api_key: 'key-abcdef', api_secret: 'secret-ghijkl' })).toEqual([])
    const basic = Buffer.from('key-abcdef:secret-ghijkl').toString('base64')
    expect(
      leaks({ ...clean, stderr: `Authorization: Basic ${basic}` }, { api_key: 'key-abcdef', api_secret: 'secret-ghijkl' })
    ).toHaveLength(1)
    expect(leaks({ ...clean, summary: 'secret-ghijkl' }, { api_secret: 'secret-ghijkl' })).toEqual(['secr… in summary'])
    const token = [...emulatorSecrets][0]
    expect(leaks({ ...clean, outputs: { result: `{"token":"${token}"}` } }, {})).toHaveLength(1)
    // The runner's own mask command is the one place a secret may be written.
    expect(leaks({ ...clean, stdout: '::add-mask::secret-ghijkl' }, { api_secret: 'secret-ghijkl' })).toEqual([])
  })
})
