import { ContainerCluster } from '@cdktf/provider-google/lib/container-cluster';
import { ContainerNodePool } from '@cdktf/provider-google/lib/container-node-pool';
import { Construct } from 'constructs';
import { authorizedNetworkProblem } from '../../facts/control-plane-networks';

export interface AuthorizedNetwork {
  readonly cidrBlock: string;
  readonly displayName: string;
}

export interface GkeNodePoolProps {
  /** e.g. `e2-standard-4`. */
  readonly machineType: string;
  /** Autoscaler lower bound, per zone. */
  readonly minNodesPerZone: number;
  /** Autoscaler upper bound, per zone. */
  readonly maxNodesPerZone: number;
  /** @default 50 */
  readonly diskSizeGb?: number;
  /** @default 'pd-balanced' */
  readonly diskType?: string;
}

/**
 * A node pool for one workload alone: its nodes carry a NoSchedule taint that only that workload
 * tolerates, and a label it selects, so nothing else lands there and it lands nowhere else.
 */
export interface DedicatedNodePoolProps extends GkeNodePoolProps {
  /** Suffix of the pool's name, the taint's value and the label's value, e.g. `search`. */
  readonly name: string;
  /**
   * Node-level kernel parameters (`linux_node_config.sysctls`), from the set GKE allows
   * (https://cloud.google.com/kubernetes-engine/docs/how-to/node-system-config#sysctl-options).
   * @default {}
   */
  readonly sysctls?: Record<string, string>;
}

/** The taint key and node label key of dedicated pools; the value is the pool's name. */
export const DEDICATED_POOL_KEY = 'isoscribe.dev/dedicated';

export interface GkeClusterProps {
  /** Cluster name, at most 40 characters. */
  readonly name: string;
  readonly project: string;
  /** The region: the cluster is regional (control plane replicated across zones). */
  readonly location: string;
  /** Zones of `location` that run nodes. */
  readonly nodeLocations: string[];
  /** VPC id or self link. */
  readonly network: string;
  /** Subnetwork id or self link, with the two secondary ranges below. */
  readonly subnetwork: string;
  readonly podRangeName: string;
  readonly serviceRangeName: string;
  /** The control plane's private /28. */
  readonly masterIpv4CidrBlock: string;
  /**
   * Networks (a VPN, a bastion subnet) allowed to reach the control plane's private IP endpoint,
   * each passing `authorizedNetworkProblem` (at most a /24, no documentation range). Clients
   * outside the VPC, CI included, use the DNS endpoint instead. @default - none: only the nodes
   */
  readonly masterAuthorizedNetworks?: AuthorizedNetwork[];
  readonly releaseChannel: 'RAPID' | 'REGULAR' | 'STABLE';
  /** Email of the dedicated, least-privilege node service account. */
  readonly nodeServiceAccount: string;
  readonly nodePool: GkeNodePoolProps;
  /** Pools for one workload each (tainted and labelled `DEDICATED_POOL_KEY=<name>`). @default [] */
  readonly dedicatedNodePools?: readonly DedicatedNodePoolProps[];
  /** Recurring maintenance window (RFC 3339 times + RRULE). */
  readonly maintenanceWindow: { startTime: string; endTime: string; recurrence: string };
  /** Refuse deletion of the cluster through Terraform. */
  readonly deletionProtection: boolean;
  /** Labels on the cluster and its nodes. @default {} */
  readonly labels?: Record<string, string>;
  /** Network tags on the nodes, for firewall rules (e.g. health checks to 8080). @default [name] */
  readonly nodeTags?: string[];
}

/**
 * A private, hardened, regional GKE Standard cluster with one separately managed node pool.
 *
 * What it enforces, whatever the props: private nodes, no public IP endpoint (clients outside the
 * VPC use the IAM-checked DNS endpoint), VPC-native networking, Workload Identity
 * (GKE_METADATA on nodes), shielded nodes with secure boot and integrity monitoring, Dataplane V2
 * (the legacy network_policy block explicitly disabled, because Dataplane V2 enforces policies
 * itself), NodeLocal DNSCache on (whatever GKE's default for the version), no client certificate,
 * no legacy ABAC, the default node pool removed, COS_CONTAINERD, auto-repair and auto-upgrade.
 */
