import { DataGoogleClientConfig } from '@cdktf/provider-google/lib/data-google-client-config';
import { DataGoogleSecretManagerSecretVersion } from '@cdktf/provider-google/lib/data-google-secret-manager-secret-version';
import { GoogleProvider } from '@cdktf/provider-google/lib/provider';
import { ConfigMapV1 } from '@cdktf/provider-kubernetes/lib/config-map-v1';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { SecretV1 } from '@cdktf/provider-kubernetes/lib/secret-v1';
import { Fn } from 'cdktf';
import { Construct } from 'constructs';
import type { EnvironmentConfig, RegionConfig } from '../config';
import { CLOUDFLARE_RANGES } from '../config/cloudflare-ips';
import { GOOGLE_FRONT_END_RANGES, GOOGLE_HEALTH_CHECK_RANGES } from '../config/google-ranges';
import { PolicySuppressions } from '../policy';
import {
  AppFiles,
  DNS_RULE,
  imageReference,
  NginxFrontedApp,
  Peer,
  PodNetworkPolicy,
  RestrictedNamespace,
  WorkloadIdentity,
  type NginxContainerProps,
  type TrafficRule,
} from '../constructs/kubernetes';
import { APP_SOCKET_PATH, NGINX_PORT, NginxBackend, POD_LAYOUT } from '../constructs/nginx';
import type { ClusterStack } from './cluster-stack';
import type { CoreStack } from './core-stack';
import { EnvironmentStack, environmentLabels } from './environment-stack';
import { negName, WORKLOADS_NAMESPACE } from './naming';

/** Largest API request body. NGINX answers 413 above it; the app's own limit is the same number. */
export const API_BODY_LIMIT_KIB = 256;
/** Where the api reads the MongoDB connection string (a Secret mounted as a file). */
export const MONGODB_SECRET_DIR = '/etc/isoscribe/mongodb';
export const MONGODB_SECRET_KEY = 'uri';
/** Where frontend-server reads its page definitions (a ConfigMap mounted as a file). */
export const PAGES_DIR = '/etc/isoscribe/pages';
export const PAGES_KEY = 'pages.json';
/**
 * The load balancer serves the bundle bucket under this path, and CI uploads Vite's build there,
 * so the manifest is the object `static/.vite/manifest.json`.
 */
export const STATIC_PATH_PREFIX = '/static/';
export const BUNDLE_MANIFEST_OBJECT = 'static/.vite/manifest.json';
/** frontend-server writes this SPA shell (FALLBACK_FILE in services/frontend-server/src/pages.ts). */
export const FRONTEND_SPA_FALLBACK = '/200.html';

/** The node binary of the distroless nodejs images both services build on (services/<name>/Dockerfile). */
const NODE_BIN = '/nodejs/bin/node';
/** Seconds pods keep serving after termination starts, while the load balancer detaches them. */
export const DRAIN_SECONDS = 15;
/** The api's own graceful-stop budget (SHUTDOWN_TIMEOUT_MS), inside the grace period. */
const API_SHUTDOWN_SECONDS = 20;

/**
 * Traffic that may never leave a pod through the "any HTTPS" rule: cluster and VPC ranges, the
 * metadata server and link-local addresses, carrier-grade NAT.
 */
export const NON_PUBLIC_IPV4 = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '169.254.0.0/16'];

/**
 * The api and frontend-server of one region, each an NGINX-fronted pod, in a namespace that
 * enforces the `restricted` Pod Security profile and denies all traffic but what is listed here.
 *
 * The Kubernetes provider reaches the cluster from `cluster-<region>` (endpoint and CA by
 * cross-stack reference) with an access token read in this stack at plan time: tokens expire
 * within the hour, so one must never travel through state or outputs.
 */
export class WorkloadsStack extends EnvironmentStack {
  readonly namespace: RestrictedNamespace;
  readonly api: NginxFrontedApp;
  readonly frontend: NginxFrontedApp;

