/**
 * The two stacks the API benchmark compares, each behind its own real NGINX running the api config
 * the workloads stack renders (same binary, same settings, the app on the pod's unix socket):
 *
 * - ours: the shipped artifact, `node dist/server.js` with the container's environment
 *   (NODE_ENV=production, as the Dockerfile runs it);
 * - peer: the seed's stack, bench/peer/app.py under Gunicorn with aiohttp's uvloop worker.
 *
 * Both use the same MongoDB-wire server, each in its own database.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { apiPodSecrets, startPod, type RunningNginx, type RunningPod, type StartPodOptions } from '../../testing';
import { get, waitUntil } from '../../testing/util';
import { api } from '../../workloads/api';

const root = resolve(__dirname, '..', '..');
const apiDir = join(root, 'services', 'api');
export const PEER_VENV = join(root, '.venv', 'bench-peer');

export interface BenchStack {
  readonly name: string;
  readonly nginx: RunningNginx;
  /** The app's own metrics endpoint (the pod's METRICS_PORT), when it serves one. */
  readonly metricsUrl?: string;
  /** Processes whose CPU counts as the app's: the API process, or the Gunicorn workers. */
  appPids(): number[];
  /** Everything the app wrote (for errors). */
  output(): string;
  stop(): Promise<void>;
}

/** Compiles services/api to dist/ (what the image ships) and returns the entrypoint. */
export function buildApi(): string {
  const build = spawnSync('npm', ['run', 'build', '--workspace', 'services/api'], { cwd: root, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`npm run build -w services/api failed:\n${build.stdout}${build.stderr}`);
  return join(apiDir, 'dist', 'server.js');
}

export interface OursOptions {
  mongoUri: string;
  dbName: string;
  /** Extra node flags, e.g. --cpu-prof. */
  nodeArgs?: string[];
  env?: NodeJS.ProcessEnv;
  /** Also append everything the API writes to this file (e.g. for --trace-gc). */
  logFile?: string;
  /** Another build of services/api (its directory, with dist/ built) to run instead, e.g. a baseline. */
  apiDir?: string;
  /** @default 'ours' */
  name?: string;
  /** Run with the workload definition's node flags (WorkloadPod.nodeFlags), as its container does. @default true */
  podNodeFlags?: boolean;
}

/** The api pod (testing/: the workload definition's NGINX config, env and files) running the shipped `dist/server.js`. */
export async function startOurs(options: OursOptions): Promise<BenchStack> {
  const dir = options.apiDir ?? apiDir;
  const entry = join(dir, 'dist', 'server.js');
  if (!existsSync(entry)) throw new Error(`${entry} is missing; build it first (buildApi() for this checkout)`);
  return benchPod(options.name ?? 'ours', options.logFile, {
    secrets: apiPodSecrets(options.mongoUri),
    // Search off unless asked for (bench/search.ts): these figures compare the documents API with the peer's.
    appEnv: definedEnv({ MONGODB_DB: options.dbName, SEARCH_NODES: '', SEARCH_USERNAME: '', SEARCH_PASSWORD_FILE: '', SEARCH_CA_FILE: '', ...options.env }),
    appCommand: ({ nodeFlags }) => ({
      command: process.execPath,
      args: [...(options.podNodeFlags === false ? [] : nodeFlags), ...(options.nodeArgs ?? []), entry],
      cwd: dir,
    }),
  });
}

export interface PeerOptions {
  mongoUri: string;
  dbName: string;
  workers: number;
  env?: NodeJS.ProcessEnv;
}

/** The seed's stack in the api pod's place: the same NGINX config and socket, Gunicorn + aiohttp behind it. */
export async function startPeer(options: PeerOptions): Promise<BenchStack> {
  const gunicorn = join(PEER_VENV, 'bin', 'gunicorn');
  if (!existsSync(gunicorn)) throw new Error(`${gunicorn} is missing; run ci/install/bench-tools.sh`);
  return benchPod(`peer, ${options.workers} worker${options.workers === 1 ? '' : 's'}`, undefined, {
    secrets: apiPodSecrets(options.mongoUri),
    appEnv: definedEnv({ MONGODB_URI: options.mongoUri, MONGODB_DB: options.dbName, ...options.env }),
    appCommand: ({ socketPath }) => ({
      command: gunicorn,
      args: [
        '--chdir', join(root, 'bench', 'peer'),
        '--worker-class', 'aiohttp.GunicornUVLoopWebWorker',
        '--workers', String(options.workers),
        '--bind', `unix:${socketPath}`,
        // NGINX runs as another user: the socket must be connectable by others, as ours is.
        '--umask', '0',
        '--graceful-timeout', '5',
        // aiohttp's worker takes its idle keep-alive from Gunicorn (default 2 s): it must outlast
        // NGINX's upstream keepalive_timeout (60 s), or NGINX reuses connections the app just closed (502).
        '--keep-alive', '75',
        'app:create_app()',
      ],
      cwd: join(root, 'bench', 'peer'),
    }),
  });
}

function definedEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

async function benchPod(name: string, logFile: string | undefined, options: StartPodOptions): Promise<BenchStack> {
  // Loopback is the load balancer here; the benchmark's clients connect from it.
  const pod: RunningPod = await startPod(api, { name, trustedProxies: ['127.0.0.1'], ...options });
  if (logFile) pod.app.stdout!.on('data', (chunk: Buffer) => appendFileSync(logFile, chunk));
  if (logFile) pod.app.stderr!.on('data', (chunk: Buffer) => appendFileSync(logFile, chunk));
  try {
    // Ready is the process serving; a data read shows it is connected to MongoDB too.
    await waitUntil(`${name} to read MongoDB through NGINX`, 30_000, async () =>
      (await get(`${pod.baseUrl}/api/v1/documents?limit=1`).catch(() => undefined))?.status === 200);
  } catch (error) {
    await pod.stop();
    throw new Error(`${(error as Error).message}\n--- ${name} output ---\n${pod.appOutput().slice(-3000)}`);
  }
  return {
    name,
    nginx: pod.nginx,
    metricsUrl: pod.metricsUrl,
    // The Node process alone, or the Gunicorn master and its workers.
    appPids: () => [pod.app.pid!, ...childPids(pod.app.pid!)],
    output: () => pod.appOutput(),
    stop: () => pod.stop(),
  };
}

export function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}
