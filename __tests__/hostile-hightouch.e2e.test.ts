// Issue 10's hostile-provider suite for Hightouch (the suite is in hostile-suite.ts).
import { hostileSuite } from './hostile-suite.js'
import { hightouchCase } from './provider-cases.js'

hostileSuite(hightouchCase)
