/** @type {import('jest').Config} */
module.exports = {
  displayName: 'api',
  rootDir: __dirname,
  testEnvironment: 'node',
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  // The search faults and the three-node cluster run in `npm run test:real` (jest.real-tests.js).
  testPathIgnorePatterns: ['/node_modules/', '\\.real\\.test\\.ts$'],
  transform: { '^.+\\.(ts|js)$': ['@swc/jest'] },
  // cookie 2 (used by Fastify's inject) ships ESM only; Node requires it natively, jest needs it compiled.
  transformIgnorePatterns: ['/node_modules/(?!cookie/)'],
};
