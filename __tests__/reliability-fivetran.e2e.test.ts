// Issue 5's fault matrix, cancellation and debug-mode secret checks for Fivetran (the suite is in reliability-suite.ts).
import { reliabilitySuite } from './reliability-suite.js'
import { fivetranCase } from './provider-cases.js'

reliabilitySuite(fivetranCase)
