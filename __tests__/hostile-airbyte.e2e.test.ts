// Issue 10's hostile-provider suite for Airbyte (the suite is in hostile-suite.ts).
import { hostileSuite } from './hostile-suite.js'
import { airbyteCase } from './provider-cases.js'

hostileSuite(airbyteCase)