  constructor(scope: Construct, env: EnvironmentConfig, region: RegionConfig, core: CoreStack, cluster: ClusterStack) {
    super(scope, env, 'workloads', region.name);
    const project = env.project.id;
    const labels = { 'app.kubernetes.io/part-of': 'isoscribe', 'app.kubernetes.io/managed-by': 'cdktf' };
    // Workload Identity bindings name no cluster, so the environment's first region owns them (see WorkloadIdentity).
    const ownsIdentityBindings = region.name === env.regions[0].name;

    new GoogleProvider(this, 'google', { project, region: region.name, defaultLabels: environmentLabels(env) });
    const client = new DataGoogleClientConfig(this, 'client');
    const gke = cluster.gke.cluster;
    new KubernetesProvider(this, 'kubernetes', {
      host: `https://${gke.endpoint}`,
      clusterCaCertificate: Fn.base64decode(gke.masterAuth.clusterCaCertificate),
      token: client.accessToken,
    });

    this.namespace = new RestrictedNamespace(this, 'namespace', { name: WORKLOADS_NAMESPACE, labels });
    const namespace = this.namespace.name;

    const trustedProxies = podTrustedProxies(core.globalAddress.address);
    // Only the load balancer's proxies and health checkers reach the pods (container-native LB: straight to the pod IP).
    const loadBalancerSources = [...new Set([...GOOGLE_FRONT_END_RANGES, ...GOOGLE_HEALTH_CHECK_RANGES])];
    const fromLoadBalancer: TrafficRule = { peer: Peer.cidrs(loadBalancerSources), ports: [{ port: NGINX_PORT }] };
    const nginxImage = imageReference(env.workloads.nginxImage);

    // ── api ──────────────────────────────────────────────────────────────────────────────────
    const apiIdentity = new WorkloadIdentity(this, 'api-identity', {
      namespace: WORKLOADS_NAMESPACE,
      dependsOn: [this.namespace.namespace],
      name: 'api',
      project,
      googleServiceAccount: { name: core.apiServiceAccount.account.name, email: core.apiServiceAccount.email },
      bindIamPolicy: ownsIdentityBindings,
    });
    // Terraform reads the value at plan time and writes it straight into the Kubernetes Secret;
    // no program, config or synthesized file ever holds it.
    const mongodbUri = new DataGoogleSecretManagerSecretVersion(this, 'mongodb-uri', { secret: core.mongodbSecret.id });
    const mongodbSecret = new SecretV1(this, 'mongodb-secret', {
      metadata: { name: 'api-mongodb', namespace, labels },
      type: 'Opaque',
      data: { [MONGODB_SECRET_KEY]: mongodbUri.secretData },
    });
    this.api = new NginxFrontedApp(this, 'api', {
      name: 'api',
      namespace,
      serviceAccountName: apiIdentity.name,
      labels,
      nginx: {
        image: nginxImage,
        config: apiNginxConfig(trustedProxies),
      },
      sharedDir: POD_LAYOUT.socketDir,
      app: {
        image: imageReference(env.workloads.api.image),
        resources: env.workloads.api.resources,
        env: apiContainerEnv(),
        files: [AppFiles.fromSecret(mongodbSecret.metadata.name, MONGODB_SECRET_DIR)],
        livenessCommand: nodeSocketProbe(APP_SOCKET_PATH, '/healthz'),
        preStopCommand: apiPreStop(DRAIN_SECONDS),
      },
      replicas: env.workloads.api.replicas,
      autoscaling: env.workloads.api.autoscaling,
      negName: negName(env, 'api'),
      // The api reads the file once at start: a new secret version must roll the pods.
      podAnnotations: { 'isoscribe.dev/mongodb-secret-version': mongodbUri.version },
      drainSeconds: DRAIN_SECONDS,
      terminationGracePeriodSeconds: DRAIN_SECONDS + API_SHUTDOWN_SECONDS + 10,
    });
    new PodNetworkPolicy(this, 'api-network', {
      namespace,
      name: 'api',
      podLabels: this.api.selectorLabels,
      ingress: [fromLoadBalancer],
      egress: [DNS_RULE, { peer: Peer.cidrs(env.mongodb.cidrs), ports: [{ port: env.mongodb.port }] }],
    });

    // ── frontend-server ──────────────────────────────────────────────────────────────────────
    const frontendIdentity = new WorkloadIdentity(this, 'frontend-identity', {
      namespace: WORKLOADS_NAMESPACE,
      dependsOn: [this.namespace.namespace],
      name: 'frontend',
      project,
      googleServiceAccount: { name: core.frontendServiceAccount.account.name, email: core.frontendServiceAccount.email },
      bindIamPolicy: ownsIdentityBindings,
    });
    const pages = new ConfigMapV1(this, 'frontend-pages', {
      metadata: { name: 'frontend-pages', namespace, labels },
      data: { [PAGES_KEY]: frontendPages(env) },
    });
    this.frontend = new NginxFrontedApp(this, 'frontend', {
      name: 'frontend',
      namespace,
      serviceAccountName: frontendIdentity.name,
      labels,
      nginx: {
        image: nginxImage,
        config: frontendNginxConfig(trustedProxies),
      },
      sharedDir: POD_LAYOUT.htmlDir,
      app: {
        image: imageReference(env.workloads.frontend.image),
        resources: env.workloads.frontend.resources,
        env: frontendContainerEnv(`https://storage.googleapis.com/${core.bundleBucket.name}/${BUNDLE_MANIFEST_OBJECT}`),
        files: [AppFiles.fromConfigMap(pages.metadata.name, PAGES_DIR)],
      },
      replicas: env.workloads.frontend.replicas,
      autoscaling: env.workloads.frontend.autoscaling,
      negName: negName(env, 'frontend'),
      drainSeconds: DRAIN_SECONDS,
    });
    PolicySuppressions.add(this.frontend.deployment, [
      {
        id: 'POD-007',
        reason:
          'The generator container serves no port and has no health endpoint: a crash exits the process (and kubelet restarts it), ' +
          'and a stalled generator leaves its last good pages, which NGINX keeps serving; readiness covers the pod through NGINX.',
      },
    ]);
    new PodNetworkPolicy(this, 'frontend-network', {
      namespace,
      name: 'frontend',
      podLabels: this.frontend.selectorLabels,
      ingress: [fromLoadBalancer],
      // Cloud Storage has no fixed, publishable addresses, so the manifest fetch may reach any public
      // address on 443; the except list keeps the cluster, the VPC and the metadata server out.
      egress: [DNS_RULE, { peer: Peer.cidrs(['0.0.0.0/0'], NON_PUBLIC_IPV4), ports: [{ port: 443 }] }],
    });
  }
}

