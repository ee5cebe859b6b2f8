import { readFileSync } from 'fs';
import { join } from 'path';
import { stackOrder } from '../../tools/stack-order/stack-order';
import { DATA_SOURCE_STAND_INS } from '../../tools/terraform-verify/stand-ins';
import { terraformEval, unwrapInterpolation } from '../support/terraform-console';
import { dataSources, environment, synthEnvironment, synthesized, type TfJson } from '../support/topology';

/*
 * Issue 11 items 4, 5 and 8: what only the real Cloudflare and GCP can answer (the zone exists, is
 * active and on the configured plan; no foreign entry-point ruleset; the certificate is ACTIVE) is
 * checked by postconditions on data sources, so the plan fails before anything is applied. Cloudflare
 * and GCP cannot run here: each synthesized condition and message is evaluated by the real Terraform
 * (`terraform console`) against the shapes those APIs return.
 */

const env = environment('production');
const { json } = synthEnvironment(env);
const edge = json['isoscribe-production-edge'];

/** A postcondition of the one data source of `type`, with `self` bound to `self`, evaluated by Terraform. */
function check(stack: TfJson, type: string, self: unknown, index = 0): { ok: boolean; message: string } {
  const [source] = dataSources(stack, type);
  const postcondition = source.lifecycle.postcondition[index];
  const bind = (template: string) => template.replace(/\bself\./g, 'local.self.');
  // Locals are written as Terraform JSON, where strings are templates exactly as in the stack's cdk.tf.json.
  unwrapInterpolation(postcondition.condition); // the condition is one interpolation, so it evaluates to a bool
  const locals = { ...(stack.locals ?? {}), self, condition: bind(postcondition.condition), message: bind(postcondition.error_message) };
  return { ok: terraformEval('local.condition', locals) as boolean, message: terraformEval('local.message', locals) as string };
}

