/** `page`: someone acts now, day or night. `ticket`: someone acts within a working day. */
export type Severity = 'page' | 'ticket';

/**
 * One alert, as a Prometheus alerting rule: the same record becomes a Cloud Monitoring alert policy
 * (stacks/monitoring-stack.ts) and a rule in the file promtool checks and tests (monitoring/rule-file.ts).
 */
export interface AlertRule {
  /** Unique in an environment, lowercase words and "-": the Prometheus alert name and the policy's name. */
  readonly name: string;
  readonly severity: Severity;
  /** PromQL; a series in its result is a firing alert. */
  readonly expr: string;
  /** How long the expression must hold before the alert fires (Prometheus duration). @default '0s' */
  readonly for?: string;
  /** One line: what is wrong, for the notification's subject. */
  readonly summary: string;
  /** The section of docs/runbooks.md: what it means, the first three checks, how to mitigate. */
  readonly runbook: RunbookAnchor;
}

/** Runbook sections (headings of docs/runbooks.md); a test holds the two together. */
export const RUNBOOKS = {
  sloFastBurn: 'slo-fast-burn',
  sloSlowBurn: 'slo-slow-burn',
  sloLatencyBucketMissing: 'slo-latency-bucket-missing',
  uptimeCheckFailing: 'uptime-check-failing',
  noReadyEndpoints: 'no-ready-endpoints',
  podsRestarting: 'pods-restarting',
  hpaAtMaximum: 'hpa-at-maximum',
  cloudArmorDenialSpike: 'cloud-armor-denial-spike',
  apiMongodbUnavailable: 'api-mongodb-unavailable',
  apiAnalyticsDropped: 'api-analytics-dropped',
  frontendPlaceholderPages: 'frontend-placeholder-pages',
  frontendRenderStale: 'frontend-render-stale',
} as const;
export type RunbookAnchor = (typeof RUNBOOKS)[keyof typeof RUNBOOKS];

/** Where a workload's own metrics are, for the alerts and charts its definition adds. */
export interface AppMetricScope {
  /** Label matchers of the workload's scraped series: `{namespace="isoscribe",job="<workload>"}` (without braces). */
  readonly matchers: Record<string, string>;
  /** Range of rate()/increase() in fast alerts: 5m in Cloud Monitoring; shorter where a test cannot wait (e2e). */
  readonly rateWindow: string;
}
