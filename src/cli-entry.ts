#!/usr/bin/env node
import { main } from './cli.js'

/* istanbul ignore next */
process.exitCode = await main(process.argv.slice(2), process.env)
