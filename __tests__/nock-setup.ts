// Unit test files share a jest worker, and nock patches Node's http module, which jest does not isolate per file.
// A file that leaves its interceptor active makes the next file's requests fail as "network" errors, so every unit
// file starts with a fresh, closed interceptor and leaves none behind.
import { afterAll, beforeAll } from '@jest/globals'
import nock from 'nock'

beforeAll(() => {
  if (!nock.isActive()) nock.activate()
  nock.disableNetConnect()
})

afterAll(() => {
  nock.cleanAll()
  nock.enableNetConnect()
  nock.restore()
})
