/** @type {import('jest').Config} */
module.exports = {
  displayName: 'iac',
  rootDir: __dirname,
  testEnvironment: 'node',
  testMatch: ['<rootDir>/__tests__/**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  setupFilesAfterEnv: ['<rootDir>/__tests__/setup.ts'],
  // One real `cdktf synth` for the whole run; tests read it through ISOSCRIBE_SYNTH_DIR.
  globalSetup: '<rootDir>/__tests__/support/global-setup.ts',
  globalTeardown: '<rootDir>/__tests__/support/global-teardown.ts',
  snapshotFormat: { escapeString: false, printBasicPrototype: false },
};
