import { at, many, show, stringMap, strings } from '../attributes';
import type { PolicyRule, ResourceView, StackView } from '../rule';

const ALERT_POLICY = 'google_monitoring_alert_policy';
const UPTIME_CHECK = 'google_monitoring_uptime_check_config';

/** The severities an alert may carry, with Cloud Monitoring's policy severity for each. */
export const ALERT_SEVERITIES: Readonly<Record<string, string>> = { page: 'CRITICAL', ticket: 'WARNING' };
/** Where every alert's documentation links to: a section of the repository's runbooks. */
export const RUNBOOK_LINK = /\/docs\/runbooks\.md#[a-z0-9-]+$/;

/** The label an uptime check carries naming the workload it watches. */
export const WORKLOAD_LABEL = 'workload';

/** The alert rule names (PromQL conditions' alert_rule) of the alert policies in a stack, with their policies. */
function alertRules(stack: StackView): Map<string, ResourceView> {
  return new Map(stack.ofType(ALERT_POLICY).flatMap((policy) =>
    many(policy.attributes.conditions).map((c) => [String(at(c, 'condition_prometheus_query_language.alert_rule')), policy] as const)));
}

export const MONITORING_RULES: PolicyRule[] = [
  {
    id: 'MON-001',
    resourceTypes: [ALERT_POLICY],
    description: 'Every alert has a severity (page or ticket), a notification channel and documentation linking its section of docs/runbooks.md.',
    fix: 'build alert policies from monitoring/ AlertRule records (stacks/monitoring-stack.ts): severity, the severity\'s channels from config monitoring.notifications, documentation.links to docs/runbooks.md#<section>.',
    check: (r) => {
      const problems: string[] = [];
      const severities = many(r.attributes.conditions).map((c) => stringMap(at(c, 'condition_prometheus_query_language.labels')).severity);
      const severity = severities[0];
      if (severities.length === 0 || !severity || !(severity in ALERT_SEVERITIES) || severities.some((s) => s !== severity)) {
        problems.push(`its conditions' severity labels are ${show(severities)}, not one of ${Object.keys(ALERT_SEVERITIES).join(' or ')}`);
      } else if (r.attributes.severity !== ALERT_SEVERITIES[severity]) {
        problems.push(`severity is ${show(r.attributes.severity)}, not ${ALERT_SEVERITIES[severity]} for a ${severity} alert`);
      }
      if (strings(r.attributes.notification_channels).length === 0) problems.push('notification_channels is empty: nobody would hear of it');
      const links = many(at(r.attributes, 'documentation.links')).map((l) => String(l.url));
      if (!links.some((url) => RUNBOOK_LINK.test(url))) problems.push(`documentation.links ${show(links)} has no link to a section of docs/runbooks.md`);
      return problems;
    },
  },
  {
    id: 'MON-002',
    resourceTypes: [UPTIME_CHECK],
    description: 'Every monitored workload (an uptime check labelled with it) has both SLOs with their burn-rate alerts: availability and latency, each a fast burn that pages and a slow burn that opens a ticket.',
    fix: 'derive the alerts from the workload definitions (monitoring/ environmentAlerts), which give every workload its SLO burn alerts.',
    check: (r, stack) => {
      const workload = stringMap(r.attributes.user_labels)[WORKLOAD_LABEL];
      if (!workload) return [`user_labels.${WORKLOAD_LABEL} is absent: the check names no workload`];
      const rules = alertRules(stack);
      return ['availability', 'latency'].flatMap((sli) => [['fast-burn', 'page'], ['slow-burn', 'ticket']].flatMap(([speed, severity]) => {
        const name = `${workload}-${sli}-${speed}`;
        const policy = rules.get(name);
        if (!policy) return [`no alert policy with alert_rule "${name}"`];
        const condition = many(policy.attributes.conditions).find((c) => at(c, 'condition_prometheus_query_language.alert_rule') === name);
        const labels = stringMap(at(condition, 'condition_prometheus_query_language.labels'));
        return labels.severity === severity ? [] : [`alert "${name}" has severity ${show(labels.severity)}, not ${severity}`];
      }));
    },
  },
];
