import { Construct } from 'constructs';
import { imageReference, Peer } from '../constructs/kubernetes';
import { OpenSearchCluster, SEARCH_SECRETS } from '../constructs/search/opensearch-cluster';
import type { ClusterStack } from './cluster-stack';
import type { CoreStack } from './core-stack';
import { EnvironmentStack, googleProvider, type EnvironmentStackProps } from './environment-stack';
import { SEARCH_CLUSTER_NAME, SEARCH_NAMESPACE, SEARCH_OPERATOR_NAMESPACE, WORKLOADS_NAMESPACE } from '../config/naming';
import type { SearchOperatorStack } from './search-operator-stack';
import { clusterKubernetesProvider } from './workloads-stack';
import { SEARCH_INDEX } from '../workloads/api';

/** The api's pods, the engine's only client (workloads/api.ts). */
export const SEARCH_CLIENT_LABELS = { 'app.kubernetes.io/name': 'api' };

/** What a SearchStack is built from, besides its environment. */
export interface SearchStackProps extends EnvironmentStackProps {
  /** The search secrets and snapshot bucket. */
  readonly core: CoreStack;
  /** The cluster it runs in (and so its region). */
  readonly cluster: ClusterStack;
  /** Applied first: its CRDs. */
  readonly operator: SearchOperatorStack;
}

/**
 * One region's search engine: the OpenSearchCluster and everything around it (constructs/search).
 * Every region hosts one, and its api queries it in-region (docs/search.md says why).
 */
export class SearchStack extends EnvironmentStack {
  readonly engine: OpenSearchCluster;

  constructor(scope: Construct, id: string, props: SearchStackProps) {
    super(scope, id, props.env);
    const { env, core, cluster, operator } = props;
    const { region } = cluster;
    const project = env.project.id;
    googleProvider(this, env, region.name);
    clusterKubernetesProvider(this, cluster);
    // No reference crosses to the operator stack (names are constants), so the order is stated: its CRDs first.
    this.addDependency(operator);
    const secretIds = Object.fromEntries(Object.entries(SEARCH_SECRETS).map(([key, name]) => [key, core.secrets[name].id])) as Record<keyof typeof SEARCH_SECRETS, string>;
    this.engine = new OpenSearchCluster(this, 'engine', {
      namespace: SEARCH_NAMESPACE,
      name: SEARCH_CLUSTER_NAME,
      project,
      config: env.search,
      image: imageReference(env.search.engineImage),
      version: env.search.engineImage.tag,
      snapshots: { bucket: core.searchSnapshotBuckets[region.name].name, basePath: region.name },
      googleServiceAccount: { name: core.searchServiceAccount.account.name, email: core.searchServiceAccount.email },
      // Workload Identity bindings name no cluster: the primary region owns them (as in workloads-<region>).
      bindIamPolicy: region.name === env.primaryRegion,
      secretIds,
      clients: [Peer.pods(WORKLOADS_NAMESPACE, SEARCH_CLIENT_LABELS)],
      // The api's alias and the versioned indices behind it (services/api/src/search/index-definition.ts, indexPattern).
      apiIndexPattern: `${SEARCH_INDEX}*`,
      operator: { namespace: SEARCH_OPERATOR_NAMESPACE, podLabels: operator.operator.podLabels },
      apiServerCidr: region.masterCidr,
      labels: { 'app.kubernetes.io/part-of': 'isoscribe', 'app.kubernetes.io/managed-by': 'cdktf' },
    });
  }
}
