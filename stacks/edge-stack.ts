import { DnsRecord } from '@cdktf/provider-cloudflare/lib/dns-record';
import { CloudflareProvider } from '@cdktf/provider-cloudflare/lib/provider';
import { Fn } from 'cdktf';
import { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config';
import { CacheRule, CacheRules } from '../constructs/cloudflare/cache-rules';
import { ManagedWaf } from '../constructs/cloudflare/managed-waf';
import { ProxiedHostnames, AUTOMATIC_TTL } from '../constructs/cloudflare/proxied-hostnames';
import { RateLimitRule } from '../constructs/cloudflare/rate-limit-rule';
import { SecureZoneSettings } from '../constructs/cloudflare/zone-settings';
import { PolicySuppressions } from '../policy';
import { EnvironmentStack } from './environment-stack';
import { servedHostnames, type IngressStack } from './ingress-stack';

/** Request paths, in Cloudflare's rules language. The same routes as the load balancer's URL map. */
export const EDGE_PATHS = {
  api: '(http.request.uri.path eq "/api" or starts_with(http.request.uri.path, "/api/"))',
  static: 'starts_with(http.request.uri.path, "/static/")',
} as const;

/** Bundles under /static/ are content-hashed (a new build has new names), so they never go stale. */
export const STATIC_TTL_SECONDS = 365 * 24 * 3600;
/** HTML shells name the current bundle: a minute at the edge bounds how long an old one is served. */
export const HTML_EDGE_TTL_SECONDS = 60;

/**
 * The environment's Cloudflare zone in front of the load balancer: TLS posture, proxied DNS to the
 * load balancer's IP, the certificate's DNS-authorization records, cache rules, API rate limiting
 * and (where the plan includes it) the managed WAF.
 */
export class EdgeStack extends EnvironmentStack {
  constructor(scope: Construct, env: EnvironmentConfig, ingress: IngressStack) {
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
    if (env.name !== 'production') {
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

    new CacheRules(this, 'cache-rules', {
      zoneId,
      rules: [
        CacheRule.bypass('API responses are per request: never cached', EDGE_PATHS.api),
        CacheRule.cache('Content-hashed bundles: cached long at the edge and in browsers', EDGE_PATHS.static, {
          edgeTtlSeconds: STATIC_TTL_SECONDS,
          browserTtlSeconds: STATIC_TTL_SECONDS,
        }),
        CacheRule.cache('HTML pages: briefly at the edge, browsers as the origin says', `not ${EDGE_PATHS.api} and not ${EDGE_PATHS.static}`, {
          edgeTtlSeconds: HTML_EDGE_TTL_SECONDS,
        }),
      ],
    });

    new RateLimitRule(this, 'api-rate-limit', {
      zoneId,
      description: 'Per-visitor request budget on the API',
      expression: EDGE_PATHS.api,
      requestsPerPeriod: edge.apiRateLimit.requestsPerPeriod,
      periodSeconds: edge.apiRateLimit.periodSeconds,
    });

    if (edge.managedWaf) new ManagedWaf(this, 'managed-waf', { zoneId });
  }
}
