/**
 * The monitoring stack as synthesized: alert policies with their PromQL, channels and runbook links,
 * uptime checks, the dashboard; all derived from the definitions, so the third workload (fixture)
 * gets its share with no change outside its file. promtool proves the expressions themselves
 * (__tests__/monitoring/promtool-rules.real.test.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { boundPattern, latencyBoundAtOrBelow, RUNBOOKS } from '../../monitoring';
import { durationSeconds, UPTIME_CHECK_REGIONS } from '../../stacks/monitoring-stack';
import { WORKLOADS } from '../../workloads';
import { search, withSearchEntry } from '../workloads/fixtures/search';
import { environment, resources, synthEnvironment, type TfJson } from '../support/topology';

const root = join(__dirname, '../..');

const withSearch = () => withSearchEntry('production', 3);

const alertRuleOf = (policy: TfJson): string => policy.conditions[0].condition_prometheus_query_language.alert_rule;

describe.each(['dev', 'staging', 'production'])('%s monitoring stack', (name) => {
  const env = environment(name);
  const stack = synthEnvironment(env).json[`isoscribe-${name}-monitoring`];
  const policies = resources(stack, 'google_monitoring_alert_policy');

  it('routes pages and tickets to the channels config names for them', () => {
    const channels = resources(stack, 'google_monitoring_notification_channel');
    expect(channels.map((c) => c.labels.email_address).sort()).toEqual(
      [...env.monitoring.notifications.page.emails, ...env.monitoring.notifications.ticket.emails].sort());
    for (const policy of policies) {
      const severity = policy.conditions[0].condition_prometheus_query_language.labels.severity;
      const expected = channels.filter((c) => c.__id.startsWith(`${severity}-email-`)).map((c) => `\${google_monitoring_notification_channel.${c.__id}.name}`);
      expect(policy.notification_channels).toEqual(expected);
    }
  });

  it('gives every workload both SLOs with fast (page) and slow (ticket) burn alerts at the tier\'s objectives', () => {
    for (const w of WORKLOADS) {
      for (const sli of ['availability', 'latency'] as const) {
        const fast = policies.find((p) => alertRuleOf(p) === `${w.name}-${sli}-fast-burn`)!;
        const slow = policies.find((p) => alertRuleOf(p) === `${w.name}-${sli}-slow-burn`)!;
        expect(fast.severity).toBe('CRITICAL');
        expect(slow.severity).toBe('WARNING');
        const budget = Number((1 - env.monitoring.slo[sli]).toPrecision(12));
        const query = (p: TfJson) => p.conditions[0].condition_prometheus_query_language.query as string;
        // The workbook's factors over the workbook's windows.
        expect(query(fast)).toContain(`[1h]))) > ${Number((14.4 * budget).toPrecision(12))} and`);
        expect(query(fast)).toContain(`[6h]))) > ${Number((6 * budget).toPrecision(12))} and`);
        expect(query(fast)).toMatch(/\[5m\]/);
        expect(query(fast)).toMatch(/\[30m\]/);
        expect(query(slow)).toContain(`[3d]))) > ${budget} and`);
        expect(query(fast)).toContain(`backend_target_name="isoscribe-${name}-${w.name}"`);
        // The LB's bucket bound at or below the threshold (1.4^16 ms for 300 ms), never the threshold itself: no bucket has it.
        if (sli === 'latency') {
          const bound = latencyBoundAtOrBelow(w.monitoring.latencyThresholdMs);
          expect(bound).toBeLessThanOrEqual(w.monitoring.latencyThresholdMs);
          expect(query(fast)).toContain(`le=~"${boundPattern(bound).replace(/\\/g, '\\\\')}"`);
          expect(query(fast)).not.toContain(`le="${w.monitoring.latencyThresholdMs}"`);
        }
      }
    }
  });

  it('links every alert to an existing section of docs/runbooks.md', () => {
    const runbooks = readFileSync(join(root, 'docs/runbooks.md'), 'utf8');
    const anchors = new Set([...runbooks.matchAll(/^## (.+)$/gm)].map(([, heading]) => githubSlug(heading)));
    expect(Object.values(RUNBOOKS).filter((a) => !anchors.has(a))).toEqual([]);
    for (const policy of policies) {
      const [link] = policy.documentation.links;
      expect(link.url).toMatch(/^https:\/\/github\.com\/isoscribe\/isoscribe-stack\/blob\/main\/docs\/runbooks\.md#/);
      expect(anchors.has(link.url.split('#')[1])).toBe(true);
    }
  });

  it('checks every workload through Cloudflare from three regions, and a region with no ready pod pages', () => {
    const checks = resources(stack, 'google_monitoring_uptime_check_config');
    expect(checks.map((c) => [c.user_labels.workload, c.http_check.path, c.monitored_resource.labels.host])).toEqual(
      WORKLOADS.map((w) => [w.name, w.monitoring.uptimePath, env.domain]));
    for (const check of checks) expect(check.selected_regions).toEqual([...UPTIME_CHECK_REGIONS]);
    for (const w of WORKLOADS) {
      for (const region of env.regions) expect(policies.map(alertRuleOf)).toContain(`${w.name}-no-ready-endpoints-${region.name}`);
    }
  });

  it('has a dashboard row for every workload, its charts inside the 48-column grid without overlap', () => {
    const [dashboard] = resources(stack, 'google_monitoring_dashboard');
    const { mosaicLayout } = JSON.parse(dashboard.dashboard_json);
    const titles = mosaicLayout.tiles.map((t: TfJson) => t.widget.title);
    for (const w of WORKLOADS) expect(titles).toContain(w.name);
    const cells = new Set<string>();
    for (const tile of mosaicLayout.tiles) {
      expect(tile.xPos + tile.width).toBeLessThanOrEqual(mosaicLayout.columns);
      for (let x = tile.xPos; x < tile.xPos + tile.width; x++) {
        for (let y = tile.yPos; y < tile.yPos + tile.height; y++) {
          expect(cells.has(`${x},${y}`)).toBe(false);
          cells.add(`${x},${y}`);
        }
      }
    }
  });
});

describe('a third workload gets its monitoring from its definition alone', () => {
  const env = withSearch();
  const stack = synthEnvironment(env, [...WORKLOADS, search]).json['isoscribe-production-monitoring'];
  const before = synthEnvironment(environment('production')).json['isoscribe-production-monitoring'];
  const rules = resources(stack, 'google_monitoring_alert_policy').map(alertRuleOf);

  it('gets both SLOs\' burn alerts, its uptime check, endpoint alerts per region, restarts and HPA alerts', () => {
    expect(rules.filter((r) => r.startsWith('search-')).sort()).toEqual([
      'search-availability-fast-burn', 'search-availability-slow-burn', 'search-hpa-at-maximum', 'search-latency-fast-burn', 'search-latency-slow-burn',
      'search-latency-sli-bucket-missing',
      ...env.regions.map((r) => `search-no-ready-endpoints-${r.name}`), 'search-pods-restarting', 'search-uptime-check-failing',
    ].sort());
    const check = resources(stack, 'google_monitoring_uptime_check_config').find((c) => c.user_labels.workload === 'search')!;
    expect(check.http_check.path).toBe('/search?q=isoscribe');
  });

  it('gets its dashboard row, and leaves every existing alert as it was', () => {
    const titles = JSON.parse(resources(stack, 'google_monitoring_dashboard')[0].dashboard_json).mosaicLayout.tiles.map((t: TfJson) => t.widget.title);
    expect(titles).toContain('search');
    expect(titles).toContain('search: SLO burn rate over 1 h (1 = on budget)');
    const old = Object.fromEntries(resources(before, 'google_monitoring_alert_policy').map((p) => [p.__id, p]));
    const now = Object.fromEntries(resources(stack, 'google_monitoring_alert_policy').map((p) => [p.__id, p]));
    for (const [id, policy] of Object.entries(old)) expect(now[id]).toEqual(policy);
  });
});

describe('supporting pieces', () => {
  it('alert durations become the API\'s seconds, and a bad one says what it accepts', () => {
    expect(durationSeconds('15m')).toBe('900s');
    expect(durationSeconds('0s')).toBe('0s');
    expect(() => durationSeconds('15 minutes')).toThrow('alert duration "15 minutes" must be a number and one of s, m, h, d');
  });

  it('a monitoring config without any channel for a severity is refused, naming the field', () => {
    expect(() => environment('staging', (input) => ({ ...input, monitoring: { ...input.monitoring, notifications: { ...input.monitoring.notifications, page: { emails: [] } } } })))
      .toThrow(/monitoring\.notifications\.page.*route alerts somewhere: list at least one of emails or channelIds/);
    expect(() => environment('staging', (input) => ({ ...input, monitoring: { ...input.monitoring, slo: { availability: 1, latency: 0.99 } } })))
      .toThrow(/monitoring\.slo\.availability.*must be below 1/);
  });
});

/** GitHub's heading anchors: lowercase, punctuation dropped, spaces to hyphens. */
function githubSlug(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^a-z0-9 -]/g, '').replace(/ /g, '-');
}
