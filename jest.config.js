// One `npm test` runs every project: the IaC program and both service packages.
/** @type {import('jest').Config} */
module.exports = {
  // Two workers even on two cores: many suites wait on real processes (NGINX, the services, Java).
  maxWorkers: 2,
  projects: ['<rootDir>/jest.iac.config.js', '<rootDir>/services/api', '<rootDir>/services/frontend-server'],
};
