/** @type {import('jest').Config} */
module.exports = {
  displayName: 'iac',
  rootDir: __dirname,
  testEnvironment: 'node',
  testMatch: ['<rootDir>/__tests__/**/*.test.ts', '<rootDir>/tools/**/*.test.ts'],
  // The checks against real components that take minutes run in `npm run test:real` (jest.real.config.js).
  testPathIgnorePatterns: ['/node_modules/', ...require('./jest.real-tests.js')],
  transform: { '^.+\\.ts$': ['@swc/jest'], '^.+/@marcbachmann/cel-js/.+\\.js$': ['@swc/jest'] },
  // The CEL evaluator ships ES modules only; compile it like the sources.
  transformIgnorePatterns: ['/node_modules/(?!@marcbachmann/cel-js/)'],
  setupFilesAfterEnv: ['<rootDir>/__tests__/setup.ts'],
  // One real `cdktf synth` for the whole run; tests read it through ISOSCRIBE_SYNTH_DIR.
  globalSetup: '<rootDir>/__tests__/support/global-setup.ts',
  globalTeardown: '<rootDir>/__tests__/support/global-teardown.ts',
  snapshotFormat: { escapeString: false, printBasicPrototype: false },
};
