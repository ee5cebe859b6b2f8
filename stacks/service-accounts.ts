import type { EnvironmentConfig } from '../config';
import type { WorkloadDefinition } from '../workloads';

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
    /** Each workload's pods (Workload Identity), by workload name. */
    workloads: Object.fromEntries(workloads.map((w) => [w.name, `${prefix}-${w.name}`])) as Record<string, string>,
  };
}
