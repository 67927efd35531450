// Generated from action.yml by `npm run docs`: do not edit.

/** The action's inputs, for the CLI's flags and help. */
export const INPUTS: { name: string; description: string; default?: string }[] = [
  {
    "name": "provider",
    "description": "The ELT tool: fivetran, airbyte, hightouch or dbt-cloud (any case)."
  },
  {
    "name": "action",
    "description": "What to do. fivetran: STATUS, START (alias SYNC), TEST, FORCE_RESYNC, WAIT (default START; env FIVETRAN_ACTION). airbyte: SYNC (default), RESET, CLEAR, WAIT, STATUS, CANCEL. hightouch: SYNC (default), WAIT, STATUS. dbt-cloud: RUN (default), RERUN, WAIT, STATUS, CANCEL."
  },
  {
    "name": "wait",
    "description": "Wait for the job to end. false: trigger, set job_id and return; a later step can WAIT with that job_id.",
    "default": "true"
  },
  {
    "name": "job_id",
    "description": "The job to act on for WAIT and STATUS (and CANCEL): a previous step's job_id output (dbt-cloud: the run id)."
  },
  {
    "name": "timeout",
    "description": "The longest wait: 90s, 45m, 2h, 1h30m, or bare seconds. Past it, status is timed_out and the step fails.",
    "default": "1h"
  },
  {
    "name": "poll_interval",
    "description": "The longest gap between two status checks. The action checks sooner early in a job, then spaces checks out up to this (with history, checks before the expected end may be up to 20 times further apart).",
    "default": "30s"
  },
  {
    "name": "request_timeout",
    "description": "How long one HTTP request may take before it counts as lost (Airbyte's job creation always gets at least 120s).",
    "default": "30s"
  },
  {
    "name": "base_url",
    "description": "API root the endpoint paths are appended to (default per provider: https://api.fivetran.com/v1, ...). dbt-cloud: the account's access URL (default https://cloud.getdbt.com; cell-based and regional accounts have their own, e.g. https://ab123.us1.dbt.com)."
  },
  {
    "name": "cancel_on_abort",
    "description": "When the workflow is cancelled, cancel the remote job where the provider allows it.",
    "default": "true"
  },
  {
    "name": "max_parallel",
    "description": "With several targets (comma- or newline-separated ids), how many to run at once (1 to 1000).",
    "default": "10"
  },
  {
    "name": "history",
    "description": "airbyte, hightouch, dbt-cloud: read how long the last few successful runs took (one request per target; dbt Cloud: RUN without steps_override) and check around the expected end. false: the age-based schedule only.",
    "default": "true"
  },
  {
    "name": "connector_id",
    "description": "fivetran: the connection id, e.g. shrank_paparazzi; several comma- or newline-separated (env CONNECTOR_ID)."
  },
  {
    "name": "api_key",
    "description": "fivetran: the API key (env FIVETRAN_API_KEY). airbyte: a ready bearer token, instead of client_id and client_secret (env AIRBYTE_API_KEY). hightouch: the workspace API key, sent as a Bearer token (env HIGHTOUCH_API_KEY). dbt-cloud: a service token with Job Runner permission, sent as Token (env DBT_CLOUD_API_TOKEN)."
  },
  {
    "name": "api_secret",
    "description": "fivetran: the API secret (env FIVETRAN_API_SECRET)."
  },
  {
    "name": "schema",
    "description": "fivetran FORCE_RESYNC: the source schema of the tables to re-sync (env SCHEMA)."
  },
  {
    "name": "table",
    "description": "fivetran FORCE_RESYNC: the table(s) to re-sync, comma- or newline-separated (env TABLE)."
  },
  {
    "name": "dont_disable_sync",
    "description": "fivetran: any value but empty or false leaves schedule_type alone; otherwise START and FORCE_RESYNC switch the connector to a manual schedule first (env FIVETRAN_DONT_DISABLE_SYNC)."
  },
  {
    "name": "force",
    "description": "fivetran START on a connector that is already syncing: false waits for that sync, true restarts it.",
    "default": "false"
  },
  {
    "name": "restore_schedule",
    "description": "fivetran: true puts schedule_type back to what it was once the job ends, however it ends.",
    "default": "false"
  },
  {
    "name": "sync_id",
    "description": "hightouch: the sync's numeric id, e.g. 1234567; several comma- or newline-separated. Or give sync_slug."
  },
  {
    "name": "sync_slug",
    "description": "hightouch: the sync's slug, resolved to its id; several comma- or newline-separated. Or give sync_id."
  },
  {
    "name": "full_resync",
    "description": "hightouch SYNC: true resyncs all rows of the model query, ignoring rows synced before.",
    "default": "false"
  },
  {
    "name": "fail_on_warning",
    "description": "hightouch: true fails the step on a run that ends warning (completed with errors), as Orchestra does; false lets it pass.",
    "default": "true"
  },
  {
    "name": "workspace_slug",
    "description": "hightouch: the workspace slug (app.hightouch.com/<workspace_slug>/...); makes job_url link to the sync run."
  },
  {
    "name": "connection_id",
    "description": "airbyte: the connection UUID; several comma- or newline-separated. Required for SYNC, RESET and CLEAR."
  },
  {
    "name": "client_id",
    "description": "airbyte: the client id of an application, exchanged with client_secret for access tokens (env AIRBYTE_CLIENT_ID). Not needed by a self-managed server with auth turned off."
  },
  {
    "name": "client_secret",
    "description": "airbyte: the application's client secret (env AIRBYTE_CLIENT_SECRET)."
  },
  {
    "name": "if_running",
    "description": "airbyte SYNC, RESET, CLEAR when a sync already runs on the connection: fail (default, as Airflow) or attach (wait for that job and report it).",
    "default": "fail"
  },
  {
    "name": "workspace_id",
    "description": "airbyte: the workspace UUID; makes job_url link to the connection in the Airbyte UI."
  },
  {
    "name": "account_id",
    "description": "dbt-cloud: the numeric account id, from .../deploy/<account_id>/... (env DBT_CLOUD_ACCOUNT_ID)."
  },
  {
    "name": "dbt_cloud_job_id",
    "description": "dbt-cloud: the job id, from .../jobs/<id>/; several comma- or newline-separated for RUN and RERUN (env DBT_CLOUD_JOB_ID). STATUS without job_id reports this job's latest run."
  },
  {
    "name": "cause",
    "description": "dbt-cloud RUN: why the run was triggered, shown in dbt Cloud (default names the repository, workflow and run). The action adds a unique token to find the run if the trigger's answer is lost."
  },
  {
    "name": "git_branch",
    "description": "dbt-cloud RUN: the branch to check out (sent only when given)."
  },
  {
    "name": "git_sha",
    "description": "dbt-cloud RUN: the commit to check out (sent only when given)."
  },
  {
    "name": "schema_override",
    "description": "dbt-cloud RUN: overrides the target schema (sent only when given)."
  },
  {
    "name": "target_name_override",
    "description": "dbt-cloud RUN: overrides target.name (sent only when given)."
  },
  {
    "name": "threads_override",
    "description": "dbt-cloud RUN: the number of threads (sent only when given)."
  },
  {
    "name": "steps_override",
    "description": "dbt-cloud RUN: dbt commands that replace the job's steps, one a line (e.g. dbt build -s my_model+)."
  },
  {
    "name": "github_pull_request_id",
    "description": "dbt-cloud RUN: the pull request number, for CI jobs (with git_sha or git_branch)."
  },
  {
    "name": "timeout_seconds_override",
    "description": "dbt-cloud RUN: dbt Cloud's own run timeout in seconds (sent only when given)."
  }
]

/** The action's outputs. */
export const OUTPUTS: string[] = ["job_id","status","provider_status","job_url","result","rows_synced","tests_passed","tests_failed","tests_warning","results"]
