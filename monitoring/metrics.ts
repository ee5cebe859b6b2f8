import { WORKLOADS_NAMESPACE } from '../config/naming';

/*
 * Every metric and label the alerts and the dashboard read, named once, with where Google documents it.
 *
 * Cloud Monitoring metrics reach PromQL under the names Google's mapping gives them: the first "/"
 * becomes ":", every other "." and "/" becomes "_", distributions gain _bucket/_count/_sum, and a
 * metric written by several monitored-resource types is narrowed with the `monitored_resource` label
 * (https://cloud.google.com/monitoring/promql/promql-mapping).
 */

/** The namespace every workload runs in. */
export const NAMESPACE = WORKLOADS_NAMESPACE;

/**
 * The external Application Load Balancer's backend metrics, on resource `https_lb_rule`
 * (https://cloud.google.com/monitoring/api/metrics_gcp_i_o#gcp-loadbalancing, "https/backend_request_count",
 * "https/backend_latencies"; resource labels https://cloud.google.com/monitoring/api/resources#tag_https_lb_rule).
 * - `backend_target_name`: the backend service's name (isoscribe-<env>-<workload>);
 * - `backend_scope`: the zone of the NEG that answered;
 * - `response_code_class`: 200, 300, 400, 500 (0 when no response);
 * - latencies are in milliseconds, so a bucket's `le` is in milliseconds too.
 */
export const LB = {
  resource: 'https_lb_rule',
  requestCount: 'loadbalancing_googleapis_com:https_backend_request_count',
  latencyBucket: 'loadbalancing_googleapis_com:https_backend_latencies_bucket',
  latencyCount: 'loadbalancing_googleapis_com:https_backend_latencies_count',
} as const;

/**
 * Cloud Armor's request counts on resource `network_security_policy`, label `blocked` ("true" for
 * denied requests) and `policy_name` (https://cloud.google.com/monitoring/api/metrics_gcp_i_o#gcp-networksecurity,
 * "https/request_count"; https://cloud.google.com/armor/docs/monitoring).
 */
export const CLOUD_ARMOR = {
  resource: 'network_security_policy',
  requestCount: 'networksecurity_googleapis_com:https_request_count',
} as const;

/**
 * Uptime checks: `uptime_check/check_passed` (a BOOL, 1 when passed) on resource `uptime_url`, labels
 * `check_id` and `checker_location` (https://cloud.google.com/monitoring/api/metrics_gcp_i_o#gcp-monitoring,
 * https://cloud.google.com/monitoring/uptime-checks/uptime-alerting-policies).
 */
export const UPTIME = {
  resource: 'uptime_url',
  checkPassed: 'monitoring_googleapis_com:uptime_check_check_passed',
} as const;

/**
 * GKE system metrics (SYSTEM_COMPONENTS, on by default) on resource `k8s_container`, labels
 * `cluster_name`, `location`, `namespace_name`, `pod_name`, `container_name`
 * (https://cloud.google.com/monitoring/api/metrics_kubernetes, "container/restart_count",
 * "container/cpu/core_usage_time", "container/cpu/request_cores", "container/memory/used_bytes",
 * "container/memory/request_bytes").
 */
export const GKE_CONTAINER = {
  resource: 'k8s_container',
  restartCount: 'kubernetes_io:container_restart_count',
  cpuUsage: 'kubernetes_io:container_cpu_core_usage_time',
  cpuRequest: 'kubernetes_io:container_cpu_request_cores',
  memoryUsed: 'kubernetes_io:container_memory_used_bytes',
  memoryRequest: 'kubernetes_io:container_memory_request_bytes',
} as const;

/**
 * GKE's managed kube-state-metrics package (monitoringConfig components DEPLOYMENT and HPA,
 * constructs/gcp/gke-cluster.ts), scraped by Managed Prometheus with the labels `cluster`, `location`
 * and `namespace` (https://cloud.google.com/kubernetes-engine/docs/how-to/kube-state-metrics).
 */
export const KUBE_STATE = {
  deploymentAvailable: 'kube_deployment_status_replicas_available',
  hpaCurrent: 'kube_horizontalpodautoscaler_status_current_replicas',
  hpaMax: 'kube_horizontalpodautoscaler_spec_max_replicas',
} as const;

/**
 * Our services' own metrics (services/api/src/metrics.ts, services/frontend-server/src/metrics.ts),
 * scraped through each workload's PodMonitoring: Managed Prometheus sets `job` to the PodMonitoring's
 * name (the workload's) and adds `cluster`, `location`, `namespace`, `pod`
 * (https://cloud.google.com/stackdriver/docs/managed-prometheus/setup-managed#target-labels).
 * A test scrapes the real services and finds every name here.
 */
export const APP = {
  apiRequestDuration: 'isoscribe_api_http_request_duration_seconds',
  apiMongodbUnavailableAnswers: 'isoscribe_api_mongodb_unavailable_answers_total',
  apiMongodbDeadlineExpiries: 'isoscribe_api_mongodb_deadline_expiries_total',
  apiAnalyticsQueueDepth: 'isoscribe_api_analytics_queue_depth',
  apiAnalyticsDropped: 'isoscribe_api_analytics_dropped_records_total',
  frontendRenders: 'isoscribe_frontend_renders_total',
  frontendManifestFailures: 'isoscribe_frontend_manifest_fetch_failures_total',
  frontendLastGoodRender: 'isoscribe_frontend_last_good_render_timestamp_seconds',
  frontendPlaceholder: 'isoscribe_frontend_serving_placeholder',
} as const;

/** A PromQL label matcher list, `{a="x",b=~"y"}`, from ordered pairs (values are escaped as PromQL strings). */
export function selector(matchers: Record<string, string>): string {
  const parts = Object.entries(matchers).map(([label, value]) =>
    value.startsWith('~') ? `${label}=~${JSON.stringify(value.slice(1))}` : value.startsWith('!') ? `${label}!=${JSON.stringify(value.slice(1))}` : `${label}=${JSON.stringify(value)}`);
  return `{${parts.join(',')}}`;
}
