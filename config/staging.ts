import { environment } from './defaults';
import { trustedOriginPullCas } from './origin-pull-ca';

/** One region, production-shaped, state in GCS. */
export const staging = environment({
  name: 'staging',
  tier: 'shared',
  // The number is a placeholder until the project exists (docs/deploy.md, "Project number").
  project: { id: 'isoscribe-staging', number: '100000000002' },
  // A zone of its own, not a subdomain of production's: the edge stack owns zone-wide settings and the
  // zone's ruleset entry points, which two environments cannot share.
  domain: 'isoscribe-staging.com',
  primaryRegion: 'europe-west1',
  regions: [{ name: 'europe-west1', zones: ['europe-west1-b', 'europe-west1-c', 'europe-west1-d'] }],
  // Atlas over public TLS, allowlisting core's NAT addresses (mongodb_allowlist_ips): the simplest reach
  // that works from private nodes; no peering, PSC endpoint or VPN to run.
  // Alerts by severity (docs/operations.md); add a paging or chat channel made by hand with channelIds.
  monitoring: { notifications: { page: { emails: ['oncall@isoscribe.com'] }, ticket: { emails: ['platform@isoscribe.com'] } } },
  mongodb: { reach: { kind: 'publicTls', host: 'isoscribe-staging.mongodb.net', port: 27017 } },
  ingress: {
    originPull: {
      // Placeholders until the one-time step in docs/deploy.md replaces both: the CA file was made by
      // docs/deploy/origin-pull-cert.ts with its key discarded and no client certificate uploaded anywhere,
      // so it admits nobody; the id names no certificate yet, and the ingress plan says so.
      trustedCaCertificates: trustedOriginPullCas('staging'),
      cloudflareCertificateId: '3f1d2c4b-5a6e-4f70-8a9b-0c1d2e3f4a5b',
    },
  },
});
