import { appImageRepository, nginxImage, DEFAULT_RESOURCES, WEEKEND_NIGHTS } from './common';
import type { EnvironmentInput } from './schema';

const project = 'isoscribe-dev';
const region = 'us-central1';

/**
 * The embedded default: placeholder project and domain, local state, one small region. Synthesizes
 * with no credentials; deploying it needs only a sandbox project of your own (change `project.id`).
 */
export const dev: EnvironmentInput = {
  name: 'dev',
  tier: 'disposable',
  project: { id: project },
  domain: 'dev.isoscribe.example',
  backend: { type: 'local' },
  labels: { team: 'platform' },
  primaryRegion: region,
  regions: [
    {
      name: region,
      zones: ['us-central1-a', 'us-central1-b'],
      nodeCidr: '10.0.0.0/20',
      podCidr: '10.4.0.0/14',
      serviceCidr: '10.8.0.0/20',
      masterCidr: '172.16.0.0/28',
      nodePool: { machineType: 'e2-standard-2', minNodesPerZone: 1, maxNodesPerZone: 2 },
    },
  ],
  cluster: {
    releaseChannel: 'RAPID',
    // None: CI and people reach the control plane through its IAM-checked DNS endpoint (docs/deploy.md).
    masterAuthorizedNetworks: [],
    maintenanceWindow: WEEKEND_NIGHTS,
    deletionProtection: false,
  },
  nginxImage: nginxImage(project, region),
  workloads: {
    api: {
      image: { repository: appImageRepository(project, region, 'api'), tag: '0.1.0' },
      replicas: 1,
      autoscaling: { minReplicas: 1, maxReplicas: 2 },
      resources: DEFAULT_RESOURCES,
    },
    frontend: {
      image: { repository: appImageRepository(project, region, 'frontend-server'), tag: '0.1.0' },
      replicas: 1,
      autoscaling: { minReplicas: 1, maxReplicas: 2 },
      resources: DEFAULT_RESOURCES,
    },
  },
  // Like staging: a free-tier Atlas cluster over public TLS, allowlisting this environment's NAT addresses.
  mongodb: { reach: { kind: 'publicTls', host: 'isoscribe-dev.mongodb.net', port: 27017 } },
  ingress: { maxRatePerEndpoint: 50, logSampleRate: 1 },
  edge: {
    // A sandbox zone of your own: set `domain` (or edge.zoneName) to it and `plan` to its plan.
    plan: 'free',
    // Short while a sandbox domain may still change hands.
    hstsMaxAgeSeconds: 300,
    managedWaf: false,
    apiRateLimit: { requestsPerPeriod: 100, periodSeconds: 10 },
    ipv6: true,
  },
};
