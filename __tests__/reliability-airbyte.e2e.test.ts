// Issue 5's fault matrix, cancellation and debug-mode secret checks for Airbyte (the suite is in reliability-suite.ts).
import { reliabilitySuite } from './reliability-suite.js'
import { airbyteCase } from './provider-cases.js'

reliabilitySuite(airbyteCase)
