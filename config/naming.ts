import type { EnvironmentConfig } from './schema';

/*
 * Names that cross stack boundaries, defined once. Anything another stack finds by name (rather than
 * by a cross-stack reference) is named here.
 */

/** `isoscribe-<env>-<layer>[-<region>]`: every stack name is predictable from its place in the topology. */
export function stackName(env: EnvironmentConfig, layer: string, region?: string): string {
  return [env.prefix, layer, region].filter(Boolean).join('-');
}

/** The Kubernetes namespace of every workload. */
export const WORKLOADS_NAMESPACE = 'isoscribe';

/**
 * The standalone zonal NEG that GKE's NEG controller creates, in every zone of every cluster, for a
 * workload's Service (annotation `cloud.google.com/neg`). The ingress stack targets it by this name
 * and the zone, so nothing is looked up at plan time.
 */
export function negName(env: EnvironmentConfig, workload: string): string {
  return `${env.prefix}-${workload}`;
}

/** Network tag on every GKE node of an environment; firewall rules for health checks target it. */
export function nodeNetworkTag(env: EnvironmentConfig): string {
  return `${env.prefix}-gke-node`;
}

/** The search engine's namespace, its OpenSearchCluster's name and its HTTP Service (`<name>.<namespace>.svc`). */
export const SEARCH_NAMESPACE = 'search';
export const SEARCH_CLUSTER_NAME = 'search';
/** The operator's namespace (the release's kustomize default). */
export const SEARCH_OPERATOR_NAMESPACE = 'opensearch-operator-system';
/** A workload's backend service on the load balancer; its metrics carry it as `backend_target_name`. */
export function backendServiceName(env: EnvironmentConfig, workload: string): string {
  return `${env.prefix}-${workload}`;
}

/** The Cloud Armor policies of the load balancer: the workloads' backend services' and the bundle bucket's (edge). */
export function securityPolicyNames(env: EnvironmentConfig): { backends: string; bundles: string } {
  return { backends: `${env.prefix}-cloudflare-only`, bundles: `${env.prefix}-cloudflare-only-edge` };
}