describe('the zone, looked up by name (no zone id in config)', () => {
  const zone = { id: 'f'.repeat(32), name: 'isoscribe.com', status: 'active', plan: { legacy_id: 'pro' } };

  it.each(['isoscribe-production-edge', 'isoscribe-production-dns-authorization'])('%s finds it by the domain', (name) => {
    expect(dataSources(json[name], 'cloudflare_zone')).toEqual([expect.objectContaining({ filter: { name: env.domain } })]);
  });

  it('passes for an active zone on the configured plan', () => {
    expect(check(edge, 'cloudflare_zone', zone, 0).ok).toBe(true);
    expect(check(edge, 'cloudflare_zone', zone, 1).ok).toBe(true);
  });

  it('fails the plan while the zone is pending (nameservers not delegated), saying what to do', () => {
    const result = check(edge, 'cloudflare_zone', { ...zone, status: 'pending' }, 0);
    expect(result.ok).toBe(false);
    expect(result.message).toMatch(/^The Cloudflare zone isoscribe\.com is pending, not active: point the domain's nameservers/);
  });

  it('fails the plan when the zone is on another plan than edge.plan, naming the field', () => {
    const result = check(edge, 'cloudflare_zone', { ...zone, plan: { legacy_id: 'free' } }, 1);
    expect(result.ok).toBe(false);
    expect(result.message).toMatch(/is on the free plan, but edge\.plan says pro: set edge\.plan in config\/<environment>\.ts/);
  });
});

describe('ruleset entry points a zone may already have', () => {
  const rulesets = (extra: object[]) => ({
    rulesets: [
      { id: 'efb7b8c949ac4650a09736fc376e9aee', kind: 'managed', name: 'Cloudflare Managed Ruleset', phase: 'http_request_firewall_managed' },
      ...extra,
    ],
  });
  const dashboardMade = { id: '2f2feab2026849078ba485f918791bdc', kind: 'zone', name: 'default', phase: 'http_ratelimit' };

  it('passes on a new zone (only Cloudflare\'s managed rulesets) and once ours exist', () => {
    expect(check(edge, 'cloudflare_rulesets', rulesets([])).ok).toBe(true);
    expect(check(edge, 'cloudflare_rulesets', rulesets([{ id: 'a'.repeat(32), kind: 'zone', name: 'Rate limiting', phase: 'http_ratelimit' }])).ok).toBe(true);
  });

  it('fails the plan on an entry point made in the dashboard, printing its id and where to adopt it', () => {
    const result = check(edge, 'cloudflare_rulesets', rulesets([dashboardMade]));
    expect(result.ok).toBe(false);
    expect(result.message).toContain('http_ratelimit = "2f2feab2026849078ba485f918791bdc" (default)');
    expect(result.message).toContain('in config/production.ts › edge.adoptRulesets add <phase>: "<id>"');
  });

  it('imports an adopted entry point instead of creating a second one, and then passes', () => {
    const adopted = environment('production', (e) => ({ ...e, edge: { ...e.edge, adoptRulesets: { http_ratelimit: dashboardMade.id } } }));
    const stack = synthEnvironment(adopted).json['isoscribe-production-edge'];
    expect(check(stack, 'cloudflare_rulesets', rulesets([dashboardMade])).ok).toBe(true);
    const [, rateLimitId] = Object.entries<TfJson>(stack.resource.cloudflare_ruleset).find(([, r]) => r.phase === 'http_ratelimit')!;
    expect(stack.import).toEqual([{
      to: `cloudflare_ruleset.${Object.keys(stack.resource.cloudflare_ruleset).find((id) => stack.resource.cloudflare_ruleset[id] === rateLimitId)}`,
      id: `zones/\${data.cloudflare_zone.${dataSources(stack, 'cloudflare_zone')[0].__id}.id}/${dashboardMade.id}`,
    }]);
  });
});

describe('certificate before traffic (no 526 window)', () => {
  const certificate = (state: string) => ({
    certificates: [{ name: 'projects/p/locations/global/certificates/isoscribe-production-cert', managed: [{ state, authorization_attempt_info: [{ domain: 'isoscribe.com', state: 'AUTHORIZING' }] }] }],
  });

  it('the DNS-authorization records are published by their own stack, before edge', () => {
    expect(Object.keys(json['isoscribe-production-dns-authorization'].resource)).toEqual(['cloudflare_dns_record']);
  });

  it('reads the ingress certificate, and gates the proxied records and Full (strict) on it', () => {
    const [source] = dataSources(edge, 'google_certificate_manager_certificates');
    expect(source.filter).toMatch(/^name:\$\{data\.terraform_remote_state\.cross-stack-reference-input-isoscribe-production-ingress\.outputs\.cross-stack-output-google_certificate_manager_certificate/);
    const gate = `data.google_certificate_manager_certificates.${source.__id}`;
    const gated = [
      ...Object.values<TfJson>(edge.resource.cloudflare_dns_record),
      Object.values<TfJson>(edge.resource.cloudflare_zone_setting).find((s) => s.setting_id === 'ssl')!,
    ];
    expect(gated.length).toBe(3);
    for (const resource of gated) expect(resource.depends_on).toEqual([gate]);
  });

  it('passes once the certificate is ACTIVE', () => {
    expect(check(edge, 'google_certificate_manager_certificates', certificate('ACTIVE')).ok).toBe(true);
  });

  it.each(['PROVISIONING', 'FAILED'])('fails the edge plan while the certificate is %s, saying to wait and re-run', (state) => {
    const result = check(edge, 'google_certificate_manager_certificates', certificate(state));
    expect(result.ok).toBe(false);
    expect(result.message).toMatch(new RegExp(`^The certificate for isoscribe\\.com, www\\.isoscribe\\.com is ${state}, not ACTIVE \\(authorization: .*AUTHORIZING.*\\)\\. Proxied records and Full \\(strict\\) wait for it, or visitors get 526\\.`));
    expect(result.message).toContain('isoscribe-production-dns-authorization stack published the DNS-authorization records: re-run this stack once it is ACTIVE');
  });

  it('fails when no certificate matches (ingress not applied)', () => {
    const result = check(edge, 'google_certificate_manager_certificates', { certificates: [] });
    expect(result.ok).toBe(false);
    expect(result.message).toMatch(/is missing, not ACTIVE/);
  });

  it('the offline plan stands in an ACTIVE certificate, labeled as such', () => {
    expect(DATA_SOURCE_STAND_INS.google_certificate_manager_certificates.reason).toMatch(/stand-in: .*ACTIVE/);
  });
});

describe('docs/deploy.md, "Certificate before traffic"', () => {
  it('documents the order the manifest deploys in: ingress → dns-authorization → edge', () => {
    const doc = readFileSync(join(__dirname, '../../docs/deploy.md'), 'utf8');
    const section = doc.split('### Certificate before traffic')[1]?.split('\n## ')[0] ?? '';
    const documented = [...section.matchAll(/^\d+\. `([a-z-]+)`/gm)].map((m) => m[1]);
    const order = stackOrder(synthesized().manifest, { environment: 'production' }).map((s) => s.replace('isoscribe-production-', ''));
    expect(documented).toEqual(['ingress', 'dns-authorization', 'edge']);
    expect(order.filter((layer) => documented.includes(layer))).toEqual(documented);
  });
});
