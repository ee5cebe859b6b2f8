import type { AlertRule } from './alert';

/** The runbook section of an alert, as a URL under `runbookBase` (the repository's docs/runbooks.md). */
export function runbookUrl(runbookBase: string, alert: Pick<AlertRule, 'runbook'>): string {
  return `${runbookBase}#${alert.runbook}`;
}

/**
 * Alerts as a Prometheus rule file (https://prometheus.io/docs/prometheus/latest/configuration/alerting_rules/),
 * written as JSON, which is YAML: what `promtool check rules` and `promtool test rules` read, and what
 * the e2e run's Prometheus evaluates. Cloud Monitoring gets the same expressions (stacks/monitoring-stack.ts),
 * evaluated every minute (`evaluationInterval`, shorter only where a test cannot wait).
 */
export function ruleFile(group: string, alerts: readonly AlertRule[], runbookBase: string, evaluationInterval = '1m'): string {
  const rules = alerts.map((alert) => ({
    alert: alert.name,
    expr: alert.expr,
    ...(alert.for && alert.for !== '0s' ? { for: alert.for } : {}),
    labels: { severity: alert.severity },
    annotations: { summary: alert.summary, runbook_url: runbookUrl(runbookBase, alert) },
  }));
  return `${JSON.stringify({ groups: [{ name: group, interval: evaluationInterval, rules }] }, null, 2)}\n`;
}
