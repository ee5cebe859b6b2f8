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
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { apiNginxConfig } from '../../__tests__/live/api-stack';
import { httpRequest } from '../../__tests__/support/http';
import { RunningNginx, startNginx } from '../../__tests__/support/nginx';
import { waitFor } from '../../services/api/test/support/app';
import { apiContainerEnv } from '../../stacks/workloads-stack';

const root = resolve(__dirname, '..', '..');
const apiDir = join(root, 'services', 'api');
export const PEER_VENV = join(root, '.venv', 'bench-peer');

export interface BenchStack {
  readonly name: string;
  readonly nginx: RunningNginx;
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
}

export async function startOurs(options: OursOptions): Promise<BenchStack> {
  const dir = options.apiDir ?? apiDir;
  const entry = join(dir, 'dist', 'server.js');
  if (!existsSync(entry)) throw new Error(`${entry} is missing; build it first (buildApi() for this checkout)`);
  return startBehindNginx(options.name ?? 'ours', options.logFile, (socketPath, nginxDir) => {
    const uriFile = join(nginxDir, 'mongodb-uri');
    writeFileSync(uriFile, options.mongoUri);
    const env = { PATH: process.env.PATH, ...apiContainerEnv({ socketPath, mongodbUriFile: uriFile }), MONGODB_DB: options.dbName, ...options.env };
    return spawn(process.execPath, [...(options.nodeArgs ?? []), entry], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  });
}

export interface PeerOptions {
  mongoUri: string;
  dbName: string;
  workers: number;
  env?: NodeJS.ProcessEnv;
}

export async function startPeer(options: PeerOptions): Promise<BenchStack> {
  const gunicorn = join(PEER_VENV, 'bin', 'gunicorn');
  if (!existsSync(gunicorn)) throw new Error(`${gunicorn} is missing; run scripts/ci-install-bench-tools.sh`);
  return startBehindNginx(`peer, ${options.workers} worker${options.workers === 1 ? '' : 's'}`, undefined, (socketPath) =>
    spawn(
      gunicorn,
      [
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
      { env: { PATH: process.env.PATH, MONGODB_URI: options.mongoUri, MONGODB_DB: options.dbName, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] },
    ),
  );
}

async function startBehindNginx(name: string, logFile: string | undefined, spawnApp: (socketPath: string, dir: string) => ChildProcess): Promise<BenchStack> {
  const nginx = await startNginx({ config: (layout) => apiNginxConfig(layout, ['127.0.0.1']) });
  let proc: ChildProcess | undefined;
  let output = '';
  try {
    proc = spawnApp(nginx.layout.socketPath, nginx.dir);
    const collect = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-20_000);
      if (logFile) appendFileSync(logFile, chunk);
    };
    proc.stdout!.on('data', collect);
    proc.stderr!.on('data', collect);
    const app = proc;
    // Ready and connected: through NGINX, /readyz 200, and a data read that works.
    await waitFor(
      `${name} to serve through NGINX`,
      async () => {
        if (app.exitCode !== null) throw new Error(`${name} exited with ${app.exitCode}:\n${output}`);
        const ready = await httpRequest(nginx.baseUrl, '/readyz').catch(() => undefined);
        if (ready?.status !== 200) return false;
        return (await httpRequest(nginx.baseUrl, '/api/v1/documents?limit=1').catch(() => undefined))?.status === 200;
      },
      30_000,
    );
  } catch (error) {
    proc?.kill('SIGKILL');
    await nginx.stop();
    throw new Error(`${(error as Error).message}\n--- ${name} output ---\n${output.slice(-3000)}`);
  }
  const app = proc;
  return {
    name,
    nginx,
    // The Node process alone, or the Gunicorn master and its workers.
    appPids: () => [app.pid!, ...childPids(app.pid!)],
    output: () => output,
    stop: async () => {
      if (app.exitCode === null && app.signalCode === null) {
        const exited = new Promise((done) => app.once('exit', done));
        app.kill('SIGTERM');
        const force = setTimeout(() => app.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(force);
      }
      await nginx.stop();
    },
  };
}

function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}
