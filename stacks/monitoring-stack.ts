import { MonitoringAlertPolicy } from '@cdktf/provider-google/lib/monitoring-alert-policy';
import { MonitoringDashboard } from '@cdktf/provider-google/lib/monitoring-dashboard';
import { MonitoringNotificationChannel } from '@cdktf/provider-google/lib/monitoring-notification-channel';
import { MonitoringUptimeCheckConfig } from '@cdktf/provider-google/lib/monitoring-uptime-check-config';
import { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config';
import type { DeliveryConfig } from '../config/delivery';
import {
  dashboardJson,
  dashboardRows,
  environmentAlerts,
  runbookUrl,
  type AlertRule,
  type MonitoredWorkload,
  type Severity,
} from '../monitoring';
import { WORKLOAD_LABEL } from '../policy/rules/monitoring';
import type { WorkloadDefinition } from '../workloads';
import type { EdgeStack } from './edge-stack';
import { EnvironmentStack, googleProvider, type EnvironmentStackProps } from './environment-stack';
import { backendServiceName, securityPolicyNames } from '../config/naming';

/**
 * Regions the uptime checks run from: three continents, so one checker region's network trouble
 * never looks like ours (the API requires at least three;
 * https://cloud.google.com/monitoring/api/ref_v3/rest/v3/projects.uptimeCheckConfigs#UptimeCheckRegion).
 */
export const UPTIME_CHECK_REGIONS = ['USA_VIRGINIA', 'EUROPE', 'ASIA_PACIFIC'] as const;

/** Cloud Monitoring's alert policy severities (https://cloud.google.com/monitoring/alerts/using-alerting-ui#severity). */
const POLICY_SEVERITY: Record<Severity, string> = { page: 'CRITICAL', ticket: 'WARNING' };

/** The docs/runbooks.md every alert links to, on the repository's main branch. */
export function runbookBase(delivery: DeliveryConfig): string {
  return `https://github.com/${delivery.github.repository}/blob/${delivery.github.mainBranch}/docs/runbooks.md`;
}

/** The workloads as monitoring sees them: name, backend service and the definition's monitoring. */
export function monitoredWorkloads(env: EnvironmentConfig, definitions: readonly WorkloadDefinition[]): MonitoredWorkload[] {
  return definitions.map((d) => ({ name: d.name, backendService: backendServiceName(env, d.name), monitoring: d.monitoring }));
}

/** Every alert of the environment; `uptimeCheckIds` by workload (Terraform references in the stack, literals in tests). */
export function alertsOf(
  env: EnvironmentConfig,
  definitions: readonly WorkloadDefinition[],
  uptimeCheckIds: Record<string, string>,
  appRateWindow?: string,
): AlertRule[] {
  const policies = securityPolicyNames(env);
  return environmentAlerts({
    workloads: monitoredWorkloads(env, definitions),
    regions: env.regions.map((r) => r.name),
    slo: env.monitoring.slo,
    uptimeCheckIds,
    securityPolicies: [policies.backends, policies.bundles],
    appRateWindow,
  });
}

/** A Prometheus duration ("2m", "15m", "0s") as the API's seconds ("120s"). */
export function durationSeconds(duration: string): string {
  const match = /^(\d+)([smhd])$/.exec(duration);
  if (!match) throw new Error(`alert duration "${duration}" must be a number and one of s, m, h, d`);
  const unit = { s: 1, m: 60, h: 3600, d: 86_400 }[match[2] as 's' | 'm' | 'h' | 'd'];
  return `${Number(match[1]) * unit}s`;
}

/** What a MonitoringStack is built from, besides its environment. */
export interface MonitoringStackProps extends EnvironmentStackProps {
  /** Uptime checks go through the zone it configures. */
  readonly edge: EdgeStack;
  /** Each gets its SLOs, alerts and dashboard row. */
  readonly definitions: readonly WorkloadDefinition[];
  /** The repository runbook links point to. */
  readonly delivery: DeliveryConfig;
}

/**
 * What watches the environment from outside: notification channels by severity, an uptime check per
 * workload through Cloudflare, every alert (SLO burn rates, uptime, endpoints, restarts, autoscaling,
 * Cloud Armor, the workloads' own) as a PromQL alert policy, and the dashboard. Deployed after edge:
 * the uptime checks go through the Cloudflare zone it puts live.
 */
export class MonitoringStack extends EnvironmentStack {
  readonly alerts: AlertRule[];
  readonly policies: Record<string, MonitoringAlertPolicy> = {};
  readonly uptimeChecks: Record<string, MonitoringUptimeCheckConfig> = {};

  constructor(scope: Construct, id: string, props: MonitoringStackProps) {
    super(scope, id, props.env);
    const { env, edge, definitions, delivery } = props;
    this.addDependency(edge);
    const project = env.project.id;
    const prefix = env.prefix;
    googleProvider(this, env);

    // Email channels are created here; chat and paging channels hold a token, so they are made by hand
    // and only referenced by name (config monitoring.notifications.<severity>.channelIds).
    const channels = Object.fromEntries(
      (['page', 'ticket'] as const).map((severity) => {
        const route = env.monitoring.notifications[severity];
        const emails = route.emails.map((address, i) =>
          new MonitoringNotificationChannel(this, `${severity}-email-${i}`, {
            displayName: `${prefix} ${severity}: ${address}`,
            type: 'email',
            labels: { email_address: address },
          }).name);
        return [severity, [...emails, ...route.channelIds]];
      }),
    ) as Record<Severity, string[]>;

    const host = env.domain;
    const checkIds: Record<string, string> = {};
    for (const d of definitions) {
      const check = new MonitoringUptimeCheckConfig(this, `uptime-${d.name}`, {
        displayName: `${prefix} ${d.name} ${d.monitoring.uptimePath}`,
        monitoredResource: { type: 'uptime_url', labels: { host, project_id: project } },
        httpCheck: {
          path: d.monitoring.uptimePath,
          port: 443,
          useSsl: true,
          validateSsl: true,
          acceptedResponseStatusCodes: [{ statusClass: 'STATUS_CLASS_2XX' }],
        },
        selectedRegions: [...UPTIME_CHECK_REGIONS],
        period: '60s',
        timeout: '10s',
        userLabels: { [WORKLOAD_LABEL]: d.name },
      });
      this.uptimeChecks[d.name] = check;
      checkIds[d.name] = check.uptimeCheckId;
    }

    this.alerts = alertsOf(env, definitions, checkIds);
    const base = runbookBase(delivery);
    for (const alert of this.alerts) {
      const url = runbookUrl(base, alert);
      this.policies[alert.name] = new MonitoringAlertPolicy(this, `alert-${alert.name}`, {
        displayName: `${prefix}: ${alert.name}`,
        combiner: 'OR',
        severity: POLICY_SEVERITY[alert.severity],
        notificationChannels: channels[alert.severity],
        userLabels: { severity: alert.severity },
        conditions: [{
          displayName: alert.summary,
          conditionPrometheusQueryLanguage: {
            query: alert.expr,
            duration: durationSeconds(alert.for ?? '0s'),
            evaluationInterval: '60s',
            labels: { severity: alert.severity },
            ruleGroup: prefix,
            alertRule: alert.name,
          },
        }],
        documentation: {
          subject: `[${alert.severity}] ${alert.summary}`,
          mimeType: 'text/markdown',
          content: `${alert.summary}.\n\nRunbook: [${alert.runbook}](${url}): what it means, the first three checks, how to mitigate.`,
          links: [{ displayName: 'Runbook', url }],
        },
      });
    }

    const regions = env.regions.map((r) => r.name);
    new MonitoringDashboard(this, 'dashboard', {
      dashboardJson: JSON.stringify(dashboardJson(`${prefix}`, dashboardRows(monitoredWorkloads(env, definitions), env.monitoring.slo), regions)),
    });
  }
}
