// Jest's order, with the files that take long in real time first. On a fresh clone jest knows no past durations and
// starts the largest files first; but the end-to-end files are small (most call a shared suite) and each runs for
// several seconds of bundled runs and emulated jobs, and the in-process fault matrix waits out real request timeouts
// (1 s each). Started last, they left the two cores idle at the end of `npm test`.
import Sequencer from '@jest/test-sequencer'

const weight = (test) => (test.path.endsWith('reliability.inprocess.test.ts') ? 0 : test.path.endsWith('.e2e.test.ts') ? 1 : 2)

export default class LongestFirst extends Sequencer {
  sort(tests) {
    return [...super.sort(tests)].sort((a, b) => weight(a) - weight(b))
  }
}
