import { ProjectService } from '@cdktf/provider-google/lib/project-service';
import { ServiceAccount } from '@cdktf/provider-google/lib/service-account';
import { TerraformStack, Testing } from 'cdktf';
import { HARDENING_RULES, HardeningPolicy, type PolicyFinding } from '../../policy';
import { API_EXPRESSION, container, edge, gke, loadBalancer, monitoring, newDisposableStack, newReleaseStack, newStack, pods, type EdgeProps, type GkeProps, type LbProps, type MonitoringProps, type PodProps } from './fixtures';

function check(build: (stack: TerraformStack) => void, stack: TerraformStack = newStack()): PolicyFinding[] {
  build(stack);
  return new HardeningPolicy().checkStack(stack);
}

/** The pods family in a release of a shared or production environment. */
const releasePods = (mutate?: (p: PodProps) => void) => check((s) => pods(s, mutate), newReleaseStack());
const DIGEST = `sha256:${'a'.repeat(64)}`;

const families = {
  gke: (mutate?: (p: GkeProps) => void) => check((s) => gke(s, mutate)),
  pods: (mutate?: (p: PodProps) => void) => check((s) => pods(s, mutate)),
  lb: (mutate?: (p: LbProps) => void) => check((s) => loadBalancer(s, mutate)),
  edge: (mutate?: (p: EdgeProps) => void) => check((s) => edge(s, mutate)),
  monitoring: (mutate?: (p: MonitoringProps) => void) => check((s) => monitoring(s, mutate)),
};

const podSpec = (p: PodProps) => p.deployment.spec.template.spec;
const nginx = (p: PodProps) => podSpec(p).container[0];

