import { at, isTrue, many, requireAt, show, strings, type Attributes } from '../attributes';
import type { PolicyRule, ResourceView, StackView } from '../rule';

const BACKEND_SERVICE = 'google_compute_backend_service';
const FORWARDING_RULE = 'google_compute_global_forwarding_rule';
const SECURITY_POLICY = 'google_compute_security_policy';
const SECURITY_POLICY_RULE = 'google_compute_security_policy_rule';

/** Cloud Armor's default rule: it matches whatever no other rule matched. */
export const DEFAULT_RULE_PRIORITY = 2147483647;
/** Cloud Armor accepts at most 10 source ranges in one rule's match. */
export const MAX_RANGES_PER_RULE = 10;

/** A policy's rules: inline `rule` blocks and separate google_compute_security_policy_rule resources. */
function securityRules(policy: ResourceView, stack: StackView): Attributes[] {
  const separate = stack.ofType(SECURITY_POLICY_RULE).filter((rule) => {
    const target = rule.attributes.security_policy;
    return stack.referenced(target) === policy || (target !== undefined && target === policy.attributes.name);
  });
  return [...many(policy.attributes.rule), ...separate.map((r) => r.attributes)];
}

/**
 * Runs `check` on the resource of this stack that `attribute` references (of `type`, where given);
 * a reference to anything else is itself the problem, since what it points at cannot be verified.
 */
function checkReferenced(
  resource: ResourceView, stack: StackView, attribute: string, what: string, check: (target: ResourceView) => string[], type?: string,
): string[] {
  const value = resource.attributes[attribute];
  const target = stack.referenced(value);
  if (!target || (type !== undefined && target.type !== type)) return [`${attribute} is ${show(value)}, not ${what} of this stack, so it cannot be verified`];
  return check(target);
}

function denies(rule: Attributes): boolean {
  return String(rule.action).startsWith('deny');
}

