/**
 * The checks against real components that take minutes: every workloads stack applied through the
 * real Terraform kubernetes provider to a real kube-apiserver, both images built without Docker and
 * run as uid 65532, and verify:terraform's own failure modes with the real providers. `npm test`
 * leaves them out (it stays a fast loop); `npm run test:real` runs them, and `.ci/run` runs both.
 */
module.exports = [
  '/__tests__/workloads/kube-apiserver[^/]*\\.test\\.ts$',
  '/__tests__/images/[a-z-]+-image\\.test\\.ts$',
  '/tools/terraform-verify/[^/]+\\.test\\.ts$',
];
