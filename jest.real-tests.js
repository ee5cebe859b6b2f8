/**
 * The checks against real components that take minutes: every workloads stack applied through the
 * real Terraform kubernetes provider to a real kube-apiserver, both images built without Docker and
 * run as uid 65532, verify:terraform's own failure modes with the real providers, and the alert
 * rules under the real promtool. `npm test`
 * leaves them out (it stays a fast loop); `npm run test:real` runs them, and `.ci/run` runs both.
 */
module.exports = [
  '/__tests__/workloads/kube-apiserver[^/]*\\.test\\.ts$',
  '/__tests__/images/[a-z-]+-image\\.test\\.ts$',
  '/__tests__/terraform/[^/]+\\.test\\.ts$',
  '/__tests__/monitoring/(promtool|prometheus)[^/]*\\.test\\.ts$',
];
