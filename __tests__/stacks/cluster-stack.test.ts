import { TerraformStack, Testing } from 'cdktf';
import { DEDICATED_POOL_KEY, GkeCluster, INITIAL_NODES_PER_ZONE, type GkeClusterProps } from '../../constructs/gcp/gke-cluster';
import { environment, onlyResource, resources, synthEnvironment } from '../support/topology';

const production = synthEnvironment(environment('production'));
const dev = synthEnvironment(environment('dev'));
const prodRegions = environment('production').regions;

describe.each(prodRegions.map((r) => [r.name, r] as const))('production cluster in %s', (regionName, region) => {
  const stack = production.json[`isoscribe-production-cluster-${regionName}`];
  const cluster = onlyResource(stack, 'google_container_cluster');
  const pool = generalPool(stack);
  const searchPool = resources(stack, 'google_container_node_pool').find((p) => p.__id.startsWith('gke_search-node-pool'))!;

  it('is regional, named by convention, with nodes in the configured zones', () => {
    expect(cluster.name).toBe(`isoscribe-production-${regionName}`);
    expect(cluster.location).toBe(regionName);
    expect(cluster.node_locations).toEqual(region.zones);
    expect(pool.node_locations).toEqual(region.zones);
  });

  it('has private nodes and no public IP endpoint; the private one only for the nodes and listed networks', () => {
    expect(cluster.private_cluster_config).toEqual({ enable_private_nodes: true, enable_private_endpoint: true, master_ipv4_cidr_block: region.masterCidr });
    expect(cluster.control_plane_endpoints_config.ip_endpoints_config).toEqual({ enabled: true });
    expect(cluster.master_authorized_networks_config).toEqual({
      cidr_blocks: environment('production').cluster.masterAuthorizedNetworks.map((n) => ({ cidr_block: n.cidr, display_name: n.displayName })),
      gcp_public_cidrs_access_enabled: false,
    });
  });

  it('is reached from outside the VPC (CI) through the IAM-checked DNS endpoint, which the workloads stack uses', () => {
    expect(cluster.control_plane_endpoints_config.dns_endpoint_config).toEqual({ allow_external_traffic: true });
    expect(Object.values<{ value: string }>(stack.output).map((o) => o.value)).toContain(
      `\${google_container_cluster.${cluster.__id}.control_plane_endpoints_config[0].dns_endpoint_config[0].endpoint}`,
    );
  });

  it('has a search pool in every zone of the region: tainted so only the engine lands there, labelled for it to ask, sized by the tier, vm.max_map_count set on the node', () => {
    const env = environment('production');
    expect(searchPool.name).toBe(`isoscribe-production-${regionName}-search`.slice(0, 40));
    expect(searchPool.node_locations).toEqual(region.zones);
    expect(searchPool.node_locations).toHaveLength(3);
    expect(searchPool.node_config.taint).toEqual([{ key: DEDICATED_POOL_KEY, value: 'search', effect: 'NO_SCHEDULE' }]);
    expect(searchPool.node_config.labels[DEDICATED_POOL_KEY]).toBe('search');
    expect(searchPool.node_config.linux_node_config).toEqual({ sysctls: { 'vm.max_map_count': '262144' } });
    expect(searchPool.node_config.machine_type).toBe(env.search.nodePool.machineType);
    expect(searchPool.autoscaling).toMatchObject({ min_node_count: env.search.nodePool.minNodesPerZone, max_node_count: env.search.nodePool.maxNodesPerZone });
    // The same hardening as the general pool, and the general pool carries no taint.
    for (const key of ['image_type', 'service_account', 'workload_metadata_config', 'shielded_instance_config', 'metadata', 'tags']) {
      expect([key, searchPool.node_config[key]]).toEqual([key, pool.node_config[key]]);
    }
    expect(pool.node_config.taint).toBeUndefined();
    expect(pool.node_config.linux_node_config).toBeUndefined();
  });

  it('is VPC-native on the region subnet from core (a cross-stack reference)', () => {
    expect(cluster.networking_mode).toBe('VPC_NATIVE');
    expect(cluster.ip_allocation_policy).toEqual({ cluster_secondary_range_name: 'pods', services_secondary_range_name: 'services' });
    expect(cluster.subnetwork).toMatch(/data\.terraform_remote_state\.cross-stack-reference-input-isoscribe-production-core\.outputs/);
  });

  it('runs Workload Identity, with GKE_METADATA on the nodes', () => {
    expect(cluster.workload_identity_config.workload_pool).toBe('isoscribe-prod.svc.id.goog');
    expect(pool.node_config.workload_metadata_config.mode).toBe('GKE_METADATA');
  });

  it('states NodeLocal DNSCache (on) rather than inheriting the default of the GKE version, and the pods\' DNS egress allows the cache', () => {
    expect(cluster.addons_config.dns_cache_config).toEqual({ enabled: true });
    const workloads = production.json[`isoscribe-production-workloads-${regionName}`];
    const allowing = resources(workloads, 'kubernetes_network_policy_v1').filter((p) => p.spec.egress?.length);
    expect(allowing.length).toBeGreaterThan(0);
    for (const policy of allowing) {
      const dnsPeers = policy.spec.egress.filter((e: { ports: { port: string }[] }) => e.ports.some((p) => p.port === '53')).flatMap((e: { to: unknown[] }) => e.to);
      expect(dnsPeers).toContainEqual({ ip_block: { cidr: '169.254.20.10/32' } });
      expect(dnsPeers).toContainEqual(expect.objectContaining({ pod_selector: { match_labels: { 'k8s-app': 'node-local-dns' } } }));
    }
  });

  it('enforces the project\'s Binary Authorization policy (bootstrap stack) at admission', () => {
    expect(cluster.binary_authorization).toEqual({ evaluation_mode: 'PROJECT_SINGLETON_POLICY_ENFORCE' });
  });

  it('has shielded nodes with secure boot and integrity monitoring', () => {
    expect(cluster.enable_shielded_nodes).toBe(true);
    expect(pool.node_config.shielded_instance_config).toEqual({ enable_secure_boot: true, enable_integrity_monitoring: true });
  });

  it('follows a release channel and a maintenance window', () => {
    expect(cluster.release_channel.channel).toBe('STABLE');
    expect(cluster.maintenance_policy.recurring_window.recurrence).toBe('FREQ=WEEKLY;BYDAY=SA,SU');
  });

  it('uses Dataplane V2 with the legacy network policy explicitly disabled', () => {
    expect(cluster.datapath_provider).toBe('ADVANCED_DATAPATH');
    expect(cluster.network_policy).toEqual({ enabled: false });
  });

  it('issues no client certificate and disables legacy ABAC', () => {
    expect(cluster.master_auth.client_certificate_config.issue_client_certificate).toBe(false);
    expect(cluster.enable_legacy_abac).toBe(false);
  });

  it('removes the default node pool in favour of a separate pool', () => {
    expect(cluster.remove_default_node_pool).toBe(true);
    expect(pool.cluster).toBe(`\${google_container_cluster.${cluster.__id}.id}`);
  });

  it('runs even the transient default pool as the node service account, hardened like the real pool, never replaced over it', () => {
    expect(cluster.node_config.service_account).toBe(pool.node_config.service_account);
    expect(cluster.node_config.service_account).not.toMatch(/compute@developer|^default$/);
    const { machine_type: _m, disk_size_gb: _s, disk_type: _t, ...hardened } = pool.node_config;
    expect(cluster.node_config).toEqual(hardened);
    expect(cluster.lifecycle).toEqual({ ignore_changes: ['node_config'] });
  });

  it('runs nodes as the dedicated node service account from core, on COS_CONTAINERD', () => {
    expect(pool.node_config.service_account).toMatch(/cross-stack-output-datagoogle_service_accountnode-sa_account_.*email/);
    expect(pool.node_config.image_type).toBe('COS_CONTAINERD');
    expect(pool.node_config.metadata['disable-legacy-endpoints']).toBe('true');
  });

  it('auto-repairs and auto-upgrades nodes with surge upgrades that keep capacity', () => {
    expect(pool.management).toEqual({ auto_repair: true, auto_upgrade: true });
    expect(pool.upgrade_settings).toMatchObject({ max_surge: 1, max_unavailable: 0 });
    expect(pool.autoscaling).toMatchObject({ min_node_count: region.nodePool.minNodesPerZone, max_node_count: region.nodePool.maxNodesPerZone });
  });

  it('labels the cluster and its nodes, and protects the cluster from deletion', () => {
    expect(cluster.resource_labels).toMatchObject({ environment: 'production', app: 'isoscribe', managed_by: 'cdktf' });
    expect(pool.node_config.labels).toMatchObject({ environment: 'production' });
    expect(cluster.deletion_protection).toBe(true);
  });

  it('keeps its state in the environment bucket under its own prefix', () => {
    expect(stack.terraform.backend.gcs).toEqual({ bucket: 'isoscribe-prod-tfstate', prefix: `stacks/isoscribe-production-cluster-${regionName}` });
  });
});

