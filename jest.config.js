// ESM: run with NODE_OPTIONS=--experimental-vm-modules (npm test does). TypeScript is stripped by swc, file by file
// (types are checked by `npm run build`): on a cold cache it transforms the suite in a fraction of the time TypeScript takes.
const swc = [
  '@swc/jest',
  { jsc: { parser: { syntax: 'typescript' }, target: 'es2023', keepClassNames: true }, module: { type: 'es6' }, sourceMaps: 'inline' }
]
const common = {
  resolver: 'ts-jest-resolver',
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': swc },
  testEnvironment: 'node',
  clearMocks: true,
  // Stubbed as in the bundle (scripts/bundle.mjs): the action never runs undici, and loading it costs each file.
  moduleNameMapper: { '^undici$': '<rootDir>/__tests__/stubs/undici.js' }
}
export default {
  // End-to-end runs wait for emulated jobs; a hung run is killed by the harness well before this.
  testTimeout: 60_000,
  // The end-to-end files mostly wait on emulated jobs, not the CPU: four side by side even on a 2-core machine (six or
  // eight measured no faster: the bundled runs they start then compete for the two cores).
  maxWorkers: 4,
  // it.concurrent cases (the hostile and reliability suites, the self-test jobs) at most this many at once per file.
  maxConcurrency: 8,
  testSequencer: '<rootDir>/__tests__/sequencer.mjs',
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/__tests__/**/*.unit.test.ts'],
      setupFilesAfterEnv: ['<rootDir>/__tests__/nock-setup.ts']
    },
    // orchestrate() on a fake clock against an in-process emulator (see __tests__/in-process.ts): no bundle, no waiting.
    { ...common, displayName: 'in-process', testMatch: ['<rootDir>/__tests__/**/*.inprocess.test.ts'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/__tests__/**/*.e2e.test.ts'] }
  ]
}
