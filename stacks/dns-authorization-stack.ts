import { DnsRecord } from '@cdktf/provider-cloudflare/lib/dns-record';
import { CloudflareProvider } from '@cdktf/provider-cloudflare/lib/provider';
import { Fn } from 'cdktf';
import { Construct } from 'constructs';
import { AUTOMATIC_TTL } from '../constructs/cloudflare/proxied-hostnames';
import { CloudflareZone } from '../constructs/cloudflare/zone';
import { EnvironmentStack, type EnvironmentStackProps } from './environment-stack';
import type { IngressStack } from './ingress-stack';

/** What a DnsAuthorizationStack is built from, besides its environment. */
export interface DnsAuthorizationStackProps extends EnvironmentStackProps {
  /** Its certificate's DNS authorizations. */
  readonly ingress: IngressStack;
}

/**
 * The certificate's DNS-authorization records in the Cloudflare zone, and nothing that takes
 * traffic. A stack of its own so it is applied, and the certificate issued, before `edge` points
 * visitors at the load balancer: `edge` checks the certificate is ACTIVE first (docs/deploy.md).
 */
export class DnsAuthorizationStack extends EnvironmentStack {
  constructor(scope: Construct, id: string, props: DnsAuthorizationStackProps) {
    super(scope, id, props.env);
    const { env, ingress } = props;
    // The token comes from CLOUDFLARE_API_TOKEN (DNS: Edit).
    new CloudflareProvider(this, 'cloudflare', {});
    const zoneId = new CloudflareZone(this, 'zone', { name: env.edge.zoneName, plan: env.edge.plan }).id;

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
  }
}
