import { CLOUDFLARE_MANAGED_RULESET_ID } from '../../constructs/cloudflare/managed-waf';
import { STATIC_TTL_SECONDS } from '../../workloads';
import { HTML_EDGE_TTL_SECONDS } from '../../workloads/frontend';

/** The routes' request paths in Cloudflare's rules language, written out here, not derived from the route table. */
const EDGE_PATHS = {
  api: '(http.request.uri.path eq "/api" or starts_with(http.request.uri.path, "/api/"))',
  static: 'starts_with(http.request.uri.path, "/static/")',
};
import { dataSources, environment, resources, synthEnvironment, type TfJson } from '../support/topology';

const env = environment('production');
const { json, manifest } = synthEnvironment(env);
const edge = json['isoscribe-production-edge'];
const ingress = json['isoscribe-production-ingress'];
const dnsAuthorization = json['isoscribe-production-dns-authorization'];
/** The zone id as the stacks read it: looked up by name, never written in config. */
const zoneIdOf = (stack: TfJson) => `\${data.cloudflare_zone.${dataSources(stack, 'cloudflare_zone')[0].__id}.id}`;
const zoneId = zoneIdOf(edge);

function rulesetOf(stack: TfJson, phase: string): TfJson | undefined {
  return resources(stack, 'cloudflare_ruleset').find((r) => r.phase === phase);
}

/** The ingress output a `data.terraform_remote_state...outputs.<name>` reference in edge or dns-authorization reads. */
function ingressOutputFor(ref: string): string {
  const m = /cross-stack-reference-input-isoscribe-production-ingress\.outputs\.([A-Za-z0-9_-]+)/.exec(ref);
  if (!m) throw new Error(`not a reference to the ingress stack: ${ref}`);
  return ingress.output[m[1]].value;
}

