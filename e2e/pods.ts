/**
 * The two pods of a region on loopback, started exactly as the workloads stack configures them:
 * the same NGINX config (renderNginxConfig of the stack's own settings), the same environment
 * (apiContainerEnv, frontendContainerEnv), the same preStop hooks (nginxPreStop, apiPreStop) and
 * the same files (MongoDB connection string as a mounted secret file, pages as a mounted ConfigMap).
 * Only the paths are rebased: each pod gets its own directory standing in for the pod's
 * filesystem, and NGINX listens on a free loopback port instead of 8080.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { nginxPreStop } from '../constructs/kubernetes/nginx-fronted-app';
import { READINESS_PATH, renderNginxConfig } from '../constructs/nginx';
import { ENVIRONMENTS, loadEnvironments } from '../config';
import { spawnApi, type ApiProcess } from '../services/api/test/support/api-process';
import { startManifestServer, viteManifest, type ManifestServer } from '../services/frontend-server/test/support/manifest-server';
import {
  apiContainerEnv,
  apiNginxConfig,
  apiPreStop,
  frontendContainerEnv,
  frontendNginxConfig,
  frontendPages,
  MONGODB_SECRET_DIR,
  MONGODB_SECRET_KEY,
  PAGES_DIR,
  PAGES_KEY,
  podTrustedProxies,
} from '../stacks/workloads-stack';
import { findNginx, startNginx, type RunningNginx } from '../__tests__/support/nginx';
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

const FRONTEND_MAIN = path.join(__dirname, '../services/frontend-server/src/main.ts');
/** The harness runs NGINX as `nobody` when root (the unprivileged container); its preStop runs as that user too. */
const nginxUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};

export interface TerminationReport {
  /** From the start of termination until both containers had exited. */
  durationMs: number;
  /** The api's exit code: 0 after a graceful stop. */
  apiExit: number | string;
  /** NGINX's master had exited when its preStop hook returned. */
  nginxExited: boolean;
}

export interface ApiPod {
  readonly name: string;
  readonly nginx: RunningNginx;
  readonly api: ApiProcess;
  /** The api container's environment (apiContainerEnv with this pod's paths). */
  readonly env: Record<string, string>;
  /** NGINX's address, the pod IP and port the NEG would list. */
  readonly baseUrl: string;
  /** True while both containers' processes run. */
  alive(): boolean;
  /** The api's JSON log lines. */
  apiLogs(): Array<Record<string, unknown>>;
  /**
   * What kubelet does when the pod is deleted: both preStop hooks start at once, and each
   * container gets SIGTERM when its own hook has finished. `drainSeconds` replaces the stack's
   * DRAIN_SECONDS in both hooks (the parameter the stack passes them).
   */
  terminate(drainSeconds: number): Promise<TerminationReport>;
  /** Cleanup: SIGTERM (then SIGKILL) whatever still runs, and remove the pod's directory. */
  stop(): Promise<void>;
}

