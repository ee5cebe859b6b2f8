/**
 * The test tiers, by what a suite needs, named in its file name:
 *
 * - unit (`*.test.ts`): Node alone; seconds per suite. `npm run test:unit` runs them: the inner loop.
 * - integration (`*.integration.test.ts`): real components that start in seconds: NGINX running the
 *   rendered config, the services, the MongoDB-wire test server, terraform, linters, the bench peer.
 * - real (`*.real.test.ts`): the checks that take minutes: every workloads stack applied to a real
 *   kube-apiserver, both images built and run, verify:terraform with the real providers.
 *
 * `npm test` runs unit and integration (and the services' own suites); `npm run test:real` runs real;
 * `.ci/run` runs both.
 */
module.exports = {
  integration: '\\.integration\\.test\\.ts$',
  real: '\\.real\\.test\\.ts$',
};
