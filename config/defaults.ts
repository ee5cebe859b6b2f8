import { appImageRepository, dockerHubImageRepository, nginxImage, registryLocation } from './registry';
import type { SearchInput } from './schema-search';
import { WORKLOAD_SERVICES } from '../workloads/services';
import { ConfigError } from './load';
import type { EnvironmentInput } from './schema';

/*
 * What an environment's tier decides, and the builder that turns an environment's own facts into its
 * whole configuration: config/<env>.ts states only its identity, its regions and where it differs
 * from its tier. Errors still name config/<env>.ts and the field, since an override there is the fix.
 */

type Tier = EnvironmentInput['tier'];
type RegionInput = EnvironmentInput['regions'][number];
type WorkloadInput = EnvironmentInput['workloads'][string];
type WorkloadSizing = Omit<WorkloadInput, 'image'>;

interface TierDefaults {
  /** Beside the labels every environment carries (ENVIRONMENT_LABELS). */
  readonly labels?: Record<string, string>;
  readonly releaseChannel: EnvironmentInput['cluster']['releaseChannel'];
  /** @default true (schema) */
  readonly deletionProtection?: boolean;
  readonly nodePool: RegionInput['nodePool'];
  /** Replicas, autoscaling and resources of each workload, by workload name. */
  readonly workloads: Readonly<Record<string, WorkloadSizing>>;
  readonly ingress: Omit<EnvironmentInput['ingress'], 'originPull'>;
  /** The Cloudflare side, for a zone on the plan named here; a zone on another plan sets edge.plan and what follows from it. */
  readonly edge: EnvironmentInput['edge'];
  /** The search engine's sizing (config/schema-search.ts); its images come from the environment's registry. */
  readonly search: Omit<SearchInput, 'engineImage' | 'operatorImage'>;
  /** SLO objectives of every workload (its latency threshold is in workloads/<name>.ts). */
  readonly slo: EnvironmentInput['monitoring']['slo'];
  readonly admission: EnvironmentInput['admission'];
}

/** The OpenSearch release the engine runs; the tests start the same release from Maven Central (services/api/test/opensearch/pom.xml). */
export const OPENSEARCH_VERSION = '2.19.4';
/** The operator release whose CRDs and RBAC are vendored in vendor/opensearch-k8s-operator. */
export const OPENSEARCH_OPERATOR_VERSION = '2.8.0';

/** Every environment's weekly maintenance window: weekend nights, UTC. */
export const WEEKEND_NIGHTS = {
  startTime: '2026-01-03T02:00:00Z',
  endTime: '2026-01-03T08:00:00Z',
  recurrence: 'FREQ=WEEKLY;BYDAY=SA,SU',
} as const;

/** A workload's resources unless its tier says otherwise. */
export const DEFAULT_RESOURCES: EnvironmentInput['workloads'][string]['resources'] = {
  requests: { cpu: '250m', memory: '256Mi' },
  limits: { memory: '512Mi' },
};

/** Labels of every environment, beside its tier's and its own. */
const ENVIRONMENT_LABELS = { team: 'platform' };

/**
 * The api's memory: its heap may grow to the 128 MiB floor workloads/api.ts gives V8's old
 * generation before a full collection, plus a 64 MiB young generation and node itself (peak RSS
 * 267 MiB in the benchmark, services/api/README.md "GC"), so its request covers that and the limit doubles it.
 */
const API_RESOURCES: WorkloadSizing['resources'] = { requests: { cpu: '250m', memory: '384Mi' }, limits: { memory: '768Mi' } };

/** A workload that starts at its minimum replicas and scales out to `maxReplicas`. */
function sizing(minReplicas: number, maxReplicas: number, more: Partial<WorkloadSizing['autoscaling']> = {}, resources = DEFAULT_RESOURCES): WorkloadSizing {
  return { replicas: minReplicas, autoscaling: { minReplicas, maxReplicas, ...more }, resources };
}

type SearchSizing = TierDefaults['search'];

/**
 * A tier's search engine: three nodes (the smallest quorum that survives losing one node or zone)
 * on a pool of one to two nodes per zone, each node's memory request its limit (no overcommit of
 * the page cache Lucene reads through).
 */
function searchSizing(node: {
  readonly machineType: string;
  readonly diskSizeGb?: number;
  readonly cpu: string;
  readonly memory: string;
  readonly heapMi: number;
  readonly storage: SearchSizing['storage'];
  readonly snapshotRetentionDays: number;
}): SearchSizing {
  const disk = node.diskSizeGb === undefined ? {} : { diskSizeGb: node.diskSizeGb };
  return {
    nodePool: { machineType: node.machineType, minNodesPerZone: 1, maxNodesPerZone: 2, ...disk },
    nodes: 3,
    heapMi: node.heapMi,
    resources: { requests: { cpu: node.cpu, memory: node.memory }, limits: { memory: node.memory } },
    storage: node.storage,
    snapshotRetentionDays: node.snapshotRetentionDays,
  };
}

