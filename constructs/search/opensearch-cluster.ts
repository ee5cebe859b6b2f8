import { CronJobV1 } from '@cdktf/provider-kubernetes/lib/cron-job-v1';
import { Manifest } from '@cdktf/provider-kubernetes/lib/manifest';
import { RoleBindingV1 } from '@cdktf/provider-kubernetes/lib/role-binding-v1';
import { RoleV1 } from '@cdktf/provider-kubernetes/lib/role-v1';
import { Construct } from 'constructs';
import type { SearchConfig } from '../../config/schema-search';
import { DEDICATED_POOL_KEY } from '../gcp/gke-cluster';
import { DNS_RULE, Peer, PodNetworkPolicy, RestrictedNamespace, restrictedContainer, SecretProviderClass, WorkloadIdentity, type TrafficRule } from '../kubernetes';
import { NON_PUBLIC_IPV4 } from '../../facts/cidr';

/** The dedicated node pool's name (taint and label value `DEDICATED_POOL_KEY=search`). */
export const SEARCH_NODE_POOL = 'search';
/**
 * OpenSearch's bootstrap check wants vm.max_map_count ≥ 262144
 * (https://docs.opensearch.org/docs/latest/install-and-configure/install-opensearch/index/#important-settings).
 * Set on the node pool (GKE node system config, linux_node_config.sysctls:
 * https://cloud.google.com/kubernetes-engine/docs/how-to/node-system-config#sysctl-options), so no
 * privileged init container is needed (the operator's setVMMaxMapCount stays off).
 */
export const SEARCH_NODE_SYSCTLS = { 'vm.max_map_count': '262144' };
export const SEARCH_HTTP_PORT = 9200;
export const SEARCH_TRANSPORT_PORT = 9300;
/** The OpenSearch image's user and group (uid 1000). */
const ENGINE_UID = 1000;
/** The operator's pod labels (opensearch-operator pkg/helpers/constants.go ClusterLabel). */
export const ENGINE_CLUSTER_LABEL = 'opster.io/opensearch-cluster';
const NODE_POOL_COMPONENT = 'nodes';

/** The Kubernetes Secrets the operator reads, each filled from Secret Manager by the sync job. */
export const SEARCH_K8S_SECRETS = {
  adminCredentials: 'search-admin-credentials',
  securityConfig: 'search-security-config',
  httpCa: 'search-http-ca',
  apiCredentials: 'search-api-credentials',
} as const;

/** The Secret Manager secrets of the engine (created in core, values added out of band: docs/search.md). */
export const SEARCH_SECRETS = {
  adminPassword: 'search-admin-password',
  internalUsers: 'search-internal-users',
  apiPassword: 'search-api-password',
  caCert: 'search-ca-cert',
  caKey: 'search-ca-key',
} as const;

/** The user the api authenticates as, and its role (index permissions on the api's indices). */
export const SEARCH_API_USER = 'isoscribe-api';

export interface OpenSearchClusterProps {
  readonly namespace: string;
  /** The OpenSearchCluster's name; its HTTP Service is `<name>.<namespace>.svc`. */
  readonly name: string;
  readonly project: string;
  readonly config: SearchConfig;
  /** Pinned engine image reference. */
  readonly image: string;
  /** The engine's version (the image's tag), which the operator needs to pick its role names. */
  readonly version: string;
  /** The GCS bucket of this region's snapshots; `basePath` keeps regions apart. */
  readonly snapshots: { readonly bucket: string; readonly basePath: string };
  /** The engine's Google service account (objectAdmin on the bucket, secretAccessor on SEARCH_SECRETS). */
  readonly googleServiceAccount: { readonly name: string; readonly email: string };
  /** Own the Workload Identity bindings (exactly one region per environment, as for the workloads). */
  readonly bindIamPolicy: boolean;
  /** Secret Manager ids (`projects/<p>/secrets/<id>`) of SEARCH_SECRETS, by key. */
  readonly secretIds: Record<keyof typeof SEARCH_SECRETS, string>;
  /** Who may call the engine's HTTP port besides the operator (the api's pods). */
  readonly clients: readonly Peer[];
  /** The indices and aliases the api user manages (its alias and everything named after it, e.g. `documents*`). */
  readonly apiIndexPattern: string;
  /** The operator's namespace and pod labels. */
  readonly operator: { readonly namespace: string; readonly podLabels: Record<string, string> };
  /** The control plane's private range (the secret sync job writes Secrets through the API server). */
  readonly apiServerCidr: string;
  /** @default {} */
  readonly labels?: Record<string, string>;
}

