import { ConfigMapV1 } from '@cdktf/provider-kubernetes/lib/config-map-v1';
import { Manifest } from '@cdktf/provider-kubernetes/lib/manifest';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { Construct } from 'constructs';
import type { EnvironmentConfig, RegionConfig } from '../config';
import { GOOGLE_FRONT_END_RANGES, GOOGLE_HEALTH_CHECK_RANGES } from '../facts/google-ranges';
import { PolicySuppressions } from '../policy';
import {
  AppFiles,
  imageReference,
  NginxFrontedApp,
  Peer,
  PodNetworkPolicy,
  RestrictedNamespace,
  WorkloadIdentity,
  type TrafficRule,
} from '../constructs/kubernetes';
import { NGINX_PORT } from '../constructs/nginx';
import { BUNDLE_MANIFEST_OBJECT, drainSecondsFor, METRICS_PORT_NAME, nodeServiceArgs, POD_PATHS, podTrustedProxies, type PodContext, type WorkloadDefinition } from '../workloads';
import type { ClusterStack } from './cluster-stack';
import type { CoreStack } from './core-stack';
import { EnvironmentStack, googleProvider } from './environment-stack';
import { negName, WORKLOADS_NAMESPACE } from './naming';

/**
 * The SecretProviderClass of GKE's Secret Manager add-on (installed with `secret_manager_config`):
 * the add-on is "derived from the open source Kubernetes Secrets Store CSI Driver and the Google
 * Secret Manager provider" (https://cloud.google.com/secret-manager/docs/secret-manager-managed-csi-component)
 * and serves that driver's CRD, group `secrets-store.csi.x-k8s.io`, version `v1`; the add-on's own
 * parts are the provider name `gke` and the CSI driver `secrets-store-gke.csi.k8s.io`. The
 * kube-apiserver tests apply it against the driver's CRD, vendored (testing/upstream/).
 */
export const SECRET_PROVIDER_CLASS_API_VERSION = 'secrets-store.csi.x-k8s.io/v1';

/**
 * Managed Prometheus's PodMonitoring (its CRD is vendored for the tests from prometheus-engine;
 * https://cloud.google.com/stackdriver/docs/managed-prometheus/setup-managed#gmp-pod-monitoring).
 */
export const POD_MONITORING_API_VERSION = 'monitoring.googleapis.com/v1';
/** How often Managed Prometheus scrapes the apps: Cloud Monitoring's alert evaluation runs every minute, so twice that. */
export const SCRAPE_INTERVAL = '30s';

/**
 * The kubernetes provider's exec credential plugin: GKE's own, which prints an ExecCredential
 * holding the caller's gcloud access token. CI installs it with setup-gcloud
 * (`install_components`), operators with `gcloud components install gke-gcloud-auth-plugin`.
 */
export const GKE_AUTH_PLUGIN = { apiVersion: 'client.authentication.k8s.io/v1beta1', command: 'gke-gcloud-auth-plugin' } as const;

/**
 * The kubernetes provider of a stack that applies to `cluster`: its DNS endpoint (CI runners have no
 * fixed address, and its certificate is publicly trusted: no cluster CA), with a token minted by
 * GKE's plugin at run time, never read into state as a data source would be.
 */
export function clusterKubernetesProvider(scope: Construct, cluster: ClusterStack): KubernetesProvider {
  return new KubernetesProvider(scope, 'kubernetes', { host: `https://${cluster.gke.dnsEndpoint}`, exec: [{ ...GKE_AUTH_PLUGIN }] });
}

/**
 * The workloads of one region (workloads/*.ts), each an NGINX-fronted pod, in a namespace that
 * enforces the `restricted` Pod Security profile and denies all traffic but what is listed here.
 *
 * The Kubernetes provider reaches the cluster's DNS endpoint from `cluster-<region>` (by
 * cross-stack reference) and gets its token from GKE's exec credential plugin on the machine that
 * runs Terraform (GKE_AUTH_PLUGIN), when it first calls the API server: no token is in config,
 * outputs or state (issue 13).
 */
export class WorkloadsStack extends EnvironmentStack {
  readonly namespace: RestrictedNamespace;
  /** Each workload's pods, Service (with its NEG) and autoscaler, by workload name. */
  readonly apps: Record<string, NginxFrontedApp> = {};

