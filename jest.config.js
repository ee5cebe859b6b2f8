// One `npm test` runs every project: the IaC program and both service packages.
/** @type {import('jest').Config} */
module.exports = {
  projects: ['<rootDir>/jest.iac.config.js', '<rootDir>/services/api', '<rootDir>/services/frontend-server'],
};
