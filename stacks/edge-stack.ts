import { CloudflareProvider } from '@cdktf/provider-cloudflare/lib/provider';
import { DataGoogleCertificateManagerCertificates } from '@cdktf/provider-google/lib/data-google-certificate-manager-certificates';
import { Annotations } from 'cdktf';
import { Construct } from 'constructs';
import { SEARCH_PATH } from '../workloads/api';
import { managedWafEnabled } from '../config/schema-edge';
import { CacheRules } from '../constructs/cloudflare/cache-rules';
import { EntryPointRulesets } from '../constructs/cloudflare/entry-points';
import { ManagedWaf } from '../constructs/cloudflare/managed-waf';
import { ProxiedHostnames } from '../constructs/cloudflare/proxied-hostnames';
import { RateLimitRule } from '../constructs/cloudflare/rate-limit-rule';
import { CloudflareZone } from '../constructs/cloudflare/zone';
import { SecureZoneSettings } from '../constructs/cloudflare/zone-settings';
import { PolicySuppressions } from '../policy';
import type { Route } from '../workloads';
import type { DnsAuthorizationStack } from './dns-authorization-stack';
import { EnvironmentStack, googleProvider, type EnvironmentStackProps } from './environment-stack';
import { servedHostnames, type IngressStack } from './ingress-stack';

/** What a EdgeStack is built from, besides its environment. */
export interface EdgeStackProps extends EnvironmentStackProps {
  /** The load balancer the zone proxies to, and its certificate. */
  readonly ingress: IngressStack;
  /** The route table: cache rules and rate limits follow it. */
  readonly routes: readonly Route[];
  /** Planned after it: issuance starts there. */
  readonly dnsAuthorization: DnsAuthorizationStack;
}

/**
 * The environment's Cloudflare zone in front of the load balancer: TLS posture, proxied DNS to the
 * load balancer's IP, cache rules, API rate limiting and (where the plan includes it) the managed
 * WAF. It goes live only once the certificate is ACTIVE: the plan reads the certificate's state and
 * fails while it is not, so visitors never meet Full (strict) against an origin without a
 * certificate (Cloudflare's 526).
 */
export class EdgeStack extends EnvironmentStack {
  /**
   * @param routes the route table (workloads/routes.ts): cache rules and the rate limit follow it
   * @param dnsAuthorization publishes the certificate's DNS-authorization records; applied first
   */
  constructor(scope: Construct, id: string, props: EdgeStackProps) {
    super(scope, id, props.env);
    const { env, ingress, routes, dnsAuthorization } = props;
    this.addDependency(dnsAuthorization);
    const { edge } = env;
    // The token comes from CLOUDFLARE_API_TOKEN (Zone Settings, DNS, Zone WAF and Cache Rules: Edit).
    new CloudflareProvider(this, 'cloudflare', {});
    // Only reads the certificate's state (Certificate Manager Viewer is enough).
    googleProvider(this, env);
    const zoneId = new CloudflareZone(this, 'zone', { name: edge.zoneName, plan: edge.plan }).id;

    // Issuance starts when dns-authorization has published its records and takes minutes to an hour;
    // until the certificate is ACTIVE this plan stops here, before anything below goes live.
    const certificate = new DataGoogleCertificateManagerCertificates(this, 'certificate', {
      filter: `name:${ingress.certificate.certificate.id}`,
      lifecycle: {
        postcondition: [{
          condition: '${length(self.certificates) == 1 && try(self.certificates[0].managed[0].state, "") == "ACTIVE"}',
          errorMessage:
            `The certificate for ${servedHostnames(env).join(', ')} is \${try(self.certificates[0].managed[0].state, "missing")}, not ACTIVE ` +
            '(authorization: ${try(jsonencode(self.certificates[0].managed[0].authorization_attempt_info), "none yet")}). ' +
            'Proxied records and Full (strict) wait for it, or visitors get 526. Issuance takes minutes to an hour after the ' +
            `${dnsAuthorization.stackName} stack published the DNS-authorization records: re-run this stack once it is ACTIVE ` +
            '(docs/deploy.md, "Certificate before traffic").',
        }],
      },
    });

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
    // points at the load balancer only once it exists, and (dependsOn) only past the certificate check.
    const origin = new ProxiedHostnames(this, 'origin', { zoneId, hostnames: servedHostnames(env), ipv4: ingress.ipv4Address });
    const certificateCheck = `data.${certificate.terraformResourceType}.${certificate.friendlyUniqueId}`;
    for (const gated of [...origin.records, zoneSettings.settings.ssl]) gated.addOverride('depends_on', [certificateCheck]);

    // In route order; a request takes the first route it matches, and the routes do not overlap.
    const cacheRules = new CacheRules(this, 'cache-rules', {
      zoneId,
      plan: edge.plan,
      rules: routes.map((route) => route.edgeCache.ruleFor(route.edgeExpression, edge.plan)),
    });
    const rulesets = [cacheRules.ruleset];

    // Cloudflare allows one rate-limit rule on the Free plan: it covers every rate-limited route. Where
    // the plan has a second, search gets its own budget, evaluated first, and leaves the api's (a
    // request increments every rule whose expression it matches).
    const rateLimited = routes.filter((route) => route.rateLimited).map((route) => route.edgeExpression);
    if (rateLimited.length > 0) {
      const search = edge.searchRateLimit;
      const apiExpression = rateLimited.join(' or ');
      const rateLimit = new RateLimitRule(this, 'api-rate-limit', {
        zoneId,
        plan: edge.plan,
        before: search ? [{ description: 'Per-visitor request budget on search', expression: SEARCH_PATH.edgeExpression, ...search }] : [],
        description: 'Per-visitor request budget on the API',
        expression: search ? `(${apiExpression}) and not ${SEARCH_PATH.edgeExpression}` : apiExpression,
        requestsPerPeriod: edge.apiRateLimit.requestsPerPeriod,
        periodSeconds: edge.apiRateLimit.periodSeconds,
      });
      rulesets.push(rateLimit.ruleset);
    }

    if (managedWafEnabled(edge)) {
      rulesets.push(new ManagedWaf(this, 'managed-waf', { zoneId }).ruleset);
    } else {
      Annotations.of(this).addInfo(`${env.name}: no managed WAF (edge.managedWaf ${edge.managedWaf === false ? 'is false' : `unset, and the ${edge.plan} plan does not include it`})`);
    }

    new EntryPointRulesets(this, 'entry-points', { zoneId, rulesets, adopt: edge.adoptRulesets, adoptField: `config/${env.name}.ts › edge.adoptRulesets` });
  }
}