/** The api pod: NGINX on the api config, the api on the unix socket, the secret file mounted. */
export async function startApiPod(name: string, mongoUri: string): Promise<ApiPod> {
  const nginx = await startNginx({
    config: (layout) => renderNginxConfig({ ...apiNginxConfig(podTrustedProxies(LB_ADDRESS), layout.socketPath), ...layout.testProps }),
  });
  // The Kubernetes Secret, mounted as a file at the pod's MONGODB_SECRET_DIR.
  const secretDir = path.join(nginx.dir, MONGODB_SECRET_DIR);
  fs.mkdirSync(secretDir, { recursive: true });
  const uriFile = path.join(secretDir, MONGODB_SECRET_KEY);
  fs.writeFileSync(uriFile, mongoUri, { mode: 0o440 });

  const env = apiContainerEnv({ socketPath: nginx.layout.socketPath, mongodbUriFile: uriFile });
  const api = spawnApi(env);
  try {
    // Ready as the readiness probe sees it: through NGINX to the app.
    await waitUntil(`api pod ${name} ready`, 20_000, async () => {
      if (!isAlive(api.proc)) throw new Error(`api of pod ${name} exited:\n${api.output()}`);
      return (await get(nginx.baseUrl + READINESS_PATH).catch(() => undefined))?.status === 200;
    });
  } catch (error) {
    await api.stop();
    await nginx.stop();
    throw error;
  }
  const nginxMaster = nginxProcess(nginx.pid);

  return {
    name,
    nginx,
    api,
    env,
    baseUrl: nginx.baseUrl,
    alive: () => isAlive(api.proc) && nginxMaster.alive(),
    apiLogs: () => jsonLines(api.output()),
    terminate: async (drainSeconds) => {
      const started = Date.now();
      const [nginxBin, ...nginxHook] = nginxPreStop(drainSeconds, nginx.layout.configFile, nginx.pid);
      const nginxPath = `${path.dirname(findNginx())}:${process.env.PATH ?? ''}`;
      const nginxDone = runHook(nginxBin, nginxHook, { ...nginxUser, env: { PATH: nginxPath } });
      const [nodeBin, ...appHook] = apiPreStop(drainSeconds, process.execPath);
      const appDone = runHook(nodeBin, appHook, {}).then(() => api.proc.kill('SIGTERM'));
      await Promise.all([nginxDone, appDone]);
      // kubelet's SIGTERM for the NGINX container comes after its hook, which waited for the master to exit.
      const apiExit = await api.exited;
      return { durationMs: Date.now() - started, apiExit, nginxExited: !nginxMaster.alive() };
    },
    stop: async () => {
      await api.stop();
      await nginx.stop();
    },
  };
}

export interface FrontendPod {
  readonly nginx: RunningNginx;
  readonly manifest: ManifestServer;
  readonly daemon: ChildProcess;
  readonly baseUrl: string;
  /** The page definitions the pod mounts: the dev environment's ConfigMap content. */
  readonly pages: string;
  alive(): boolean;
  stop(): Promise<void>;
}

/** The frontend pod: NGINX serving the HTML directory, the generator daemon, a loopback manifest. */
export async function startFrontendPod(): Promise<FrontendPod> {
  const manifest = await startManifestServer(viteManifest('e2e0001'));
  let nginx: RunningNginx | undefined;
  let daemon: ChildProcess | undefined;
  try {
    nginx = await startNginx({
      config: (layout) => renderNginxConfig({ ...frontendNginxConfig(podTrustedProxies(LB_ADDRESS), layout.htmlDir), ...layout.testProps }),
    });
    // The frontend-pages ConfigMap, mounted at the pod's PAGES_DIR.
    const [dev] = loadEnvironments([ENVIRONMENTS.find((e) => e.name === 'dev')!]);
    const pages = frontendPages(dev);
    const pagesDir = path.join(nginx.dir, PAGES_DIR);
    fs.mkdirSync(pagesDir, { recursive: true });
    const pagesFile = path.join(pagesDir, PAGES_KEY);
    fs.writeFileSync(pagesFile, pages, { mode: 0o444 });

    const env = { PATH: process.env.PATH, ...frontendContainerEnv(manifest.url, { pagesFile, outputDir: nginx.layout.htmlDir }) };
    const child = spawn(process.execPath, ['--import', 'tsx', FRONTEND_MAIN], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    daemon = child;
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const running = nginx;
    await waitUntil('frontend pod ready', 20_000, async () => {
      if (!isAlive(child)) throw new Error(`frontend-server exited:\n${output}`);
      return (await get(running.baseUrl + READINESS_PATH).catch(() => undefined))?.status === 200;
    });
    const master = nginxProcess(running.pid);
    return {
      nginx: running,
      manifest,
      daemon: child,
      baseUrl: running.baseUrl,
      pages,
      alive: () => isAlive(child) && master.alive(),
      stop: async () => {
        await stopChild(child);
        await running.stop();
        await manifest.close();
      },
    };
  } catch (error) {
    if (daemon) await stopChild(daemon);
    await nginx?.stop();
    await manifest.close();
    throw error;
  }
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

/** Watches the NGINX master, whose ChildProcess the harness owns. */
function nginxProcess(pid: number): { alive(): boolean } {
  return { alive: () => pidAlive(pid) };
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
