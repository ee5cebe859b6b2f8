import type { SecretProviderClass } from './secret-provider-class';
import { ConfigMapV1 } from '@cdktf/provider-kubernetes/lib/config-map-v1';
import {
  DeploymentV1,
  type DeploymentV1SpecTemplateSpecContainer,
  type DeploymentV1SpecTemplateSpecContainerSecurityContext,
  type DeploymentV1SpecTemplateSpecVolume,
} from '@cdktf/provider-kubernetes/lib/deployment-v1';
import { HorizontalPodAutoscalerV2 } from '@cdktf/provider-kubernetes/lib/horizontal-pod-autoscaler-v2';
import { PodDisruptionBudgetV1 } from '@cdktf/provider-kubernetes/lib/pod-disruption-budget-v1';
import { ServiceV1 } from '@cdktf/provider-kubernetes/lib/service-v1';
import { Fn } from 'cdktf';
import { Construct } from 'constructs';
import {
  NGINX_CONFIG_PATH,
  NGINX_HEALTH_PATH,
  NGINX_PORT,
  POD_LAYOUT,
  READINESS_PATH,
  nginxArgs,
  nginxQuitArgs,
  renderNginxConfig,
  type NginxConfigProps,
} from '../nginx';

/** Kubernetes quantities. A CPU limit is optional: it throttles a busy container without saving anything. */
export interface ContainerResources {
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits: { readonly cpu?: string; readonly memory: string };
}

/** A volume of files mounted read-only into the app container at one directory: a ConfigMap's keys or a SecretProviderClass's files (the stack turns each AppFile into one). */
export class AppFileVolume {
  /** The files a SecretProviderClass names, fetched with the pod's Workload Identity when the pod starts. */
  static fromSecretProviderClass(providerClass: SecretProviderClass, mountPath: string): AppFileVolume {
    return new AppFileVolume(mountPath, providerClass.volumeSource());
  }

  /** Each key of the ConfigMap becomes a file under `mountPath` (mode 0444). */
  static fromConfigMap(configMapName: string, mountPath: string): AppFileVolume {
    return new AppFileVolume(mountPath, { configMap: { name: configMapName, defaultMode: '0444' } });
  }

  private constructor(
    readonly mountPath: string,
    /** @internal the volume source. */
    readonly source: Omit<DeploymentV1SpecTemplateSpecVolume, 'name'>,
  ) {}
}

export interface NginxContainerProps {
  /** Pinned image reference of an unprivileged NGINX, e.g. `nginxinc/nginx-unprivileged:1.28.0-alpine`. */
  readonly image: string;
  /**
   * What `renderNginxConfig` needs besides the pod layout, which this construct owns (listen port
   * NGINX_PORT, paths under POD_LAYOUT). The rendered text is what the ConfigMap ships.
   */
  readonly config: Omit<NginxConfigProps, 'listenPort' | 'listenAddress' | 'paths'>;
  /** @default - requests 50m CPU / 64Mi, limit 128Mi (one worker proxying or serving files) */
  readonly resources?: ContainerResources;
  /** @default 101 (the nginx user of nginxinc/nginx-unprivileged) */
  readonly runAsUser?: number;
}

export interface AppContainerProps {
  /** Pinned image reference. */
  readonly image: string;
  /** Environment variables (never secrets: mount those with `files`). @default {} */
  readonly env?: Record<string, string>;
  /** Arguments to the image's entrypoint, in place of its CMD. @default - the image's CMD */
  readonly args?: readonly string[];
  /**
   * TCP ports the app listens on at the pod IP, by name (e.g. a metrics port a PodMonitoring scrapes
   * by name). Visitors never reach them: the Service and the NEG carry NGINX's port only.
   * @default - none: the app talks to NGINX over its socket or shared files only
   */
  readonly ports?: readonly { readonly name: string; readonly containerPort: number }[];
  readonly resources: ContainerResources;
  /** @default 65532 (the nonroot user of distroless images) */
  readonly runAsUser?: number;
  /** Secrets and config files. @default [] */
  readonly files?: readonly AppFileVolume[];
  /**
   * Exec liveness probe: restart the app when this command fails 3 times in a row. The app
   * listens on a unix socket, which kubelet HTTP probes cannot reach, so the command must talk
   * to the socket itself.
   * @default - none: a crash restarts the container; readiness (via NGINX) still takes a hung app out of the load balancer
   */
  readonly livenessCommand?: readonly string[];
  /**
   * Exec preStop hook that must last `drainSeconds`, so the app keeps serving while the load
   * balancer stops sending. Needed when the app serves requests; a file generator can skip it.
   * @default - none: SIGTERM as soon as the pod terminates
   */
  readonly preStopCommand?: readonly string[];
}

