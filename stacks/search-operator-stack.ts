import { Construct } from 'constructs';
import { imageReference } from '../constructs/kubernetes';
import { OpenSearchOperator } from '../constructs/search/opensearch-operator';
import { SEARCH_HTTP_PORT } from '../constructs/search/opensearch-cluster';
import type { ClusterStack } from './cluster-stack';
import { EnvironmentStack, googleProvider, type EnvironmentStackProps } from './environment-stack';
import { SEARCH_NAMESPACE, SEARCH_OPERATOR_NAMESPACE } from '../config/naming';
import { clusterKubernetesProvider } from './workloads-stack';

/** What a SearchOperatorStack is built from, besides its environment. */
export interface SearchOperatorStackProps extends EnvironmentStackProps {
  /** The cluster it installs the operator in (and so its region). */
  readonly cluster: ClusterStack;
}

/**
 * One region's OpenSearch operator: its CRDs, RBAC and Deployment (constructs/search). A stack of its
 * own because kubernetes_manifest reads a custom resource's type from the API server at plan time:
 * the OpenSearchCluster in `search-<region>` can only plan once these CRDs are applied.
 */
export class SearchOperatorStack extends EnvironmentStack {
  readonly operator: OpenSearchOperator;

  constructor(scope: Construct, id: string, props: SearchOperatorStackProps) {
    super(scope, id, props.env);
    const { env, cluster } = props;
    const { region } = cluster;
    googleProvider(this, env, region.name);
    clusterKubernetesProvider(this, cluster);
    this.operator = new OpenSearchOperator(this, 'operator', {
      namespace: SEARCH_OPERATOR_NAMESPACE,
      image: imageReference(env.search.operatorImage),
      watchNamespace: SEARCH_NAMESPACE,
      apiServerCidr: region.masterCidr,
      enginePort: SEARCH_HTTP_PORT,
      labels: { 'app.kubernetes.io/part-of': 'isoscribe', 'app.kubernetes.io/managed-by': 'cdktf' },
    });
  }
}