describe('dev cluster', () => {
  const stack = dev.json['isoscribe-dev-cluster-us-central1'];

  it('can be destroyed (no deletion protection) and keeps local state outside cdktf.out', () => {
    expect(onlyResource(stack, 'google_container_cluster').deletion_protection).toBe(false);
    expect(stack.terraform.backend.local.path).toBe('../../../.terraform-state/isoscribe-dev-cluster-us-central1.tfstate');
  });

  it('is still private and hardened', () => {
    const cluster = onlyResource(stack, 'google_container_cluster');
    expect(cluster.private_cluster_config.enable_private_nodes).toBe(true);
    expect(resources(stack, 'google_container_node_pool')[0].node_config.shielded_instance_config.enable_secure_boot).toBe(true);
  });
});

describe('node pool sizing', () => {
  const poolOf = (minNodesPerZone: number) => {
    const env = environment('dev', (input) => ({
      ...input,
      regions: input.regions.map((r) => ({ ...r, nodePool: { ...r.nodePool, minNodesPerZone, maxNodesPerZone: 4 } })),
    }));
    return generalPool(synthEnvironment(env).json['isoscribe-dev-cluster-us-central1']);
  };

  it('starts every pool at a fixed size and never diffs initial_node_count (ForceNew: a change would replace the regional pool)', () => {
    for (const stack of [...Object.values(production.json), ...Object.values(dev.json)]) {
      for (const pool of resources(stack, 'google_container_node_pool')) {
        expect(pool.initial_node_count).toBe(INITIAL_NODES_PER_ZONE);
        expect(pool.lifecycle.ignore_changes).toContain('initial_node_count');
      }
    }
  });

  it('changing minNodesPerZone changes only the autoscaling block (updated in place)', () => {
    const one = poolOf(1);
    const three = poolOf(3);
    expect(three.autoscaling).toEqual({ ...one.autoscaling, min_node_count: 3 });
    const { autoscaling: _a, ...restOne } = one;
    const { autoscaling: _b, ...restThree } = three;
    expect(restThree).toEqual(restOne);
  });
});

