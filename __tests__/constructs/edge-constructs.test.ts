import { Testing, TerraformStack } from 'cdktf';
import { ProxiedHostnames } from '../../constructs/cloudflare/proxied-hostnames';
import { CloudArmorPolicy } from '../../constructs/gcp/cloud-armor-policy';
import { NegBackendService } from '../../constructs/gcp/neg-backend-service';
import { resources, onlyResource } from '../support/topology';

function synth(build: (stack: TerraformStack) => void) {
  const stack = new TerraformStack(Testing.app(), 'test');
  build(stack);
  return JSON.parse(Testing.synth(stack));
}

describe('ProxiedHostnames', () => {
  it('adds an AAAA record per hostname when the origin has an IPv6 address', () => {
    const json = synth((s) => new ProxiedHostnames(s, 'origin', { zoneId: 'z', hostnames: ['a.example', 'www.a.example'], ipv4: '192.0.2.1', ipv6: '2001:db8::1' }));
    const records = resources(json, 'cloudflare_dns_record').map((r) => `${r.type} ${r.name} ${r.content} ${r.proxied}`);
    expect(records.sort()).toEqual([
      'A a.example 192.0.2.1 true',
      'A www.a.example 192.0.2.1 true',
      'AAAA a.example 2001:db8::1 true',
      'AAAA www.a.example 2001:db8::1 true',
    ]);
  });
});

describe('CloudArmorPolicy defaults', () => {
  it("denies Log4Shell probes (cve-canary) unless told otherwise, and allows without throttling", () => {
    const json = synth((s) => new CloudArmorPolicy(s, 'armor', { name: 'p', allowedSourceRanges: ['192.0.2.0/24'] }));
    const policy = onlyResource(json, 'google_compute_security_policy');
    expect(policy.rule.map((r: { match: { expr?: { expression: string } } }) => r.match.expr?.expression).filter(Boolean)).toEqual([
      "evaluatePreconfiguredWaf('cve-canary')",
    ]);
    expect(policy.dynamic.rule.content.action).toBe('allow');
    // A static list is chunked by Terraform the same way.
    expect(policy.dynamic.rule.for_each).toBe('${chunklist(["192.0.2.0/24"], 10)}');
  });
});

describe('NegBackendService errors', () => {
  const base = { name: 'svc', project: 'p', maxRatePerEndpoint: 10, healthCheck: { port: 8080, requestPath: '/readyz' }, logSampleRate: 1, timeoutSec: 30, connectionDrainingTimeoutSec: 30 };

  it('refuses an empty NEG list, saying what to list', () => {
    expect(() => synth((s) => new NegBackendService(s, 'b', { ...base, negs: [] }))).toThrow('negs is empty; list the zonal NEGs that serve svc');
  });

  it('refuses the same NEG twice', () => {
    const neg = { zone: 'us-central1-a', name: 'n' };
    expect(() => synth((s) => new NegBackendService(s, 'b', { ...base, negs: [neg, neg] }))).toThrow(
      'NEG projects/p/zones/us-central1-a/networkEndpointGroups/n is listed twice; list each zone once',
    );
  });
});
