import * as core from '@actions/core'
import type { Io } from './io.js'

/** Io on @actions/core: workflow commands, GITHUB_OUTPUT and the job summary. */
export const githubIo: Io = {
  info: (m) => core.info(m),
  warning: (m) => core.warning(m),
  error: (m) => core.error(m),
  debug: (m) => core.debug(m),
  group: (name, fn) => core.group(name, fn),
  // `::add-mask::` only means something to a runner; elsewhere it would print the secret itself.
  setSecret: (v) => {
    if (process.env.GITHUB_ACTIONS === 'true') core.setSecret(v)
  },
  setOutput: (name, value) => core.setOutput(name, value),
  writeSummary: async (markdown) => {
    if (!process.env.GITHUB_STEP_SUMMARY) return
    await core.summary.addRaw(markdown, true).write()
  }
}