export interface NginxFrontedAppProps {
  /** Name of every resource and the `app.kubernetes.io/name` label. */
  readonly name: string;
  readonly namespace: string;
  /** Kubernetes service account of the pods. */
  readonly serviceAccountName: string;
  readonly nginx: NginxContainerProps;
  readonly app: AppContainerProps;
  /**
   * The emptyDir shared by both containers: the app writes (its unix socket, or the files NGINX
   * serves), NGINX mounts it read-only. Must be the directory the NGINX config refers to,
   * e.g. POD_LAYOUT.socketDir or POD_LAYOUT.htmlDir.
   */
  readonly sharedDir: string;
  /** Replicas at creation; afterwards the HPA owns the count (Terraform ignores drift in it). */
  readonly replicas: number;
  readonly autoscaling: {
    readonly minReplicas: number;
    readonly maxReplicas: number;
    /** Average CPU utilisation of the pods, in percent of their requests. */
    readonly targetCpuUtilization: number;
  };
  /**
   * Name of the standalone zonal NEGs GKE creates for the Service (annotation `cloud.google.com/neg`),
   * so a load balancer can reference them by name and zone.
   * @default - no NEG
   */
  readonly negName?: string;
  /**
   * Seconds NGINX (and the app's preStop) keep serving after termination starts, while the load
   * balancer takes the endpoint out of its NEG.
   * @default 15
   */
  readonly drainSeconds?: number;
  /**
   * Must exceed drain + NGINX's worker_shutdown_timeout, so SIGKILL never cuts a graceful stop.
   * @default - drainSeconds + worker_shutdown_timeout + 10
   */
  readonly terminationGracePeriodSeconds?: number;
  /** Extra labels on every resource and pod. @default {} */
  readonly labels?: Record<string, string>;
}

/** Container names, fixed so probes, logs and dashboards can rely on them. */
export const NGINX_CONTAINER = 'nginx';
export const APP_CONTAINER = 'app';
const HTTP_PORT_NAME = 'http';
/** Pod template annotation holding the sha256 of the NGINX config. */
export const CONFIG_HASH_ANNOTATION = 'checksum/nginx-config';
const CONFIG_KEY = POD_LAYOUT.nginxConfigFile;

/**
 * An app container behind an NGINX container in one pod, with everything it needs to run safely
 * at scale: the rendered NGINX config in a ConfigMap (a hash of it on the pod template rolls the
 * pods when it changes), a Deployment with restricted security contexts, probes, zone spread and
 * a graceful drain, a ClusterIP Service on NGINX_PORT with an optional NEG, an HPA and a PDB.
 *
 * Both root filesystems are read-only: NGINX writes only to its tmp emptyDir, the app only to the
 * shared emptyDir (and any emptyDir it is given).
 */
export class NginxFrontedApp extends Construct {
  /** The exact text NGINX runs (and the ConfigMap ships): `renderNginxConfig` of the props. */
  readonly nginxConfig: string;
  readonly configMap: ConfigMapV1;
  readonly deployment: DeploymentV1;
  readonly service: ServiceV1;
  readonly autoscaler: HorizontalPodAutoscalerV2;
  readonly disruptionBudget: PodDisruptionBudgetV1;
  /** Labels that select this app's pods (Service, PDB, spread constraints, network policies). */
  readonly selectorLabels: Record<string, string>;
  readonly terminationGracePeriodSeconds: number;

