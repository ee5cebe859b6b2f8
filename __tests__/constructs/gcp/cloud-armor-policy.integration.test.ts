import { CLOUDFLARE_IPV4_RANGES, CLOUDFLARE_IPV6_RANGES, CLOUDFLARE_RANGES } from '../../../facts/cloudflare-ips';
import { CLOUD_ARMOR_PRIORITIES, MAX_RANGES_PER_RULE } from '../../../constructs/gcp/cloud-armor-policy';
import { dataSources, environment, resources, synthEnvironment } from '../../support/topology';
import { terraformEval, unwrapInterpolation } from '../../support/terraform-console';

/*
 * The Cloudflare allow rules are built by Terraform at plan time (the ranges come from the
 * `cloudflare_ip_ranges` data source), so what they will be cannot be read from the JSON. Instead,
 * this test takes the expressions cdktf synthesized — the dynamic block's for_each, priority and
 * src_ip_ranges — and has the real Terraform evaluate them, with the data source's two attributes
 * bound to known lists. Only the data source reference is rebound; every function, the list
 * iteration (index as key, as in a dynamic block over a list) and the arithmetic are Terraform's.
 */

/** https://www.cloudflare.com/ips/ at the time of writing: 15 IPv4 and 7 IPv6 ranges. */
const CLOUDFLARE_IPV4 = [
  '173.245.48.0/20', '103.21.244.0/22', '103.22.200.0/22', '103.31.4.0/22', '141.101.64.0/18',
  '108.162.192.0/18', '190.93.240.0/20', '188.114.96.0/20', '197.234.240.0/22', '198.41.128.0/17',
  '162.158.0.0/15', '104.16.0.0/13', '104.24.0.0/14', '172.64.0.0/13', '131.0.72.0/22',
];
const CLOUDFLARE_IPV6 = [
  '2400:cb00::/32', '2606:4700::/32', '2803:f800::/32', '2405:b500::/32', '2405:8100::/32', '2a06:98c0::/29', '2c0f:f248::/32',
];

interface EvaluatedRule {
  priority: number;
  ranges: string[];
}

const ingress = synthEnvironment(environment('production')).json['isoscribe-production-ingress'];
// The backend services' policy; the bundle bucket's CLOUD_ARMOR_EDGE policy chunks the same list the same way.
const policy = resources(ingress, 'google_compute_security_policy').find((p) => p.type === 'CLOUD_ARMOR')!;
const dynamicRule = policy.dynamic.rule;
const [ipRanges] = dataSources(ingress, 'cloudflare_ip_ranges');
const dataRef = `data.cloudflare_ip_ranges.${ipRanges.__id}`;

/** The rules Terraform would generate if the data source returned these lists. */
function evaluateRules(ipv4: string[], ipv6: string[]): EvaluatedRule[] {
  const rebind = (expr: string) =>
    expr.replaceAll(`${dataRef}.ipv4_cidrs`, 'local.ipv4_cidrs').replaceAll(`${dataRef}.ipv6_cidrs`, 'local.ipv6_cidrs');
  const forEach = rebind(unwrapInterpolation(dynamicRule.for_each));
  const item = (expr: string) => unwrapInterpolation(expr).replace(/\beach\.key\b/g, 'k').replace(/\beach\.value\b/g, 'v');
  const priority = item(dynamicRule.content.priority);
  const ranges = item(dynamicRule.content.match.config.src_ip_ranges);
  return terraformEval(`[for k, v in ${forEach} : { priority = ${priority}, ranges = ${ranges} }]`, {
    ipv4_cidrs: ipv4,
    ipv6_cidrs: ipv6,
  }) as EvaluatedRule[];
}

