import { ClusterRoleBindingV1 } from '@cdktf/provider-kubernetes/lib/cluster-role-binding-v1';
import { DeploymentV1 } from '@cdktf/provider-kubernetes/lib/deployment-v1';
import { Manifest } from '@cdktf/provider-kubernetes/lib/manifest';
import { RoleBindingV1 } from '@cdktf/provider-kubernetes/lib/role-binding-v1';
import { ServiceAccountV1 } from '@cdktf/provider-kubernetes/lib/service-account-v1';
import { PodDisruptionBudgetV1 } from '@cdktf/provider-kubernetes/lib/pod-disruption-budget-v1';
import { Construct } from 'constructs';
import { PolicySuppressions } from '../../policy';
import { DNS_RULE, Peer, PodNetworkPolicy, RestrictedNamespace, restrictedContainer } from '../kubernetes';
import { operatorCrds, operatorRbac } from './upstream';

export interface OpenSearchOperatorProps {
  /** The operator's namespace, e.g. `opensearch-operator-system` (the release's kustomize default). */
  readonly namespace: string;
  /** Pinned operator image reference (its tag is the vendored release). */
  readonly image: string;
  /** The only namespace whose OpenSearch clusters it manages (`--watch-namespace`). */
  readonly watchNamespace: string;
  /** The control plane's private range: the operator talks to the API server there (443). */
  readonly apiServerCidr: string;
  /** The engine's HTTP port in `watchNamespace`, which the operator calls for health and settings. */
  readonly enginePort: number;
  /** @default {} */
  readonly labels?: Record<string, string>;
}

/** The kustomize `namePrefix` of the release's config/default, kept so names match upstream docs. */
export const OPERATOR_NAME_PREFIX = 'opensearch-operator-';
/** The operator's manager container name in the release chart. */
export const OPERATOR_CONTAINER = 'operator-controller-manager';
/** Its distroless image's nonroot user. */
const OPERATOR_UID = 65532;

/**
 * The OpenSearch Kubernetes Operator as its release ships it: every CRD, the manager's ClusterRole and
 * leader-election Role (vendored files, applied unchanged but for names), its service account and
 * bindings, and its Deployment, with the release chart's args, env, probes and sizing
 * (vendor/opensearch-k8s-operator/chart) and these differences, each for hardening:
 * - no kube-rbac-proxy sidecar: metrics stay on loopback (the release binds them to 127.0.0.1);
 * - `--watch-namespace`: it reconciles only the engine's namespace;
 * - `SKIP_INIT_CONTAINER=true`: the engine pods get no root `chown` init container; their volume's
 *   group comes from fsGroup instead (OpenSearchCluster podSecurityContext), so the engine
 *   namespace can enforce the `restricted` Pod Security profile;
 * - the `restricted` security context, a read-only root filesystem and a pinned image.
 */
export class OpenSearchOperator extends Construct {
  readonly namespace: RestrictedNamespace;
  readonly crds: Manifest[];
  readonly deployment: DeploymentV1;
  /** Labels of the operator's pods (network policies in the engine namespace admit them). */
  readonly podLabels = { 'control-plane': 'controller-manager', 'app.kubernetes.io/name': 'opensearch-operator' };

