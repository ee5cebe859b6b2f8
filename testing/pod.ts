/**
 * Any workload's pod on loopback, started from its definition (workloads/<name>.ts) exactly as the
 * workloads stack ships it: the same NGINX config, app environment, mounted files, probes and
 * preStop hooks. Only the paths are rebased (AppPaths): the pod gets a directory standing in for
 * its filesystem, and NGINX listens on a free loopback port instead of 8080. What cannot run here
 * (Secret Manager, the bundle bucket) is stood in for by the values the caller passes.
 *
 * Live tests, the e2e run and the benchmarks all start their pods through this module.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LOCAL_ENVIRONMENT, loadEnvironments, type EnvironmentConfig } from '../config';
import { nginxPreStop } from '../constructs/kubernetes/nginx-fronted-app';
import { READINESS_PATH, renderNginxConfig } from '../constructs/nginx';
import { drainSecondsFor, podTrustedProxies, type PodContext, type AppPaths, type WorkloadDefinition, type WorkloadPod } from '../workloads';
import { findNginx, freePort, startNginx, type RunningNginx } from '../testing/nginx';
import { startMetadataServer, type MetadataServer } from '../services/frontend-server/test/support/manifest-server';
import { get, isAlive, waitUntil } from './util';

/**
 * The load balancer's own address: the LB appends it to X-Forwarded-For, so the pods trust it
 * (podTrustedProxies). The emulated LB (e2e/balancer.ts) connects from here.
 */
export const LB_ADDRESS = '127.0.0.1';
/**
 * Clients connect from another loopback address: were they on LB_ADDRESS, NGINX would take them
 * for the load balancer and believe the X-Forwarded-For they send.
 */
export const CLIENT_ADDRESS = '127.0.0.2';

const SERVICES_DIR = path.join(__dirname, '../services');
/** As root the harness runs NGINX as `nobody` (the unprivileged container); its preStop runs as that user too. */
const nginxUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};

/** The local environment (config LOCAL_ENVIRONMENT): what a pod renders when a test names none. */
export function devEnvironment(): EnvironmentConfig {
  return loadEnvironments([LOCAL_ENVIRONMENT])[0];
}

export interface StartPodOptions {
  /** A name for messages. @default the workload's name */
  readonly name?: string;
  /** The environment the definition renders (pages, MongoDB egress). @default dev */
  readonly env?: EnvironmentConfig;
  /** The region the pod runs in. @default the environment's primary region */
  readonly region?: string;
  /** @default podTrustedProxies(LB_ADDRESS): the pod's real list, with loopback as the LB */
  readonly trustedProxies?: string[];
  /** Stand-ins for core's Secret Manager secrets the pod mounts, by secret name. */
  readonly secrets?: Record<string, string>;
  /** Stand-in for the bundle bucket's manifest URL. @default - an address nothing listens on */
  readonly bundleManifestUrl?: string;
  /** @default drainSecondsFor(env): the stack's */
  readonly drainSeconds?: number;
  /** Environment for the app on top of the pod's: test knobs such as LOG_LEVEL or POLL_INTERVAL_MS. */
  readonly appEnv?: Record<string, string>;
  /** Replaces a mounted file's content, by key (e.g. a larger pages file). */
  readonly fileContents?: Record<string, string>;
  /** @default 1 */
  readonly workerProcesses?: number;
  /** Wait until the readiness probe passes through NGINX. @default true */
  readonly waitReady?: boolean;
  /**
   * How the app container starts, given its environment (the pod's, rebased, plus appEnv) and the
   * shared socket: e.g. the built `dist/` artifact, or another program in the app's place behind the
   * same NGINX (bench/peer). @default - the service's source through tsx, as its own tests run it
   */
  readonly appCommand?: (app: { env: Record<string, string>; socketPath: string; nodeFlags: readonly string[] }) => { command: string; args: string[]; cwd: string };
}

export interface TerminationReport {
  /** From the start of termination until both containers had exited. */
  durationMs: number;
  /** The app's exit code: 0 after a graceful stop. */
  appExit: number | string;
  /** NGINX's master had exited when its preStop hook returned. */
  nginxExited: boolean;
}

