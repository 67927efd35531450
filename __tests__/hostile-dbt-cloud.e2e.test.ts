// Issue 10's hostile-provider suite for dbt Cloud (the suite is in hostile-suite.ts).
import { hostileSuite } from './hostile-suite.js'
import { dbtCloudCase } from './provider-cases.js'

hostileSuite(dbtCloudCase)
