export * from '../emulator/run-action.js'
