import { DnsRecord } from '@cdktf/provider-cloudflare/lib/dns-record';
import { CloudflareProvider } from '@cdktf/provider-cloudflare/lib/provider';
import { Fn } from 'cdktf';
import { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config';
import { CacheRules } from '../constructs/cloudflare/cache-rules';
import { ManagedWaf } from '../constructs/cloudflare/managed-waf';
import { ProxiedHostnames, AUTOMATIC_TTL } from '../constructs/cloudflare/proxied-hostnames';
import { RateLimitRule } from '../constructs/cloudflare/rate-limit-rule';
import { SecureZoneSettings } from '../constructs/cloudflare/zone-settings';
import { PolicySuppressions } from '../policy';
import type { Route } from '../workloads';
import { EnvironmentStack } from './environment-stack';
import { servedHostnames, type IngressStack } from './ingress-stack';

/**
 * The environment's Cloudflare zone in front of the load balancer: TLS posture, proxied DNS to the
 * load balancer's IP, the certificate's DNS-authorization records, cache rules, API rate limiting
 * and (where the plan includes it) the managed WAF.
 */
export class EdgeStack extends EnvironmentStack {
  /** @param routes the route table (workloads/routes.ts): cache rules and the rate limit follow it */
  constructor(scope: Construct, env: EnvironmentConfig, ingress: IngressStack, routes: readonly Route[]) {
    super(scope, env, 'edge');
    const { edge } = env;
    const zoneId = edge.cloudflareZoneId;
    // The token comes from CLOUDFLARE_API_TOKEN (Zone Settings, DNS, Zone WAF and Cache Rules: Edit).
    new CloudflareProvider(this, 'cloudflare', {});

    const zoneSettings = new SecureZoneSettings(this, 'zone-settings', {
      zoneId,
      hsts: { maxAgeSeconds: edge.hstsMaxAgeSeconds, includeSubdomains: true },
      ipv6: edge.ipv6,
    });
    if (env.tier !== 'production') {
      PolicySuppressions.add(zoneSettings.settings.security_header, [{
        id: 'CF-005',
        reason: `${env.name} keeps HSTS short (edge.hstsMaxAgeSeconds = ${edge.hstsMaxAgeSeconds}s): browsers pin HTTPS for max-age, `
          + 'so a hostname whose certificate is not yet proven starts small; production pins one year',
      }]);
    }

    // Cross-stack references: the address comes from the ingress stack's forwarding rule, so DNS
    // points at the load balancer only once it exists.
    new ProxiedHostnames(this, 'origin', { zoneId, hostnames: servedHostnames(env), ipv4: ingress.ipv4Address });

    // Certificate Manager checks these to issue and renew the certificate. Not proxied: they must
    // resolve to Google's authorization target, not to Cloudflare.
    ingress.dnsAuthorizationRecords.forEach((record, i) => {
      new DnsRecord(this, `cert-dns-authorization-${i}`, {
        zoneId,
        // Google gives fully qualified names with the root dot; Cloudflare stores them without it.
        name: Fn.trimsuffix(record.name, '.'),
        type: record.type,
        content: Fn.trimsuffix(record.data, '.'),
        proxied: false,
        ttl: AUTOMATIC_TTL,
        comment: `Certificate Manager DNS authorization for ${record.hostname}`,
      });
    });

    // In route order; a request takes the first route it matches, and the routes do not overlap.
    new CacheRules(this, 'cache-rules', { zoneId, rules: routes.map((route) => route.edgeCache.ruleFor(route.edgeExpression)) });

    // Cloudflare allows one rate-limit rule on the Free plan: it covers every rate-limited route.
    const rateLimited = routes.filter((route) => route.rateLimited).map((route) => route.edgeExpression);
    if (rateLimited.length > 0) {
      new RateLimitRule(this, 'api-rate-limit', {
        zoneId,
        description: 'Per-visitor request budget on the API',
        expression: rateLimited.join(' or '),
        requestsPerPeriod: edge.apiRateLimit.requestsPerPeriod,
        periodSeconds: edge.apiRateLimit.periodSeconds,
      });
    }

    if (edge.managedWaf) new ManagedWaf(this, 'managed-waf', { zoneId });
  }
}
