// `npm run test:unit`: the unit tier alone (jest.tiers.js), for the inner loop.
const iac = require('./jest.iac.config.js');
const tiers = require('./jest.tiers.js');

/** @type {import('jest').Config} */
module.exports = {
  ...iac,
  displayName: 'unit',
  testPathIgnorePatterns: [...iac.testPathIgnorePatterns, tiers.integration],
};
