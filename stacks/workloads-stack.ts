import { DataGoogleClientConfig } from '@cdktf/provider-google/lib/data-google-client-config';
import { DataGoogleSecretManagerSecretVersion } from '@cdktf/provider-google/lib/data-google-secret-manager-secret-version';
import { GoogleProvider } from '@cdktf/provider-google/lib/provider';
import { ConfigMapV1 } from '@cdktf/provider-kubernetes/lib/config-map-v1';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { SecretV1 } from '@cdktf/provider-kubernetes/lib/secret-v1';
import { Construct } from 'constructs';
import type { EnvironmentConfig, RegionConfig } from '../config';
import { GOOGLE_FRONT_END_RANGES, GOOGLE_HEALTH_CHECK_RANGES } from '../config/google-ranges';
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
import { BUNDLE_MANIFEST_OBJECT, drainSecondsFor, POD_PATHS, podTrustedProxies, type PodContext, type WorkloadDefinition } from '../workloads';
import type { ClusterStack } from './cluster-stack';
import type { CoreStack } from './core-stack';
import { EnvironmentStack, environmentLabels } from './environment-stack';
import { negName, WORKLOADS_NAMESPACE } from './naming';

/**
 * The workloads of one region (workloads/*.ts), each an NGINX-fronted pod, in a namespace that
 * enforces the `restricted` Pod Security profile and denies all traffic but what is listed here.
 *
 * The Kubernetes provider reaches the cluster's DNS endpoint from `cluster-<region>` (by
 * cross-stack reference) with an access token read in this stack at plan time: tokens expire
 * within the hour, so one must never travel through state or outputs.
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

    new GoogleProvider(this, 'google', { project, region: region.name, defaultLabels: environmentLabels(env) });
    const client = new DataGoogleClientConfig(this, 'client');
    new KubernetesProvider(this, 'kubernetes', {
      // The DNS endpoint: CI runners have no fixed address, and its certificate is publicly trusted (no cluster CA).
      host: `https://${cluster.gke.dnsEndpoint}`,
      token: client.accessToken,
    });

    this.namespace = new RestrictedNamespace(this, 'namespace', { name: WORKLOADS_NAMESPACE, labels });
    const namespace = this.namespace.name;

    // Only the load balancer's proxies and health checkers reach the pods (container-native LB: straight to the pod IP).
    const loadBalancerSources = [...new Set([...GOOGLE_FRONT_END_RANGES, ...GOOGLE_HEALTH_CHECK_RANGES])];
    const fromLoadBalancer: TrafficRule = { peer: Peer.cidrs(loadBalancerSources), ports: [{ port: NGINX_PORT }] };
    const nginxImage = imageReference(env.nginxImage);
    const drainSeconds = drainSecondsFor(env);

    const context: PodContext = {
      env,
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
        googleServiceAccount: { name: core.workloadServiceAccounts[name].account.name, email: core.workloadServiceAccounts[name].email },
        bindIamPolicy: ownsIdentityBindings,
      });
      const podAnnotations: Record<string, string> = {};
      const files = (pod.files ?? []).map((file) => {
        const { source } = file;
        if (source.kind === 'configMap') {
          const map = new ConfigMapV1(this, source.kubernetesName, {
            metadata: { name: source.kubernetesName, namespace, labels },
            data: { [file.key]: source.content },
          });
          return AppFiles.fromConfigMap(map.metadata.name, file.dir);
        }
        // Terraform reads the value at plan time and writes it straight into the Kubernetes Secret;
        // no program, config or synthesized file ever holds it.
        const secretInCore = core.secrets[source.secret];
        if (!secretInCore) {
          throw new Error(`Workload ${name}: its pod mounts the secret "${source.secret}"; add CoreAccess.secret('${source.secret}') to its access in workloads/${name}.ts`);
        }
        const version = new DataGoogleSecretManagerSecretVersion(this, source.secret, { secret: secretInCore.id });
        const secret = new SecretV1(this, source.id, {
          metadata: { name: source.kubernetesName, namespace, labels },
          type: 'Opaque',
          data: { [file.key]: version.secretData },
        });
        podAnnotations[source.rollAnnotation] = version.version;
        return AppFiles.fromSecret(secret.metadata.name, file.dir);
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
          files,
          livenessCommand: pod.livenessCommand,
          preStopCommand: pod.preStopCommand,
        },
        replicas: sizing.replicas,
        autoscaling: sizing.autoscaling,
        negName: negName(env, name),
        podAnnotations: Object.keys(podAnnotations).length > 0 ? podAnnotations : undefined,
        drainSeconds,
        terminationGracePeriodSeconds: pod.terminationGracePeriodSeconds,
      });
      if (workload.suppressions?.length) PolicySuppressions.add(app.deployment, [...workload.suppressions]);
      new PodNetworkPolicy(this, `${name}-network`, {
        namespace,
        name,
        podLabels: app.selectorLabels,
        ingress: [fromLoadBalancer],
        egress: pod.egress,
      });
      this.apps[name] = app;
    }
  }
}