describe('edge stack (production)', () => {
  it('uses the Cloudflare provider on the zone it looks up by the domain\'s name (Google only to read the certificate)', () => {
    expect(Object.keys(edge.provider).sort()).toEqual(['cloudflare', 'google']);
    expect(edge.provider.cloudflare).toEqual([{}]); // credentials from CLOUDFLARE_API_TOKEN, never in code
    expect(Object.keys(edge.resource).filter((t) => t.startsWith('google_'))).toEqual([]);
    expect(dataSources(edge, 'cloudflare_zone')).toEqual([expect.objectContaining({ filter: { name: 'isoscribe.com' } })]);
    for (const [type, byId] of Object.entries<Record<string, TfJson>>(edge.resource)) {
      for (const body of Object.values(byId)) expect({ type, zone_id: body.zone_id }).toEqual({ type, zone_id: zoneId });
    }
  });

  // The zone's TLS posture is SecureZoneSettings' to state and the policy pack's (CF-*) to check; here
  // only what config decides.
  it('takes HSTS max-age and IPv6 from config', () => {
    const settings = Object.fromEntries(resources(edge, 'cloudflare_zone_setting').map((s) => [s.setting_id, s.value]));
    expect(settings.security_header.strict_transport_security.max_age).toBe(env.edge.hstsMaxAgeSeconds);
    expect(settings.ipv6).toBe(env.edge.ipv6 ? 'on' : 'off');
  });

  describe('DNS', () => {
    const records = resources(edge, 'cloudflare_dns_record');

    it('points apex and www, proxied, at the address of the load balancer\'s forwarding rule in ingress', () => {
      const proxied = records.filter((r) => r.proxied === true);
      expect(proxied.map((r) => `${r.type} ${r.name}`).sort()).toEqual(['A isoscribe.com', 'A www.isoscribe.com']);
      for (const r of proxied) {
        expect(ingressOutputFor(r.content)).toMatch(/^\$\{google_compute_global_forwarding_rule\.lb_https-forwarding-rule_[0-9A-F]+\.ip_address\}$/);
      }
    });

    it('publishes each DNS-authorization record of the certificate, not proxied, as ingress reports it (in dns-authorization)', () => {
      const auths = resources(ingress, 'google_certificate_manager_dns_authorization');
      expect(records.filter((r) => r.proxied === false)).toEqual([]);
      const cnames = resources(dnsAuthorization, 'cloudflare_dns_record');
      expect(cnames.every((r) => r.proxied === false && r.zone_id === zoneIdOf(dnsAuthorization))).toBe(true);
      expect(cnames).toHaveLength(auths.length);
      const sources = cnames.map((r) => ({
        name: ingressOutputFor(r.name),
        type: ingressOutputFor(r.type),
        content: ingressOutputFor(r.content),
      }));
      expect(sources.map((s) => s.name).sort()).toEqual(
        auths.map((a) => `\${google_certificate_manager_dns_authorization.${a.__id}.dns_resource_record[0].name}`).sort(),
      );
      for (const s of sources) {
        expect(s.type).toMatch(/\.dns_resource_record\[0\]\.type\}$/);
        expect(s.content).toMatch(/\.dns_resource_record\[0\]\.data\}$/);
      }
      // Google's names end with the root dot; Cloudflare stores them without.
      for (const r of cnames) expect(r.name).toMatch(/^\$\{trimsuffix\(.*, "\."\)\}$/);
    });

    it('adds AAAA records only when an IPv6 origin exists (the LB has IPv4 only)', () => {
      expect(records.filter((r) => r.type === 'AAAA')).toHaveLength(0);
    });
  });

  describe('cache rules', () => {
    const rules: TfJson[] = rulesetOf(edge, 'http_request_cache_settings')!.rules;
    const byExpression = Object.fromEntries(rules.map((r) => [r.expression, r]));

    it('never cache the API', () => {
      expect(byExpression[EDGE_PATHS.api]).toMatchObject({ action: 'set_cache_settings', action_parameters: { cache: false } });
    });

    it('cache /static/* long at the edge and in browsers', () => {
      expect(byExpression[EDGE_PATHS.static].action_parameters).toEqual({
        cache: true,
        edge_ttl: { mode: 'override_origin', default: STATIC_TTL_SECONDS },
        browser_ttl: { mode: 'override_origin', default: STATIC_TTL_SECONDS },
      });
      expect(STATIC_TTL_SECONDS).toBeGreaterThanOrEqual(30 * 24 * 3600);
    });

    it('do not cache HTML on Pro (its shortest edge TTL, 1 h, is longer than HTML may be stale), and never touch API or static paths with that rule', () => {
      expect(env.edge.plan).toBe('pro');
      const html = rules.find((r) => r.expression.startsWith('not '))!;
      expect(html.expression).toBe(`not ${EDGE_PATHS.api} and not ${EDGE_PATHS.static}`);
      expect(html.action_parameters).toEqual({ cache: false });
      expect(rules).toHaveLength(3);
    });

    it('cache HTML briefly at the edge on Business, where the plan allows it', () => {
      const business = environment('production', (e) => ({ ...e, edge: { ...e.edge, plan: 'business' } }));
      const html = rulesetOf(synthEnvironment(business).json['isoscribe-production-edge'], 'http_request_cache_settings')!
        .rules.find((r: TfJson) => r.expression.startsWith('not '));
      expect(html.action_parameters).toEqual({
        cache: true,
        edge_ttl: { mode: 'override_origin', default: HTML_EDGE_TTL_SECONDS },
        browser_ttl: { mode: 'respect_origin' },
      });
      expect(HTML_EDGE_TTL_SECONDS).toBeLessThanOrEqual(300);
    });
  });

  it('rate-limits /api/v1/search per visitor with its own budget first, and the rest of /api/* with the api\'s (a search counts once)', () => {
    const [search, rule] = rulesetOf(edge, 'http_ratelimit')!.rules;
    const searchPath = '(http.request.uri.path eq "/api/v1/search" or starts_with(http.request.uri.path, "/api/v1/search/"))';
    expect(search).toMatchObject({
      action: 'block',
      expression: searchPath,
      ratelimit: {
        characteristics: ['cf.colo.id', 'ip.src'],
        period: env.edge.searchRateLimit!.periodSeconds,
        requests_per_period: env.edge.searchRateLimit!.requestsPerPeriod,
      },
    });
    expect(env.edge.searchRateLimit!.requestsPerPeriod).toBeLessThan(env.edge.apiRateLimit.requestsPerPeriod);
    expect(rule).toMatchObject({
      action: 'block',
      expression: `(${EDGE_PATHS.api}) and not ${searchPath}`,
      ratelimit: {
        characteristics: ['cf.colo.id', 'ip.src'],
        period: env.edge.apiRateLimit.periodSeconds,
        requests_per_period: env.edge.apiRateLimit.requestsPerPeriod,
        mitigation_timeout: env.edge.apiRateLimit.periodSeconds,
      },
    });
  });

  it('on a Free zone (dev), search has no rule of its own: the one rule covers all of /api/*', () => {
    const dev = environment('dev');
    expect(dev.edge.searchRateLimit).toBeUndefined();
    const rules = rulesetOf(synthEnvironment(dev).json['isoscribe-dev-edge'], 'http_ratelimit')!.rules;
    expect(rules).toHaveLength(1);
    expect(rules[0].expression).toBe(EDGE_PATHS.api);
  });

  it('executes the Cloudflare Managed Ruleset where the plan allows it (production), and not otherwise (dev)', () => {
    expect(env.edge.managedWaf).toBe(true);
    expect(rulesetOf(edge, 'http_request_firewall_managed')!.rules).toEqual([
      expect.objectContaining({ action: 'execute', expression: 'true', action_parameters: { id: CLOUDFLARE_MANAGED_RULESET_ID } }),
    ]);
    const dev = environment('dev');
    expect(dev.edge.managedWaf).toBe(false);
    expect(rulesetOf(synthEnvironment(dev).json['isoscribe-dev-edge'], 'http_request_firewall_managed')).toBeUndefined();
  });

  it('deploys after ingress and dns-authorization; the chain is core → cluster → workloads → ingress → dns-authorization → edge in every region', () => {
    const deps = (name: string) => manifest.stacks[`isoscribe-production-${name}`].dependencies;
    expect([...deps('edge')].sort()).toEqual(['isoscribe-production-dns-authorization', 'isoscribe-production-ingress']);
    expect(deps('dns-authorization')).toEqual(['isoscribe-production-ingress']);
    for (const region of env.regions.map((r) => r.name)) {
      expect(deps('ingress')).toContain(`isoscribe-production-workloads-${region}`);
      expect(deps(`workloads-${region}`)).toContain(`isoscribe-production-cluster-${region}`);
      expect(deps(`cluster-${region}`)).toContain('isoscribe-production-core');
    }
  });
});
