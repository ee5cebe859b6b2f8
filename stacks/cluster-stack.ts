import { Construct } from 'constructs';
import type { RegionConfig } from '../config';
import { GkeCluster } from '../constructs/gcp/gke-cluster';
import { SEARCH_NODE_POOL, SEARCH_NODE_SYSCTLS } from '../constructs/search/opensearch-cluster';
import type { CoreStack } from './core-stack';
import { EnvironmentStack, environmentLabels, googleProvider, type EnvironmentStackProps } from './environment-stack';
import { nodeNetworkTag } from '../config/naming';

/** What a ClusterStack is built from, besides its environment. */
export interface ClusterStackProps extends EnvironmentStackProps {
  /** The region this cluster runs in (one of `env.regions`). */
  readonly region: RegionConfig;
  /** Its network, subnet and node account. */
  readonly core: CoreStack;
}

/** One region's private GKE cluster, on the region's subnet from `core`. */
export class ClusterStack extends EnvironmentStack {
  readonly region: RegionConfig;
  readonly gke: GkeCluster;

  constructor(scope: Construct, id: string, props: ClusterStackProps) {
    super(scope, id, props.env);
    const { env, region, core } = props;
    this.region = region;
    const labels = environmentLabels(env);
    googleProvider(this, env, region.name);

    const network = core.regions[region.name];
    this.gke = new GkeCluster(this, 'gke', {
      name: `${env.prefix}-${region.name}`,
      project: env.project.id,
      location: region.name,
      nodeLocations: region.zones,
      network: core.network.id,
      subnetwork: network.subnetwork.id,
      podRangeName: network.podRangeName,
      serviceRangeName: network.serviceRangeName,
      masterIpv4CidrBlock: region.masterCidr,
      masterAuthorizedNetworks: env.cluster.masterAuthorizedNetworks.map((n) => ({ cidrBlock: n.cidr, displayName: n.displayName })),
      releaseChannel: env.cluster.releaseChannel,
      nodeServiceAccount: core.nodeServiceAccount.email,
      nodePool: region.nodePool,
      // The search engine's own pool (stacks/search-stack.ts): only its pods tolerate the taint.
      dedicatedNodePools: [{ name: SEARCH_NODE_POOL, ...env.search.nodePool, sysctls: SEARCH_NODE_SYSCTLS }],
      maintenanceWindow: env.cluster.maintenanceWindow,
      deletionProtection: env.cluster.deletionProtection,
      labels,
      nodeTags: [nodeNetworkTag(env)],
    });
  }
}