/** The cluster's general pool (every workload but the search engine). */
function generalPool(stack: Record<string, any>) {
  const pools = resources(stack, 'google_container_node_pool').filter((p) => p.__id.startsWith('gke_node-pool'));
  expect(pools).toHaveLength(1);
  return pools[0];
}

describe('GkeCluster validation', () => {
  const base = (): GkeClusterProps => ({
    name: 'c', project: 'p-123456', location: 'us-central1', nodeLocations: ['us-central1-a'], network: 'n', subnetwork: 's',
    podRangeName: 'pods', serviceRangeName: 'services', masterIpv4CidrBlock: '172.16.0.0/28',
    masterAuthorizedNetworks: [{ cidrBlock: '10.8.0.0/24', displayName: 'vpn' }], releaseChannel: 'STABLE',
    nodeServiceAccount: 'sa@p.iam.gserviceaccount.com', nodePool: { machineType: 'e2-small', minNodesPerZone: 1, maxNodesPerZone: 2 },
    maintenanceWindow: { startTime: 'a', endTime: 'b', recurrence: 'FREQ=DAILY' }, deletionProtection: true,
  });
  const build = (props: GkeClusterProps) => new GkeCluster(new TerraformStack(Testing.app(), 's'), 'gke', props);

  it('accepts real ranges of /24 or narrower, or none', () => {
    expect(() => build(base())).not.toThrow();
    expect(() => build({ ...base(), masterAuthorizedNetworks: undefined })).not.toThrow();
  });

  it('refuses the networks the config schema and the policy pack refuse (one rule)', () => {
    expect(() => build({ ...base(), masterAuthorizedNetworks: [{ cidrBlock: '0.0.0.0/0', displayName: 'all' }] }))
      .toThrow(/masterAuthorizedNetworks "all": 0\.0\.0\.0\/0 is wider than \/24/);
    expect(() => build({ ...base(), masterAuthorizedNetworks: [{ cidrBlock: '10.0.0.0/8', displayName: 'corp' }] }))
      .toThrow(/masterAuthorizedNetworks "corp": 10\.0\.0\.0\/8 is wider than \/24/);
    expect(() => build({ ...base(), masterAuthorizedNetworks: [{ cidrBlock: '198.51.100.0/24', displayName: 'ci-runners' }] }))
      .toThrow(/masterAuthorizedNetworks "ci-runners": 198\.51\.100\.0\/24 is in 198\.51\.100\.0\/24, a documentation range \(RFC 5737\)/);
  });

  it('refuses a dedicated pool whose min exceeds its max, or a name used twice, naming the field', () => {
    const search = { name: 'search', machineType: 'e2-small', minNodesPerZone: 3, maxNodesPerZone: 2 };
    expect(() => build({ ...base(), dedicatedNodePools: [search] })).toThrow(/dedicatedNodePools\[0\]\.minNodesPerZone \(3\) exceeds maxNodesPerZone \(2\)/);
    const ok = { ...search, minNodesPerZone: 1 };
    expect(() => build({ ...base(), dedicatedNodePools: [ok, ok] })).toThrow(/dedicatedNodePools\[1\]\.name "search" is used twice/);
    expect(() => build({ ...base(), dedicatedNodePools: [{ ...ok, name: 'Search_Pool' }] })).toThrow(/dedicatedNodePools\[0\]\.name "Search_Pool" must be 1-10 lowercase/);
  });

  it('refuses nodes outside the cluster region and over-long names', () => {
    expect(() => build({ ...base(), nodeLocations: ['europe-west1-b'] })).toThrow(/nodeLocations "europe-west1-b" is not in us-central1/);
    expect(() => build({ ...base(), name: 'x'.repeat(41) })).toThrow(/is 41 characters; GKE allows 40/);
  });
});
