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
 * The buckets of the LB's latency distributions. Cloud Monitoring serves a distribution to PromQL as a
 * classic histogram whose `le` values are the distribution's own bucket bounds
 * (https://cloud.google.com/monitoring/promql/promql-mapping), and an Exponential layout's finite
 * bucket i has the upper bound `scale × growthFactor^i`
 * (https://cloud.google.com/monitoring/api/ref_v3/rest/v3/TypedValue#exponential). Google does not
 * list the layout of `https/backend_latencies`: it travels with each point, not in the metric
 * descriptor (Google's own slo-generator guide says so: https://github.com/google/slo-generator/blob/master/docs/pratices/latency_slo_distrib_metric_cloud_monitoring.md).
 * The values here are the layout exported points show: scale 1 ms, growth factor 1.4, 66 finite buckets,
 * the last bound 1.4^66 ms = 4.410119471141699e+09 (https://github.com/prometheus-community/stackdriver_exporter/issues/241).
 * So no bound is a round number: 300 ms falls between 217.8 and 304.9, 200 ms between 155.6 and 217.8.
 * A latency SLI reads the bound at or below its threshold (`latencyBoundAtOrBelow`), and the
 * `<workload>-latency-sli-bucket-missing` alert opens a ticket if Google's layout ever differs.
 */
export const LB_LATENCY_BUCKETS = { scale: 1, growthFactor: 1.4, numFiniteBuckets: 66 } as const;

/** Every finite bucket's upper bound of an Exponential layout, ascending: scale × growthFactor^i, i = 0…numFiniteBuckets. */
export function exponentialBounds(layout: { scale: number; growthFactor: number; numFiniteBuckets: number } = LB_LATENCY_BUCKETS): number[] {
  return Array.from({ length: layout.numFiniteBuckets + 1 }, (_, i) => layout.scale * layout.growthFactor ** i);
}

/** The largest bucket bound at or below `thresholdMs`: answers counted good are never slower than the threshold. */
export function latencyBoundAtOrBelow(thresholdMs: number, bounds: readonly number[] = exponentialBounds()): number {
  const below = bounds.filter((b) => b <= thresholdMs);
  if (below.length === 0) throw new Error(`no latency bucket bound at or below ${thresholdMs} ms (the smallest is ${bounds[0]} ms)`);
  return below[below.length - 1];
}

/**
 * A regular expression (for `le=~`) that matches the bound however it is printed: rounded to 1–6
 * decimals, or with 10 or more significant digits (its shortest round-trip form, what Prometheus and Go
 * print, differs in the last digits depending on how the power was computed: 1.4^66 prints as
 * 4410119471.141701 here and 4.410119471141699e+09 in the issue above). An exact `le="217.79…"` would
 * hinge on one printing of a float, and a selector matching no series keeps an alert silent.
 */
export function boundPattern(bound: number): string {
  const escape = (f: string) => f.replace(/\./g, '\\.');
  const rounded = [...new Set([1, 2, 3, 4, 5, 6].map((d) => String(Number(bound.toFixed(d)))))];
  const digits = String(bound);
  // The first 10 significant digits, then anything: the float's tail is the part that varies.
  const significant = digits.replace(/^0\.0*/, '').replace('.', '');
  const prefix = significant.length > 10 ? digits.slice(0, digits.length - (significant.length - 10)) : undefined;
  return [...rounded.map(escape), ...(prefix ? [`${escape(prefix)}[0-9]*`] : [])].join('|');
}

/** A bound as docs show it: 217.8 ms. */
export function formatBound(bound: number): string {
  return `${Number(bound.toFixed(1))} ms`;
}

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