export interface RunningPod {
  readonly name: string;
  readonly definition: WorkloadDefinition;
  readonly nginx: RunningNginx;
  /** The app container's process. */
  readonly app: ChildProcess;
  /** What the definition produced for this pod's paths. */
  readonly pod: WorkloadPod;
  /** The app container's environment: the pod's, rebased, plus StartPodOptions.appEnv. */
  readonly env: Record<string, string>;
  /** NGINX's address: the pod IP and port the NEG would list. */
  readonly baseUrl: string;
  /** The app's metrics endpoint (WorkloadPod.metricsPort, rebased to a loopback port of this pod's own), if it has one. */
  readonly metricsUrl?: string;
  /** Where each mounted file is, by key. */
  readonly files: Record<string, string>;
  /** True while both containers' processes run. */
  alive(): boolean;
  /** Everything the app wrote. */
  appOutput(): string;
  /** The app's JSON log lines. */
  appLogs(): Array<Record<string, unknown>>;
  /** Resolves with the app's exit code (or signal) once it has exited. */
  readonly appExited: Promise<number | string>;
  /**
   * What kubelet does when the pod is deleted: both preStop hooks start at once, and each
   * container gets SIGTERM when its own hook has finished. `drainSeconds` replaces the pod's drain
   * in both hooks (the parameter the stack passes them). @default the pod's
   */
  terminate(drainSeconds?: number): Promise<TerminationReport>;
  /** Cleanup: SIGTERM (then SIGKILL) whatever still runs, and remove the pod's directory. */
  stop(): Promise<void>;
}

