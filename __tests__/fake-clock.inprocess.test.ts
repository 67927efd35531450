// The IdleClock under the in-process runner: sleeps wake in the order of fake time, those due together wake together,
// time stands still while a request is on the wire, and an abort rejects at once.
import { afterAll, describe, expect, it } from '@jest/globals'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { AbortedError } from '../src/core/errors.js'
import { IdleClock } from './fake-clock.js'

const clock = new IdleClock(1_000_000)
afterAll(() => clock.dispose())

describe('IdleClock', () => {
  it('wakes sleeps in the order of their ends, ties together and in the order asked, each at its own time', async () => {
    const start = clock.now()
    const woke: [string, number][] = []
    const sleep = (name: string, ms: number) => clock.sleep(ms).then(() => woke.push([name, clock.now() - start]))
    await Promise.all([sleep('late', 3000), sleep('first', 1000), sleep('tie-a', 2000), sleep('tie-b', 2000)])
    expect(woke).toEqual([
      ['first', 1000],
      ['tie-a', 2000],
      ['tie-b', 2000],
      ['late', 3000]
    ])
  })

  it('holds time while an HTTP request is on the wire, however long it takes in real time', async () => {
    let seenAt = 0
    const server = createServer((_req, res) => {
      seenAt = clock.now()
      setTimeout(() => res.end('ok'), 150)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const start = clock.now()
    const timer = clock.sleep(100)
    const answer = await fetchText(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`)
    const answeredAt = clock.now()
    await timer
    server.close()
    expect(answer).toBe('ok')
    // The 100 ms sleep could not end while the request (150 real ms) was open: time stood at the start throughout.
    expect(seenAt).toBe(start)
    expect(answeredAt).toBe(start)
    expect(clock.now()).toBe(start + 100)
  })

  it('rejects a sleep with AbortedError when its signal aborts, and at once when it already has', async () => {
    const controller = new AbortController()
    const sleeping = clock.sleep(60_000, controller.signal)
    controller.abort()
    await expect(sleeping).rejects.toBeInstanceOf(AbortedError)
    await expect(clock.sleep(1, controller.signal)).rejects.toBeInstanceOf(AbortedError)
  })
})

/** A GET with node:http (as the action's client), whose socket the clock counts. */
async function fetchText(url: string): Promise<string> {
  const { get } = await import('node:http')
  return new Promise((resolve, reject) => {
    get(url, { agent: false }, (res) => {
      let body = ''
      res.on('data', (d: Buffer) => (body += d.toString()))
      res.on('end', () => resolve(body))
    }).on('error', reject)
  })
}