  constructor(scope: Construct, id: string, props: NginxFrontedAppProps) {
    super(scope, id);
    const { name, namespace } = props;
    this.nginxConfig = renderNginxConfig({ ...props.nginx.config, listenPort: NGINX_PORT });
    const drainSeconds = props.drainSeconds ?? 15;
    const workerShutdown = workerShutdownSeconds(this.nginxConfig);
    this.terminationGracePeriodSeconds = props.terminationGracePeriodSeconds ?? drainSeconds + workerShutdown + 10;
    validate(props, this.nginxConfig, drainSeconds, workerShutdown, this.terminationGracePeriodSeconds);

    this.selectorLabels = { 'app.kubernetes.io/name': name };
    const labels = { ...props.labels, ...this.selectorLabels };
    const metadata = { name, namespace, labels };

    this.configMap = new ConfigMapV1(this, 'nginx-config', {
      metadata: { name: `${name}-nginx`, namespace, labels },
      data: { [CONFIG_KEY]: this.nginxConfig },
    });

    const volumes: DeploymentV1SpecTemplateSpecVolume[] = [
      { name: 'nginx-config', configMap: { name: this.configMap.metadata.name, defaultMode: '0444' } },
      { name: 'nginx-tmp', emptyDir: { sizeLimit: '256Mi' } },
      { name: 'shared', emptyDir: { sizeLimit: '64Mi' } },
      ...(props.app.files ?? []).map((f, i) => ({ name: `app-files-${i}`, ...f.source })),
    ];

    const nginx: DeploymentV1SpecTemplateSpecContainer = {
      name: NGINX_CONTAINER,
      image: props.nginx.image,
      command: ['nginx'],
      args: nginxArgs(),
      port: [{ name: HTTP_PORT_NAME, containerPort: NGINX_PORT, protocol: 'TCP' }],
      resources: resources(props.nginx.resources ?? NGINX_RESOURCES),
      securityContext: restrictedContainer(props.nginx.runAsUser ?? 101),
      volumeMount: [
        { name: 'nginx-config', mountPath: POD_LAYOUT.nginxConfigDir, readOnly: true },
        { name: 'nginx-tmp', mountPath: POD_LAYOUT.tmpDir },
        // Read-only is enough to connect to a unix socket: only regular files and directories need a writable mount.
        { name: 'shared', mountPath: props.sharedDir, readOnly: true },
      ],
      // NGINX answers this itself: a failing app never restarts NGINX.
      livenessProbe: { httpGet: { path: NGINX_HEALTH_PATH, port: HTTP_PORT_NAME }, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3 },
      // Through NGINX to the app (or its files): the pod takes traffic only when the whole path works.
      readinessProbe: { httpGet: { path: READINESS_PATH, port: HTTP_PORT_NAME }, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 2 },
      lifecycle: { preStop: [{ exec: { command: nginxPreStop(drainSeconds) } }] },
    };

    const app: DeploymentV1SpecTemplateSpecContainer = {
      name: APP_CONTAINER,
      image: props.app.image,
      env: Object.entries(props.app.env ?? {}).map(([envName, value]) => ({ name: envName, value })),
      args: props.app.args && [...props.app.args],
      port: props.app.ports?.map((p) => ({ name: p.name, containerPort: p.containerPort, protocol: 'TCP' })),
      resources: resources(props.app.resources),
      securityContext: restrictedContainer(props.app.runAsUser ?? 65532),
      volumeMount: [
        { name: 'shared', mountPath: props.sharedDir },
        ...(props.app.files ?? []).map((f, i) => ({ name: `app-files-${i}`, mountPath: f.mountPath, readOnly: true })),
      ],
      livenessProbe: props.app.livenessCommand && {
        exec: { command: [...props.app.livenessCommand] },
        initialDelaySeconds: 10,
        periodSeconds: 20,
        timeoutSeconds: 5,
        failureThreshold: 3,
      },
      lifecycle: props.app.preStopCommand && { preStop: [{ exec: { command: [...props.app.preStopCommand] } }] },
    };

    const spread = (topologyKey: string, whenUnsatisfiable: string) => ({
      topologyKey,
      maxSkew: 1,
      whenUnsatisfiable,
      // Honor: nodes carrying a taint the pod does not tolerate leave the skew count. When a zone
      // fails, its nodes get node.kubernetes.io/unreachable:NoSchedule; with the default (Ignore)
      // that zone still counts as a domain with zero pods, so DoNotSchedule leaves every new pod
      // Pending until the zone returns. Node affinity is honoured already (the default), said here
      // so both policies are explicit.
      nodeTaintsPolicy: 'Honor',
      nodeAffinityPolicy: 'Honor',
      labelSelector: [{ matchLabels: this.selectorLabels }],
      // Count only pods of the same revision, so a rolling update is not blocked by the old ones.
      matchLabelKeys: ['pod-template-hash'],
    });

    this.deployment = new DeploymentV1(this, 'deployment', {
      metadata,
      spec: {
        replicas: String(props.replicas),
        selector: { matchLabels: this.selectorLabels },
        // Never below desired capacity during a rollout: new pods come up (and turn ready) first.
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '0', maxSurge: '25%' } },
        revisionHistoryLimit: 5,
        template: {
          metadata: {
            labels,
            // Terraform hashes the ConfigMap's data, so a config change (even one only Terraform
            // resolves, like the load balancer's address) rolls the pods.
            annotations: {
              [CONFIG_HASH_ANNOTATION]: Fn.sha256(Fn.lookup(this.configMap.data, CONFIG_KEY)),
            },
          },
          spec: {
            serviceAccountName: props.serviceAccountName,
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            terminationGracePeriodSeconds: this.terminationGracePeriodSeconds,
            securityContext: {
              runAsNonRoot: true,
              runAsUser: String(props.app.runAsUser ?? 65532),
              runAsGroup: String(props.app.runAsUser ?? 65532),
              // Group of the emptyDirs and mounted files, shared by both containers.
              fsGroup: String(props.app.runAsUser ?? 65532),
              fsGroupChangePolicy: 'OnRootMismatch',
              seccompProfile: { type: 'RuntimeDefault' },
            },
            topologySpreadConstraint: [
              // Hard across zones (the cluster autoscaler adds nodes in the zone that needs one),
              // soft across nodes (a small pool may not have a node per pod).
              spread('topology.kubernetes.io/zone', 'DoNotSchedule'),
              spread('kubernetes.io/hostname', 'ScheduleAnyway'),
            ],
            container: [nginx, app],
            volume: volumes,
          },
        },
      },
      // The HPA scales the Deployment; Terraform must not reset the count on every apply.
      lifecycle: { ignoreChanges: ['spec[0].replicas'] },
    });

    this.service = new ServiceV1(this, 'service', {
      metadata: {
        ...metadata,
        annotations: props.negName ? { 'cloud.google.com/neg': JSON.stringify({ exposed_ports: { [NGINX_PORT]: { name: props.negName } } }) } : undefined,
      },
      spec: {
        type: 'ClusterIP',
        selector: this.selectorLabels,
        port: [{ name: HTTP_PORT_NAME, port: NGINX_PORT, targetPort: HTTP_PORT_NAME, protocol: 'TCP' }],
      },
    });

    this.autoscaler = new HorizontalPodAutoscalerV2(this, 'autoscaler', {
      metadata,
      spec: {
        minReplicas: props.autoscaling.minReplicas,
        maxReplicas: props.autoscaling.maxReplicas,
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: this.deployment.metadata.name },
        metric: [
          {
            type: 'Resource',
            resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: props.autoscaling.targetCpuUtilization } },
          },
        ],
      },
    });

    // maxUnavailable, not minAvailable: with one replica (dev) minAvailable 1 would block every node drain.
    this.disruptionBudget = new PodDisruptionBudgetV1(this, 'disruption-budget', {
      metadata,
      spec: { maxUnavailable: '1', selector: { matchLabels: this.selectorLabels } },
    });
  }
}

