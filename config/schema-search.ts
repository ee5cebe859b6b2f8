import { z } from 'zod';

/*
 * The search engine of an environment (docs/search.md): OpenSearch run by the OpenSearch Kubernetes
 * Operator in every region, on a dedicated, tainted node pool. Sizing comes from the tier
 * (config/defaults.ts TIER_DEFAULTS); an environment overrides what differs.
 */

const quantity = z.string().regex(/^\d+(\.\d+)?(m|Mi|Gi|Ki)?$/, {
  message: 'must be a Kubernetes quantity such as "500m", "2", "4Gi"',
});

const image = z.object({
  repository: z.string().regex(/^[a-z0-9]+([._-][a-z0-9]+)*(\.[a-z]{2,}(:\d+)?)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/, {
    message: 'must be an image repository without tag or digest, e.g. "us-docker.pkg.dev/<project>/docker-hub/opensearchproject/opensearch"',
  }),
  tag: z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, { message: 'must be a Docker tag such as "2.19.4"' })
    .refine((t) => t !== 'latest', { message: 'must be pinned: "latest" moves; use a version tag' }),
  digest: z.string().regex(/^sha256:[a-f0-9]{64}$/, { message: 'must be "sha256:" followed by 64 lowercase hex digits' }).optional(),
});

export const searchSchema = z.object({
  /** The OpenSearch image (its tag is the engine version the operator is told). */
  engineImage: image,
  /** The operator's image; its tag must be the vendored manifests' release (vendor/opensearch-k8s-operator). */
  operatorImage: image,
  /** The dedicated, tainted node pool of the engine, in every zone of the region. */
  nodePool: z.object({
    machineType: z.string().regex(/^[a-z0-9]+-[a-z0-9-]+$/, { message: 'must be a machine type such as "e2-standard-4"' }),
    minNodesPerZone: z.number().int().min(0),
    maxNodesPerZone: z.number().int().min(1),
    diskSizeGb: z.number().int().min(20).default(50),
  }),
  /** Engine nodes (cluster-manager + data); 3 at least so a quorum survives one node or zone. */
  nodes: z.number().int().min(3, { message: 'must be at least 3: the cluster-manager quorum must survive losing one node (and one zone)' }),
  /** The JVM heap, half of the memory request at most (the rest is the OS page cache Lucene reads through). */
  heapMi: z.number().int().min(256),
  resources: z.object({
    requests: z.object({ cpu: quantity, memory: quantity }),
    limits: z.object({ memory: quantity }),
  }),
  /** Each node's persistent volume. */
  storage: z.object({
    sizeGi: z.number().int().min(10, { message: 'must be at least 10 (GiB)' }),
    /** A GKE Persistent Disk CSI storage class with volumeBindingMode WaitForFirstConsumer (zonal disks follow the pod's zone). */
    storageClass: z.enum(['standard-rwo', 'premium-rwo'], { message: 'must be "standard-rwo" (pd-balanced) or "premium-rwo" (pd-ssd), GKE\'s CSI classes that bind in the pod\'s zone' }),
  }),
  /** Days a snapshot object is kept in the bucket after it is deleted or overwritten. */
  snapshotRetentionDays: z.number().int().min(1).max(365),
});

export type SearchInput = z.input<typeof searchSchema>;
export type SearchConfig = z.output<typeof searchSchema>;

/** The memory request, in MiB, of a quantity such as "4Gi" or "3072Mi". */
export function memoryMi(quantityText: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(Mi|Gi)$/.exec(quantityText);
  if (!m) return undefined;
  return Number(m[1]) * (m[2] === 'Gi' ? 1024 : 1);
}

/** Cross-field checks of `search`, with the field path and the fix. */
export function searchProblems(search: SearchConfig, zones: readonly { region: string; count: number; index: number }[], tier: string): { path: (string | number)[]; message: string }[] {
  const problems: { path: (string | number)[]; message: string }[] = [];
  const { nodePool } = search;
  if (nodePool.minNodesPerZone > nodePool.maxNodesPerZone) {
    problems.push({ path: ['search', 'nodePool', 'minNodesPerZone'], message: `minNodesPerZone (${nodePool.minNodesPerZone}) exceeds maxNodesPerZone (${nodePool.maxNodesPerZone}); lower min or raise max` });
  }
  const request = memoryMi(search.resources.requests.memory);
  if (request === undefined) {
    problems.push({ path: ['search', 'resources', 'requests', 'memory'], message: `"${search.resources.requests.memory}" must be in Mi or Gi, e.g. "4Gi", so the heap can be checked against it` });
  } else if (search.heapMi * 2 > request) {
    problems.push({ path: ['search', 'heapMi'], message: `${search.heapMi} MiB is more than half the memory request (${search.resources.requests.memory}); OpenSearch needs the other half for the page cache: lower heapMi or raise resources.requests.memory` });
  }
  for (const { region, count, index } of zones) {
    // Three zones in shared and production: one zone lost keeps the cluster-manager quorum.
    if (tier !== 'disposable' && count < 3) {
      problems.push({ path: ['regions', index, 'zones'], message: `region ${region} hosts the search engine in a ${tier} environment and lists ${count} zone(s); list three zones so losing one keeps the engine's quorum` });
    }
    const capacity = nodePool.maxNodesPerZone * count;
    if (capacity < search.nodes) {
      problems.push({ path: ['search', 'nodePool', 'maxNodesPerZone'], message: `${nodePool.maxNodesPerZone} node(s) per zone × ${count} zone(s) of ${region} is fewer than search.nodes (${search.nodes}), and the engine pods need one node each; raise maxNodesPerZone` });
    }
  }
  return problems;
}