/** One violating fixture per rule: the compliant family with one thing broken. */
const VIOLATIONS: [ruleId: string, what: string, findings: () => PolicyFinding[]][] = [
  ['GKE-001', 'public nodes', () => families.gke((p) => { p.cluster.privateClusterConfig.enablePrivateNodes = false; })],
  ['GKE-002', '0.0.0.0/0 may reach the control plane', () => families.gke((p) => { p.cluster.masterAuthorizedNetworksConfig.cidrBlocks.push({ cidrBlock: '0.0.0.0/0' }); })],
  ['GKE-002', 'a /8 may reach the control plane', () => families.gke((p) => { p.cluster.masterAuthorizedNetworksConfig.cidrBlocks.push({ cidrBlock: '10.0.0.0/8' }); })],
  ['GKE-002', 'a documentation range is authorized', () => families.gke((p) => { p.cluster.masterAuthorizedNetworksConfig.cidrBlocks.push({ cidrBlock: '203.0.113.0/24' }); })],
  ['GKE-002', 'the public IP endpoint is on', () => families.gke((p) => { p.cluster.privateClusterConfig.enablePrivateEndpoint = false; })],
  ['GKE-018', 'no DNS endpoint for external clients', () => families.gke((p) => { p.cluster.controlPlaneEndpointsConfig.dnsEndpointConfig.allowExternalTraffic = false; })],
  ['GKE-003', 'routes-based networking', () => families.gke((p) => { p.cluster.networkingMode = 'ROUTES'; delete p.cluster.ipAllocationPolicy; })],
  ['GKE-004', 'no Workload Identity', () => families.gke((p) => { delete p.cluster.workloadIdentityConfig; })],
  ['GKE-005', 'node metadata exposed', () => families.gke((p) => { p.pool.nodeConfig.workloadMetadataConfig.mode = 'GCE_METADATA'; })],
  ['GKE-006', 'shielded nodes off', () => families.gke((p) => { p.cluster.enableShieldedNodes = false; })],
  ['GKE-007', 'no secure boot', () => families.gke((p) => { p.pool.nodeConfig.shieldedInstanceConfig.enableSecureBoot = false; })],
  ['GKE-008', 'no release channel', () => families.gke((p) => { p.cluster.releaseChannel.channel = 'UNSPECIFIED'; })],
  ['GKE-009', 'legacy network policy enabled', () => families.gke((p) => { p.cluster.networkPolicy.enabled = true; })],
  ['GKE-010', 'client certificate issued', () => families.gke((p) => { p.cluster.masterAuth.clientCertificateConfig.issueClientCertificate = true; })],
  ['GKE-011', 'legacy ABAC on', () => families.gke((p) => { p.cluster.enableLegacyAbac = true; })],
  ['GKE-012', 'default pool kept', () => families.gke((p) => { p.cluster.removeDefaultNodePool = false; })],
  ['GKE-013', 'default compute service account', () => families.gke((p) => { p.pool.nodeConfig.serviceAccount = '123456789-compute@developer.gserviceaccount.com'; })],
  ['GKE-013', 'transient default pool as the default compute account', () => families.gke((p) => { delete p.cluster.nodeConfig; })],
  ['GKE-014', 'no auto-upgrade', () => families.gke((p) => { p.pool.management.autoUpgrade = false; })],
  ['GKE-015', 'Ubuntu nodes', () => families.gke((p) => { p.pool.nodeConfig.imageType = 'UBUNTU_CONTAINERD'; })],
  ['GKE-016', 'no labels', () => families.gke((p) => { delete p.cluster.resourceLabels; })],
  ['GKE-017', 'production cluster deletable', () => families.gke((p) => { p.cluster.deletionProtection = false; })],
  ['POD-001', 'root user', () => families.pods((p) => { delete podSpec(p).securityContext.runAsNonRoot; delete nginx(p).securityContext.runAsNonRoot; })],
  ['POD-002', 'writable root filesystem', () => families.pods((p) => { nginx(p).securityContext.readOnlyRootFilesystem = false; })],
  ['POD-003', 'privilege escalation allowed', () => families.pods((p) => { delete nginx(p).securityContext.allowPrivilegeEscalation; })],
  ['POD-004', 'capabilities kept', () => families.pods((p) => { nginx(p).securityContext.capabilities = { drop: ['NET_RAW'] }; })],
  ['POD-005', 'no seccomp profile', () => families.pods((p) => { delete podSpec(p).securityContext.seccompProfile; })],
  ['POD-006', 'no memory limit', () => families.pods((p) => { delete nginx(p).resources.limits; })],
  ['POD-007', 'no readiness probe on a serving container', () => families.pods((p) => { delete nginx(p).readinessProbe; })],
  ['POD-008', 'latest tag', () => families.pods((p) => { nginx(p).image = 'nginxinc/nginx-unprivileged:latest'; })],
  ['POD-020', 'a tag-only image in a release', () => releasePods((p) => { for (const c of podSpec(p).container) c.image = `${c.image}@${DIGEST}`; nginx(p).image = 'registry.example/nginx:1.2.3'; })],
  ['POD-009', 'default namespace', () => families.pods((p) => { p.deployment.metadata.namespace = 'default'; })],
  ['POD-010', 'token mounted', () => families.pods((p) => { delete podSpec(p).automountServiceAccountToken; })],
  ['POD-011', 'no zone spread', () => families.pods((p) => { delete podSpec(p).topologySpreadConstraint; })],
  ['POD-012', 'default maxUnavailable', () => families.pods((p) => { delete p.deployment.spec.strategy; })],
  ['POD-013', 'preStop outlasts the grace period', () => families.pods((p) => { podSpec(p).terminationGracePeriodSeconds = 5; })],
  ['POD-014', 'secret in env', () => families.pods((p) => { nginx(p).env = [{ name: 'MONGODB_URI', valueFrom: { secretKeyRef: { name: 'mongodb-uri', key: 'uri' } } }]; })],
  ['POD-015', 'no PDB', () => families.pods((p) => { delete p.pdb; })],
  ['POD-016', 'HPA targets another deployment', () => families.pods((p) => { p.hpa!.spec.scaleTargetRef.name = 'frontend'; })],
  ['NET-001', 'no default-deny policy', () => families.pods((p) => { p.denyAll!.spec.ingress = [{ from: [{ podSelector: {} }] }]; })],
  ['LB-001', 'classic load balancer', () => families.lb((p) => { p.backend.loadBalancingScheme = 'EXTERNAL'; })],
  ['LB-002', 'no request logs', () => families.lb((p) => { delete p.backend.logConfig; })],
  ['LB-003', 'no connection draining', () => families.lb((p) => { delete p.backend.connectionDrainingTimeoutSec; })],
  ['LB-004', 'no Cloud Armor', () => families.lb((p) => { p.attachArmor = false; })],
  ['LB-005', 'TLS 1.0 allowed', () => families.lb((p) => { p.sslPolicy.minTlsVersion = 'TLS_1_0'; })],
  ['LB-006', 'HTTPS proxy without SSL policy', () => families.lb((p) => { p.attachSslPolicy = false; })],
  ['LB-007', 'HTTP serves content', () => families.lb((p) => { p.redirectMap.defaultService = 'projects/p/global/backendServices/api'; delete p.redirectMap.defaultUrlRedirect; })],
  ['LB-008', 'default rule allows', () => families.lb((p) => { p.armor.rule[2].action = 'allow'; })],
  ['LB-009', 'no Log4Shell rule', () => families.lb((p) => { p.armor.rule.splice(0, 1); })],
  ['LB-010', '11 ranges in one rule', () => families.lb((p) => { p.armor.rule[1].match.config.srcIpRanges = Array.from({ length: 11 }, (_, i) => `198.51.${i}.0/24`); })],
  ['LB-011', 'no client certificate required', () => families.lb((p) => { p.attachServerTlsPolicy = false; })],
  ['LB-012', 'any Host served by the default service', () => families.lb((p) => { p.urlMap.defaultService = 'projects/p/global/backendServices/frontend'; p.urlMap.hostRule[0].hosts = ['*']; })],
  ['LB-013', 'backend bucket without an edge policy', () => families.lb((p) => { p.attachEdgeArmor = false; })],
  ['LB-014', 'PRIMARY certificate map entry', () => families.lb((p) => { p.certificateMapEntry = { name: 'primary', map: 'cert-map', matcher: 'PRIMARY', certificates: ['projects/p/locations/global/certificates/c'] }; })],
  ['CF-001', 'SSL Flexible', () => families.edge((p) => { p.settings.ssl = 'flexible'; })],
  ['CF-002', 'TLS 1.0 allowed', () => families.edge((p) => { p.settings.min_tls_version = '1.0'; })],
  ['CF-003', 'TLS 1.3 off', () => families.edge((p) => { delete p.settings.tls_1_3; })],
  ['CF-004', 'plain HTTP served', () => families.edge((p) => { p.settings.always_use_https = 'off'; })],
  ['CF-005', 'HSTS off', () => families.edge((p) => { p.settings.security_header = { strict_transport_security: { enabled: false } }; })],
  ['CF-006', 'mixed content left', () => families.edge((p) => { p.settings.automatic_https_rewrites = 'off'; })],
  ['API-001', 'a service account created before its API is enabled', () => check((s) => {
    new ProjectService(s, 'service-iam', { project: 'p', service: 'iam.googleapis.com' });
    new ServiceAccount(s, 'account', { project: 'p', accountId: 'someone' });
  })],
  ['CF-007', 'a later rule caches everything', () => families.edge((p) => {
    p.cacheRules.push({ description: 'cache all', expression: 'true', action: 'set_cache_settings', actionParameters: { cache: true } });
  })],
  ['MON-001', 'an alert nobody hears of', () => families.monitoring((p) => { p.alerts['api-latency-slow-burn'].notificationChannels = []; })],
  ['MON-001', 'an alert without a runbook link', () => families.monitoring((p) => { p.alerts['api-latency-fast-burn'].documentation = { content: 'see the wiki' }; })],
  ['MON-001', 'a page filed as a warning', () => families.monitoring((p) => { p.alerts['api-availability-fast-burn'].severity = 'WARNING'; })],
  ['MON-001', 'an alert without a severity label', () => families.monitoring((p) => { p.alerts['api-availability-slow-burn'].conditions[0].conditionPrometheusQueryLanguage.labels = {}; })],
  ['MON-002', 'a workload without its latency slow-burn alert', () => families.monitoring((p) => { delete p.alerts['api-latency-slow-burn']; })],
  ['MON-002', 'a fast burn that only opens a ticket', () => families.monitoring((p) => {
    p.alerts['api-availability-fast-burn'].severity = 'WARNING';
    p.alerts['api-availability-fast-burn'].conditions[0].conditionPrometheusQueryLanguage.labels = { severity: 'ticket' };
  })],
  ['MON-002', 'an uptime check naming no workload', () => families.monitoring((p) => { p.uptimeLabels = {}; })],
];