const FREE_PLAN_EDGE = {
  plan: 'free',
  managedWaf: false,
  apiRateLimit: { requestsPerPeriod: 100, periodSeconds: 10 },
  ipv6: true,
} as const;

/** The safety margins and sizes of each tier (config/schema.ts says what each tier is for). */
export const TIER_DEFAULTS: Readonly<Record<Tier, TierDefaults>> = {
  disposable: {
    releaseChannel: 'RAPID',
    deletionProtection: false,
    nodePool: { machineType: 'e2-standard-2', minNodesPerZone: 1, maxNodesPerZone: 2 },
    workloads: { api: sizing(1, 2, {}, API_RESOURCES), frontend: sizing(1, 2) },
    ingress: { maxRatePerEndpoint: 50, logSampleRate: 1 },
    // Short while a sandbox domain may still change hands.
    edge: { ...FREE_PLAN_EDGE, hstsMaxAgeSeconds: 300 },
    // Three small nodes, one per zone where there are three; a sandbox may run two zones (no zone-loss promise).
    search: searchSizing({ machineType: 'e2-standard-2', cpu: '500m', memory: '2Gi', heapMi: 1024, storage: { sizeGi: 10, storageClass: 'standard-rwo' }, snapshotRetentionDays: 3 }),
    // A sandbox: its alerts say something broke, nobody's visitors are waiting.
    slo: { availability: 0.99, latency: 0.95 },
    // Images built on a laptop may run in a sandbox: the allowlist of our repository paths holds.
    admission: { requireAttestation: false },
  },
  shared: {
    releaseChannel: 'REGULAR',
    nodePool: { machineType: 'e2-standard-4', minNodesPerZone: 1, maxNodesPerZone: 3 },
    workloads: { api: sizing(2, 6, {}, API_RESOURCES), frontend: sizing(2, 4) },
    ingress: { maxRatePerEndpoint: 100, logSampleRate: 1 },
    edge: { ...FREE_PLAN_EDGE, hstsMaxAgeSeconds: 86_400 },
    search: searchSizing({ machineType: 'e2-standard-4', cpu: '1', memory: '4Gi', heapMi: 2048, storage: { sizeGi: 30, storageClass: 'standard-rwo' }, snapshotRetentionDays: 7 }),
    slo: { availability: 0.995, latency: 0.99 },
    admission: { requireAttestation: true },
  },
  production: {
    labels: { criticality: 'high' },
    releaseChannel: 'STABLE',
    nodePool: { machineType: 'e2-standard-4', minNodesPerZone: 1, maxNodesPerZone: 5, diskSizeGb: 100 },
    workloads: {
      api: sizing(3, 30, { targetCpuUtilization: 65 }, { requests: { cpu: '500m', memory: '512Mi' }, limits: { memory: '1Gi' } }),
      frontend: sizing(3, 12),
    },
    ingress: { maxRatePerEndpoint: 100, logSampleRate: 0.1, rateLimit: { requests: 600, intervalSec: 60 } },
    // Search: 60 queries a minute per visitor, a fifth of the api's budget (docs/search.md, "Edge").
    edge: { plan: 'pro', hstsMaxAgeSeconds: 31_536_000, managedWaf: true, apiRateLimit: { requestsPerPeriod: 300, periodSeconds: 60 }, searchRateLimit: { requestsPerPeriod: 60, periodSeconds: 60 }, ipv6: true },
    // Memory-optimised nodes: Lucene reads through the page cache, so memory beyond the heap is speed.
    search: searchSizing({ machineType: 'n2-highmem-4', diskSizeGb: 100, cpu: '3', memory: '24Gi', heapMi: 8192, storage: { sizeGi: 200, storageClass: 'premium-rwo' }, snapshotRetentionDays: 30 }),
    // 99.9%: 40 minutes of errors in 28 days, within what two clouds' SLAs (99.99% LB, 99.95% regional GKE) leave us.
    slo: { availability: 0.999, latency: 0.99 },
    admission: { requireAttestation: true },
  },
};

/**
 * The VPC's address plan: the i-th region of an environment takes the i-th ranges, so no two of its
 * regions overlap. Each environment is its own VPC, so each starts again at the first.
 */
export const REGION_RANGES: readonly Pick<RegionInput, 'nodeCidr' | 'podCidr' | 'serviceCidr' | 'masterCidr'>[] = [
  { nodeCidr: '10.0.0.0/20', podCidr: '10.4.0.0/14', serviceCidr: '10.8.0.0/20', masterCidr: '172.16.0.0/28' },
  { nodeCidr: '10.0.16.0/20', podCidr: '10.12.0.0/14', serviceCidr: '10.8.16.0/20', masterCidr: '172.16.0.16/28' },
  { nodeCidr: '10.0.32.0/20', podCidr: '10.16.0.0/14', serviceCidr: '10.8.32.0/20', masterCidr: '172.16.0.32/28' },
];


