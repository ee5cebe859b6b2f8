import type { EnvironmentConfig } from './schema';
import { needsGoogleServiceAccount, type WorkloadDefinition } from '../workloads/workload';

/**
 * The service accounts of an environment that the bootstrap stack creates (by hand, as a project
 * owner) and the other stacks only read: creating them in `core` would need the deployer to hold
 * project-wide service-account admin, which can grant itself actAs on any account of the project,
 * the Editor-holding default compute account included.
 */
export function serviceAccountIds(env: EnvironmentConfig, workloads: readonly WorkloadDefinition[]) {
  const prefix = env.prefix;
  return {
    /** GKE nodes: logs, metrics, image pulls. The deployer may act as it (node pools), and as nothing else. */
    node: `${prefix}-gke-node`,
    /**
     * The search engine's pods and its secret sync job (snapshots bucket, its Secret Manager secrets).
     * `search-os`: 30 characters in production, the longest an account id may be, and no workload's
     * name (checkWorkloadsConfigured), so a workload called `search` keeps its own account.
     */
    search: `${prefix}-${SEARCH_ENGINE_ACCOUNT_SUFFIX}`,
    /**
     * The pods' Google identity (Workload Identity), by workload name, for each workload that calls
     * Google APIs itself (needsGoogleServiceAccount); a workload that only mounts secrets has none.
     */
    workloads: Object.fromEntries(workloads.filter(needsGoogleServiceAccount).map((w) => [w.name, `${prefix}-${w.name}`])) as Record<string, string>,
  };
}

/** The search engine's account id after the environment prefix. */
export const SEARCH_ENGINE_ACCOUNT_SUFFIX = 'search-os';