describe('the hardening rules', () => {
  it.each(Object.keys(families))('find nothing wrong with the compliant %s fixture', (family) => {
    const findings = families[family as keyof typeof families]();
    expect(findings.map((f) => `${f.ruleId} ${f.address}: ${f.problems.join('; ')}`)).toEqual([]);
  });

  it.each(VIOLATIONS)('%s reports %s', (ruleId, _what, findings) => {
    const found = findings();
    expect(found.map((f) => f.ruleId)).toContain(ruleId);
    const finding = found.find((f) => f.ruleId === ruleId)!;
    expect(finding.problems.length).toBeGreaterThan(0);
    expect(finding.path).toMatch(/^fixture\//);
  });

  it('every rule has a violating fixture above', () => {
    expect([...new Set(VIOLATIONS.map(([id]) => id))].sort()).toEqual(HARDENING_RULES.map((r) => r.id).sort());
  });

  it('rule ids are unique and every rule says what to fix', () => {
    const ids = HARDENING_RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const rule of HARDENING_RULES) {
      expect(rule.description).toMatch(/\.$/);
      expect(rule.fix.length).toBeGreaterThan(10);
    }
  });
});

describe('rules that need more than one fixture', () => {
  it('GKE-017 lets the cluster of a disposable-tier stack be deleted, whatever its environment is called', () => {
    const deletable = (p: GkeProps) => { p.cluster.deletionProtection = false; p.cluster.resourceLabels = { environment: 'sandbox' }; };
    expect(check((s) => gke(s, deletable), newDisposableStack())).toEqual([]);
  });

  it('GKE-017 holds a cluster labelled "dev" to the rule when its stack does not declare the disposable tier', () => {
    const findings = families.gke((p) => { p.cluster.deletionProtection = false; p.cluster.resourceLabels = { environment: 'dev' }; });
    expect(findings.map((f) => f.ruleId)).toEqual(['GKE-017']);
  });

  it('a problem names the attribute by its path and says what it is (and why it matters, where a rule says)', () => {
    const problems = (findings: PolicyFinding[]) => findings.map((f) => `${f.ruleId}: ${f.problems.join('; ')}`);
    expect(problems(families.gke((p) => { p.pool.nodeConfig.shieldedInstanceConfig.enableSecureBoot = false; })))
      .toEqual(['GKE-007: node_config.shielded_instance_config.enable_secure_boot is false']);
    expect(problems(families.gke((p) => { p.cluster.enableLegacyAbac = true; })))
      .toEqual(['GKE-011: enable_legacy_abac is true (must be an explicit false)']);
    expect(problems(families.pods((p) => { nginx(p).securityContext.capabilities = { drop: ['NET_RAW'], add: ['NET_ADMIN'] }; })))
      .toEqual(['POD-004: container "nginx": capabilities.drop is ["NET_RAW"]; container "nginx": capabilities.add is ["NET_ADMIN"]']);
  });

  it('LB-011 lets the server TLS policy only reject: ALLOW_INVALID_OR_MISSING_CLIENT_CERT is a finding', () => {
    const findings = families.lb((p) => { p.clientValidationMode = 'ALLOW_INVALID_OR_MISSING_CLIENT_CERT'; });
    expect(findings.map((f) => `${f.ruleId}: ${f.problems.join()}`)).toEqual([expect.stringMatching(/^LB-011: .*client_validation_mode is "ALLOW_INVALID_OR_MISSING_CLIENT_CERT"/)]);
  });

  it('LB-011 exempts a disposable-tier stack, LB-012 and LB-013 do not; a stack named "dev" that does not declare the tier is not exempt', () => {
    const ruleIds = (stack: TerraformStack, mutate: (p: LbProps) => void) => {
      loadBalancer(stack, mutate);
      return new HardeningPolicy().checkStack(stack).map((f) => f.ruleId);
    };
    expect(ruleIds(newDisposableStack('isoscribe-sandbox-ingress'), (p) => { p.attachServerTlsPolicy = false; })).toEqual([]);
    expect(ruleIds(newDisposableStack('isoscribe-sandbox-ingress'), (p) => { p.attachEdgeArmor = false; })).toEqual(['LB-013']);
    expect(ruleIds(new TerraformStack(Testing.app(), 'isoscribe-dev-ingress'), (p) => { p.attachServerTlsPolicy = false; })).toEqual(['LB-011']);
  });

  it('LB-007, LB-011 and LB-013 report a reference they cannot follow to a resource of the right type in the stack', () => {
    const problems = (findings: PolicyFinding[]) => findings.map((f) => `${f.ruleId}: ${f.problems.join('; ')}`);
    expect(problems(families.lb((p) => { p.attachServerTlsPolicy = false; })))
      .toEqual(['LB-011: server_tls_policy is absent, not a server TLS policy of this stack, so it cannot be verified']);
    expect(problems(families.lb((p) => { p.attachEdgeArmor = false; })))
      .toEqual(['LB-013: edge_security_policy is absent, not a security policy of this stack, so it cannot be verified']);
    const stack = newStack();
    loadBalancer(stack);
    const proxy = stack.node.findAll().find((c) => c.node.id === 'http-proxy') as unknown as { addOverride: (path: string, value: unknown) => void };
    proxy.addOverride('url_map', '${google_compute_backend_service.backend.id}');
    expect(problems(new HardeningPolicy().checkStack(stack)))
      .toEqual(['LB-007: url_map is "${google_compute_backend_service.backend.id}", not a URL map of this stack, so it cannot be verified']);
  });

  it('LB-012 wants the abort at 100%: 50% still sends every other request to a pod', () => {
    const findings = families.lb((p) => { p.urlMap.defaultService = undefined; });
    expect(findings).toEqual([]);
    const stack = newStack();
    loadBalancer(stack);
    const map = stack.node.findAll().find((c) => c.node.id === 'url-map') as unknown as { addOverride: (path: string, value: unknown) => void };
    map.addOverride('default_route_action.fault_injection_policy.abort.percentage', 50);
    expect(new HardeningPolicy().checkStack(stack).map((f) => f.ruleId)).toEqual(['LB-012']);
  });

  it('LB-009 asks no WAF rule of a CLOUD_ARMOR_EDGE policy (edge policies have none); LB-013 rejects a CLOUD_ARMOR one on a bucket', () => {
    expect(families.lb((p) => { p.edgeArmor.type = 'CLOUD_ARMOR'; }).map((f) => f.ruleId).sort()).toEqual(['LB-009', 'LB-013']);
  });

  it('POD-007 asks no readiness probe of a container without ports, but a liveness probe of every container', () => {
    expect(families.pods((p) => { delete podSpec(p).container[1].readinessProbe; })).toEqual([]);
    expect(families.pods((p) => { delete podSpec(p).container[1].livenessProbe; }).map((f) => f.ruleId)).toEqual(['POD-007']);
  });

  it('POD-008 accepts a digest and rejects a malformed one', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(families.pods((p) => { nginx(p).image = `registry.example/nginx:1.2.3@${digest}`; })).toEqual([]);
    expect(families.pods((p) => { nginx(p).image = 'registry.example/nginx@sha256:abc'; }).map((f) => f.ruleId)).toEqual(['POD-008']);
    expect(families.pods((p) => { nginx(p).image = 'registry.example:5000/nginx'; }).map((f) => f.ruleId)).toEqual(['POD-008']);
  });

  it('POD-020 holds only in a release: a tag is what a pull request reviews; a release pins every container, init containers included', () => {
    const pinAll = (p: PodProps) => { for (const c of [...podSpec(p).container, ...(podSpec(p).initContainer ?? [])]) c.image = `${c.image}@${DIGEST}`; };
    expect(families.pods()).toEqual([]);
    expect(releasePods(pinAll)).toEqual([]);
    const unpinned = releasePods().filter((f) => f.ruleId === 'POD-020');
    expect(unpinned).toHaveLength(1);
    expect(unpinned[0].problems.length).toBeGreaterThan(0);
    for (const problem of unpinned[0].problems) expect(problem).toMatch(/^container "[a-z-]+": image "registry\.example\/[a-z-]+:1\.2\.3" has no digest$/);
    expect(unpinned[0].fix).toMatch(/ISOSCRIBE_NGINX_IMAGE_DIGEST/);
    // A malformed digest is not a digest.
    expect(releasePods((p) => { pinAll(p); nginx(p).image = 'registry.example/nginx:1.2.3@sha256:abc'; }).map((f) => f.ruleId).sort()).toEqual(['POD-008', 'POD-020']);
  });

  it('POD-013 wants a preStop hook on every container that serves a port', () => {
    expect(families.pods((p) => { delete nginx(p).lifecycle; }).map((f) => f.ruleId)).toEqual(['POD-013']);
  });

  it('NET-001 also holds for a namespace with no deployment', () => {
    const findings = families.pods((p) => { delete p.denyAll; });
    expect(findings.filter((f) => f.ruleId === 'NET-001').map((f) => f.address.split('.')[0]).sort()).toEqual(['kubernetes_deployment_v1', 'kubernetes_namespace_v1']);
  });

  it('CF-007 accepts a later cache rule confined to other paths and rejects one it cannot evaluate', () => {
    const confined = { description: 'html', expression: `not ${API_EXPRESSION} and not starts_with(http.request.uri.path, "/static/")`, action: 'set_cache_settings', actionParameters: { cache: true } };
    expect(families.edge((p) => { p.cacheRules.push(confined); })).toEqual([]);
    const unknown = { description: 'by host', expression: 'http.host eq "isoscribe.example"', action: 'set_cache_settings', actionParameters: { cache: true } };
    expect(families.edge((p) => { p.cacheRules.push(unknown); }).map((f) => f.ruleId)).toContain('CF-007');
  });

  it('Cloudflare zone rules ignore DNS-only records (certificate DNS authorization)', () => {
    const findings = families.edge((p) => { p.proxied = false; p.settings = {}; p.cacheRules = []; });
    // Only the empty cache ruleset itself is reported; the DNS-only record asks nothing of its zone.
    expect(findings.map((f) => `${f.ruleId} ${f.address}`)).toEqual(['CF-007 cloudflare_ruleset.cache']);
  });

  it('a pod fixture with an init container checks it too', () => {
    const findings = families.pods((p) => { podSpec(p).initContainer = [{ ...container('migrate'), image: 'registry.example/migrate' }]; });
    expect(findings.map((f) => f.problems.join())).toEqual([expect.stringContaining('container "migrate": image registry.example/migrate has neither a tag nor a digest')]);
  });
});
