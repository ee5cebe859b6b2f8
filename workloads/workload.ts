import type { EnvironmentConfig } from '../config';
import { CLOUDFLARE_RANGES } from '../facts/cloudflare-ips';
import { GOOGLE_FRONT_END_RANGES } from '../facts/google-ranges';
import type { NginxContainerProps, TrafficRule } from '../constructs/kubernetes';
import { APP_SOCKET_PATH, POD_LAYOUT } from '../constructs/nginx';
import type { WorkloadMonitoring } from '../monitoring/workload-alerts';
import type { PolicySuppression } from '../policy';
import { SCRAPE_PORT_NAME } from '../policy/rules/kubernetes';
import type { RouteSpec } from './routes';

/*
 * A workload is one definition: its pod (NGINX backend, app container, environment, files, probes,
 * egress), its routes, its identity and IAM needs and its image. The stacks (core, workloads,
 * ingress, edge), the CI scripts and the test harness (testing/) iterate over WORKLOADS
 * (workloads/index.ts); the per-environment sizing and image pin is `workloads.<name>` in config.
 */

/**
 * The paths a workload's app is told: in the pod they come from POD_LAYOUT (POD_APP_PATHS); the test
 * harness (testing/) rebases them onto a loopback directory.
 */
export interface AppPaths {
  /** The app's unix socket, for socket-backed NGINX. */
  readonly socketPath: string;
  /** The directory of generated files, for file-serving NGINX. */
  readonly htmlDir: string;
  /** Prefix of every mounted file's path: empty in the pod. */
  readonly mountRoot: string;
  /** The node binary of the distroless nodejs images (NODE_SERVICE_DOCKERFILE). */
  readonly nodeBin: string;
}

/**
 * The TCP port of every Node service's Prometheus metrics (METRICS_PORT): on the pod IP, beside
 * NGINX's port, never proxied by it; only Managed Prometheus's collectors may reach it (network policy).
 * 9464 is the port OpenTelemetry's Prometheus exporter made customary for app metrics.
 */
export const METRICS_PORT = 9464;
/** The port's name in the pod spec; the PodMonitoring scrapes it by name, and the policy knows it as scrape-only. */
export const METRICS_PORT_NAME = SCRAPE_PORT_NAME;

/**
 * The one Dockerfile of every workload's image, built from the repository root with
 * imageBuildArgs; its `<Dockerfile>.dockerignore` beside it. ci/build-images.sh names the
 * same path (__tests__/ci/images.integration.test.ts holds them together).
 */
export const NODE_SERVICE_DOCKERFILE = 'services/node-service.Dockerfile';
/** What node runs in every Node service image (its CMD): the workspace, i.e. its package.json `main`. */
export const NODE_SERVICE_ENTRY = '.';

/** The app container's arguments for a pod with `nodeFlags`, else undefined (the image's CMD). */
export function nodeServiceArgs(pod: Pick<WorkloadPod, 'nodeFlags'>): string[] | undefined {
  return pod.nodeFlags?.length ? [...pod.nodeFlags, NODE_SERVICE_ENTRY] : undefined;
}

/** The `--build-arg`s of a workload's image: which workspace NODE_SERVICE_DOCKERFILE builds. */
export function imageBuildArgs(definition: Pick<WorkloadDefinition, 'service'>): Record<string, string> {
  return { SERVICE: definition.service };
}

/** The app's paths in the pod: POD_LAYOUT's, and the node binary of the distroless image. */
export const POD_APP_PATHS: AppPaths = { socketPath: APP_SOCKET_PATH, htmlDir: POD_LAYOUT.htmlDir, mountRoot: '', nodeBin: '/nodejs/bin/node' };

/**
 * Real-IP trusts exactly the hops in front of the pods: Google front ends, the LB's own address
 * (the LB appends it to X-Forwarded-For) and Cloudflare. Any other XFF entry is the client's claim.
 */
export function podTrustedProxies(loadBalancerAddress: string): string[] {
  return [...GOOGLE_FRONT_END_RANGES, loadBalancerAddress, ...CLOUDFLARE_RANGES];
}

/**
 * Seconds between a pod turning Terminating and the global LB no longer picking its endpoint: GKE's
 * NEG controller detaches endpoints asynchronously (Service endpoints → NEG API → every Google
 * front end), and GKE's guidance for container-native load balancing is to keep the pod serving
 * 10–15 s beyond that, before the LB's own connection draining starts counting.
 */