// What each pod runs, as functions of the pod paths: the stack passes the pod's own paths (the
// defaults), and the e2e run (e2e/pods.ts) passes the paths of a loopback pod, so both start the
// same NGINX config, environment and hooks.

/**
 * Real-IP trusts exactly the hops in front of the pods: Google front ends, the LB's own address
 * (the LB appends it to X-Forwarded-For) and Cloudflare. Any other XFF entry is the client's claim.
 */
export function podTrustedProxies(loadBalancerAddress: string): string[] {
  return [...GOOGLE_FRONT_END_RANGES, loadBalancerAddress, ...CLOUDFLARE_RANGES];
}

/** The api pod's NGINX settings; NginxFrontedApp adds the port and NGINX's own paths. */
export function apiNginxConfig(trustedProxies: string[], socketPath: string = APP_SOCKET_PATH): NginxContainerProps['config'] {
  return {
    backend: NginxBackend.unixSocket({ socketPath, readinessPath: '/readyz' }),
    trustedProxies,
    clientMaxBodySize: `${API_BODY_LIMIT_KIB}k`,
  };
}

/** The api container's environment. */
export function apiContainerEnv(
  paths: { socketPath: string; mongodbUriFile: string } = { socketPath: APP_SOCKET_PATH, mongodbUriFile: `${MONGODB_SECRET_DIR}/${MONGODB_SECRET_KEY}` },
): Record<string, string> {
  return {
    NODE_ENV: 'production',
    // Young generation of 32 MiB instead of 16: half the scavenges under load, and records queued
    // for request_log die young instead of being promoted (bench/results.md, "GC").
    NODE_OPTIONS: '--max-semi-space-size=32',
    LISTEN_SOCKET: paths.socketPath,
    MONGODB_URI_FILE: paths.mongodbUriFile,
    BODY_LIMIT_BYTES: String(API_BODY_LIMIT_KIB * 1024),
    SHUTDOWN_TIMEOUT_MS: String(API_SHUTDOWN_SECONDS * 1000),
    LOG_LEVEL: 'info',
  };
}

/** The api container's preStop: it keeps accepting requests while NGINX drains; distroless has no `sleep`, node does. */
export function apiPreStop(drainSeconds: number, nodeBin: string = NODE_BIN): string[] {
  return [nodeBin, '-e', `setTimeout(() => {}, ${drainSeconds * 1000})`];
}

/** The frontend pod's NGINX settings: the generator's HTML directory as static files. */
export function frontendNginxConfig(trustedProxies: string[], root: string = POD_LAYOUT.htmlDir): NginxContainerProps['config'] {
  return { backend: NginxBackend.staticFiles({ root, spaFallback: FRONTEND_SPA_FALLBACK }), trustedProxies };
}

/** The frontend-server container's environment; `manifestUrl` is the bundle bucket's Vite manifest. */
export function frontendContainerEnv(
  manifestUrl: string,
  paths: { pagesFile: string; outputDir: string } = { pagesFile: `${PAGES_DIR}/${PAGES_KEY}`, outputDir: POD_LAYOUT.htmlDir },
): Record<string, string> {
  return {
    NODE_ENV: 'production',
    PAGES_FILE: paths.pagesFile,
    MANIFEST_URL: manifestUrl,
    ASSET_BASE_URL: STATIC_PATH_PREFIX,
    OUTPUT_DIR: paths.outputDir,
    LOG_LEVEL: 'info',
  };
}

/**
 * Exec probe that GETs `path` over the app's unix socket with the image's own node (kubelet's HTTP
 * probes speak TCP only, and distroless images have no curl). Exits 0 only on HTTP 200.
 */
export function nodeSocketProbe(socketPath: string, path: string, nodeBin: string = NODE_BIN): string[] {
  const script = [
    `const req = require('http').get({ socketPath: ${JSON.stringify(socketPath)}, path: ${JSON.stringify(path)}, timeout: 4000 },`,
    ' (res) => process.exit(res.statusCode === 200 ? 0 : 1));',
    "req.on('error', () => process.exit(1));",
    "req.on('timeout', () => process.exit(1));",
  ].join('');
  return [nodeBin, '-e', script];
}

/** The page definitions frontend-server renders (JSON, which its YAML parser reads as well). */
export function frontendPages(env: EnvironmentConfig): string {
  const origin = `https://${env.domain}`;
  return JSON.stringify(
    {
      lang: 'en',
      pages: [{ route: '/', title: 'Isoscribe', description: 'Write together.', canonical: `${origin}/` }],
      fallback: { title: 'Isoscribe', robots: 'noindex' },
    },
    null,
    2,
  );
}