export class GkeCluster extends Construct {
  readonly cluster: ContainerCluster;
  readonly nodePool: ContainerNodePool;
  /** The dedicated pools, by name. */
  readonly dedicatedNodePools: Record<string, ContainerNodePool> = {};
  /** Network tags the nodes carry. */
  readonly nodeTags: string[];
  /**
   * The control plane's DNS name (`gke-<id>.<region>.gke.goog`): reachable from anywhere, served
   * with a publicly trusted certificate, and answered only for callers holding
   * `container.clusters.connect` on the cluster's project.
   */
  readonly dnsEndpoint: string;

  constructor(scope: Construct, id: string, props: GkeClusterProps) {
    super(scope, id);
    validate(props);
    const labels = props.labels ?? {};
    this.nodeTags = props.nodeTags ?? [props.name];

    this.cluster = new ContainerCluster(this, 'cluster', {
      name: props.name,
      project: props.project,
      location: props.location,
      nodeLocations: props.nodeLocations,
      network: props.network,
      subnetwork: props.subnetwork,
      // The default pool cannot be hardened independently; a separate pool can be replaced safely.
      removeDefaultNodePool: true,
      initialNodeCount: 1,
      // The default pool still runs for a few minutes at creation: without its own node config it
      // would run as the project's default compute account (Editor), and the deployer would need
      // actAs on that account. GKE reports this config inconsistently once the pool is gone, and
      // service_account is ForceNew: never let a diff here replace the cluster.
      nodeConfig: hardenedNodeConfig(props.nodeServiceAccount, labels, this.nodeTags),
      lifecycle: { ignoreChanges: ['node_config'] },
      networkingMode: 'VPC_NATIVE',
      ipAllocationPolicy: {
        clusterSecondaryRangeName: props.podRangeName,
        servicesSecondaryRangeName: props.serviceRangeName,
      },
      // Control-plane access: the DNS endpoint for everyone outside the VPC (CI runners have no fixed
      // address), checked by IAM (container.clusters.connect) before Kubernetes authentication.
      // The IP endpoints stay on for the nodes, but the public one is off, so no address list of the
      // internet ever needs to be right.
      controlPlaneEndpointsConfig: {
        dnsEndpointConfig: { allowExternalTraffic: true },
        ipEndpointsConfig: { enabled: true },
      },
      privateClusterConfig: {
        enablePrivateNodes: true,
        enablePrivateEndpoint: true,
        masterIpv4CidrBlock: props.masterIpv4CidrBlock,
      },
      masterAuthorizedNetworksConfig: {
        cidrBlocks: (props.masterAuthorizedNetworks ?? []).map((n) => ({ cidrBlock: n.cidrBlock, displayName: n.displayName })),
        gcpPublicCidrsAccessEnabled: false,
        // A VPC-peering private cluster (master_ipv4_cidr_block) applies this list to its private
        // endpoint already; private_endpoint_enforcement_enabled is for Private Service Connect ones.
      },
      masterAuth: { clientCertificateConfig: { issueClientCertificate: false } },
      enableLegacyAbac: false,
      enableShieldedNodes: true,
      // Admission by the project's Binary Authorization policy (bootstrap stack): only our images.
      binaryAuthorization: { evaluationMode: 'PROJECT_SINGLETON_POLICY_ENFORCE' },
      enableIntranodeVisibility: true,
      workloadIdentityConfig: { workloadPool: `${props.project}.svc.id.goog` },
      // Pods mount Secret Manager secrets through its CSI driver (SecretProviderClass), with their
      // own Workload Identity: no secret value passes through Terraform.
      secretManagerConfig: { enabled: true },
      releaseChannel: { channel: props.releaseChannel },
      datapathProvider: 'ADVANCED_DATAPATH',
      networkPolicy: { enabled: false },
      addonsConfig: {
        // Needed by the NEG controller that creates the standalone NEGs the global LB targets.
        httpLoadBalancing: { disabled: false },
        horizontalPodAutoscaling: { disabled: false },
        // NodeLocal DNSCache, stated rather than left to the version GKE picks: "In GKE Standard
        // clusters running version 1.34.1-gke.3720000 and later, NodeLocal DNSCache is enabled by
        // default, but you can disable it" (https://cloud.google.com/kubernetes-engine/docs/how-to/nodelocal-dns-cache).
        // On, every cluster resolves the same way whatever its version: through the node's cache,
        // which the pods' DNS egress rule allows (DNS_RULE, constructs/kubernetes/pod-network-policy.ts).
        dnsCacheConfig: { enabled: true },
      },
      loggingConfig: { enableComponents: ['SYSTEM_COMPONENTS', 'WORKLOADS'] },
      // DEPLOYMENT and HPA: GKE's managed kube-state-metrics for those objects, which the endpoint and
      // autoscaler alerts read (https://cloud.google.com/kubernetes-engine/docs/how-to/kube-state-metrics).
      monitoringConfig: { enableComponents: ['SYSTEM_COMPONENTS', 'DEPLOYMENT', 'HPA'], managedPrometheus: { enabled: true } },
      securityPostureConfig: { mode: 'BASIC', vulnerabilityMode: 'VULNERABILITY_DISABLED' }, // basic tier retired; images are scanned in the registry (docs/deploy.md)
      maintenancePolicy: { recurringWindow: { ...props.maintenanceWindow } },
      resourceLabels: labels,
      deletionProtection: props.deletionProtection,
    });

    this.nodePool = this.pool('node-pool', `${props.name}-pool`, props, props.nodePool, {});
    for (const dedicated of props.dedicatedNodePools ?? []) {
      // NO_SCHEDULE: only pods tolerating the taint land here; the label lets them ask for it.
      this.dedicatedNodePools[dedicated.name] = this.pool(`${dedicated.name}-node-pool`, `${props.name}-${dedicated.name}`, props, dedicated, {
        taint: [{ key: DEDICATED_POOL_KEY, value: dedicated.name, effect: 'NO_SCHEDULE' }],
        labels: { [DEDICATED_POOL_KEY]: dedicated.name },
        ...(dedicated.sysctls && Object.keys(dedicated.sysctls).length > 0 ? { linuxNodeConfig: { sysctls: dedicated.sysctls } } : {}),
      });
    }
    this.dnsEndpoint = this.cluster.controlPlaneEndpointsConfig.dnsEndpointConfig.endpoint;
  }