/** Starts `definition`'s pod: NGINX on its config, its files mounted, its app on its environment. */
export async function startPod(definition: WorkloadDefinition, options: StartPodOptions = {}): Promise<RunningPod> {
  const name = options.name ?? definition.name;
  const env = options.env ?? devEnvironment();
  const drainSeconds = options.drainSeconds ?? drainSecondsFor(env);
  let pod: WorkloadPod | undefined;
  let context: PodContext | undefined;
  const nginx = await startNginx({
    config: (layout) => {
      context = {
        env,
        region: options.region ?? env.primaryRegion,
        trustedProxies: options.trustedProxies ?? podTrustedProxies(LB_ADDRESS),
        paths: { socketPath: layout.socketPath, htmlDir: layout.htmlDir, mountRoot: layout.dir, nodeBin: process.execPath },
        bundleManifestUrl: options.bundleManifestUrl ?? 'http://127.0.0.1:9/.vite/manifest.json',
        drainSeconds,
      };
      pod = definition.pod(context);
      return renderNginxConfig({ ...pod.nginx, ...layout.testProps, workerProcesses: options.workerProcesses ?? 1 });
    },
  });
  let app: ChildProcess | undefined;
  let metadata: MetadataServer | undefined;
  try {
    const files = mountFiles(pod!, context!.paths, options);
    // Every pod has its own IP in the cluster; here they share loopback, so each gets a port of its own.
    const metrics = pod!.metricsPort === undefined ? undefined : { METRICS_HOST: '127.0.0.1', METRICS_PORT: String(await freePort()) };
    const env: Record<string, string> = { ...pod!.env, ...metrics, ...options.appEnv };
    // A pod reading with its Workload Identity gets tokens from the GKE metadata server, which cannot
    // run here: a loopback stand-in hands out a fixed token unless the test points it elsewhere.
    if (env.MANIFEST_AUTH === 'metadata' && !env.GCE_METADATA_HOST) {
      metadata = await startMetadataServer('ya29.pod-stand-in-token');
      env.GCE_METADATA_HOST = metadata.host;
    }
    // The pod's node flags (WorkloadPod.nodeFlags), as its container passes them before the entry.
    const nodeFlags = pod!.nodeFlags ?? [];
    const start = options.appCommand?.({ env, socketPath: nginx.layout.socketPath, nodeFlags }) ?? {
      command: process.execPath,
      args: [...nodeFlags, '--require', 'tsx/cjs', appEntry(definition.service)],
      cwd: path.join(SERVICES_DIR, definition.service),
    };
    app = spawn(start.command, start.args, {
      cwd: start.cwd,
      env: { PATH: process.env.PATH, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const child = app;
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const appExited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
    if (options.waitReady ?? true) {
      // Ready as the readiness probe sees it: through NGINX to the app.
      await waitUntil(`${name} pod ready`, 20_000, async () => {
        if (!isAlive(child)) throw new Error(`the app of pod ${name} exited:\n${output}`);
        return (await get(nginx.baseUrl + READINESS_PATH).catch(() => undefined))?.status === 200;
      });
    }
    const master = { alive: () => pidAlive(nginx.pid) };
    const ready = pod!;
    return {
      name,
      definition,
      nginx,
      app: child,
      pod: ready,
      env,
      baseUrl: nginx.baseUrl,
      metricsUrl: env.METRICS_PORT ? `http://${env.METRICS_HOST}:${env.METRICS_PORT}/metrics` : undefined,
      files,
      alive: () => isAlive(child) && master.alive(),
      appOutput: () => output,
      appLogs: () => jsonLines(output),
      appExited,
      terminate: async (drain = drainSeconds) => {
        const started = Date.now();
        const [nginxBin, ...nginxHook] = nginxPreStop(drain, nginx.layout.configFile, nginx.pid);
        const nginxPath = `${path.dirname(findNginx())}:${process.env.PATH ?? ''}`;
        const nginxDone = runHook(nginxBin, nginxHook, { ...nginxUser, env: { PATH: nginxPath } });
        const [appBin, ...appHook] = definition.pod({ ...context!, drainSeconds: drain }).preStopCommand ?? [];
        const appDone = (appBin ? runHook(appBin, appHook, {}) : Promise.resolve()).then(() => child.kill('SIGTERM'));
        await Promise.all([nginxDone, appDone]);
        // kubelet's SIGTERM for the NGINX container comes after its hook, which waited for the master to exit.
        const appExit = await appExited;
        return { durationMs: Date.now() - started, appExit, nginxExited: !master.alive() };
      },
      stop: async () => {
        await stopChild(child);
        await nginx.stop();
        await metadata?.close();
      },
    };
  } catch (error) {
    if (app) await stopChild(app);
    await nginx.stop();
    await metadata?.close();
    throw error;
  }
}

/** Writes each file the pod mounts where the rebased app environment points, with the pod's modes. */
function mountFiles(pod: WorkloadPod, paths: AppPaths, options: StartPodOptions): Record<string, string> {
  const files: Record<string, string> = {};
  for (const file of pod.files ?? []) {
    const { source } = file;
    const content = options.fileContents?.[file.key] ?? (source.kind === 'configMap' ? source.content : options.secrets?.[source.secret]);
    if (content === undefined) {
      throw new Error(`startPod: the pod mounts core's secret "${(source as { secret: string }).secret}"; pass its value in options.secrets`);
    }
    const at = file.pathIn(paths);
    fs.mkdirSync(path.dirname(at), { recursive: true });
    fs.writeFileSync(at, content, { mode: source.kind === 'secret' ? 0o440 : 0o444 });
    files[file.key] = at;
  }
  return files;
}

/**
 * The app's entry point, as its image runs it: the workspace's package.json "main"
 * (services/node-service.Dockerfile's `CMD ["."]`), `dist/x.js` → src/x.ts.
 */
export function appEntry(service: string, servicesDir = SERVICES_DIR): string {
  const file = path.join(servicesDir, service, 'package.json');
  if (!fs.existsSync(file)) throw new Error(`services/${service}/package.json not found: a workload's \`service\` names its npm workspace under services/`);
  const main = (JSON.parse(fs.readFileSync(file, 'utf8')) as { main?: unknown }).main;
  const entry = typeof main === 'string' ? /^(?:\.\/)?dist\/([\w/.-]+)\.js$/.exec(main) : null;
  if (!entry) throw new Error(`services/${service}/package.json: "main" must name the built entry point, "dist/<entry>.js" (got ${JSON.stringify(main)}); the image runs it`);
  return path.join(servicesDir, service, 'src', `${entry[1]}.ts`);
}

/** Runs one exec hook to completion; a failing hook is an error (kubelet would log it). */
function runHook(command: string, args: string[], options: { uid?: number; gid?: number; env?: NodeJS.ProcessEnv }): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'], env: options.env ?? { PATH: process.env.PATH }, uid: options.uid, gid: options.gid });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`preStop ${command} exited ${code}: ${stderr}`))));
  });
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // A zombie still answers kill -0; /proc tells it apart.
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (!isAlive(child)) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

function jsonLines(text: string): Array<Record<string, unknown>> {
  return text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
}
