import type { AlertRule, AppMetricScope } from './alert';
import { RUNBOOKS } from './alert';
import { CLOUD_ARMOR, GKE_CONTAINER, KUBE_STATE, NAMESPACE, selector, UPTIME } from './metrics';
import { availabilitySli, burnRateAlerts, latencyBucketMissingAlert, latencySli, type ServiceLevelIndicator } from './slo';

/*
 * The alerts of one environment, derived from the workload definitions, the regions and the SLO
 * objectives: a workload added to WORKLOADS gets every one of them with no code here.
 */

/** What a workload contributes to monitoring: `WorkloadDefinition.monitoring` (workloads/workload.ts). */
export interface WorkloadMonitoring {
  /**
   * The latency SLO's threshold at the load balancer, in milliseconds. The SLI reads the LB latency
   * distribution's bucket bound at or below it (monitoring/metrics.ts LB_LATENCY_BUCKETS: 300 → 217.8 ms).
   */
  readonly latencyThresholdMs: number;
  /** A path the uptime checks GET through Cloudflare from three continents; it must answer 2xx. */
  readonly uptimePath: string;
  /** Alerts on the workload's own metrics (its PodMonitoring's series). @default none */
  alerts?(scope: AppMetricScope): AlertRule[];
  /** Dashboard charts of its own metrics: a title and its PromQL queries. @default none */
  charts?(scope: AppMetricScope): { title: string; queries: string[] }[];
}

export interface MonitoredWorkload {
  readonly name: string;
  /** The load balancer's backend service of the workload (isoscribe-<env>-<workload>). */
  readonly backendService: string;
  readonly monitoring: WorkloadMonitoring;
}

export interface EnvironmentAlertsProps {
  readonly workloads: readonly MonitoredWorkload[];
  /** Region names; each must keep ready endpoints of every workload. */
  readonly regions: readonly string[];
  readonly slo: { readonly availability: number; readonly latency: number };
  /** Each workload's uptime check id (Terraform's `uptime_check_id`), by workload name. */
  readonly uptimeCheckIds: Record<string, string>;
  /** Cloud Armor policies whose denials are watched. */
  readonly securityPolicies: readonly string[];
  /** Range of rate()/increase() in the app alerts: 5m unless a test cannot wait. @default '5m' */
  readonly appRateWindow?: string;
}

/** Both SLIs of a workload. */
export function workloadSlis(workload: MonitoredWorkload, slo: EnvironmentAlertsProps['slo']): ServiceLevelIndicator[] {
  return [
    availabilitySli(workload.backendService, slo.availability),
    latencySli(workload.backendService, slo.latency, workload.monitoring.latencyThresholdMs),
  ];
}

/** The workload's own scraped series (job = its PodMonitoring's name). */
export function appScope(workload: string, rateWindow = '5m'): AppMetricScope {
  return { matchers: { namespace: NAMESPACE, job: workload }, rateWindow };
}

/** Every alert of an environment. */
export function environmentAlerts(props: EnvironmentAlertsProps): AlertRule[] {
  const perWorkload = props.workloads.flatMap((workload) => [
    ...workloadSlis(workload, props.slo).flatMap((sli) => burnRateAlerts(workload.name, sli)),
    latencyBucketMissingAlert(workload.name, workload.backendService, workload.monitoring.latencyThresholdMs),
    uptimeAlert(workload.name, props.uptimeCheckIds[workload.name]),
    ...props.regions.map((region) => noReadyEndpointsAlert(workload.name, region)),
    podsRestartingAlert(workload.name),
    hpaAtMaximumAlert(workload.name),
    ...(workload.monitoring.alerts?.(appScope(workload.name, props.appRateWindow)) ?? []),
  ]);
  return [...perWorkload, ...props.securityPolicies.map(cloudArmorDenialSpikeAlert)];
}

/**
 * Two or more checker regions failing the workload's uptime check at once: one region failing is
 * usually the checker's network, two is visitors. Google's uptime alerting counts failing regions
 * the same way (https://cloud.google.com/monitoring/uptime-checks/uptime-alerting-policies).
 */
export function uptimeAlert(workload: string, checkId: string): AlertRule {
  const passed = `${UPTIME.checkPassed}${selector({ monitored_resource: UPTIME.resource, check_id: checkId })}`;
  return {
    name: `${workload}-uptime-check-failing`,
    severity: 'page',
    expr: `count by (check_id) (max by (check_id, checker_location) (${passed} == 0)) >= 2`,
    for: '2m',
    summary: `${workload}: the uptime check through Cloudflare fails from two or more regions`,
    runbook: RUNBOOKS.uptimeCheckFailing,
  };
}

/** A region with no available replica of the workload, or no series at all (the cluster gone dark). */
export function noReadyEndpointsAlert(workload: string, region: string): AlertRule {
  const available = `${KUBE_STATE.deploymentAvailable}${selector({ location: region, namespace: NAMESPACE, deployment: workload })}`;
  return {
    name: `${workload}-no-ready-endpoints-${region}`,
    severity: 'page',
    expr: `(sum(${available}) or vector(0)) < 1`,
    for: '5m',
    summary: `${workload}: no ready pod in ${region}; the load balancer sends that region's visitors elsewhere`,
    runbook: RUNBOOKS.noReadyEndpoints,
  };
}

/** Containers of the workload restarting: more than three restarts of one pod in 15 minutes is a crash loop. */
export function podsRestartingAlert(workload: string): AlertRule {
  const restarts = `${GKE_CONTAINER.restartCount}${selector({ monitored_resource: GKE_CONTAINER.resource, namespace_name: NAMESPACE, pod_name: `~${workload}-.*` })}`;
  return {
    name: `${workload}-pods-restarting`,
    severity: 'ticket',
    expr: `sum by (location, pod_name) (increase(${restarts}[15m])) > 3`,
    summary: `${workload}: a pod restarted more than 3 times in 15 minutes (crash loop)`,
    runbook: RUNBOOKS.podsRestarting,
  };
}

/** The HPA held at its maximum for 15 minutes: the region needs more than it may scale to. */
export function hpaAtMaximumAlert(workload: string): AlertRule {
  const hpa = selector({ namespace: NAMESPACE, horizontalpodautoscaler: workload });
  return {
    name: `${workload}-hpa-at-maximum`,
    severity: 'ticket',
    expr: `${KUBE_STATE.hpaCurrent}${hpa} >= on (cluster, location, namespace, horizontalpodautoscaler) ${KUBE_STATE.hpaMax}${hpa}`,
    for: '15m',
    summary: `${workload}: the autoscaler has been at maxReplicas for 15 minutes`,
    runbook: RUNBOOKS.hpaAtMaximum,
  };
}

/**
 * Cloud Armor denying more than five times its daily average, and at least one request a second:
 * an attack getting past Cloudflare, or a legitimate path blocked by a rule change.
 */
export function cloudArmorDenialSpikeAlert(policy: string): AlertRule {
  const denied = `${CLOUD_ARMOR.requestCount}${selector({ monitored_resource: CLOUD_ARMOR.resource, policy_name: policy, blocked: 'true' })}`;
  return {
    name: `${policy}-denial-spike`,
    severity: 'ticket',
    expr: `sum(rate(${denied}[10m])) > 1 and sum(rate(${denied}[10m])) > 5 * sum(rate(${denied}[1d]))`,
    for: '10m',
    summary: `Cloud Armor policy ${policy} denies over 5x its daily rate`,
    runbook: RUNBOOKS.cloudArmorDenialSpike,
  };
}