  constructor(scope: Construct, id: string, props: OpenSearchOperatorProps) {
    super(scope, id);
    const labels = props.labels ?? {};
    this.namespace = new RestrictedNamespace(this, 'namespace', { name: props.namespace, labels });
    const namespace = this.namespace.name;

    // CRDs are cluster-scoped and must exist before any custom resource plans (kubernetes_manifest
    // reads the type at plan time): they live in this stack, before the search stack.
    this.crds = operatorCrds().map((crd) => new Manifest(this, `crd-${crd.spec.names.plural}`, {
      manifest: crd,
    }));

    const serviceAccount = new ServiceAccountV1(this, 'service-account', {
      metadata: { name: `${OPERATOR_NAME_PREFIX}controller-manager`, namespace, labels },
      // The operator is a Kubernetes client: its pod mounts a token (below), not every pod of the account.
      automountServiceAccountToken: false,
    });
    const { clusterRole, leaderElectionRole } = operatorRbac();
    const managerRole = new Manifest(this, 'manager-role', {
      manifest: { ...clusterRole, metadata: { ...clusterRole.metadata, name: `${OPERATOR_NAME_PREFIX}${clusterRole.metadata.name}`, labels } },
    });
    const electionRole = new Manifest(this, 'leader-election-role', {
      manifest: { ...leaderElectionRole, metadata: { ...leaderElectionRole.metadata, name: `${OPERATOR_NAME_PREFIX}${leaderElectionRole.metadata.name}`, namespace: props.namespace, labels } },
      dependsOn: [this.namespace.namespace],
    });
    const subject = [{ kind: 'ServiceAccount', name: serviceAccount.metadata.name, namespace }];
    new ClusterRoleBindingV1(this, 'manager-rolebinding', {
      metadata: { name: `${OPERATOR_NAME_PREFIX}manager-rolebinding`, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `${OPERATOR_NAME_PREFIX}${clusterRole.metadata.name}` },
      subject,
      dependsOn: [managerRole],
    });
    new RoleBindingV1(this, 'leader-election-rolebinding', {
      metadata: { name: `${OPERATOR_NAME_PREFIX}leader-election-rolebinding`, namespace, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: `${OPERATOR_NAME_PREFIX}${leaderElectionRole.metadata.name}` },
      subject,
      dependsOn: [electionRole],
    });

    const probe = (path: string) => ({
      httpGet: { path, port: '8081' },
      initialDelaySeconds: 10,
      periodSeconds: 15,
      timeoutSeconds: 3,
      failureThreshold: 3,
    });
    this.deployment = new DeploymentV1(this, 'deployment', {
      metadata: { name: `${OPERATOR_NAME_PREFIX}controller-manager`, namespace, labels: { ...labels, ...this.podLabels } },
      spec: {
        replicas: '1',
        selector: { matchLabels: this.podLabels },
        // The new pod starts (and waits for the leader lease) before the old one stops.
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '0', maxSurge: '1' } },
        template: {
          metadata: { labels: { ...labels, ...this.podLabels } },
          spec: {
            serviceAccountName: serviceAccount.metadata.name,
            automountServiceAccountToken: true,
            enableServiceLinks: false,
            terminationGracePeriodSeconds: 10,
            topologySpreadConstraint: [{
              topologyKey: 'topology.kubernetes.io/zone', maxSkew: 1, whenUnsatisfiable: 'ScheduleAnyway', labelSelector: [{ matchLabels: this.podLabels }],
            }],
            securityContext: {
              runAsNonRoot: true,
              runAsUser: String(OPERATOR_UID),
              runAsGroup: String(OPERATOR_UID),
              seccompProfile: { type: 'RuntimeDefault' },
            },
            container: [{
              name: OPERATOR_CONTAINER,
              image: props.image,
              command: ['/manager'],
              args: [
                '--health-probe-bind-address=:8081',
                '--metrics-bind-address=127.0.0.1:8080',
                '--leader-elect',
                `--watch-namespace=${props.watchNamespace}`,
                '--loglevel=info',
              ],
              env: [
                { name: 'DNS_BASE', value: 'cluster.local' },
                { name: 'PARALLEL_RECOVERY_ENABLED', value: 'true' },
                { name: 'PPROF_ENDPOINTS_ENABLED', value: 'false' },
                { name: 'SKIP_INIT_CONTAINER', value: 'true' },
              ],
              resources: { requests: { cpu: '100m', memory: '350Mi' }, limits: { memory: '500Mi' } },
              livenessProbe: probe('/healthz'),
              readinessProbe: probe('/readyz'),
              securityContext: restrictedContainer(OPERATOR_UID),
            }],
          },
        },
      },
      dependsOn: this.crds,
    });
    PolicySuppressions.add(this.deployment, [
      { id: 'POD-010', reason: 'The operator is a Kubernetes controller: it calls the API server with its service account token (its ClusterRole is the release\'s manager-role).' },
      { id: 'POD-016', reason: 'A leader-elected controller: one replica reconciles and more would only wait for the lease, so CPU load cannot be spread by scaling.' },
    ]);
    new PodDisruptionBudgetV1(this, 'disruption-budget', {
      metadata: { name: `${OPERATOR_NAME_PREFIX}controller-manager`, namespace, labels },
      spec: { maxUnavailable: '1', selector: { matchLabels: this.podLabels } },
    });

    new PodNetworkPolicy(this, 'network', {
      namespace,
      name: 'opensearch-operator',
      podLabels: this.podLabels,
      egress: [
        DNS_RULE,
        { peer: Peer.cidrs([props.apiServerCidr]), ports: [{ port: 443 }] },
        { peer: Peer.pods(props.watchNamespace), ports: [{ port: props.enginePort }] },
      ],
    });
  }
}