export const NEG_DETACH_SECONDS = 15;

/**
 * Seconds pods keep serving after termination starts: the NEG detach, then the backend services'
 * connection draining (`ingress.connectionDrainingTimeoutSec`), during which the LB still finishes
 * in-flight requests on the detached endpoint. One config value drives both the LB and the pods,
 * so the pods' drain is never shorter than the LB's draining.
 */
export function drainSecondsFor(env: Pick<EnvironmentConfig, 'ingress'>): number {
  return NEG_DETACH_SECONDS + env.ingress.connectionDrainingTimeoutSec;
}

export interface PodContext {
  readonly env: EnvironmentConfig;
  /** The region whose cluster runs the pod (one of `env.regions`). */
  readonly region: string;
  /** Addresses NGINX's real-IP module trusts to report the client (podTrustedProxies). */
  readonly trustedProxies: string[];
  readonly paths: AppPaths;
  /** The bundle bucket's Vite manifest, over HTTPS (a loopback server in tests). */
  readonly bundleManifestUrl: string;
  /** Seconds NGINX and the app keep serving after termination starts. */
  readonly drainSeconds: number;
}

/** A file mounted read-only into the app container. Build it with the static factories. */
export class AppFile {
  /**
   * One of core's Secret Manager secrets, mounted by the GKE Secret Manager add-on's CSI driver
   * from the pod's own Workload Identity when the pod starts: Terraform declares only where the
   * value lives (a SecretProviderClass naming `versions/latest`), so no state, plan, program or
   * synthesized file ever holds it. The app reads it once at start: after adding a version, roll
   * the pods (docs/deploy.md). Until a version exists the pod waits in ContainerCreating.
   */
  static fromSecretManager(props: {
    /** The secret's name in core; the workload must list `CoreAccess.secret(name)` in its access. */
    readonly secret: string;
    /** The SecretProviderClass's name (also its Terraform construct id). */
    readonly providerClass: string;
    readonly dir: string;
    readonly key: string;
  }): AppFile {
    return new AppFile(props.dir, props.key, { kind: 'secret', ...props });
  }

  /** A ConfigMap whose content the definition computes from the environment. */
  static configMap(props: { readonly kubernetesName: string; readonly dir: string; readonly key: string; readonly content: string }): AppFile {
    return new AppFile(props.dir, props.key, { kind: 'configMap', ...props });
  }

  private constructor(
    /** Mount directory in the pod. */
    readonly dir: string,
    /** The file's name: the path in the SecretProviderClass, or the ConfigMap key. */
    readonly key: string,
    readonly source:
      | { kind: 'secret'; secret: string; providerClass: string }
      | { kind: 'configMap'; kubernetesName: string; content: string },
  ) {}

  /** Where the app finds the file, under `paths.mountRoot`. */
  pathIn(paths: AppPaths): string {
    return `${paths.mountRoot}${this.dir}/${this.key}`;
  }
}

/** What a workload's pod runs: everything NginxFrontedApp needs besides identity, sizing and image. */
export interface WorkloadPod {
  /** NGINX's settings; NginxFrontedApp adds the port and NGINX's own paths. */
  readonly nginx: NginxContainerProps['config'];
  /** The emptyDir both containers share (POD_LAYOUT.socketDir or POD_LAYOUT.htmlDir). */
  readonly sharedDir: string;
  readonly env: Record<string, string>;
  /**
   * Node.js and V8 flags for the app process, before its entry: for what NODE_OPTIONS may not
   * carry (V8's heap sizing, e.g. `--initial-old-space-size`). The container then runs
   * `node <flags> NODE_SERVICE_ENTRY` in place of the image's CMD.
   * @default [] (the image's CMD)
   */
  readonly nodeFlags?: readonly string[];
  /** @default [] */
  readonly files?: readonly AppFile[];
  /** @default - none */
  readonly livenessCommand?: readonly string[];
  /** @default - none */
  readonly preStopCommand?: readonly string[];
  /** @default - NginxFrontedApp's: drain + worker_shutdown_timeout + 10 */
  readonly terminationGracePeriodSeconds?: number;
  /** Where the pod may connect to, besides nothing. */
  readonly egress: readonly TrafficRule[];
  /**
   * The app's Prometheus port on the pod IP (METRICS_PORT): the stack names it METRICS_PORT_NAME, lets
   * only Managed Prometheus's collectors reach it and scrapes it with a PodMonitoring.
   * @default - no app metrics
   */
  readonly metricsPort?: number;
}

