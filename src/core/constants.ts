/** The action's name and version, sent as the User-Agent of every request. */
export const ACTION_NAME = 'elt-orchestrator'
export const ACTION_VERSION = '1.0.0'
export const USER_AGENT = `${ACTION_NAME}/${ACTION_VERSION} (+https://github.com/features/actions)`

/** Output names, as declared in action.yml. */
export const Outputs = {
  jobId: 'job_id',
  status: 'status',
  providerStatus: 'provider_status',
  jobUrl: 'job_url',
  result: 'result',
  rowsSynced: 'rows_synced',
  testsPassed: 'tests_passed',
  testsFailed: 'tests_failed',
  testsWarning: 'tests_warning',
  results: 'results'
} as const

/** The normalised statuses the `status` output takes, from best to worst. */
export const STATUSES = [
  'succeeded',
  'running',
  'queued',
  'warning',
  'unknown',
  'paused',
  'rescheduled',
  'cancelled',
  'timed_out',
  'failed'
] as const
export type Status = (typeof STATUSES)[number]

/** Statuses that mean the job is still going. */
export const ACTIVE_STATUSES: readonly Status[] = ['running', 'queued']