  constructor(
    scope: Construct,
    env: EnvironmentConfig,
    region: RegionConfig,
    core: CoreStack,
    cluster: ClusterStack,
    workloads: readonly WorkloadDefinition[],
  ) {
    super(scope, env, 'workloads', region.name);
    const project = env.project.id;
    const labels = { 'app.kubernetes.io/part-of': 'isoscribe', 'app.kubernetes.io/managed-by': 'cdktf' };
    // Workload Identity bindings name no cluster, so the environment's primary region owns them (see WorkloadIdentity).
    const ownsIdentityBindings = region.name === env.primaryRegion;

    googleProvider(this, env, region.name);
    clusterKubernetesProvider(this, cluster);

    this.namespace = new RestrictedNamespace(this, 'namespace', { name: WORKLOADS_NAMESPACE, labels });
    const namespace = this.namespace.name;

    // Only the load balancer's proxies and health checkers reach the pods (container-native LB: straight to the pod IP).
    const loadBalancerSources = [...new Set([...GOOGLE_FRONT_END_RANGES, ...GOOGLE_HEALTH_CHECK_RANGES])];
    const fromLoadBalancer: TrafficRule = { peer: Peer.cidrs(loadBalancerSources), ports: [{ port: NGINX_PORT }] };
    const nginxImage = imageReference(env.nginxImage);
    const drainSeconds = drainSecondsFor(env);

    const context: PodContext = {
      env,
      region: region.name,
      trustedProxies: podTrustedProxies(core.globalAddress.address),
      paths: POD_PATHS,
      bundleManifestUrl: `https://storage.googleapis.com/${core.bundleBucket.name}/${BUNDLE_MANIFEST_OBJECT}`,
      drainSeconds,
    };

    for (const workload of workloads) {
      const { name } = workload;
      const sizing = env.workloads[name];
      const pod = workload.pod(context);
      const identity = new WorkloadIdentity(this, `${name}-identity`, {
        namespace: WORKLOADS_NAMESPACE,
        dependsOn: [this.namespace.namespace],
        name,
        project,
        googleServiceAccount: core.workloadServiceAccounts[name]
          ? { name: core.workloadServiceAccounts[name].account.name, email: core.workloadServiceAccounts[name].email }
          : undefined,
        bindIamPolicy: ownsIdentityBindings,
      });
      const files = (pod.files ?? []).map((file) => {
        const { source } = file;
        if (source.kind === 'configMap') {
          const map = new ConfigMapV1(this, source.kubernetesName, {
            metadata: { name: source.kubernetesName, namespace, labels },
            data: { [file.key]: source.content },
          });
          return AppFiles.fromConfigMap(map.metadata.name, file.dir);
        }
        // Terraform names where the value lives, never the value: the GKE Secret Manager add-on's
        // CSI driver fetches it with the pod's Workload Identity when the pod starts (issue 13).
        const secretInCore = core.secrets[source.secret];
        if (!secretInCore) {
          throw new Error(`Workload ${name}: its pod mounts the secret "${source.secret}"; add CoreAccess.secret('${source.secret}') to its access in workloads/${name}.ts`);
        }
        new Manifest(this, source.providerClass, {
          manifest: {
            apiVersion: SECRET_PROVIDER_CLASS_API_VERSION,
            kind: 'SecretProviderClass',
            metadata: { name: source.providerClass, namespace, labels },
            spec: {
              provider: 'gke',
              parameters: { secrets: `- resourceName: "${secretInCore.id}/versions/latest"\n  path: "${file.key}"\n` },
            },
          },
        });
        return AppFiles.fromSecretProviderClass(source.providerClass, file.dir);
      });
      const app = new NginxFrontedApp(this, name, {
        name,
        namespace,
        serviceAccountName: identity.name,
        labels,
        nginx: { image: nginxImage, config: pod.nginx },
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
        negName: negName(env, name),
        drainSeconds,
        terminationGracePeriodSeconds: pod.terminationGracePeriodSeconds,
      });
      if (workload.suppressions?.length) PolicySuppressions.add(app.deployment, [...workload.suppressions]);
      new PodNetworkPolicy(this, `${name}-network`, {
        namespace,
        name,
        podLabels: app.selectorLabels,
        // The metrics port: Managed Prometheus's collectors only, never the load balancer.
        ingress: [fromLoadBalancer, ...(pod.metricsPort === undefined ? [] : [{ peer: Peer.managedPrometheusCollectors(), ports: [{ port: pod.metricsPort }] }])],
        egress: pod.egress,
      });
      if (pod.metricsPort !== undefined) {
        // One per workload: the collectors on every node scrape its pods' metrics port by name; `job`
        // in the series is this PodMonitoring's name (the alerts select on it: monitoring/).
        new Manifest(this, `${name}-pod-monitoring`, {
          manifest: {
            apiVersion: POD_MONITORING_API_VERSION,
            kind: 'PodMonitoring',
            metadata: { name, namespace, labels },
            spec: {
              selector: { matchLabels: app.selectorLabels },
              endpoints: [{ port: METRICS_PORT_NAME, path: '/metrics', interval: SCRAPE_INTERVAL }],
            },
          },
        });
      }
      this.apps[name] = app;
    }
  }
}