/** What a workload's Google service account may use in `core`. Build it with the static factories. */
export class CoreAccess {
  /**
   * Read the Secret Manager secret `isoscribe-<env>-<name>` (roles/secretmanager.secretAccessor).
   * Core creates it, without a value: its versions are added out of band (docs/deploy.md).
   */
  static secret(name: string): CoreAccess {
    if (!/^[a-z][a-z0-9-]{0,40}$/.test(name)) throw new Error(`CoreAccess.secret: "${name}" must be lowercase letters, digits and "-", e.g. "mongodb-uri"`);
    return new CoreAccess(name, 'secret');
  }

  /** Read objects of the static-bundle bucket, e.g. the Vite manifest (roles/storage.objectViewer). */
  static bundleBucketRead(): CoreAccess {
    return new CoreAccess('bundle-read', 'bundle-bucket');
  }

  private constructor(
    /** @internal the suffix of the grant's construct id `<workload>-sa-<name>`; a secret's own name. */
    readonly name: string,
    readonly kind: 'secret' | 'bundle-bucket',
  ) {}
}

/**
 * Whether the workload's pods act as a Google service account: only for the Google APIs the pods
 * call themselves, through the GKE metadata server (the bundle bucket). Secrets need none: GKE's
 * Secret Manager add-on reads them as the pod's Kubernetes service account (stacks/core-stack.ts).
 */
export function needsGoogleServiceAccount(workload: Pick<WorkloadDefinition, 'access'>): boolean {
  return (workload.access ?? []).some((a) => a.kind !== 'secret');
}

export interface WorkloadDefinition {
  /**
   * Short name: the Kubernetes resources and service account, the Google service account
   * `isoscribe-<env>-<name>`, the NEG and backend service, the config entry `workloads.<name>`
   * and the CI image override variables `ISOSCRIBE_<NAME>_IMAGE_{TAG,DIGEST}`.
   */
  readonly name: string;
  /**
   * The npm workspace under services/ this workload runs: NODE_SERVICE_DOCKERFILE builds its image
   * (imageBuildArgs), which runs the workspace's package.json "main".
   */
  readonly service: string;
  /** What the load balancer and Cloudflare send here (workloads/routes.ts). */
  readonly routes: readonly RouteSpec[];
  /** Grants of the workload's Google service account in `core`. @default [] */
  readonly access?: readonly CoreAccess[];
  /** The pod, as a pure function of its context, so testing/ starts exactly what the stack ships. */
  pod(context: PodContext): WorkloadPod;
  /**
   * Its SLOs' latency threshold, its uptime path and the alerts and charts of its own metrics: the
   * monitoring stack derives the rest (SLO burn alerts, uptime checks, endpoints, restarts, HPA, the dashboard).
   */
  readonly monitoring: WorkloadMonitoring;
  /** Policy rules this workload's Deployment is exempt from, each with its reason. @default [] */
  readonly suppressions?: readonly PolicySuppression[];
}

/**
 * Exec probe that GETs `path` over the app's unix socket with the image's own node (kubelet's HTTP
 * probes speak TCP only, and distroless images have no curl). Exits 0 only on HTTP 200.
 */
export function nodeSocketProbe(socketPath: string, path: string, nodeBin: string): string[] {
  const script = [
    `const req = require('http').get({ socketPath: ${JSON.stringify(socketPath)}, path: ${JSON.stringify(path)}, timeout: 4000 },`,
    ' (res) => process.exit(res.statusCode === 200 ? 0 : 1));',
    "req.on('error', () => process.exit(1));",
    "req.on('timeout', () => process.exit(1));",
  ].join('');
  return [nodeBin, '-e', script];
}

/** A preStop that keeps the app serving while NGINX drains; distroless has no `sleep`, node does. */
export function nodeSleep(seconds: number, nodeBin: string): string[] {
  return [nodeBin, '-e', `setTimeout(() => {}, ${seconds * 1000})`];
}
