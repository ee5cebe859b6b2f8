import { environment } from './defaults';
import { trustedOriginPullCas } from './origin-pull-ca';

/** Three regions on three continents; the global load balancer sends each visitor to the nearest. */
export const production = environment({
  name: 'production',
  tier: 'production',
  // The number is a placeholder until the project exists (docs/deploy.md, "Project number").
  project: { id: 'isoscribe-prod', number: '100000000003' },
  domain: 'isoscribe.com',
  // Owns the bundle bucket, the global stacks' provider default and the Workload Identity bindings.
  primaryRegion: 'us-central1',
  regions: [
    { name: 'us-central1', zones: ['us-central1-a', 'us-central1-b', 'us-central1-c'] },
    { name: 'europe-west1', zones: ['europe-west1-b', 'europe-west1-c', 'europe-west1-d'] },
    { name: 'asia-northeast1', zones: ['asia-northeast1-a', 'asia-northeast1-b', 'asia-northeast1-c'] },
  ],
  // Atlas over public TLS, allowlisting core's NAT addresses (mongodb_allowlist_ips); move to
  // privateServiceConnect if the data must not cross the public internet even encrypted.
  // Alerts by severity (docs/operations.md); add a paging or chat channel made by hand with channelIds.
  monitoring: { notifications: { page: { emails: ['oncall@isoscribe.com'] }, ticket: { emails: ['platform@isoscribe.com'] } } },
  mongodb: { reach: { kind: 'publicTls', host: 'isoscribe-production.mongodb.net', port: 27017 } },
  ingress: {
    originPull: {
      // Placeholders until the one-time step in docs/deploy.md replaces both (as in config/staging.ts).
      trustedCaCertificates: trustedOriginPullCas('production'),
      cloudflareCertificateId: '7e6d5c4b-3a29-4180-9f8e-7d6c5b4a3928',
    },
  },
});
