import { GOOGLE_FRONT_END_RANGES, GOOGLE_HEALTH_CHECK_RANGES } from '../../facts/google-ranges';
import { CLOUD_ARMOR_PRIORITIES } from '../../constructs/gcp/cloud-armor-policy';
import { NGINX_PORT, READINESS_PATH } from '../../constructs/nginx';
import { negName, nodeNetworkTag } from '../../config/naming';
import { dataSources, environment, onlyResource, resources, synthEnvironment, type TfJson } from '../support/topology';

/** The resource a `${type.name.id}` reference points at, or undefined. */
function referenced(stack: TfJson, ref: string): TfJson | undefined {
  const m = /^\$\{([a-z0-9_]+)\.([^.}]+)\.(id|name|self_link)\}$/.exec(ref);
  return m ? stack.resource?.[m[1]]?.[m[2]] : undefined;
}

/** The backend services' Cloud Armor policy (the other one, CLOUD_ARMOR_EDGE, guards the bucket). */
function serviceArmor(stack: TfJson): TfJson {
  const policies = resources(stack, 'google_compute_security_policy').filter((p) => p.type === 'CLOUD_ARMOR');
  if (policies.length !== 1) throw new Error(`expected one CLOUD_ARMOR policy, found ${policies.length}`);
  return policies[0];
}