/**
 * One region's search engine: an OpenSearchCluster custom resource the operator turns into a
 * StatefulSet on the dedicated pool, in a namespace that enforces the `restricted` Pod Security
 * profile and denies all traffic but what is listed here. TLS on both layers, the security plugin's
 * authentication with credentials from Secret Manager, snapshots to GCS through Workload Identity.
 */
export class OpenSearchCluster extends Construct {
  readonly namespace: RestrictedNamespace;
  readonly cluster: Manifest;
  /** `https://<name>.<namespace>.svc:9200`: what SEARCH_NODES names in this region. */
  readonly endpoint: string;

  constructor(scope: Construct, id: string, props: OpenSearchClusterProps) {
    super(scope, id);
    const labels = props.labels ?? {};
    const { config } = props;
    this.namespace = new RestrictedNamespace(this, 'namespace', { name: props.namespace, labels });
    const namespace = this.namespace.name;
    this.endpoint = `https://${props.name}.${props.namespace}.svc:${SEARCH_HTTP_PORT}`;
    const gsa = props.googleServiceAccount;

    const engineIdentity = new WorkloadIdentity(this, 'engine-identity', {
      namespace: props.namespace, name: 'opensearch', project: props.project, googleServiceAccount: gsa,
      bindIamPolicy: props.bindIamPolicy, dependsOn: [this.namespace.namespace],
    });
    const syncIdentity = new WorkloadIdentity(this, 'sync-identity', {
      namespace: props.namespace, name: 'search-secret-sync', project: props.project, googleServiceAccount: gsa,
      bindIamPolicy: props.bindIamPolicy, dependsOn: [this.namespace.namespace],
    });

    // Secret Manager → the Kubernetes Secrets the operator reads (it takes no files): the GKE add-on's
    // CSI driver mounts the values with the job's Workload Identity, and the job writes them with
    // server-side apply. Terraform only names where they live; no value enters plan or state.
    const providerClass = 'search-engine-secrets';
    const files: Record<keyof typeof SEARCH_SECRETS, string> = {
      adminPassword: 'admin-password', internalUsers: 'internal_users.yml', apiPassword: 'api-password', caCert: 'ca.crt', caKey: 'ca.key',
    };
    const secretFiles = new SecretProviderClass(this, 'secret-provider-class', {
      name: providerClass,
      namespace: props.namespace,
      labels,
      files: (Object.keys(files) as (keyof typeof SEARCH_SECRETS)[]).map((k) => ({ secretId: props.secretIds[k], path: files[k] })),
      dependsOn: [this.namespace.namespace],
    });
    const secretNames = Object.values(SEARCH_K8S_SECRETS);
    const syncRole = new RoleV1(this, 'sync-role', {
      metadata: { name: 'search-secret-sync', namespace, labels },
      rule: [
        { apiGroups: [''], resources: ['secrets'], resourceNames: secretNames, verbs: ['get', 'patch'] },
        // create cannot be limited by name (the object does not exist yet); server-side apply needs it the first time.
        { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
      ],
    });
    new RoleBindingV1(this, 'sync-rolebinding', {
      metadata: { name: 'search-secret-sync', namespace, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: syncRole.metadata.name },
      subject: [{ kind: 'ServiceAccount', name: syncIdentity.name, namespace }],
    });
    const mount = '/secrets';
    const apply = (name: string, data: Record<string, string>) => {
      const entries = Object.entries(data).map(([key, source]) => `"${key}":"'"$(${source} | base64 -w0)"'"`).join(',');
      return `apply ${name} '{"apiVersion":"v1","kind":"Secret","metadata":{"name":"${name}"},"type":"Opaque","data":{${entries}}}'`;
    };
    const script = [
      'set -eu',
      'token=$(cat /var/run/secrets/kubernetes.io/serviceaccount/token)',
      'apply() { curl -sSf --cacert /var/run/secrets/kubernetes.io/serviceaccount/ca.crt -X PATCH',
      '  -H "Authorization: Bearer $token" -H "Content-Type: application/apply-patch+yaml"',
      `  "https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT/api/v1/namespaces/${props.namespace}/secrets/$1?fieldManager=search-secret-sync&force=true"`,
      '  --data-binary "$2" -o /dev/null; }',
      apply(SEARCH_K8S_SECRETS.adminCredentials, { username: 'printf admin', password: `cat ${mount}/${files.adminPassword}` }),
      apply(SEARCH_K8S_SECRETS.securityConfig, { 'internal_users.yml': `cat ${mount}/${files.internalUsers}` }),
      apply(SEARCH_K8S_SECRETS.httpCa, { 'ca.crt': `cat ${mount}/${files.caCert}`, 'ca.key': `cat ${mount}/${files.caKey}` }),
      apply(SEARCH_K8S_SECRETS.apiCredentials, { password: `cat ${mount}/${files.apiPassword}` }),
    ].join('\n');
    const restricted = restrictedContainer(ENGINE_UID);
    const syncLabels = { 'app.kubernetes.io/name': 'search-secret-sync' };
    new CronJobV1(this, 'secret-sync', {
      metadata: { name: 'search-secret-sync', namespace, labels: { ...labels, ...syncLabels } },
      spec: {
        // A new Secret Manager version reaches the operator within this period (docs/search.md, rotation).
        schedule: '*/10 * * * *',
        concurrencyPolicy: 'Forbid',
        successfulJobsHistoryLimit: 1,
        failedJobsHistoryLimit: 3,
        jobTemplate: {
          metadata: { labels: syncLabels },
          spec: {
            backoffLimit: 2,
            template: {
              metadata: { labels: syncLabels },
              spec: {
                serviceAccountName: syncIdentity.name,
                // The job is a Kubernetes client: it needs its token; no other pod of the namespace mounts one.
                automountServiceAccountToken: true,
                restartPolicy: 'Never',
                securityContext: { runAsNonRoot: true, runAsUser: String(ENGINE_UID), runAsGroup: String(ENGINE_UID), seccompProfile: { type: 'RuntimeDefault' } },
                container: [{
                  name: 'sync',
                  // The engine's own image (bash, curl, base64): no other image to admit.
                  image: props.image,
                  command: ['/bin/bash', '-c', script],
                  resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '64Mi' } },
                  securityContext: restricted,
                  volumeMount: [{ name: 'secrets', mountPath: mount, readOnly: true }],
                }],
                volume: [{ name: 'secrets', ...secretFiles.volumeSource() }],
              },
            },
          },
        },
      },
    });

