import { describe, expect, it } from '@jest/globals'
import { cliInputReader, dotenv, parseCliArgs } from '../src/cli/cli.js'

describe('CLI arguments', () => {
  it('maps kebab-case flags to inputs and reads its own flags', () => {
    expect(parseCliArgs(['--provider', 'fivetran', '--connector-id=abc', '--json', '--dotenv', 'out.env'])).toMatchObject({
      inputs: { provider: 'fivetran', connector_id: 'abc' },
      json: true,
      dotenv: 'out.env'
    })
  })

  it('takes --history like every input (false turns the history read off)', () => {
    expect(parseCliArgs(['--history', 'false', '--max-parallel=300']).inputs).toEqual({ history: 'false', max_parallel: '300' })
  })

  it('refuses unknown flags and flags without values', () => {
    expect(() => parseCliArgs(['--nope', 'x'])).toThrow(/Unknown flag --nope/)
    expect(() => parseCliArgs(['--connector-id'])).toThrow(/--connector-id needs a value/)
    expect(() => parseCliArgs(['abc'])).toThrow(/Unexpected argument "abc"/)
    expect(() => parseCliArgs(['--json=yes'])).toThrow(/--json takes no value/)
    // A value that looks like a flag is more likely a forgotten value than a value: it must be given with `=`.
    expect(() => parseCliArgs(['--connector-id', '--json'])).toThrow(/--connector-id needs a value .*--connector-id=-value/)
  })

  it('takes -h for --help, the last of a repeated flag, and a value starting with "-" after "="', () => {
    expect(parseCliArgs(['-h'])).toMatchObject({ help: true, json: false, version: false, debug: false, inputs: {} })
    expect(parseCliArgs(['--version', '--debug', '--summary', 's.md'])).toMatchObject({ version: true, debug: true, summary: 's.md' })
    expect(parseCliArgs(['--table', 'a', '--table', 'b']).inputs).toEqual({ table: 'b' })
    expect(parseCliArgs(['--table=-x']).inputs).toEqual({ table: '-x' })
  })

  it('prefers flags to INPUT_* to the DataOps env names', () => {
    const read = cliInputReader(
      { connector_id: 'flag' },
      { INPUT_CONNECTOR_ID: 'input', CONNECTOR_ID: 'env', INPUT_SCHEMA: 'public', TABLE: 't' }
    )
    expect(read('connector_id', 'CONNECTOR_ID')).toBe('flag')
    expect(read('schema', 'SCHEMA')).toBe('public')
    expect(read('table', 'TABLE')).toBe('t')
  })

  it('writes dotenv lines with upper-case names, one line each', () => {
    expect(dotenv({ job_id: 'a@b', status: 'succeeded', result: 'x\ny' })).toBe('JOB_ID=a@b\nSTATUS=succeeded\nRESULT=x\\ny\n')
  })
})
