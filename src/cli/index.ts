#!/usr/bin/env node
import { main } from './cli.js'

/* istanbul ignore next */
process.exitCode = await main(process.argv.slice(2), process.env)
// As the action: nothing left pending holds the process once the outputs are out.
setTimeout(() => process.exit(), 1000).unref()
