// Issue 10's hostile-provider suite for Fivetran (the suite is in hostile-suite.ts).
import { hostileSuite } from './hostile-suite.js'
import { fivetranCase } from './provider-cases.js'

hostileSuite(fivetranCase)
