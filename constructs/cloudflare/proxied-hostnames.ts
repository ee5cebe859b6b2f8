import { DnsRecord } from '@cdktf/provider-cloudflare/lib/dns-record';
import { Construct } from 'constructs';

/** Cloudflare's TTL value meaning "automatic" (what proxied records always use). */
export const AUTOMATIC_TTL = 1;

export interface ProxiedHostnamesProps {
  readonly zoneId: string;
  /** Fully qualified names, e.g. `['example.com', 'www.example.com']`. */
  readonly hostnames: string[];
  /** The origin's IPv4 address: an A record per hostname. */
  readonly ipv4: string;
  /** The origin's IPv6 address: an AAAA record per hostname. @default - no AAAA records */
  readonly ipv6?: string;
}

/**
 * Proxied ("orange cloud") records: visitors resolve Cloudflare's anycast addresses and Cloudflare
 * connects to the origin, so the origin's address is never published.
 */
export class ProxiedHostnames extends Construct {
  readonly records: DnsRecord[] = [];

  constructor(scope: Construct, id: string, props: ProxiedHostnamesProps) {
    super(scope, id);
    const origins: [string, string | undefined][] = [['A', props.ipv4], ['AAAA', props.ipv6]];
    for (const hostname of props.hostnames) {
      for (const [type, content] of origins) {
        if (content === undefined) continue;
        this.records.push(
          new DnsRecord(this, `${type.toLowerCase()}-${hostname.replace(/\./g, '-')}`, {
            zoneId: props.zoneId,
            name: hostname,
            type,
            content,
            proxied: true,
            ttl: AUTOMATIC_TTL,
            comment: 'Proxied to the GCP global load balancer (managed by cdktf)',
          }),
        );
      }
    }
  }
}