describe('Cloud Armor allow rules built from cloudflare_ip_ranges at plan time', () => {
  it('are one dynamic rule block over chunklist(concat(ipv4, ipv6), 10), iterated as a list (index = key)', () => {
    expect(dynamicRule.iterator).toBe('each');
    expect(dynamicRule.for_each).toBe(`\${chunklist(concat(${dataRef}.ipv4_cidrs, ${dataRef}.ipv6_cidrs), ${MAX_RANGES_PER_RULE})}`);
    expect(dynamicRule.content.match.versioned_expr).toBe('SRC_IPS_V1');
  });

  it("cover Cloudflare's 22 current ranges in 3 rules of at most 10, after the WAF and before the default", () => {
    const rules = evaluateRules(CLOUDFLARE_IPV4, CLOUDFLARE_IPV6);
    expect(rules.map((r) => r.ranges.length)).toEqual([10, 10, 2]);
    expect(rules.flatMap((r) => r.ranges)).toEqual([...CLOUDFLARE_IPV4, ...CLOUDFLARE_IPV6]);
    expect(rules.map((r) => r.priority)).toEqual([2000, 2001, 2002]);
    const staticPriorities = policy.rule.map((r: { priority: number }) => r.priority);
    for (const r of rules) {
      expect(staticPriorities).not.toContain(r.priority);
      expect(r.priority).toBeGreaterThan(CLOUD_ARMOR_PRIORITIES.waf);
      expect(r.priority).toBeLessThan(CLOUD_ARMOR_PRIORITIES.default);
    }
  });

  // Whatever Cloudflare publishes next: every range lands in exactly one rule, no rule exceeds the
  // limit, and priorities stay unique.
  it.each([
    [0, 0],
    [1, 0],
    [10, 0],
    [10, 1],
    [7, 7],
    [30, 15],
  ])('cover %i IPv4 + %i IPv6 ranges exactly, at most 10 per rule, with unique priorities', (v4, v6) => {
    const ipv4 = Array.from({ length: v4 }, (_, i) => `10.${i}.0.0/16`);
    const ipv6 = Array.from({ length: v6 }, (_, i) => `2001:db8:${i.toString(16)}::/48`);
    const rules = evaluateRules(ipv4, ipv6);
    expect(rules).toHaveLength(Math.ceil((v4 + v6) / MAX_RANGES_PER_RULE));
    expect(rules.flatMap((r) => r.ranges)).toEqual([...ipv4, ...ipv6]);
    for (const r of rules) expect(r.ranges.length).toBeLessThanOrEqual(MAX_RANGES_PER_RULE);
    expect(new Set(rules.map((r) => r.priority)).size).toBe(rules.length);
  });
});

describe('the Cloudflare ranges Cloud Armor allows and the ones NGINX trusts are one list', () => {
  const [postcondition] = ipRanges.lifecycle.postcondition;
  /** The synthesized condition, evaluated by the real Terraform with the data source's attributes bound to `published`. */
  const agrees = (ipv4: readonly string[], ipv6: readonly string[]) =>
    terraformEval(unwrapInterpolation(postcondition.condition).replaceAll('self.ipv4_cidrs', 'local.ipv4').replaceAll('self.ipv6_cidrs', 'local.ipv6'), { ipv4, ipv6 });

  it('the plan passes while Cloudflare publishes exactly the list in facts/cloudflare-ips.ts (in any order)', () => {
    expect(agrees(CLOUDFLARE_IPV4_RANGES, CLOUDFLARE_IPV6_RANGES)).toBe(true);
    expect(agrees([...CLOUDFLARE_IPV4_RANGES].reverse(), CLOUDFLARE_IPV6_RANGES)).toBe(true);
  });

  it('the plan fails, saying which file to refresh, when Cloudflare adds or drops a range', () => {
    expect(agrees([...CLOUDFLARE_IPV4_RANGES, '198.51.100.0/24'], CLOUDFLARE_IPV6_RANGES)).toBe(false);
    expect(agrees(CLOUDFLARE_IPV4_RANGES.slice(1), CLOUDFLARE_IPV6_RANGES)).toBe(false);
    expect(postcondition.error_message).toMatch(/facts\/cloudflare-ips\.ts/);
  });

  it('the list is the one every pod\'s NGINX trusts for the client IP', () => {
    const { json } = synthEnvironment(environment('production'));
    const nginxConfigs = Object.keys(json).filter((s) => s.includes('-workloads-')).flatMap((s) =>
      Object.values<{ data?: Record<string, string> }>(json[s].resource.kubernetes_config_map_v1).map((m) => m.data?.['nginx.conf']).filter(Boolean));
    expect(nginxConfigs.length).toBeGreaterThan(0);
    for (const config of nginxConfigs) for (const cidr of CLOUDFLARE_RANGES) expect(config).toContain(`set_real_ip_from ${cidr};`);
  });
});
