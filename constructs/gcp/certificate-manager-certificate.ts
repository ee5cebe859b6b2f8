import { CertificateManagerCertificate } from '@cdktf/provider-google/lib/certificate-manager-certificate';
import { CertificateManagerCertificateMap } from '@cdktf/provider-google/lib/certificate-manager-certificate-map';
import { CertificateManagerCertificateMapEntry } from '@cdktf/provider-google/lib/certificate-manager-certificate-map-entry';
import { CertificateManagerDnsAuthorization } from '@cdktf/provider-google/lib/certificate-manager-dns-authorization';
import { Construct } from 'constructs';

/** The DNS record that proves control of one hostname; whoever runs the zone must publish it. */
export interface DnsAuthorizationRecord {
  /** The hostname this record authorizes. */
  readonly hostname: string;
  /** Record name, e.g. `_acme-challenge.example.com.` (known after apply). */
  readonly name: string;
  /** Record type (`CNAME`). */
  readonly type: string;
  /** Record target, e.g. `<id>.4.authorize.certificatemanager.goog.`. */
  readonly data: string;
}

export interface CertificateManagerCertificateProps {
  /** Prefix of every resource name, e.g. `isoscribe-production`. */
  readonly namePrefix: string;
  /** Hostnames on the certificate, e.g. `['example.com', 'www.example.com']`; the first also names it. */
  readonly hostnames: string[];
  /** @default - none */
  readonly labels?: Record<string, string>;
}

/**
 * A Google-managed certificate issued through DNS authorization, and the certificate map a target
 * HTTPS proxy serves it from. DNS authorization (rather than load-balancer authorization) lets the
 * certificate be issued before the load balancer takes traffic, and keeps working while the DNS
 * records are proxied by a CDN, where the LB never sees the ACME HTTP challenge.
 *
 * One DNS authorization per hostname: an authorization covers its domain and that domain's
 * wildcard, not a named subdomain such as `www`.
 */
export class CertificateManagerManagedCertificate extends Construct {
  readonly certificate: CertificateManagerCertificate;
  readonly map: CertificateManagerCertificateMap;
  readonly dnsAuthorizations: CertificateManagerDnsAuthorization[];
  /** The records to publish in DNS, one per hostname. */
  readonly dnsRecords: DnsAuthorizationRecord[];

  constructor(scope: Construct, id: string, props: CertificateManagerCertificateProps) {
    super(scope, id);
    if (props.hostnames.length === 0) {
      throw new Error(`${this.node.path}: hostnames is empty; list at least one hostname, e.g. ['example.com']`);
    }
    const { namePrefix, labels } = props;
    const slug = (hostname: string) => hostname.replace(/\./g, '-');

    this.dnsAuthorizations = props.hostnames.map(
      (hostname) =>
        new CertificateManagerDnsAuthorization(this, `dns-auth-${slug(hostname)}`, {
          name: `${namePrefix}-${slug(hostname)}`.slice(0, 63),
          domain: hostname,
          description: `Proves control of ${hostname} for the managed certificate`,
          labels,
        }),
    );
    this.dnsRecords = props.hostnames.map((hostname, i) => {
      const record = this.dnsAuthorizations[i].dnsResourceRecord.get(0);
      return { hostname, name: record.name, type: record.type, data: record.data };
    });

    this.certificate = new CertificateManagerCertificate(this, 'certificate', {
      name: `${namePrefix}-cert`,
      description: `Google-managed certificate for ${props.hostnames.join(', ')}`,
      scope: 'DEFAULT',
      managed: {
        domains: props.hostnames,
        dnsAuthorizations: this.dnsAuthorizations.map((a) => a.id),
      },
      labels,
    });

    this.map = new CertificateManagerCertificateMap(this, 'map', {
      name: `${namePrefix}-cert-map`,
      description: 'Certificates served by the HTTPS proxy, by SNI hostname',
      labels,
    });
    for (const hostname of props.hostnames) {
      new CertificateManagerCertificateMapEntry(this, `entry-${slug(hostname)}`, {
        name: `${namePrefix}-${slug(hostname)}`.slice(0, 63),
        map: this.map.name,
        hostname,
        certificates: [this.certificate.id],
        labels,
      });
    }
    // No PRIMARY entry: it would be served for any SNI the map does not list, so a TLS handshake
    // for a hostname we do not serve (another Cloudflare zone's) fails here instead of succeeding.
  }
}
