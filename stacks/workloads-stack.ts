import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { TerraformElement } from 'cdktf';
import { makeUniqueId } from 'cdktf/lib/private/unique';
import { Construct, type Node } from 'constructs';
import { GOOGLE_FRONT_END_RANGES, GOOGLE_HEALTH_CHECK_RANGES } from '../facts/google-ranges';
import { imageReference, Peer, RestrictedNamespace, type NginxFrontedApp, type TrafficRule } from '../constructs/kubernetes';
import { NGINX_PORT } from '../constructs/nginx';
import { BUNDLE_MANIFEST_OBJECT, drainSecondsFor, POD_APP_PATHS, podTrustedProxies, type PodContext, type WorkloadDefinition } from '../workloads';
import { NginxFrontedWorkload } from '../workloads/nginx-fronted-workload';
import type { ClusterStack } from './cluster-stack';
import type { CoreStack } from './core-stack';
import { EnvironmentStack, googleProvider, type EnvironmentStackProps } from './environment-stack';
import { negName, WORKLOADS_NAMESPACE } from '../config/naming';

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

/** What a WorkloadsStack is built from, besides its environment. */
export interface WorkloadsStackProps extends EnvironmentStackProps {
  /** Accounts, secrets, the global address and the bundle bucket. */
  readonly core: CoreStack;
  /** The cluster it deploys to (and so its region). */
  readonly cluster: ClusterStack;
  /** The workloads it deploys. */
  readonly definitions: readonly WorkloadDefinition[];
}

/**
 * The workloads of one region (workloads/*.ts), each an NginxFrontedWorkload, in a namespace that
 * enforces the `restricted` Pod Security profile and denies all traffic but what is listed here;
 * only the load balancer reaches NGINX's port.
 *
 * The Kubernetes provider reaches the cluster's DNS endpoint from `cluster-<region>` (by
 * cross-stack reference) and gets its token from GKE's exec credential plugin on the machine that
 * runs Terraform (GKE_AUTH_PLUGIN), when it first calls the API server: no token is in config,
 * outputs or state.
 */
export class WorkloadsStack extends EnvironmentStack {
  readonly namespace: RestrictedNamespace;
  /** Each workload's pods, Service (with its NEG) and autoscaler, by workload name. */
  readonly apps: Record<string, NginxFrontedApp> = {};

  constructor(scope: Construct, id: string, props: WorkloadsStackProps) {
    super(scope, id, props.env);
    const { env, core, cluster, definitions } = props;
    const { region } = cluster;
    const labels = { 'app.kubernetes.io/part-of': 'isoscribe', 'app.kubernetes.io/managed-by': 'cdktf' };

    googleProvider(this, env, region.name);
    clusterKubernetesProvider(this, cluster);

    this.namespace = new RestrictedNamespace(this, 'namespace', { name: WORKLOADS_NAMESPACE, labels });

    // Only the load balancer's proxies and health checkers reach the pods (container-native LB: straight to the pod IP).
    const loadBalancerSources = [...new Set([...GOOGLE_FRONT_END_RANGES, ...GOOGLE_HEALTH_CHECK_RANGES])];
    const fromLoadBalancer: TrafficRule = { peer: Peer.cidrs(loadBalancerSources), ports: [{ port: NGINX_PORT }] };
    const context: PodContext = {
      env,
      region: region.name,
      trustedProxies: podTrustedProxies(core.globalAddress.address),
      paths: POD_APP_PATHS,
      bundleManifestUrl: `https://storage.googleapis.com/${core.bundleBucket.name}/${BUNDLE_MANIFEST_OBJECT}`,
      drainSeconds: drainSecondsFor(env),
    };
    const secretIds = Object.fromEntries(Object.entries(core.secrets).map(([name, secret]) => [name, secret.id]));

    for (const definition of definitions) {
      const account = core.workloadServiceAccounts[definition.name];
      const workload = new NginxFrontedWorkload(this, definition.name, {
        definition,
        context,
        namespace: this.namespace,
        labels,
        nginxImage: imageReference(env.nginxImage),
        googleServiceAccount: account ? { name: account.account.name, email: account.email } : undefined,
        // Workload Identity bindings name no cluster, so the environment's primary region owns them (see WorkloadIdentity).
        bindIamPolicy: region.name === env.primaryRegion,
        secretIds,
        negName: negName(env, definition.name),
        ingress: [fromLoadBalancer],
      });
      this.apps[definition.name] = workload.app;
    }
  }

  /**
   * Each workload's resources keep the addresses they had before NginxFrontedWorkload grouped them:
   * its level is left out of their logical IDs (cdktf derives them from the construct path below
   * the stack), so that refactoring replaced nothing. Everything else is addressed as cdktf does.
   */
  protected allocateLogicalId(element: TerraformElement | Node): string {
    const node = TerraformElement.isTerraformElement(element) ? element.node : element;
    const below = node.scopes.slice(node.scopes.indexOf(this) + 1);
    if (!below.some((scope) => scope instanceof NginxFrontedWorkload)) return super.allocateLogicalId(element);
    return makeUniqueId(below.filter((scope) => !(scope instanceof NginxFrontedWorkload)).map((scope) => scope.node.id));
  }
}
