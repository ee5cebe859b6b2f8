import { appImageRepository, nginxImage, WEEKEND_NIGHTS } from './common';
import { trustedOriginPullCas } from './origin-pull-ca';
import type { EnvironmentInput, RegionConfig } from './schema';

const project = 'isoscribe-prod';
/** Owns the bundle bucket, the global stacks' provider default and the Workload Identity bindings. */
const primaryRegion = 'us-central1';

const nodePool: RegionConfig['nodePool'] = { machineType: 'e2-standard-4', minNodesPerZone: 1, maxNodesPerZone: 5, diskSizeGb: 100 };

/** Three regions on three continents; the global load balancer sends each visitor to the nearest. */
export const production: EnvironmentInput = {
  name: 'production',
  tier: 'production',
  project: { id: project },
  domain: 'isoscribe.com',
  backend: { type: 'gcs', bucket: 'isoscribe-prod-tfstate' },
  labels: { team: 'platform', criticality: 'high' },
  primaryRegion,
  regions: [
    {
      name: 'us-central1',
      zones: ['us-central1-a', 'us-central1-b', 'us-central1-c'],
      nodeCidr: '10.0.0.0/20',
      podCidr: '10.4.0.0/14',
      serviceCidr: '10.8.0.0/20',
      masterCidr: '172.16.0.0/28',
      nodePool,
    },
    {
      name: 'europe-west1',
      zones: ['europe-west1-b', 'europe-west1-c', 'europe-west1-d'],
      nodeCidr: '10.0.16.0/20',
      podCidr: '10.12.0.0/14',
      serviceCidr: '10.8.16.0/20',
      masterCidr: '172.16.0.16/28',
      nodePool,
    },
    {
      name: 'asia-northeast1',
      zones: ['asia-northeast1-a', 'asia-northeast1-b', 'asia-northeast1-c'],
      nodeCidr: '10.0.32.0/20',
      podCidr: '10.16.0.0/14',
      serviceCidr: '10.8.32.0/20',
      masterCidr: '172.16.0.32/28',
      nodePool,
    },
  ],
  cluster: {
    releaseChannel: 'STABLE',
    // None: CI and people reach the control plane through its IAM-checked DNS endpoint (docs/deploy.md).
    masterAuthorizedNetworks: [],
    maintenanceWindow: WEEKEND_NIGHTS,
  },
  nginxImage: nginxImage(project, primaryRegion),
  workloads: {
    api: {
      image: { repository: appImageRepository(project, primaryRegion, 'api'), tag: '0.1.0' },
      replicas: 3,
      autoscaling: { minReplicas: 3, maxReplicas: 30, targetCpuUtilization: 65 },
      resources: { requests: { cpu: '500m', memory: '512Mi' }, limits: { memory: '1Gi' } },
    },
    frontend: {
      image: { repository: appImageRepository(project, primaryRegion, 'frontend-server'), tag: '0.1.0' },
      replicas: 3,
      autoscaling: { minReplicas: 3, maxReplicas: 12 },
      resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '512Mi' } },
    },
  },
  // Atlas over public TLS, allowlisting core's NAT addresses (mongodb_allowlist_ips); move to
  // privateServiceConnect if the data must not cross the public internet even encrypted.
  mongodb: { reach: { kind: 'publicTls', host: 'isoscribe-production.mongodb.net', port: 27017 } },
  ingress: {
    maxRatePerEndpoint: 100,
    logSampleRate: 0.1,
    connectionDrainingTimeoutSec: 30,
    rateLimit: { requests: 600, intervalSec: 60 },
    originPull: {
      // Placeholders until the one-time step in docs/deploy.md replaces both: the CA file was made by
      // scripts/origin-pull-cert.ts with its key discarded and no client certificate uploaded anywhere,
      // so it admits nobody; the id names no certificate yet, and the ingress plan says so.
      trustedCaCertificates: trustedOriginPullCas('production'),
      cloudflareCertificateId: '7e6d5c4b-3a29-4180-9f8e-7d6c5b4a3928',
    },
  },
  edge: {
    // The zone (named `domain`) is looked up by name; its plan decides edge TTLs, rate limits and the WAF.
    plan: 'pro',
    hstsMaxAgeSeconds: 31_536_000,
    managedWaf: true,
    apiRateLimit: { requestsPerPeriod: 300, periodSeconds: 60 },
    ipv6: true,
  },
};
