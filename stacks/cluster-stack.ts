import { Construct } from 'constructs';
import type { EnvironmentConfig, RegionConfig } from '../config';
import { GkeCluster } from '../constructs/gcp/gke-cluster';
import { SEARCH_NODE_POOL, SEARCH_NODE_SYSCTLS } from '../constructs/search/opensearch-cluster';
import type { CoreStack } from './core-stack';
import { EnvironmentStack, environmentLabels, googleProvider } from './environment-stack';
import { nodeNetworkTag } from '../config/naming';

/** One region's private GKE cluster, on the region's subnet from `core`. */
export class ClusterStack extends EnvironmentStack {
  readonly region: RegionConfig;
  readonly gke: GkeCluster;

  constructor(scope: Construct, env: EnvironmentConfig, region: RegionConfig, core: CoreStack) {
    super(scope, env, 'cluster', region.name);
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