/** The reviewed version of our images; CI replaces it with the commit's (config/overrides.ts). */
const APP_IMAGE_TAG = '0.1.0';

/** An environment's own facts; every other field comes from its tier (TIER_DEFAULTS). */
export interface EnvironmentSpecifics extends Pick<EnvironmentInput, 'name' | 'tier' | 'project' | 'domain' | 'primaryRegion' | 'mongodb'> {
  /** Where alerts go; the SLO objectives default to the tier's. */
  readonly monitoring: Pick<EnvironmentInput['monitoring'], 'notifications'> & { readonly slo?: Partial<EnvironmentInput['monitoring']['slo']> };
  /** @default - local state in the disposable tier, else the GCS bucket `<project>-tfstate` */
  readonly backend?: EnvironmentInput['backend'];
  /** Beside ENVIRONMENT_LABELS and the tier's. */
  readonly labels?: Record<string, string>;
  /** Each region's ranges default to its place in REGION_RANGES, its node pool to the tier's. */
  readonly regions: readonly (Pick<RegionInput, 'name' | 'zones'> & Partial<RegionInput>)[];
  readonly cluster?: Partial<EnvironmentInput['cluster']>;
  /** Per workload, whatever differs from the tier's sizing and the default image. */
  readonly workloads?: Readonly<Record<string, Partial<WorkloadInput>>>;
  readonly ingress?: Partial<EnvironmentInput['ingress']>;
  readonly edge?: Partial<EnvironmentInput['edge']>;
  readonly search?: Partial<SearchInput>;
  readonly admission?: EnvironmentInput['admission'];
}

/** The whole configuration of an environment: its tier's defaults, overridden section by section by its own facts. */
export function environment(own: EnvironmentSpecifics): EnvironmentInput {
  const tier = TIER_DEFAULTS[own.tier];
  const project = own.project.id;
  const workloadNames = [...new Set([...Object.keys(tier.workloads), ...Object.keys(own.workloads ?? {})])];
  return {
    name: own.name,
    tier: own.tier,
    project: { id: project, number: own.project.number },
    domain: own.domain,
    backend: own.backend ?? (own.tier === 'disposable' ? { type: 'local' } : { type: 'gcs', bucket: `${project}-tfstate` }),
    labels: { ...ENVIRONMENT_LABELS, ...tier.labels, ...own.labels },
    primaryRegion: own.primaryRegion,
    regions: own.regions.map((region, i) => ({ ...rangesOf(own, i), nodePool: tier.nodePool, ...region }) as RegionInput),
    cluster: {
      releaseChannel: tier.releaseChannel,
      // None: CI and people reach the control plane through its IAM-checked DNS endpoint (docs/deploy.md).
      masterAuthorizedNetworks: [],
      maintenanceWindow: WEEKEND_NIGHTS,
      ...(tier.deletionProtection === undefined ? {} : { deletionProtection: tier.deletionProtection }),
      ...own.cluster,
    },
    nginxImage: nginxImage(project, own.primaryRegion),
    workloads: Object.fromEntries(workloadNames.map((name) => [name, {
      image: { repository: appImageRepository(project, own.primaryRegion, (WORKLOAD_SERVICES as Readonly<Record<string, string>>)[name] ?? name), tag: APP_IMAGE_TAG },
      ...tier.workloads[name],
      ...own.workloads?.[name],
    } as WorkloadInput])),
    mongodb: own.mongodb,
    ingress: { ...tier.ingress, ...own.ingress } as EnvironmentInput['ingress'],
    edge: { ...tier.edge, ...own.edge },
    search: {
      // Docker Hub images through the project's remote repository, like NGINX (config/registry.ts).
      engineImage: { repository: dockerHubImageRepository(project, registryLocation(own.primaryRegion), 'opensearchproject/opensearch'), tag: OPENSEARCH_VERSION },
      operatorImage: { repository: dockerHubImageRepository(project, registryLocation(own.primaryRegion), 'opensearchproject/opensearch-operator'), tag: OPENSEARCH_OPERATOR_VERSION },
      ...tier.search,
      ...own.search,
    },
    monitoring: { slo: { ...tier.slo, ...own.monitoring.slo }, notifications: own.monitoring.notifications },
    admission: own.admission ?? tier.admission,
  };
}

function rangesOf(own: EnvironmentSpecifics, i: number): (typeof REGION_RANGES)[number] | undefined {
  const region = own.regions[i];
  const statesOwn = region.nodeCidr && region.podCidr && region.serviceCidr && region.masterCidr;
  if (i < REGION_RANGES.length || statesOwn) return REGION_RANGES[i];
  throw new ConfigError([`config/${own.name}.ts › regions[${i}]: the address plan has ranges for ${REGION_RANGES.length} regions; set this region's nodeCidr, podCidr, serviceCidr and masterCidr, or add an entry to REGION_RANGES (config/defaults.ts)`]);
}
