// Issue 5's fault matrix, cancellation and debug-mode secret checks for dbt Cloud (the suite is in reliability-suite.ts).
import { reliabilitySuite } from './reliability-suite.js'
import { dbtCloudCase } from './provider-cases.js'

reliabilitySuite(dbtCloudCase)
