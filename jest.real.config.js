// `npm run test:real`: the slow checks against real components (jest.real-tests.js says which).
const iac = require('./jest.iac.config.js');

/** @type {import('jest').Config} */
module.exports = {
  ...iac,
  displayName: 'real',
  // Two workers: each suite mostly waits on its own real processes (terraform, the API server, npm).
  maxWorkers: 2,
  testMatch: undefined,
  testRegex: require('./jest.real-tests.js'),
  testPathIgnorePatterns: ['/node_modules/'],
  // The api's real-tier suites use Fastify's inject, whose cookie 2 ships ESM only (as in services/api/jest.config.js).
  transform: { ...iac.transform, '^.+/cookie/.+\\.js$': ['@swc/jest'] },
  transformIgnorePatterns: ['/node_modules/(?!(@marcbachmann/cel-js|cookie)/)'],
};
