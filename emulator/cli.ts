// `npm run emulator [-- --port 8787]`: serves the emulated provider APIs until Ctrl-C.
import { parseArgs } from 'node:util'
import { FIVETRAN_KEY, FIVETRAN_SCENARIOS, FIVETRAN_SECRET } from './fivetran.js'
import { startEmulator } from './server.js'
import { extraProviders, scenarioHelp } from './providers.js'

const { values } = parseArgs({
  options: { port: { type: 'string', default: process.env.EMULATOR_PORT ?? '8787' }, host: { type: 'string', default: '127.0.0.1' } }
})
const emulator = await startEmulator({ port: Number(values.port), host: values.host, providers: extraProviders() })
console.log(`Emulator listening on ${emulator.url}`)
console.log(`\nFivetran   base_url: ${emulator.baseUrl('fivetran')}   api_key: ${FIVETRAN_KEY}   api_secret: ${FIVETRAN_SECRET}`)
for (const [id, s] of Object.entries(FIVETRAN_SCENARIOS)) console.log(`  connector_id ${id.padEnd(16)} ${s.description}`)
for (const line of scenarioHelp(emulator)) console.log(line)
console.log('\nControl: GET /__emulator/requests, POST /__emulator/reset, POST /__emulator/faults. Ctrl-C stops.')
const stop = (): void => void emulator.close().then(() => process.exit(0))
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
