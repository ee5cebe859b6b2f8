import { ConfigMapV1 } from '@cdktf/provider-kubernetes/lib/config-map-v1';
import { Manifest } from '@cdktf/provider-kubernetes/lib/manifest';
import { Construct } from 'constructs';
import {
  AppFileVolume,
  imageReference,
  NginxFrontedApp,
  Peer,
  PodNetworkPolicy,
  WorkloadIdentity,
  SecretProviderClass,
  type RestrictedNamespace,
  type TrafficRule,
} from '../constructs/kubernetes';
import { WORKLOADS_NAMESPACE } from '../config/naming';
import { PolicySuppressions } from '../policy';
import { METRICS_PORT_NAME, nodeServiceArgs, type AppFile, type PodContext, type WorkloadDefinition } from './workload';

/**
 * Managed Prometheus's PodMonitoring (its CRD is vendored for the tests from prometheus-engine;
 * https://cloud.google.com/stackdriver/docs/managed-prometheus/setup-managed#gmp-pod-monitoring).
 */
export const POD_MONITORING_API_VERSION = 'monitoring.googleapis.com/v1';
/** How often Managed Prometheus scrapes the apps: Cloud Monitoring's alert evaluation runs every minute, so twice that. */
export const SCRAPE_INTERVAL = '30s';

export interface NginxFrontedWorkloadProps {
  readonly definition: WorkloadDefinition;
  /** What the definition's pod is rendered with: the environment (its sizing and image of this workload), paths, drain. */
  readonly context: PodContext;
  /** The restricted namespace the workload runs in (WORKLOADS_NAMESPACE); its identity waits for it. */
  readonly namespace: RestrictedNamespace;
  readonly labels: Record<string, string>;
  /** Pinned reference of the unprivileged NGINX image. */
  readonly nginxImage: string;
  /**
   * The Google service account the pods act as (Workload Identity), from core.
   * @default - none: the pods call no Google API themselves
   */
  readonly googleServiceAccount?: { readonly name: string; readonly email: string };
  /** Whether this region binds the Kubernetes account to the Google one (the binding names no cluster: one region owns it). */
  readonly bindIamPolicy: boolean;
  /** Secret Manager secret ids by the secret's name in core; every secret the pod mounts must be here. */
  readonly secretIds: Readonly<Record<string, string>>;
  /** The standalone NEG GKE creates for the Service, which the load balancer targets by name. */
  readonly negName: string;
  /** Who may reach NGINX's port: the load balancer's proxies and health checkers. */
  readonly ingress: readonly TrafficRule[];
}

/**
 * One workload definition deployed: its Kubernetes identity, the files its app mounts (ConfigMaps,
 * Secret Manager secrets), the NGINX-fronted pods with their Service, NEG and autoscaler, its
 * suppressions, the network policy that lets only the load balancer (and Managed Prometheus on the
 * metrics port) in and only the definition's egress out, and its PodMonitoring.
 *
 * Its children keep the ids they had as the stack's own children (`<name>-identity`, `<name>`, …):
 * the workloads stack leaves this construct out of their logical IDs, so grouping them here
 * replaced no resource.
 */
export class NginxFrontedWorkload extends Construct {
  readonly identity: WorkloadIdentity;
  readonly app: NginxFrontedApp;
  readonly networkPolicy: PodNetworkPolicy;

  constructor(scope: Construct, id: string, props: NginxFrontedWorkloadProps) {
    super(scope, id);
    const { definition, context, labels } = props;
    const { name } = definition;
    const { env, drainSeconds } = context;
    const namespace = props.namespace.name;
    const sizing = env.workloads[name];
    const pod = definition.pod(context);

    this.identity = new WorkloadIdentity(this, `${name}-identity`, {
      // The plain name, not the namespace's reference: the Workload Identity member is built from it.
      namespace: WORKLOADS_NAMESPACE,
      dependsOn: [props.namespace.namespace],
      name,
      project: env.project.id,
      googleServiceAccount: props.googleServiceAccount,
      bindIamPolicy: props.bindIamPolicy,
    });
    const files = (pod.files ?? []).map((file) => this.mount(file, name, namespace, labels, props.secretIds));
    this.app = new NginxFrontedApp(this, name, {
      name,
      namespace,
      serviceAccountName: this.identity.name,
      labels,
      nginx: { image: props.nginxImage, config: pod.nginx },
      sharedDir: pod.sharedDir,
      app: {
        image: imageReference(sizing.image),
        resources: sizing.resources,
        env: pod.env,
        args: nodeServiceArgs(pod),
        ports: pod.metricsPort === undefined ? undefined : [{ name: METRICS_PORT_NAME, containerPort: pod.metricsPort }],
        files,
        livenessCommand: pod.livenessCommand,
        preStopCommand: pod.preStopCommand,
      },
      replicas: sizing.replicas,
      autoscaling: sizing.autoscaling,
      negName: props.negName,
      drainSeconds,
      terminationGracePeriodSeconds: pod.terminationGracePeriodSeconds,
    });
    if (definition.suppressions?.length) PolicySuppressions.add(this.app.deployment, [...definition.suppressions]);
    this.networkPolicy = new PodNetworkPolicy(this, `${name}-network`, {
      namespace,
      name,
      podLabels: this.app.selectorLabels,
      // The metrics port: Managed Prometheus's collectors only, never the load balancer.
      ingress: [...props.ingress, ...(pod.metricsPort === undefined ? [] : [{ peer: Peer.managedPrometheusCollectors(), ports: [{ port: pod.metricsPort }] }])],
      egress: pod.egress,
    });
    if (pod.metricsPort !== undefined) {
      // The collectors on every node scrape its pods' metrics port by name; `job` in the series is
      // this PodMonitoring's name (the alerts select on it: monitoring/).
      new Manifest(this, `${name}-pod-monitoring`, {
        manifest: {
          apiVersion: POD_MONITORING_API_VERSION,
          kind: 'PodMonitoring',
          metadata: { name, namespace, labels },
          spec: {
            selector: { matchLabels: this.app.selectorLabels },
            endpoints: [{ port: METRICS_PORT_NAME, path: '/metrics', interval: SCRAPE_INTERVAL }],
          },
        },
      });
    }
  }

  private mount(file: AppFile, workload: string, namespace: string, labels: Record<string, string>, secretIds: Readonly<Record<string, string>>): AppFileVolume {
    const { source } = file;
    if (source.kind === 'configMap') {
      const map = new ConfigMapV1(this, source.kubernetesName, {
        metadata: { name: source.kubernetesName, namespace, labels },
        data: { [file.key]: source.content },
      });
      return AppFileVolume.fromConfigMap(map.metadata.name, file.dir);
    }
    // Terraform names where the value lives, never the value: the GKE Secret Manager add-on's
    // CSI driver fetches it with the pod's Workload Identity when the pod starts.
    const secretId = secretIds[source.secret];
    if (!secretId) {
      throw new Error(`Workload ${workload}: its pod mounts the secret "${source.secret}"; add CoreAccess.secret('${source.secret}') to its access in workloads/${workload}.ts`);
    }
    const providerClass = new SecretProviderClass(this, source.providerClass, {
      name: source.providerClass,
      namespace,
      labels,
      files: [{ secretId, path: file.key }],
    });
    return AppFileVolume.fromSecretProviderClass(providerClass, file.dir);
  }
}