  private pool(id: string, name: string, props: GkeClusterProps, pool: GkeNodePoolProps, extra: PoolExtras): ContainerNodePool {
    const labels = props.labels ?? {};
    const hardened = hardenedNodeConfig(props.nodeServiceAccount, labels, this.nodeTags);
    return new ContainerNodePool(this, id, {
      name: name.slice(0, 40),
      project: props.project,
      cluster: this.cluster.id,
      location: props.location,
      nodeLocations: props.nodeLocations,
      // initial_node_count is ForceNew in the provider: derived from the minimum, raising the minimum
      // would replace the whole regional pool (every node at once). It is fixed instead, and only
      // autoscaling (updated in place) follows the config; the autoscaler adds nodes for Pending
      // pods. ignore_changes keeps an edit of this constant, or GKE's report of it after a resize,
      // from ever replacing a live pool.
      initialNodeCount: INITIAL_NODES_PER_ZONE,
      lifecycle: { ignoreChanges: ['initial_node_count'] },
      autoscaling: { minNodeCount: pool.minNodesPerZone, maxNodeCount: pool.maxNodesPerZone, locationPolicy: 'BALANCED' },
      management: { autoRepair: true, autoUpgrade: true },
      // Surge upgrades: a new node joins before an old one drains, so capacity never dips.
      upgradeSettings: { strategy: 'SURGE', maxSurge: SURGE_NODES, maxUnavailable: 0 },
      nodeConfig: {
        machineType: pool.machineType,
        diskSizeGb: pool.diskSizeGb ?? DEFAULT_NODE_DISK_SIZE_GB,
        diskType: pool.diskType ?? DEFAULT_NODE_DISK_TYPE,
        ...hardened,
        labels: { ...hardened.labels, ...extra.labels },
        taint: extra.taint,
        linuxNodeConfig: extra.linuxNodeConfig,
      },
    });
  }
}

