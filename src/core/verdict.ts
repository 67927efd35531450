import { STATUSES, type Status } from './constants.js'
import type { ActionKind } from './common.js'
import type { Report } from './report.js'

/** Whether one target passes (README, "Statuses"). */
export function passes(report: Report, kind: ActionKind, options: { wait: boolean; warningsPass: boolean }): boolean {
  if (report.error !== undefined) return false
  switch (kind) {
    case 'report':
      return true
    case 'test':
      return report.status !== 'failed'
    case 'wait':
      if (!options.wait && report.status !== 'cancelled' && report.status !== 'timed_out') {
        return report.jobId !== undefined
      }
      return report.status === 'succeeded' || (report.status === 'warning' && options.warningsPass)
  }
}

/** The worst of several statuses (for the `status` output of a step with several targets). */
export function worstStatus(statuses: (Status | undefined)[]): Status | undefined {
  let worst: Status | undefined
  for (const status of statuses) {
    if (status === undefined) continue
    if (worst === undefined || STATUSES.indexOf(status) > STATUSES.indexOf(worst)) worst = status
  }
  return worst
}
