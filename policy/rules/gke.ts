import { at, isFalse, isTrue, many, one, requireAt, show, stringMap, type Attributes } from '../attributes';
import { authorizedNetworkProblem } from '../../facts/control-plane-networks';
import { rulesFor, type PolicyRule, type ResourceView } from '../rule';

const CLUSTER = 'google_container_cluster';
const NODE_POOL = 'google_container_node_pool';

/** Node configs of a resource: a node pool's, or a cluster's own when it still declares one. */
function nodeConfigs(resource: ResourceView) {
  return many(resource.attributes.node_config);
}

/**
 * Runs a check on every node config, each problem prefixed `node_config.`; a node pool must have one,
 * a cluster that declares none has nothing to check.
 */
function perNodeConfig(resource: ResourceView, check: (config: Attributes) => string[]): string[] {
  const configs = nodeConfigs(resource);
  if (resource.type === NODE_POOL && configs.length === 0) return ['node_config is absent'];
  return configs.flatMap((c) => check(c).map((problem) => `node_config.${problem}`));
}

export const GKE_RULES: PolicyRule[] = [
  ...rulesFor([CLUSTER], [
    {
      id: 'GKE-001',
      description: 'Nodes are private: they have no external IP addresses.',
      fix: 'set privateClusterConfig.enablePrivateNodes: true (egress goes through Cloud NAT).',
      check: (r) => requireAt(r.attributes, 'private_cluster_config.enable_private_nodes', isTrue),
    },
    {
      id: 'GKE-002',
      description:
        'The control plane has no public IP endpoint; authorized networks are at most /24 each and never documentation ranges (RFC 5737), ' +
        'and Google Cloud public ranges are not authorized.',
      fix:
        'set privateClusterConfig.enablePrivateEndpoint: true (clients outside the VPC use controlPlaneEndpointsConfig.dnsEndpointConfig), ' +
        'list only real VPN or bastion ranges in masterAuthorizedNetworksConfig.cidrBlocks and set gcpPublicCidrsAccessEnabled: false.',
      check: (r) => {
        const config = one(r.attributes.master_authorized_networks_config);
        if (!config) return ['master_authorized_networks_config is absent'];
        const problems: string[] = [];
        const ipEndpointsOff = isFalse(at(r.attributes, 'control_plane_endpoints_config.ip_endpoints_config.enabled'));
        if (!ipEndpointsOff && !isTrue(at(r.attributes, 'private_cluster_config.enable_private_endpoint'))) {
          problems.push(`private_cluster_config.enable_private_endpoint is ${show(at(r.attributes, 'private_cluster_config.enable_private_endpoint'))}: the public IP endpoint is on`);
        }
        for (const block of many(config.cidr_blocks)) {
          const problem = authorizedNetworkProblem(String(block.cidr_block));
          if (problem) problems.push(`cidr_blocks: ${problem}`);
        }
        if (isTrue(config.gcp_public_cidrs_access_enabled)) problems.push('gcp_public_cidrs_access_enabled is true');
        return problems;
      },
    },
    {
      id: 'GKE-018',
      description: 'The control plane has a DNS endpoint open to authorized callers: CI without a fixed address reaches it, IAM decides who may.',
      fix: 'set controlPlaneEndpointsConfig.dnsEndpointConfig.allowExternalTraffic: true and grant container.clusters.connect only to the identities that apply workloads.',
      check: (r) => requireAt(r.attributes, 'control_plane_endpoints_config.dns_endpoint_config.allow_external_traffic', isTrue),
    },
    {
      id: 'GKE-003',
      description: 'The cluster is VPC-native: pods and services take alias IPs from the subnet\'s secondary ranges.',
      fix: 'set networkingMode: "VPC_NATIVE" and ipAllocationPolicy with the pod and service range names.',
      check: (r) => [
        ...requireAt(r.attributes, 'networking_mode', (mode) => mode === 'VPC_NATIVE'),
        ...requireAt(r.attributes, 'ip_allocation_policy', (policy) => one(policy) !== undefined),
      ],
    },
    {
      id: 'GKE-004',
      description: 'Workload Identity is enabled, so pods use their own Google identity instead of the node\'s.',
      fix: 'set workloadIdentityConfig: { workloadPool: "<project>.svc.id.goog" }.',
      check: (r) => requireAt(r.attributes, 'workload_identity_config.workload_pool', Boolean),
    },
    {
      id: 'GKE-006',
      description: 'Shielded GKE nodes are enabled: nodes prove their identity to the control plane.',
      fix: 'set enableShieldedNodes: true.',
      check: (r) => requireAt(r.attributes, 'enable_shielded_nodes', isTrue),
    },
    {
      id: 'GKE-008',
      description: 'The cluster follows a release channel, so the control plane and nodes receive security patches.',
      fix: 'set releaseChannel: { channel: "REGULAR" } (or RAPID / STABLE / EXTENDED).',
      check: (r) => requireAt(r.attributes, 'release_channel.channel', (channel) => ['RAPID', 'REGULAR', 'STABLE', 'EXTENDED'].includes(String(channel))),
    },
    {
      id: 'GKE-009',
      description: 'Dataplane V2 enforces network policies; the legacy Calico network_policy block is present and disabled.',
      fix: 'set datapathProvider: "ADVANCED_DATAPATH" and networkPolicy: { enabled: false }.',
      check: (r) => [
        ...requireAt(r.attributes, 'datapath_provider', (provider) => provider === 'ADVANCED_DATAPATH'),
        ...requireAt(r.attributes, 'network_policy.enabled', isFalse, '(must be an explicit false)'),
      ],
    },
    {
      id: 'GKE-010',
      description: 'No client certificate is issued: clients authenticate with Google identities only.',
      fix: 'set masterAuth: { clientCertificateConfig: { issueClientCertificate: false } }.',
      check: (r) => requireAt(r.attributes, 'master_auth.client_certificate_config.issue_client_certificate', isFalse),
    },
    {
      id: 'GKE-011',
      description: 'Legacy ABAC is disabled: RBAC alone authorizes requests.',
      fix: 'set enableLegacyAbac: false.',
      check: (r) => requireAt(r.attributes, 'enable_legacy_abac', isFalse, '(must be an explicit false)'),
    },
    {
      id: 'GKE-012',
      description: 'The default node pool is removed; nodes come from separately managed, hardened node pools.',
      fix: 'set removeDefaultNodePool: true and declare a ContainerNodePool.',
      check: (r) => requireAt(r.attributes, 'remove_default_node_pool', isTrue),
    },
    {
      id: 'GKE-016',
      description: 'The cluster carries resource labels, including `environment`.',
      fix: 'set resourceLabels (stacks use environmentLabels(env)).',
      check: (r) => {
        const labels = stringMap(r.attributes.resource_labels);
        return labels.environment ? [] : [`resource_labels has no "environment" label (labels: ${show(Object.keys(labels))})`];
      },
    },
    {
      id: 'GKE-017',
      description: 'Terraform may not delete the cluster, except in an environment of the `disposable` tier.',
      fix: 'set deletionProtection: true (config: cluster.deletionProtection).',
      check: (r, stack) => {
        if (stack.scope.disposable) return [];
        return requireAt(r.attributes, 'deletion_protection', isTrue, `in environment ${show(stringMap(r.attributes.resource_labels).environment)}`);
      },
    },
  ]),
  // Node settings: a node pool's, and the cluster's own node config where it declares one (its transient default pool).
  ...rulesFor([NODE_POOL, CLUSTER], [
    {
      id: 'GKE-005',
      description: 'Nodes run the GKE metadata server (GKE_METADATA), which hides node credentials from pods.',
      fix: 'set nodeConfig.workloadMetadataConfig: { mode: "GKE_METADATA" } on the node pool.',
      check: (r) => perNodeConfig(r, (c) => requireAt(c, 'workload_metadata_config.mode', (mode) => mode === 'GKE_METADATA')),
    },
    {
      id: 'GKE-007',
      description: 'Nodes boot with Secure Boot and integrity monitoring.',
      fix: 'set nodeConfig.shieldedInstanceConfig: { enableSecureBoot: true, enableIntegrityMonitoring: true }.',
      check: (r) => perNodeConfig(r, (c) => [
        ...requireAt(c, 'shielded_instance_config.enable_secure_boot', isTrue),
        ...requireAt(c, 'shielded_instance_config.enable_integrity_monitoring', isTrue),
      ]),
    },
    {
      id: 'GKE-013',
      description: 'Nodes run as a dedicated least-privilege service account, not the Compute Engine default account, the transient default pool\'s included.',
      fix: 'set nodeConfig.serviceAccount to the email of a dedicated account (core stack: nodeServiceAccount), on the node pool and on the cluster.',
      check: (r) => {
        const configs = nodeConfigs(r);
        if (configs.length === 0) {
          return [r.type === NODE_POOL ? 'node_config is absent' : 'node_config is absent: the default node pool, even one removeDefaultNodePool deletes, runs as the Compute Engine default account'];
        }
        const problems: string[] = [];
        for (const c of configs) {
          const account = c.service_account;
          if (account === undefined || account === 'default') problems.push(`node_config.service_account is ${show(account)}: the Compute Engine default account`);
          else if (/-compute@developer\.gserviceaccount\.com$/.test(String(account))) problems.push(`node_config.service_account is the Compute Engine default account ${account}`);
        }
        return problems;
      },
    },
    {
      id: 'GKE-015',
      description: 'Nodes run Container-Optimized OS with containerd (COS_CONTAINERD).',
      fix: 'set nodeConfig.imageType: "COS_CONTAINERD".',
      check: (r) => perNodeConfig(r, (c) => requireAt(c, 'image_type', (type) => type === 'COS_CONTAINERD')),
    },
  ]),
  {
    id: 'GKE-014',
    resourceTypes: [NODE_POOL],
    description: 'Nodes are repaired and upgraded automatically.',
    fix: 'set management: { autoRepair: true, autoUpgrade: true }.',
    check: (r) => [
      ...requireAt(r.attributes, 'management.auto_repair', isTrue),
      ...requireAt(r.attributes, 'management.auto_upgrade', isTrue),
    ],
  },
];