export const LOAD_BALANCER_RULES: PolicyRule[] = [
  {
    id: 'LB-001',
    resourceTypes: [BACKEND_SERVICE, FORWARDING_RULE],
    description: 'The load balancer is the global external Application Load Balancer (EXTERNAL_MANAGED), not the classic one.',
    fix: 'set loadBalancingScheme: "EXTERNAL_MANAGED" on backend services and global forwarding rules.',
    check: (r) => requireAt(r.attributes, 'load_balancing_scheme', (scheme) => scheme === 'EXTERNAL_MANAGED'),
  },
  {
    id: 'LB-002',
    resourceTypes: [BACKEND_SERVICE],
    description: 'Backend services log requests.',
    fix: 'set logConfig: { enable: true, sampleRate: <0..1> }.',
    check: (r) => requireAt(r.attributes, 'log_config.enable', isTrue),
  },
  {
    id: 'LB-003',
    resourceTypes: [BACKEND_SERVICE],
    description: 'Backend services drain connections before removing an endpoint.',
    fix: 'set connectionDrainingTimeoutSec to a positive number of seconds (longer than the slowest request).',
    check: (r) => requireAt(r.attributes, 'connection_draining_timeout_sec', (timeout) => Number(timeout) > 0),
  },
  {
    id: 'LB-004',
    resourceTypes: [BACKEND_SERVICE],
    description: 'Backend services are protected by a Cloud Armor security policy.',
    fix: 'set securityPolicy to the Cloud Armor policy\'s id.',
    check: (r) => requireAt(r.attributes, 'security_policy', Boolean),
  },
  {
    id: 'LB-005',
    resourceTypes: ['google_compute_ssl_policy'],
    description: 'TLS is 1.2 or newer with the MODERN (or RESTRICTED) cipher profile.',
    fix: 'set profile: "MODERN" and minTlsVersion: "TLS_1_2".',
    check: (r) => [
      ...requireAt(r.attributes, 'profile', (profile) => ['MODERN', 'RESTRICTED'].includes(String(profile))),
      ...requireAt(r.attributes, 'min_tls_version', (version) => ['TLS_1_2', 'TLS_1_3'].includes(String(version))),
    ],
  },
  {
    id: 'LB-006',
    resourceTypes: ['google_compute_target_https_proxy'],
    description: 'The HTTPS proxy enforces an SSL policy (otherwise Google\'s COMPATIBLE default allows TLS 1.0).',
    fix: 'set sslPolicy to the id of a MODERN, TLS 1.2+ ComputeSslPolicy.',
    check: (r) => requireAt(r.attributes, 'ssl_policy', Boolean),
  },
  {
    id: 'LB-007',
    resourceTypes: ['google_compute_target_http_proxy'],
    description: 'Plain HTTP only redirects to HTTPS: its URL map serves nothing.',
    fix: 'point the HTTP proxy at a URL map whose only content is defaultUrlRedirect: { httpsRedirect: true, stripQuery: false }.',
    check: (r, stack) => checkReferenced(r, stack, 'url_map', 'a URL map', (urlMap) => [
      ...(isTrue(at(urlMap.attributes, 'default_url_redirect.https_redirect')) ? [] : [`URL map ${urlMap.name} has no default_url_redirect with https_redirect: true`]),
      ...['default_service', 'host_rule', 'path_matcher', 'default_route_action']
        .filter((serving) => urlMap.attributes[serving] !== undefined)
        .map((serving) => `URL map ${urlMap.name} sets ${serving}, so HTTP serves content`),
    ], 'google_compute_url_map'),
  },
  {
    id: 'LB-008',
    resourceTypes: [SECURITY_POLICY],
    description: 'Cloud Armor denies by default: the default rule denies, and allowed sources are listed in rules above it.',
    fix: `make the rule with priority ${DEFAULT_RULE_PRIORITY} (match srcIpRanges ["*"]) action "deny(403)".`,
    check: (r, stack) => {
      const defaultRule = securityRules(r, stack).find((rule) => Number(rule.priority) === DEFAULT_RULE_PRIORITY);
      if (!defaultRule) return [`no rule with priority ${DEFAULT_RULE_PRIORITY}; Cloud Armor then adds an allow-all default`];
      return denies(defaultRule) ? [] : [`the default rule's action is ${show(defaultRule.action)}`];
    },
  },
  {
    id: 'LB-009',
    resourceTypes: [SECURITY_POLICY],
    description: 'Cloud Armor blocks Log4Shell (the preconfigured cve-canary rule).',
    fix: 'add a rule with action "deny(403)" matching expr evaluatePreconfiguredWaf(\'cve-canary\', {\'sensitivity\': 3}).',
    check: (r, stack) => {
      // Edge policies (backend buckets) evaluate source ranges at Google's edge; they have no WAF rules.
      if (r.attributes.type === 'CLOUD_ARMOR_EDGE') return [];
      const found = securityRules(r, stack).some((rule) => denies(rule) && String(at(rule, 'match.expr.expression')).includes('cve-canary'));
      return found ? [] : ['no deny rule evaluates the preconfigured cve-canary expression'];
    },
  },
  {
    id: 'LB-010',
    resourceTypes: [SECURITY_POLICY],
    description: `Each Cloud Armor rule lists at most ${MAX_RANGES_PER_RULE} source ranges (the API's limit), so long lists are split across rules.`,
    fix: `split srcIpRanges into chunks of ${MAX_RANGES_PER_RULE}, one rule per chunk with its own priority.`,
    check: (r, stack) => securityRules(r, stack)
      .filter((rule) => strings(at(rule, 'match.config.src_ip_ranges')).length > MAX_RANGES_PER_RULE)
      .map((rule) => `rule ${show(rule.priority)} lists ${strings(at(rule, 'match.config.src_ip_ranges')).length} source ranges`),
  },
  {
    id: 'LB-011',
    resourceTypes: ['google_compute_target_https_proxy'],
    description: "The HTTPS proxy requires a client certificate from a trusted CA (mutual TLS), except in an environment of the `disposable` tier: Cloudflare's ranges are shared by every Cloudflare customer.",
    fix: 'set serverTlsPolicy to a global server TLS policy with mtlsPolicy { clientValidationMode: "REJECT_INVALID", clientValidationTrustConfig: <trust config with our CA> } (config: ingress.originPull).',
    check: (r, stack) => {
      if (stack.scope.disposable) return [];
      return checkReferenced(r, stack, 'server_tls_policy', 'a server TLS policy', (policy) => {
        const problems: string[] = [];
        const mode = at(policy.attributes, 'mtls_policy.client_validation_mode');
        if (mode !== 'REJECT_INVALID') problems.push(`${policy.name}: mtls_policy.client_validation_mode is ${show(mode)}, so a client without our certificate still gets through`);
        const trust = stack.referenced(at(policy.attributes, 'mtls_policy.client_validation_trust_config'));
        const anchors = trust ? many(trust.attributes.trust_stores).flatMap((store) => many(store.trust_anchors)) : [];
        if (anchors.length === 0) problems.push(`${policy.name}: client_validation_trust_config is not a trust config of this stack with a trust anchor`);
        return problems;
      });
    },
  },
  {
    id: 'LB-012',
    resourceTypes: ['google_compute_url_map'],
    description: 'A serving URL map answers only its hostnames: host rules list them (no "*"), and any other Host is refused at the load balancer (a 100% fault-injection abort), never sent to a backend.',
    fix: 'list the hostnames in hostRule, drop defaultService and set defaultRouteAction.faultInjectionPolicy.abort { httpStatus: 404, percentage: 100 }.',
    check: (r) => {
      if (r.attributes.default_url_redirect !== undefined) return [];
      const problems: string[] = [];
      const hosts = many(r.attributes.host_rule).flatMap((rule) => strings(rule.hosts));
      if (hosts.length === 0) problems.push('no host_rule lists a hostname');
      if (hosts.some((h) => h.includes('*'))) problems.push(`host_rule hosts ${show(hosts)} include a wildcard`);
      if (r.attributes.default_service !== undefined) problems.push(`default_service ${show(r.attributes.default_service)} serves every other Host`);
      const percentage = Number(at(r.attributes, 'default_route_action.fault_injection_policy.abort.percentage'));
      if (percentage !== 100) problems.push(`default_route_action.fault_injection_policy.abort.percentage is ${show(at(r.attributes, 'default_route_action.fault_injection_policy.abort.percentage'))}, so other Hosts reach a backend`);
      return problems;
    },
  },
  {
    id: 'LB-013',
    resourceTypes: ['google_compute_backend_bucket'],
    description: 'Backend buckets are protected by a CLOUD_ARMOR_EDGE security policy (a backend service\'s policy does not cover them).',
    fix: 'set edgeSecurityPolicy to the id of a ComputeSecurityPolicy of type "CLOUD_ARMOR_EDGE" that allows only the proxy\'s ranges.',
    check: (r, stack) => checkReferenced(r, stack, 'edge_security_policy', 'a security policy', (policy) =>
      (policy.attributes.type === 'CLOUD_ARMOR_EDGE' ? [] : [`${policy.name} has type ${show(policy.attributes.type)}, not CLOUD_ARMOR_EDGE`])),
  },
  {
    id: 'LB-014',
    resourceTypes: ['google_certificate_manager_certificate_map_entry'],
    description: 'No certificate map entry is served for every SNI (PRIMARY): a TLS handshake for a hostname we do not serve fails.',
    fix: 'give every entry a hostname and remove matcher "PRIMARY".',
    check: (r) => (r.attributes.matcher === 'PRIMARY' ? ['matcher is "PRIMARY"'] : []),
  },
];