describe('ingress stack (production: three regions, three zones each)', () => {
  const env = environment('production');
  const { json } = synthEnvironment(env);
  const ingress = json['isoscribe-production-ingress'];
  const core = json['isoscribe-production-core'];

  describe('backend services', () => {
    const services = resources(ingress, 'google_compute_backend_service');

    it('exist once per workload, EXTERNAL_MANAGED over HTTP, behind Cloud Armor, with logging and draining', () => {
      expect(services.map((s) => s.name).sort()).toEqual(['isoscribe-production-api', 'isoscribe-production-frontend']);
      const policy = serviceArmor(ingress);
      for (const s of services) {
        expect(s).toMatchObject({
          load_balancing_scheme: 'EXTERNAL_MANAGED',
          protocol: 'HTTP',
          log_config: { enable: true, sample_rate: env.ingress.logSampleRate },
          connection_draining_timeout_sec: env.ingress.connectionDrainingTimeoutSec,
          timeout_sec: env.ingress.backendTimeoutSec,
          security_policy: `\${google_compute_security_policy.${policy.__id}.id}`,
        });
      }
    });

    it.each(['api', 'frontend'] as const)('%s has a RATE backend on its NEG in every zone of every region, by URL', (workload) => {
      const service = services.find((s) => s.name === `isoscribe-production-${workload}`)!;
      const expected = env.regions.flatMap((r) => r.zones).map(
        (zone) => `projects/${env.project.id}/zones/${zone}/networkEndpointGroups/${negName(env, workload)}`,
      );
      expect(expected).toHaveLength(9);
      expect(service.backend.map((b: TfJson) => b.group).sort()).toEqual(expected.sort());
      for (const b of service.backend) {
        expect(b).toMatchObject({ balancing_mode: 'RATE', max_rate_per_endpoint: env.ingress.maxRatePerEndpoint });
      }
      // No plan-time lookups of the NEGs.
      expect(dataSources(ingress, 'google_compute_network_endpoint_group')).toHaveLength(0);
    });

    it('health-check the readiness path through NGINX, with logging', () => {
      for (const s of services) {
        const hc = referenced(ingress, s.health_checks[0]);
        expect(hc).toMatchObject({
          http_health_check: { port: NGINX_PORT, request_path: READINESS_PATH },
          log_config: { enable: true },
        });
      }
    });
  });

  it('lets only Google front ends and health checkers reach the nodes, on the NGINX port only', () => {
    const rule = onlyResource(ingress, 'google_compute_firewall');
    expect(rule).toMatchObject({
      direction: 'INGRESS',
      target_tags: [nodeNetworkTag(env)],
      allow: [{ protocol: 'tcp', ports: [String(NGINX_PORT)] }],
    });
    expect([...rule.source_ranges].sort()).toEqual([...new Set([...GOOGLE_FRONT_END_RANGES, ...GOOGLE_HEALTH_CHECK_RANGES])].sort());
    expect(rule.source_ranges).not.toContain('0.0.0.0/0');
    expect(rule.network).toMatch(/cross-stack-reference-input-isoscribe-production-core/);
  });

  describe('URL maps, proxies and forwarding rules', () => {
    const maps = resources(ingress, 'google_compute_url_map');
    const https = maps.find((m) => m.name === 'isoscribe-production-https')!;
    const redirect = maps.find((m) => m.name === 'isoscribe-production-http-redirect')!;
    const serviceName = (ref: string) => referenced(ingress, ref)?.name;

    it('route /api/* to api, /static/* to the bundle bucket and everything else to frontend, for our hostnames only', () => {
      const matcher = https.path_matcher[0];
      expect(https.host_rule).toEqual([{ hosts: ['isoscribe.com', 'www.isoscribe.com'], path_matcher: matcher.name }]);
      expect(serviceName(matcher.default_service)).toBe('isoscribe-production-frontend');
      const byPath = Object.fromEntries(matcher.path_rule.flatMap((r: TfJson) => r.paths.map((p: string) => [p, serviceName(r.service)])));
      expect(byPath).toEqual({
        '/api': 'isoscribe-production-api',
        '/api/*': 'isoscribe-production-api',
        '/static/*': 'isoscribe-production-static-bundles',
      });
    });

    it('serve /static/* from core\'s bundle bucket, readable objects but no public listing, no second cache', () => {
      const bucket = onlyResource(ingress, 'google_compute_backend_bucket');
      expect(bucket.enable_cdn).toBe(false);
      const coreBucket = resources(core, 'google_storage_bucket').find((b) => b.name.endsWith('-static-bundles'))!;
      expect(bucket.bucket_name).toMatch(/cross-stack-reference-input-isoscribe-production-core/);
      const grant = onlyResource(ingress, 'google_storage_bucket_iam_member');
      expect(grant).toMatchObject({ member: 'allUsers', role: 'roles/storage.legacyObjectReader' });
      expect(grant.bucket).toBe(bucket.bucket_name);
      expect(coreBucket.public_access_prevention).toBe('inherited');
    });

    it('redirect HTTP to HTTPS with a 301 and nothing else', () => {
      expect(redirect.default_url_redirect).toEqual({ https_redirect: true, redirect_response_code: 'MOVED_PERMANENTLY_DEFAULT', strip_query: false });
      expect(redirect.default_service).toBeUndefined();
      expect(redirect.path_matcher).toBeUndefined();
      const httpProxy = onlyResource(ingress, 'google_compute_target_http_proxy');
      expect(referenced(ingress, httpProxy.url_map)?.name).toBe(redirect.name);
    });

    it('terminate TLS with the certificate map and a MODERN TLS 1.2+ policy', () => {
      const proxy = onlyResource(ingress, 'google_compute_target_https_proxy');
      const map = onlyResource(ingress, 'google_certificate_manager_certificate_map');
      expect(proxy.certificate_map).toBe(`//certificatemanager.googleapis.com/\${google_certificate_manager_certificate_map.${map.__id}.id}`);
      expect(referenced(ingress, proxy.ssl_policy)).toMatchObject({ profile: 'MODERN', min_tls_version: 'TLS_1_2' });
      expect(referenced(ingress, proxy.url_map)?.name).toBe(https.name);
    });

    it('listen on core\'s global IP: 443 to the HTTPS proxy, 80 to the redirect, both EXTERNAL_MANAGED', () => {
      const rules = resources(ingress, 'google_compute_global_forwarding_rule');
      const byPort = Object.fromEntries(rules.map((r) => [r.port_range, r]));
      expect(Object.keys(byPort).sort()).toEqual(['443', '80']);
      const coreAddress = onlyResource(core, 'google_compute_global_address');
      for (const r of rules) {
        expect(r.load_balancing_scheme).toBe('EXTERNAL_MANAGED');
        expect(r.ip_address).toMatch(/cross-stack-reference-input-isoscribe-production-core/);
        // cdktf names the cross-stack output after the referenced attribute: core's address.
        expect(r.ip_address).toContain(`google_compute_global_address${coreAddress.__id}address`);
      }
      expect(byPort['443'].target).toMatch(/^\$\{google_compute_target_https_proxy\./);
      expect(byPort['80'].target).toMatch(/^\$\{google_compute_target_http_proxy\./);
      expect(resources(ingress, 'google_compute_global_address')).toHaveLength(0);
    });
  });

  describe('Certificate Manager', () => {
    const hostnames = ['isoscribe.com', 'www.isoscribe.com'];

    it('authorizes each hostname by DNS and issues one Google-managed certificate for apex and www', () => {
      const auths = resources(ingress, 'google_certificate_manager_dns_authorization');
      expect(auths.map((a) => a.domain).sort()).toEqual(hostnames);
      const cert = onlyResource(ingress, 'google_certificate_manager_certificate');
      expect(cert.managed.domains).toEqual(hostnames);
      expect([...cert.managed.dns_authorizations].sort()).toEqual(
        auths.map((a) => `\${google_certificate_manager_dns_authorization.${a.__id}.id}`).sort(),
      );
    });

    it('maps each hostname to the certificate, and no other SNI (no PRIMARY entry)', () => {
      const cert = onlyResource(ingress, 'google_certificate_manager_certificate');
      const entries = resources(ingress, 'google_certificate_manager_certificate_map_entry');
      expect(entries.map((e) => e.hostname ?? e.matcher).sort()).toEqual(hostnames);
      expect(entries.filter((e) => e.matcher !== undefined)).toEqual([]);
      for (const e of entries) expect(e.certificates).toEqual([`\${google_certificate_manager_certificate.${cert.__id}.id}`]);
    });
  });

  it('deploys after every workloads stack (their Services create the NEGs) and core', () => {
    const { manifest } = synthEnvironment(env);
    expect([...manifest.stacks['isoscribe-production-ingress'].dependencies].sort()).toEqual([
      'isoscribe-production-core',
      ...env.regions.map((r) => `isoscribe-production-workloads-${r.name}`),
    ].sort());
  });

  it('throttles allowed clients by CF-Connecting-IP only when configured', () => {
    const withThrottle = serviceArmor(ingress).dynamic.rule.content;
    expect(withThrottle.action).toBe('throttle');
    expect(withThrottle.rate_limit_options).toEqual({
      conform_action: 'allow',
      exceed_action: 'deny(429)',
      enforce_on_key: 'HTTP_HEADER',
      enforce_on_key_name: 'CF-Connecting-IP',
      rate_limit_threshold: { count: env.ingress.rateLimit!.requests, interval_sec: env.ingress.rateLimit!.intervalSec },
    });
    const dev = synthEnvironment(environment('dev')).json['isoscribe-dev-ingress'];
    const plain = serviceArmor(dev).dynamic.rule.content;
    expect(plain.action).toBe('allow');
    expect(plain.rate_limit_options).toBeUndefined();
  });

  it('denies by default and denies Log4Shell probes before any allow', () => {
    const policy = serviceArmor(ingress);
    expect(policy.type).toBe('CLOUD_ARMOR');
    const byPriority = Object.fromEntries(policy.rule.map((r: TfJson) => [r.priority, r]));
    expect(byPriority[2147483647]).toMatchObject({ action: 'deny(403)', match: { versioned_expr: 'SRC_IPS_V1', config: { src_ip_ranges: ['*'] } } });
    const waf = policy.rule.filter((r: TfJson) => r.match.expr);
    expect(waf).toEqual([expect.objectContaining({ action: 'deny(403)', match: { expr: { expression: "evaluatePreconfiguredWaf('cve-canary')" } } })]);
    expect(waf[0].priority).toBeLessThan(CLOUD_ARMOR_PRIORITIES.allow);
    // Every static rule is the WAF or the default: nothing else is allowed statically.
    expect(policy.rule).toHaveLength(2);
  });

  describe('origin lock: only our Cloudflare zone gets through', () => {
    const https = resources(ingress, 'google_compute_url_map').find((m) => m.name === 'isoscribe-production-https')!;
    const proxy = onlyResource(ingress, 'google_compute_target_https_proxy');

    it('requires a client certificate from the CAs in config/origin-pull-ca/production (REJECT_INVALID)', () => {
      const policy = referenced(ingress, proxy.server_tls_policy);
      expect(policy).toMatchObject({ location: 'global', mtls_policy: { client_validation_mode: 'REJECT_INVALID' } });
      const trust = referenced(ingress, policy!.mtls_policy.client_validation_trust_config);
      expect(trust).toMatchObject({ location: 'global' });
      const anchors = trust!.trust_stores.flatMap((t: TfJson) => t.trust_anchors.map((a: TfJson) => a.pem_certificate));
      expect(anchors).toEqual(env.ingress.originPull!.trustedCaCertificates);
      expect(anchors[0]).toMatch(/^-----BEGIN CERTIFICATE-----/);
      expect(JSON.stringify(ingress)).not.toMatch(/PRIVATE KEY/);
    });

    it('enables Authenticated Origin Pulls with the uploaded certificate before the proxy requires it, and fails the plan naming the script if it is not active', () => {
      const aop = onlyResource(ingress, 'cloudflare_authenticated_origin_pulls_settings');
      expect(aop).toMatchObject({ zone_id: `\${data.cloudflare_zone.${dataSources(ingress, 'cloudflare_zone')[0].__id}.id}`, enabled: true });
      expect(proxy.depends_on).toEqual([`cloudflare_authenticated_origin_pulls_settings.${aop.__id}`]);
      const [certificate] = dataSources(ingress, 'cloudflare_authenticated_origin_pulls_certificate');
      expect(certificate).toMatchObject({ zone_id: `\${data.cloudflare_zone.${dataSources(ingress, 'cloudflare_zone')[0].__id}.id}`, certificate_id: env.ingress.originPull!.cloudflareCertificateId });
      expect(aop.depends_on).toEqual([`data.cloudflare_authenticated_origin_pulls_certificate.${certificate.__id}`]);
      const [postcondition] = certificate.lifecycle.postcondition;
      expect(postcondition.condition).toBe('${self.status == "active"}');
      expect(postcondition.error_message).toContain('docs/deploy/origin-pull-cert.ts issue --env production');
      // Terraform never holds the certificate's key: no resource uploads it.
      expect(resources(ingress, 'cloudflare_authenticated_origin_pulls_certificate')).toEqual([]);
    });

    it('answers any Host but ours with 404 at the load balancer: the default route aborts every request', () => {
      expect(https.default_service).toBeUndefined();
      expect(https.default_route_action.fault_injection_policy).toEqual({ abort: { http_status: 404, percentage: 100 } });
      expect(https.host_rule.flatMap((r: TfJson) => r.hosts)).not.toContain('*');
    });

    it('guards the bundle bucket with a CLOUD_ARMOR_EDGE policy that allows only Cloudflare\'s ranges', () => {
      const bucket = onlyResource(ingress, 'google_compute_backend_bucket');
      const edge = referenced(ingress, bucket.edge_security_policy);
      expect(edge).toMatchObject({ type: 'CLOUD_ARMOR_EDGE' });
      expect(edge!.rule).toEqual([expect.objectContaining({ priority: 2147483647, action: 'deny(403)' })]);
      expect(edge!.dynamic.rule.content.action).toBe('allow');
      expect(edge!.dynamic.rule.for_each).toBe(serviceArmor(ingress).dynamic.rule.for_each);
      expect(edge!.dynamic.rule.for_each).toMatch(/data\.cloudflare_ip_ranges/);
    });

    it('dev (disposable tier, placeholder zone) has no mutual TLS: any Cloudflare zone reaches it, by choice', () => {
      const dev = synthEnvironment(environment('dev')).json['isoscribe-dev-ingress'];
      expect(onlyResource(dev, 'google_compute_target_https_proxy').server_tls_policy).toBeUndefined();
      expect(resources(dev, 'cloudflare_authenticated_origin_pulls_settings')).toEqual([]);
      // Host rules and the bucket's edge policy hold in every tier.
      expect(onlyResource(dev, 'google_compute_backend_bucket').edge_security_policy).toMatch(/google_compute_security_policy/);
    });
  });
});
