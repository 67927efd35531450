// Issue 5's fault matrix, cancellation and debug-mode secret checks for Hightouch (the suite is in reliability-suite.ts).
import { reliabilitySuite } from './reliability-suite.js'
import { hightouchCase } from './provider-cases.js'

reliabilitySuite(hightouchCase)
