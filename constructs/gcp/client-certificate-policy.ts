import { CertificateManagerTrustConfig } from '@cdktf/provider-google/lib/certificate-manager-trust-config';
import { NetworkSecurityServerTlsPolicy } from '@cdktf/provider-google/lib/network-security-server-tls-policy';
import { Construct } from 'constructs';

export interface ClientCertificatePolicyProps {
  /** Prefix of every resource name, e.g. `isoscribe-production`. */
  readonly namePrefix: string;
  /**
   * PEM certificates of the CAs whose client certificates are accepted (trust anchors). Two during a
   * rotation (the old and the new CA), one otherwise. Public certificates only, never a key.
   */
  readonly trustedCaCertificates: string[];
  /** @default - none */
  readonly labels?: Record<string, string>;
}

/**
 * Mutual TLS for a global external Application Load Balancer: a Certificate Manager trust config
 * holding the CA certificates, and a server TLS policy that rejects every client whose certificate
 * is missing or does not chain to one of them (REJECT_INVALID: the handshake fails, no request is
 * ever routed). Attach it with the target HTTPS proxy's `serverTlsPolicy`.
 */
export class ClientCertificatePolicy extends Construct {
  readonly trustConfig: CertificateManagerTrustConfig;
  readonly serverTlsPolicy: NetworkSecurityServerTlsPolicy;

  constructor(scope: Construct, id: string, props: ClientCertificatePolicyProps) {
    super(scope, id);
    if (props.trustedCaCertificates.length === 0) {
      throw new Error(`${this.node.path}: trustedCaCertificates is empty; give at least one CA certificate (PEM), or the policy would accept no client`);
    }
    this.trustConfig = new CertificateManagerTrustConfig(this, 'trust-config', {
      name: `${props.namePrefix}-client-ca`,
      description: 'CAs whose client certificates the load balancer accepts',
      // Global: the global external Application Load Balancer only takes a global trust config.
      location: 'global',
      trustStores: [{ trustAnchors: props.trustedCaCertificates.map((pemCertificate) => ({ pemCertificate })) }],
      labels: props.labels,
    });
    this.serverTlsPolicy = new NetworkSecurityServerTlsPolicy(this, 'server-tls-policy', {
      name: `${props.namePrefix}-client-certificate`,
      description: 'Mutual TLS: a client certificate from a trusted CA or no handshake',
      location: 'global',
      mtlsPolicy: {
        clientValidationMode: 'REJECT_INVALID',
        clientValidationTrustConfig: this.trustConfig.id,
      },
      labels: props.labels,
    });
  }

  get id(): string {
    return this.serverTlsPolicy.id;
  }
}
