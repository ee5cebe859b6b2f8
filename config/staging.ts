import { appImageRepository, nginxImage, DEFAULT_RESOURCES, WEEKEND_NIGHTS } from './common';
import { trustedOriginPullCas } from './origin-pull-ca';
import type { EnvironmentInput } from './schema';

const project = 'isoscribe-staging';
const region = 'europe-west1';

/** One region, production-shaped, state in GCS. */
export const staging: EnvironmentInput = {
  name: 'staging',
  tier: 'shared',
  project: { id: project },
  // A zone of its own, not a subdomain of production's: the edge stack owns zone-wide settings and the
  // zone's ruleset entry points, which two environments cannot share.
  domain: 'isoscribe-staging.com',
  backend: { type: 'gcs', bucket: 'isoscribe-staging-tfstate' },
  labels: { team: 'platform' },
  primaryRegion: region,
  regions: [
    {
      name: region,
      zones: ['europe-west1-b', 'europe-west1-c', 'europe-west1-d'],
      nodeCidr: '10.0.0.0/20',
      podCidr: '10.4.0.0/14',
      serviceCidr: '10.8.0.0/20',
      masterCidr: '172.16.0.0/28',
      nodePool: { machineType: 'e2-standard-4', minNodesPerZone: 1, maxNodesPerZone: 3 },
    },
  ],
  cluster: {
    releaseChannel: 'REGULAR',
    // None: CI and people reach the control plane through its IAM-checked DNS endpoint (docs/deploy.md).
    masterAuthorizedNetworks: [],
    maintenanceWindow: WEEKEND_NIGHTS,
  },
  nginxImage: nginxImage(project, region),
  workloads: {
    api: {
      image: { repository: appImageRepository(project, region, 'api'), tag: '0.1.0' },
      replicas: 2,
      autoscaling: { minReplicas: 2, maxReplicas: 6 },
      resources: DEFAULT_RESOURCES,
    },
    frontend: {
      image: { repository: appImageRepository(project, region, 'frontend-server'), tag: '0.1.0' },
      replicas: 2,
      autoscaling: { minReplicas: 2, maxReplicas: 4 },
      resources: DEFAULT_RESOURCES,
    },
  },
  // Atlas over public TLS, allowlisting core's NAT addresses (mongodb_allowlist_ips): the simplest reach
  // that works from private nodes; no peering, PSC endpoint or VPN to run.
  mongodb: { reach: { kind: 'publicTls', host: 'isoscribe-staging.mongodb.net', port: 27017 } },
  ingress: {
    maxRatePerEndpoint: 100,
    logSampleRate: 1,
    originPull: {
      // Placeholders until the one-time step in docs/deploy.md replaces both: the CA file was made by
      // scripts/origin-pull-cert.ts with its key discarded and no client certificate uploaded anywhere,
      // so it admits nobody; the id names no certificate yet, and the ingress plan says so.
      trustedCaCertificates: trustedOriginPullCas('staging'),
      cloudflareCertificateId: '3f1d2c4b-5a6e-4f70-8a9b-0c1d2e3f4a5b',
    },
  },
  edge: {
    // The zone (named `domain`) is looked up by name; its plan decides edge TTLs, rate limits and the WAF.
    plan: 'free',
    hstsMaxAgeSeconds: 86_400,
    managedWaf: false,
    apiRateLimit: { requestsPerPeriod: 100, periodSeconds: 10 },
    ipv6: true,
  },
};