    const toleration = { key: DEDICATED_POOL_KEY, operator: 'Equal', value: SEARCH_NODE_POOL, effect: 'NoSchedule' };
    const nodeSelector = { [DEDICATED_POOL_KEY]: SEARCH_NODE_POOL };
    const enginePodLabels = { [ENGINE_CLUSTER_LABEL]: props.name };
    const heap = `-Xms${config.heapMi}m -Xmx${config.heapMi}m`;
    this.cluster = new Manifest(this, 'opensearch-cluster', {
      manifest: {
        apiVersion: 'opensearch.opster.io/v1',
        kind: 'OpenSearchCluster',
        metadata: { name: props.name, namespace: props.namespace, labels },
        spec: {
          general: {
            serviceName: props.name,
            version: props.version,
            image: props.image,
            imagePullPolicy: 'IfNotPresent',
            httpPort: SEARCH_HTTP_PORT,
            serviceAccount: engineIdentity.name,
            // vm.max_map_count comes from the node pool (SEARCH_NODE_SYSCTLS): no privileged init container.
            setVMMaxMapCount: false,
            drainDataNodes: true,
            // Installed at start from the OpenSearch artifact site (egress 443 below); docs/search.md says
            // why a custom image with it baked in is the follow-up.
            pluginsList: ['repository-gcs'],
            // No credentials_file in the keystore: the plugin falls back to Google's application
            // default credentials, i.e. the pod's Workload Identity (since OpenSearch 2.12,
            // https://github.com/opensearch-project/OpenSearch/pull/8394). It takes the project only
            // from a key file or this setting (https://github.com/opensearch-project/OpenSearch/issues/11224),
            // so the client is told the project rather than left to find it.
            additionalConfig: { 'gcs.client.default.project_id': props.project },
            snapshotRepositories: [{ name: 'gcs', type: 'gcs', settings: { bucket: props.snapshots.bucket, base_path: props.snapshots.basePath } }],
            podSecurityContext: {
              runAsNonRoot: true,
              runAsUser: ENGINE_UID,
              runAsGroup: ENGINE_UID,
              // The data volume's group: replaces the operator's root chown init container (SKIP_INIT_CONTAINER).
              fsGroup: ENGINE_UID,
              fsGroupChangePolicy: 'OnRootMismatch',
              seccompProfile: { type: 'RuntimeDefault' },
            },
            securityContext: {
              runAsNonRoot: true,
              allowPrivilegeEscalation: false,
              privileged: false,
              capabilities: { drop: ['ALL'] },
              seccompProfile: { type: 'RuntimeDefault' },
            },
          },
          security: {
            config: {
              adminCredentialsSecret: { name: SEARCH_K8S_SECRETS.adminCredentials },
              securityConfigSecret: { name: SEARCH_K8S_SECRETS.securityConfig },
            },
            tls: {
              transport: { generate: true, perNode: true },
              // Node certificates signed by our CA, whose certificate the api verifies (SEARCH_CA_FILE).
              http: { generate: true, caSecret: { name: SEARCH_K8S_SECRETS.httpCa } },
            },
          },
          bootstrap: { tolerations: [toleration], nodeSelector, resources: config.resources, jvm: heap },
          nodePools: [{
            component: NODE_POOL_COMPONENT,
            replicas: config.nodes,
            diskSize: `${config.storage.sizeGi}Gi`,
            roles: ['cluster_manager', 'data'],
            jvm: heap,
            resources: config.resources,
            tolerations: [toleration],
            nodeSelector,
            // One engine node per machine, spread evenly over the zones: a zone lost keeps the quorum.
            topologySpreadConstraints: [
              { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: enginePodLabels } },
            ],
            affinity: {
              podAntiAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: enginePodLabels } }],
              },
            },
            persistence: { pvc: { storageClass: config.storage.storageClass, accessModes: ['ReadWriteOnce'] } },
            pdb: { enable: true, maxUnavailable: 1 },
          }],
        },
      },
      dependsOn: [this.namespace.namespace],
    });

    // The api's user and its role: index permissions on its indices and aliases, nothing cluster-wide
    // beyond bulk (a _bulk request is authorized at cluster level, then per index). What the api and
    // search:reindex do with it, tried on the real security plugin: __tests__/constructs/search/
    // opensearch-cluster.security.real.test.ts. Action groups are the plugin's static ones
    // (https://docs.opensearch.org/2.19/security/access-control/default-action-groups/); a name that is
    // neither a group nor an action is stored by the plugin and grants nothing, which the test refuses.
    const ref = { name: props.name };
    new Manifest(this, 'api-role', {
      manifest: {
        apiVersion: 'opensearch.opster.io/v1', kind: 'OpensearchRole', metadata: { name: 'isoscribe-search', namespace: props.namespace, labels },
        spec: {
          opensearchCluster: ref,
          clusterPermissions: ['cluster_composite_ops'],
          indexPermissions: [{
            indexPatterns: [props.apiIndexPattern],
            // crud: search, get, index, delete, bulk; create_index: the first index and a reindex's;
            // manage_aliases: lookups and the reindex's swap; indices:admin/delete: the reindex drops the
            // index it replaced; refresh: the reindex makes the new index searchable before the swap.
            allowedActions: ['crud', 'create_index', 'manage_aliases', 'indices:admin/delete', 'indices:admin/refresh*'],
          }],
        },
      },
      dependsOn: [this.cluster],
    });
    new Manifest(this, 'api-user', {
      manifest: {
        apiVersion: 'opensearch.opster.io/v1', kind: 'OpensearchUser', metadata: { name: SEARCH_API_USER, namespace: props.namespace, labels },
        spec: { opensearchCluster: ref, passwordFrom: { name: SEARCH_K8S_SECRETS.apiCredentials, key: 'password' } },
      },
      dependsOn: [this.cluster],
    });
    new Manifest(this, 'api-role-binding', {
      manifest: {
        apiVersion: 'opensearch.opster.io/v1', kind: 'OpensearchUserRoleBinding', metadata: { name: 'isoscribe-search', namespace: props.namespace, labels },
        spec: { opensearchCluster: ref, roles: ['isoscribe-search'], users: [SEARCH_API_USER] },
      },
      dependsOn: [this.cluster],
    });

    // Traffic: the namespace's pods (engine, bootstrap pod, the operator's securityadmin job) talk to
    // each other on both ports; the api and the operator reach HTTP only; the engine reaches GCS
    // (snapshots) and the plugin site over HTTPS and the metadata server (Workload Identity tokens).
    const insideNamespace = Peer.pods(props.namespace);
    const engineIngress: TrafficRule[] = [
      { peer: insideNamespace, ports: [{ port: SEARCH_HTTP_PORT }, { port: SEARCH_TRANSPORT_PORT }] },
      { peer: Peer.pods(props.operator.namespace, props.operator.podLabels), ports: [{ port: SEARCH_HTTP_PORT }] },
      ...props.clients.map((peer) => ({ peer, ports: [{ port: SEARCH_HTTP_PORT }] })),
    ];
    new PodNetworkPolicy(this, 'namespace-network', {
      namespace, name: 'search-namespace', podLabels: {},
      ingress: engineIngress,
      egress: [DNS_RULE, { peer: insideNamespace, ports: [{ port: SEARCH_HTTP_PORT }, { port: SEARCH_TRANSPORT_PORT }] }],
    });
    new PodNetworkPolicy(this, 'engine-network', {
      namespace, name: 'search-engine', podLabels: enginePodLabels,
      egress: [
        { peer: Peer.cidrs(['0.0.0.0/0'], NON_PUBLIC_IPV4), ports: [{ port: 443 }] },
        // GKE's metadata server for Workload Identity (https://cloud.google.com/kubernetes-engine/docs/how-to/network-policy#network-policy-and-workload-identity).
        { peer: Peer.cidrs(['169.254.169.252/32']), ports: [{ port: 988 }] },
        { peer: Peer.cidrs(['169.254.169.254/32']), ports: [{ port: 80 }] },
      ],
    });
    new PodNetworkPolicy(this, 'sync-network', {
      namespace, name: 'search-secret-sync', podLabels: syncLabels,
      egress: [{ peer: Peer.cidrs([props.apiServerCidr]), ports: [{ port: 443 }] }],
    });
  }
}