const NGINX_RESOURCES: ContainerResources = { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '128Mi' } };

function resources(r: ContainerResources) {
  const limits: Record<string, string> = { memory: r.limits.memory };
  if (r.limits.cpu !== undefined) limits.cpu = r.limits.cpu;
  return { requests: { cpu: r.requests.cpu, memory: r.requests.memory }, limits };
}

/** What the `restricted` Pod Security Standard asks of every container, and a read-only root. */
export function restrictedContainer(uid: number): DeploymentV1SpecTemplateSpecContainerSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: String(uid),
    runAsGroup: String(uid),
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    privileged: false,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/**
 * The NGINX container's preStop hook: keep serving while the load balancer removes the endpoint,
 * then stop gracefully, then wait for the master (PID 1) to exit: kubelet sends SIGTERM, a fast
 * stop for NGINX, only after the hook. Exported so the pod harness (testing/pod.ts) executes the same
 * hook against a loopback pod (its own config file and master pid).
 */
export function nginxPreStop(drainSeconds: number, configFile: string = NGINX_CONFIG_PATH, masterPid = 1): string[] {
  const quit = ['nginx', ...nginxQuitArgs(configFile)].map((arg) => `'${arg}'`).join(' ');
  return ['/bin/sh', '-c', `sleep ${drainSeconds}; ${quit}; while kill -0 ${masterPid} 2>/dev/null; do sleep 1; done`];
}