interface PoolExtras {
  readonly taint?: { key: string; value: string; effect: string }[];
  readonly labels?: Record<string, string>;
  readonly linuxNodeConfig?: { sysctls: Record<string, string> };
}


/** Nodes per zone a new pool starts with; afterwards the autoscaler (min/max from config) sizes it. */
export const INITIAL_NODES_PER_ZONE = 1;

/** Extra nodes a surge upgrade adds before it drains an old one (ci/quota.ts counts them). */
export const SURGE_NODES = 1;
export const DEFAULT_NODE_DISK_SIZE_GB = 50;
export const DEFAULT_NODE_DISK_TYPE = 'pd-balanced';

/** What every node of the cluster runs with, the transient default pool's included. */
function hardenedNodeConfig(serviceAccount: string, labels: Record<string, string>, tags: string[]) {
  return {
    imageType: 'COS_CONTAINERD',
    serviceAccount,
    // Access is limited by the service account's IAM roles; the scope only allows IAM to decide.
    oauthScopes: ['https://www.googleapis.com/auth/cloud-platform'],
    workloadMetadataConfig: { mode: 'GKE_METADATA' },
    shieldedInstanceConfig: { enableSecureBoot: true, enableIntegrityMonitoring: true },
    metadata: { 'disable-legacy-endpoints': 'true' },
    labels,
    resourceLabels: labels,
    tags,
  };
}

function validate(props: GkeClusterProps): void {
  const problems: string[] = [];
  if (props.name.length > 40) problems.push(`name "${props.name}" is ${props.name.length} characters; GKE allows 40`);
  for (const n of props.masterAuthorizedNetworks ?? []) {
    const problem = authorizedNetworkProblem(n.cidrBlock);
    if (problem) problems.push(`masterAuthorizedNetworks "${n.displayName}": ${problem}`);
  }
  if (props.nodeLocations.length === 0) problems.push('nodeLocations is empty; list the zones of the region that run nodes');
  for (const zone of props.nodeLocations) {
    if (!zone.startsWith(`${props.location}-`)) problems.push(`nodeLocations "${zone}" is not in ${props.location}`);
  }
  for (const [field, pool] of [['nodePool', props.nodePool] as const, ...(props.dedicatedNodePools ?? []).map((p, i) => [`dedicatedNodePools[${i}]`, p] as const)]) {
    if (pool.minNodesPerZone > pool.maxNodesPerZone) {
      problems.push(`${field}.minNodesPerZone (${pool.minNodesPerZone}) exceeds maxNodesPerZone (${pool.maxNodesPerZone})`);
    }
  }
  const names = (props.dedicatedNodePools ?? []).map((p) => p.name);
  names.forEach((n, i) => {
    if (!/^[a-z][a-z0-9-]{0,9}$/.test(n)) problems.push(`dedicatedNodePools[${i}].name "${n}" must be 1-10 lowercase letters, digits or "-" (it becomes the pool name, a label and a taint value)`);
    if (names.indexOf(n) !== i) problems.push(`dedicatedNodePools[${i}].name "${n}" is used twice; give each pool its own name`);
  });
  if (problems.length > 0) throw new Error(`GkeCluster ${props.name}: ${problems.join('; ')}`);
}