/** The graceful-stop bound, read from the rendered config itself (one source of truth). */
function workerShutdownSeconds(config: string): number {
  const match = /^\s*worker_shutdown_timeout (\d+)s;/m.exec(config);
  if (!match) throw new Error('NginxFrontedApp: the rendered NGINX config has no worker_shutdown_timeout; the grace period cannot be checked');
  return Number(match[1]);
}

function validate(props: NginxFrontedAppProps, config: string, drain: number, workerShutdown: number, grace: number): void {
  const fail = (field: string, message: string): never => {
    throw new Error(`NginxFrontedApp ${props.name}: \`${field}\` ${message}`);
  };
  if (!/^[a-z]([-a-z0-9]{0,50}[a-z0-9])?$/.test(props.name)) fail('name', `must be a DNS label of at most 52 chars starting with a letter (got "${props.name}")`);
  const { minReplicas, maxReplicas, targetCpuUtilization } = props.autoscaling;
  if (!Number.isInteger(props.replicas) || props.replicas < 1) fail('replicas', `must be an integer >= 1 (got ${props.replicas})`);
  if (!Number.isInteger(minReplicas) || minReplicas < 1) fail('autoscaling.minReplicas', `must be an integer >= 1 (got ${minReplicas})`);
  if (!Number.isInteger(maxReplicas) || maxReplicas < minReplicas) fail('autoscaling.maxReplicas', `must be an integer >= minReplicas ${minReplicas} (got ${maxReplicas})`);
  if (props.replicas < minReplicas || props.replicas > maxReplicas) fail('replicas', `(${props.replicas}) must lie within autoscaling bounds [${minReplicas}, ${maxReplicas}]`);
  if (!Number.isInteger(targetCpuUtilization) || targetCpuUtilization < 1 || targetCpuUtilization > 100) {
    fail('autoscaling.targetCpuUtilization', `must be a percentage from 1 to 100 (got ${targetCpuUtilization})`);
  }
  if (props.negName !== undefined && !/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/.test(props.negName)) {
    fail('negName', `must be a Compute Engine name: lowercase letters, digits and "-", at most 63 chars (got "${props.negName}")`);
  }
  if (!/^\/[A-Za-z0-9._\/-]+$/.test(props.sharedDir) || props.sharedDir === '/') fail('sharedDir', `must be an absolute directory other than "/" (got "${props.sharedDir}")`);
  if (!config.includes(props.sharedDir)) {
    fail('sharedDir', `"${props.sharedDir}" does not appear in the NGINX config; share the directory its backend uses (socket dir or static root)`);
  }
  for (const dir of [POD_LAYOUT.nginxConfigDir, POD_LAYOUT.tmpDir]) {
    if (props.sharedDir === dir || props.sharedDir.startsWith(`${dir}/`) || dir.startsWith(`${props.sharedDir}/`)) {
      fail('sharedDir', `must not overlap NGINX's own ${dir}`);
    }
  }
  if (!Number.isInteger(drain) || drain < 0) fail('drainSeconds', `must be an integer >= 0 (got ${drain})`);
  if (!Number.isInteger(grace) || grace <= drain + workerShutdown) {
    fail('terminationGracePeriodSeconds', `(${grace}) must exceed drainSeconds (${drain}) + NGINX worker_shutdown_timeout (${workerShutdown}); raise it`);
  }
  const mountPaths = (props.app.files ?? []).map((f) => f.mountPath);
  mountPaths.forEach((path, i) => {
    if (!path.startsWith('/') || path === props.sharedDir || mountPaths.indexOf(path) !== i) {
      fail(`app.files[${i}].mountPath`, `must be an absolute path used by no other mount (got "${path}")`);
    }
  });
}
